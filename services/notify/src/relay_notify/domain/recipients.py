"""Who hears about an event, by which channel: pure rules over the event and copies of
the directory, with no database and no templates.

Employees: the responsible (a group: its notification list), the observers (employees
and the members of observer groups), the mentioned; never the one who caused the event
unless they asked for copies of their own actions; inactive employees never.
Customers: the ticket's contact, or the company's email when the contact has none; the
company's copy by the copy mode; the contact's copy-to address. Internal tickets and
private comments never reach a customer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from relay_notify.domain.switches import CUSTOMER, EMAIL, EMPLOYEE, INAPP, SMS, Switches, audience

# The company-copy modes: when the company's own address gets what the contact is sent.
COPY_ALWAYS, COPY_NO_CONTACT_EMAIL, COPY_NO_CONTACT = "always", "no_contact_email", "no_contact"
COPY_MODES = (COPY_ALWAYS, COPY_NO_CONTACT_EMAIL, COPY_NO_CONTACT)

Lookup = Callable[[str, str], dict[str, Any] | None]  # (kind, id) -> the entry's snapshot


@dataclass(frozen=True)
class Preferences:
    """An employee's own choices (the settings page's 'my notifications')."""

    channels: dict[str, bool] = field(default_factory=lambda: {EMAIL: True, SMS: True, INAPP: True})
    own_actions: bool = False
    language: str | None = None

    @classmethod
    def from_data(cls, data: dict[str, Any] | None) -> Preferences:
        if not data:
            return cls()
        base = cls().channels
        return cls(
            {c: bool((data.get("channels") or {}).get(c, base[c])) for c in base},
            bool(data.get("own_actions", False)),
            data.get("language") or None,
        )


@dataclass(frozen=True)
class Recipient:
    audience: str  # employee | customer
    kind: str  # employee | contact | company | address
    id: str | None
    name: str
    email: str | None
    phone: str | None = None
    language: str | None = None
    # Why they hear of it (responsible, group list, observer, mentioned, contact, company copy,
    # copy-to), kept on the notification for the card's 'who was told'.
    reason: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}" if self.id else f"address:{(self.email or '').lower()}"


@dataclass(frozen=True)
class Delivery:
    notification: str
    recipient: Recipient
    channel: str

    @property
    def address(self) -> str:
        if self.channel == INAPP:
            return self.recipient.id or ""
        if self.channel == SMS:
            return self.recipient.phone or ""
        return (self.recipient.email or "").lower()


@dataclass(frozen=True)
class Event:
    """What happened, reduced to what the rules read."""

    type: str
    ticket: dict[str, Any]
    actor: dict[str, Any]
    comment: dict[str, Any] | None = None
    status_to: str | None = None
    status_reason: str | None = None
    responsible_before: dict[str, Any] | None = None
    merged_contact: dict[str, Any] | None = None


@dataclass(frozen=True)
class Audience:
    """Everything but the event the rules read: the switches, the desk's customer settings,
    the directory and the employees' preferences."""

    switches: Switches
    lookup: Lookup
    preferences: Callable[[str], Preferences]
    company_copy: str = COPY_NO_CONTACT_EMAIL
    sms_ready: bool = False


def notifications_for(event: Event) -> list[str]:
    """The notifications an event can make, before recipients and switches."""
    t, ticket = event.type, event.ticket
    if t == "ticket.created":
        out = ["registered", "created"]
        if ticket.get("responsible"):
            out.append("assigned")
        return out
    if t == "ticket.assigned":
        after = ticket.get("responsible")
        return ["assigned"] if after and after != event.responsible_before else []
    if t == "ticket.comment_added":
        comment = event.comment or {}
        author = comment.get("author") or event.actor
        out = ["mention"] if comment.get("mentions") else []
        if author.get("kind") == "contact":
            out.append("customer_comment")
        elif author.get("kind") == "employee":
            out.append("employee_comment")
            if comment.get("public"):
                out.append("public_comment")
        return out
    if t == "ticket.status_changed":
        to = event.status_to or ticket.get("status")
        if to == "resolved":
            return ["resolved", "status_changed"]
        if to == "closed":
            # A ticket closed by a merge tells its contact with `merged` instead.
            merged = (event.status_reason or "").startswith("merged")
            return ["status_changed"] if merged else ["closed", "status_changed"]
        return ["status_changed", "customer_status_changed"]
    if t == "ticket.merged":
        return ["merged"]
    if t in ("sla.warning", "sla.breached"):
        return ["sla_warning" if t == "sla.warning" else "sla_breached"]
    return []


def plan(event: Event, who: Audience) -> list[Delivery]:
    """Every (notification, recipient, channel) the event makes, each recipient once per
    channel: the first notification that reaches them wins (a mentioned observer gets the
    mention, not also the comment)."""
    out: list[Delivery] = []
    taken: set[tuple[str, str]] = set()
    for name in notifications_for(event):
        if name in ("status_changed", "customer_status_changed") and not who.switches.status_wanted(
            event.status_to or event.ticket.get("status") or ""
        ):
            continue
        people = _employees(name, event, who) if audience(name) == EMPLOYEE else _customers(name, event, who)
        for person in people:
            for channel in _channels(name, person, who):
                d = Delivery(name, person, channel)
                mark = (channel, person.key)
                if d.address and mark not in taken:
                    taken.add(mark)
                    out.append(d)
    return out


def _channels(name: str, person: Recipient, who: Audience) -> list[str]:
    chans = []
    prefs = who.preferences(person.id) if person.kind == "employee" and person.id else None
    for channel in (EMAIL, SMS, INAPP):
        if not who.switches.enabled(name, channel):
            continue
        if channel == INAPP and person.kind != "employee":
            continue
        if channel == SMS and (not who.sms_ready or not person.phone):
            continue
        if channel == EMAIL and not person.email:
            continue
        if prefs is not None and not prefs.channels.get(channel, True):
            continue
        chans.append(channel)
    return chans


