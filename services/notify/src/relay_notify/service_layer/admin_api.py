"""What the API's administrators and readers ask of notify beyond the feed and the
webhooks: notifications (who was told what, per ticket), settings, templates (checked
when saved: a template that cannot render is refused with its line and reason), tests
of the SMTP and SMS settings."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

from sqlalchemy import delete, select, update

from relay_notify.adapters.orm import notifications, people, templates
from relay_notify.domain import sms_text
from relay_notify.domain import templates as tpl
from relay_notify.domain.recipients import Recipient
from relay_notify.service_layer import config, copies, feed, mail
from relay_notify.service_layer.planner import FAILED, PENDING
from relay_notify.service_layer.templating import DESIGN, Library, context, template_key
from relaykit.errors import Conflict, InvalidInput, NotFound
from relaykit.identity import ADMINISTRATOR, LEAD_SPECIALIST, SPECIALIST, Identity
from relaykit.service import Runtime

SHOWN = [c for c in notifications.c if c.name not in ("html", "next_attempt_at")]


# -- notifications --------------------------------------------------------------------------------
def _may_see(session, who: Identity, ticket: dict[str, Any] | None) -> bool:
    if who.role != SPECIALIST:
        return True
    if ticket is None:
        return False
    groups = set(
        (
            session.scalar(select(people.c.data).where(people.c.kind == "employee", people.c.id == who.subject)) or {}
        ).get("groups")
        or ()
    )
    parties = [ticket.get("responsible") or {}, *(ticket.get("observers") or ())]
    return any(
        (p.get("kind") == "employee" and p.get("id") == who.subject)
        or (p.get("kind") == "group" and p.get("id") in groups)
        for p in parties
    )


def list_notifications(runtime: Runtime, who: Identity, query: dict[str, Any]) -> dict[str, Any]:
    stmt = select(*SHOWN)
    with runtime.db.session() as session:
        if number := query.get("ticket"):
            ticket = copies.ticket(session, number=number)
            if not _may_see(session, who, ticket):
                raise NotFound(f"no ticket #{number}", field="ticket")
            stmt = stmt.where(notifications.c.ticket_number == number)
        elif who.role not in (ADMINISTRATOR, LEAD_SPECIALIST) and who.role != "system":
            raise InvalidInput("a specialist lists the notifications of one ticket: give `ticket`", field="ticket")
        for name in ("state", "channel"):
            if query.get(name):
                stmt = stmt.where(notifications.c[name] == query[name])
        if after := query.get("after"):
            stmt = stmt.where(feed.after_cursor(after))
        limit = query["limit"]
        rows = [
            dict(r)
            for r in session.execute(
                stmt.order_by(notifications.c.created_at.desc(), notifications.c.id.desc()).limit(limit + 1)
            ).mappings()
        ]
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next": f"{rows[-1]['created_at'].isoformat()}|{rows[-1]['id']}" if more and rows else None}


def retry(runtime: Runtime, id_: str) -> dict[str, Any]:
    with runtime.db.session() as session:
        row = session.execute(select(*SHOWN).where(notifications.c.id == id_)).mappings().first()
        if row is None:
            raise NotFound(f"no notification {id_}", field="id")
        if row["state"] not in (FAILED, "suppressed"):
            raise Conflict(f"the notification is {row['state']}, not failed", field="id")
        session.execute(
            update(notifications)
            .where(notifications.c.id == id_)
            .values(state=PENDING, attempts=0, next_attempt_at=runtime.clock.now())
        )
        session.commit()
        return dict(session.execute(select(*SHOWN).where(notifications.c.id == id_)).mappings().one())


# -- settings ------------------------------------------------------------------------------------
def read_setting(runtime: Runtime, key: str) -> dict[str, Any]:
    with runtime.db.session() as session:
        value = config.get(runtime, session, key)
        if key == "switches":
            value = config.switches(runtime, session).to_config() | {
                "switches": config.switches(runtime, session).table()
            }
    return config.public(key, value)


def write_setting(runtime: Runtime, key: str, body: dict[str, Any]) -> dict[str, Any]:
    with runtime.db.session() as session:
        if key == "sms" and body.get("url_template"):
            from relay_notify.adapters import webhooks as hooks

            production = bool(config.get(runtime, session, "delivery").get("production"))
            try:
                hooks.check_url(body["url_template"].replace("{to}", "0").replace("{text}", "x"), production=production)
            except hooks.UnsafeUrl as err:
                raise InvalidInput(f"the gateway URL is refused: {err.reason}", field="url_template") from None
        if key == "sms":
            for name in ("employee_text", "contact_text"):
                try:
                    sms_text.check(body.get(name) or "")
                except sms_text.BadSmsTemplate as err:
                    raise InvalidInput(f"the SMS text is refused: {err.reason}", field=name) from None
        if key == "switches":
            current = config.switches(runtime, session).to_config()
            body = {**current, **body}
        config.put(runtime, session, key, body)
        session.commit()
    return read_setting(runtime, key)


def test_mail(runtime: Runtime, to: str) -> dict[str, Any]:
    with runtime.db.session() as session:
        smtp = config.get(runtime, session, "smtp")
        desk = config.get(runtime, session, "desk")
    msg = EmailMessage()
    msg["From"] = formataddr((smtp.get("from_name") or "", smtp.get("from_address") or "support@relay.local"))
    msg["To"] = to
    msg["Subject"] = f"{desk.get('name') or 'Relay'}: test mail"
    msg["Message-ID"] = make_msgid(domain="relay.local")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content("This is a test mail from Relay's notification settings. It arrived: the SMTP settings work.")
    out = mail.transport(runtime, smtp).send(msg, [to])
    return {"ok": out.ok, "permanent": out.permanent, "error": out.error}


def test_sms(runtime: Runtime, to: str) -> dict[str, Any]:
    with runtime.db.session() as session:
        sms = config.get(runtime, session, "sms")
        production = bool(config.get(runtime, session, "delivery").get("production"))
    out = mail.send_sms({**sms, "enabled": True}, to, "Relay: test message", production=production)
    return {"ok": out.ok, "permanent": out.permanent, "error": out.error}


# -- templates -----------------------------------------------------------------------------------
def _known(key: str, language: str) -> str:
    if language not in tpl.LANGUAGES:
        raise NotFound(f"no language {language!r}: {', '.join(tpl.LANGUAGES)}", field="language")
    if key == DESIGN:
        return key
    full = template_key(key)
    if full not in tpl.KEYS:
        raise NotFound(f"no notification {key!r}", field="key")
    return full


def _template_doc(session, key: str, language: str) -> dict[str, Any]:
    row = (
        session.execute(select(templates).where(templates.c.key == key, templates.c.language == language))
        .mappings()
        .first()
    )
    if key == DESIGN:
        d = tpl.shipped_design(language)
        base = {"subject": "", "text": d.text, "html": d.html}
    else:
        t = tpl.shipped(key, language)
        base = {"subject": t.subject, "text": t.text, "html": t.html}
    if row:
        base = {"subject": row["subject"], "text": row["text"], "html": row["html"]}
    return {
        "key": key,
        "language": language,
        **base,
        "customised": row is not None,
        "updated_at": row["updated_at"] if row else None,
    }


def list_templates(runtime: Runtime) -> dict[str, Any]:
    with runtime.db.session() as session:
        return {"items": [_template_doc(session, k, lang) for k in (*tpl.KEYS, DESIGN) for lang in tpl.LANGUAGES]}


def variables() -> dict[str, Any]:
    return {"variables": dict(tpl.VARIABLES)}


def get_template(runtime: Runtime, key: str, language: str) -> dict[str, Any]:
    key = _known(key, language)
    with runtime.db.session() as session:
        return _template_doc(session, key, language)


def _refuse(err: tpl.TemplateError) -> InvalidInput:
    field = {"design_html": "html", "design_text": "text"}.get(err.part, err.part)
    return InvalidInput(str(err), field=field, line=err.line, reason=err.reason)


def put_template(runtime: Runtime, key: str, language: str, body: dict[str, Any], who: str) -> dict[str, Any]:
    key = _known(key, language)
    try:
        if key == DESIGN:
            tpl.validate(
                tpl.shipped("customer.registered", language), design=tpl.Design(body.get("html") or "", body["text"])
            )
        else:
            tpl.validate(tpl.TemplateSet(body["subject"], body["text"], body.get("html")))
    except tpl.TemplateError as err:
        raise _refuse(err) from None
    from relaykit.db import upsert

    with runtime.db.session() as session:
        upsert(
            session,
            templates,
            {
                "key": key,
                "language": language,
                "subject": body.get("subject") or "",
                "text": body["text"],
                "html": body.get("html"),
                "updated_at": runtime.clock.now(),
                "updated_by": who,
            },
            ["key", "language"],
        )
        session.commit()
        return _template_doc(session, key, language)


def reset_template(runtime: Runtime, key: str, language: str) -> dict[str, Any]:
    key = _known(key, language)
    with runtime.db.session() as session:
        session.execute(delete(templates).where(templates.c.key == key, templates.c.language == language))
        session.commit()
        return _template_doc(session, key, language)


def preview(runtime: Runtime, key: str, language: str, body: dict[str, Any]) -> dict[str, Any]:
    key = _known(key, language)
    if key == DESIGN:
        raise InvalidInput("preview a notification: the design shows around it", field="key")
    ts = tpl.TemplateSet(body["subject"], body["text"], body.get("html"))
    try:
        tpl.validate(ts)
        with runtime.db.session() as session:
            library = Library(session)
            if number := body.get("ticket"):
                ticket = copies.ticket(session, number=number)
                if ticket is None:
                    raise NotFound(f"no ticket #{number} known to notify", field="ticket")
                names = copies.Directory(session)
                customers = config.get(runtime, session, "customers")
                who = Recipient(
                    "customer" if key.startswith("customer.") else "employee",
                    "contact",
                    None,
                    names.name(ticket.get("contact")) or "",
                    "preview@example.com",
                )
                ctx = context(
                    ticket=ticket,
                    names=names,
                    recipient=who,
                    language=language,
                    desk=config.get(runtime, session, "desk"),
                    zone=customers.get("time_zone") or "UTC",
                    secret=runtime.settings.identity_secret,
                )
            else:
                ctx = tpl.sample_context(language, key)
            r = tpl.render(ts, library.design(language), ctx)
    except tpl.TemplateError as err:
        raise _refuse(err) from None
    return {"subject": r.subject, "text": r.text, "html": r.html}
