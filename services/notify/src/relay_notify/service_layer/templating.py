"""Templates as the desk has them: an administrator's saved version of a notification in
a language, else the shipped one; and the variables a message about a ticket is
rendered with, for one recipient, in their language and the desk's time zone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from relay_notify.adapters.orm import templates
from relay_notify.domain import templates as tpl
from relay_notify.domain.recipients import Recipient
from relaykit import mail_tokens

DESIGN = "_design"


def template_key(notification: str) -> str:
    """The templates' name of a notification: `<audience>.<event>` (`customer.resolved`)."""
    if "." in notification:
        return notification
    if notification == "customer_status_changed":
        return "customer.status_changed"
    from relay_notify.domain.switches import NOTIFICATIONS

    audience = NOTIFICATIONS[notification][0] if notification in NOTIFICATIONS else "employee"
    return f"{audience}.{notification}"


class Library:
    """Templates for one unit of work: each (key, language) read once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._sets: dict[tuple[str, str], tpl.TemplateSet] = {}
        self._designs: dict[str, tpl.Design] = {}

    def _row(self, key: str, language: str):
        return self.session.execute(
            select(templates.c.subject, templates.c.text, templates.c.html).where(
                templates.c.key == key, templates.c.language == language
            )
        ).first()

    def template(self, notification: str, language: str) -> tpl.TemplateSet:
        key = template_key(notification)
        found = self._sets.get((key, language))
        if found is None:
            row = self._row(key, language)
            found = tpl.TemplateSet(row.subject, row.text, row.html) if row else tpl.shipped(key, language)
            self._sets[(key, language)] = found
        return found

    def design(self, language: str) -> tpl.Design:
        found = self._designs.get(language)
        if found is None:
            row = self._row(DESIGN, language)
            found = tpl.Design(row.html or "", row.text) if row else tpl.shipped_design(language)
            self._designs[language] = found
        return found


def _when(value: str | None, language: str, zone: str) -> str:
    return tpl.format_datetime(datetime.fromisoformat(value), language, zone) if value else ""


def context(
    *,
    ticket: dict[str, Any],
    names: Any,
    recipient: Recipient,
    language: str,
    desk: dict[str, Any],
    zone: str,
    secret: str,
    actor: dict[str, Any] | None = None,
    comment: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Every variable of `tpl.VARIABLES`, blank where the event has no value for it."""
    base = desk.get("url", "").rstrip("/")
    number = ticket.get("number")
    contact = ticket.get("contact")
    links = {"rate_good": "", "rate_bad": "", "reopen": "", "unsubscribe": ""}
    if recipient.audience == "customer" and recipient.id and number:
        who = recipient.id if recipient.kind != "company" else f"company_{recipient.id}"
        for action, key in (("rate_good", "rate_good"), ("rate_bad", "rate_bad"), ("reopen", "reopen")):
            links[key] = f"{base}/feedback/{mail_tokens.link_token(action, number, who, secret)}"
    if recipient.kind == "employee" and recipient.id:
        links["unsubscribe"] = f"{base}/notifications/preferences"
    ctx: dict[str, Any] = {
        "ticket": {
            "number": number or "",
            "subject": ticket.get("subject") or "",
            "description": ticket.get("description") or "",
            "status": ticket.get("status") or "",
            "status_name": names.label("statuses", ticket.get("status")),
            "priority": ticket.get("priority") or "",
            "priority_name": names.label("priorities", ticket.get("priority")),
            "type": ticket.get("type") or "",
            "type_name": names.label("types", ticket.get("type")),
            "responsible": names.name(ticket.get("responsible")),
            "contact": names.name(contact),
            "company": names.name({"kind": "company", "id": ticket["company_id"]}) if ticket.get("company_id") else "",
            "planned_reaction_at": _when(ticket.get("planned_reaction_at"), language, zone),
            "planned_resolution_at": _when(ticket.get("planned_resolution_at"), language, zone),
            "url": f"{base}/tickets/{number}" if number else base,
            "portal_url": f"{base}/portal/tickets/{number}" if number else f"{base}/portal",
        },
        "comment": {
            "text": (comment or {}).get("text") or (comment or {}).get("body") or "",
            "html": (comment or {}).get("body") if (comment or {}).get("format") == "html" else "",
            "author": names.name((comment or {}).get("author"))
            or ((comment or {}).get("author") or {}).get("name")
            or "",
            "public": bool((comment or {}).get("public")),
        },
        "recipient": {"name": recipient.name, "email": recipient.email or "", "kind": recipient.kind},
        "actor": {"name": (actor or {}).get("name") or names.name(actor) or ""},
        "desk": {
            "name": desk.get("name") or "Relay",
            "colour": desk.get("colour") or "",
            "logo_url": desk.get("logo_url") or "",
            "url": base,
        },
        "links": links,
        "sla": {"clock": "", "due_at": "", "percent": ""},
        "merged_into": {"number": "", "subject": ""},
        "status": {"from_name": "", "to_name": ""},
        "failure": {"address": "", "reason": ""},
        "webhook": {"url": "", "failures": ""},
        "reply_separator": tpl.reply_separator(language),
    }
    for section, values in (extra or {}).items():
        ctx[section] = {**ctx.get(section, {}), **values}
    return ctx