# -- employees --------------------------------------------------------------------------------
def _employee(who: Audience, employee_id: str, reason: str) -> Recipient | None:
    e = who.lookup("employee", employee_id)
    if not e or not e.get("active", True):
        return None
    prefs = who.preferences(employee_id)
    return Recipient(
        EMPLOYEE, "employee", employee_id, e.get("name") or "", e.get("email"), e.get("phone"), prefs.language, reason
    )


def _group_list(who: Audience, group_id: str) -> list[Recipient]:
    g = who.lookup("group", group_id)
    if not g or not g.get("active", True):
        return []
    listed = g.get("notification_list") or {}
    out = [r for eid in listed.get("employees") or () if (r := _employee(who, eid, "group list"))]
    name = g.get("name") or ""
    out += [Recipient(EMPLOYEE, "address", None, name, a, reason="group list") for a in listed.get("emails") or ()]
    return out


def _responsible(who: Audience, ticket: dict[str, Any]) -> list[Recipient]:
    r = ticket.get("responsible") or {}
    if r.get("kind") == "employee":
        return [p] if (p := _employee(who, r["id"], "responsible")) else []
    if r.get("kind") == "group":
        return _group_list(who, r["id"])
    return []


def _observers(who: Audience, ticket: dict[str, Any]) -> list[Recipient]:
    out: list[Recipient] = []
    for o in ticket.get("observers") or ():
        if o.get("kind") == "employee":
            if p := _employee(who, o["id"], "observer"):
                out.append(p)
        elif o.get("kind") == "group" and (g := who.lookup("group", o["id"])) and g.get("active", True):
            out += [p for m in g.get("members") or () if (p := _employee(who, m, "observer group"))]
    return out


def _employees(name: str, event: Event, who: Audience) -> list[Recipient]:
    ticket = event.ticket
    if name == "mention":
        mentions = (event.comment or {}).get("mentions") or ()
        people = [p for m in mentions if m.get("kind") == "employee" and (p := _employee(who, m["id"], "mentioned"))]
    elif name == "assigned":
        people = _responsible(who, ticket)
    elif name == "created":
        r = ticket.get("responsible") or {}
        people = _group_list(who, r["id"]) if r.get("kind") == "group" else []
    else:
        people = _responsible(who, ticket) + _observers(who, ticket)
    actor = event.actor or {}
    out, seen = [], set()
    for p in people:
        if p.key in seen:
            continue
        seen.add(p.key)
        if actor.get("kind") == "employee" and p.id == actor.get("id") and not who.preferences(p.id).own_actions:
            continue
        out.append(p)
    return out


# -- customers --------------------------------------------------------------------------------
def _customers(name: str, event: Event, who: Audience) -> list[Recipient]:
    ticket = event.ticket
    if ticket.get("internal"):
        return []
    if event.comment is not None and not event.comment.get("public"):
        return []
    contact_ref = event.merged_contact if name == "merged" else ticket.get("contact")
    company = who.lookup("company", ticket["company_id"]) if ticket.get("company_id") else None
    company_email = (company or {}).get("email") if (company or {}).get("active", True) else None
    out: list[Recipient] = []
    contact_email = None
    if contact_ref and contact_ref.get("kind") == "contact":
        c = who.lookup("contact", contact_ref["id"])
        if c and c.get("active", True):
            emails = c.get("emails") or []
            contact_email = emails[0] if emails else None
            phones = c.get("phones") or []
            out.append(
                Recipient(
                    CUSTOMER,
                    "contact",
                    c["id"],
                    c.get("name") or "",
                    contact_email,
                    phones[0] if phones else None,
                    reason="contact",
                )
            )
            if c.get("copy_to"):
                out.append(Recipient(CUSTOMER, "address", None, c.get("name") or "", c["copy_to"], reason="copy-to"))
    elif contact_ref and contact_ref.get("kind") == "employee" and (p := _employee(who, contact_ref["id"], "contact")):
        # An employee who asked for something is told as its requester.
        out.append(Recipient(CUSTOMER, "employee", p.id, p.name, p.email, p.phone, p.language, "contact"))
        contact_email = p.email
    # The company's address: the fallback when the contact has none (always), a copy by
    # the copy mode otherwise: on everything, or on tickets with no contact at all.
    mode = who.company_copy
    fallback = bool(contact_ref) and not contact_email
    if company_email and (fallback or mode == COPY_ALWAYS or (mode == COPY_NO_CONTACT and not contact_ref)):
        out.append(
            Recipient(CUSTOMER, "company", company["id"], company.get("name") or "", company_email, reason="company")
        )
    # The author of a comment is not sent their own words back.
    actor = event.actor or {}
    author = ((event.comment or {}).get("author") or actor) if event.comment else actor
    drop = author.get("id") if name == "public_comment" else None
    out = [r for r in out if not (drop and r.id == drop)]
    # Mentioned contacts of a public comment hear of it too.
    if name == "public_comment":
        for m in (event.comment or {}).get("mentions") or ():
            if m.get("kind") == "contact" and (c := who.lookup("contact", m["id"])) and c.get("emails"):
                out.append(
                    Recipient(CUSTOMER, "contact", c["id"], c.get("name") or "", c["emails"][0], reason="mentioned")
                )
    seen: set[str] = set()
    unique = []
    for r in out:
        mail = (r.email or "").lower()
        if mail and mail in seen:
            continue
        seen.add(mail)
        unique.append(r)
    return unique
