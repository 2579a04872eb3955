"""Administering calendars and SLA rules.

Every input is checked before it is stored: a calendar must parse (time zone,
intervals) and have working time to give deadlines with; a rule's conditions must fit
their declaration (relay_sla.domain.rules.CONDITIONS), and may only name calendars
that exist and ticket types, priorities and client categories the tickets service has
announced (settings.changed).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from relay_sla.adapters.orm import calendars, catalog, rules
from relay_sla.domain.calendar import calendar_to_json, parse_calendar, require_working_time
from relay_sla.domain.holidays_import import import_holidays
from relay_sla.domain.rules import CONDITIONS, parse_minute
from relay_sla.service_layer.book import book
from relaykit.errors import Conflict, InvalidInput, NotFound
from relaykit.service import Runtime

# -- calendars ----------------------------------------------------------------------


def _calendar_out(row) -> dict[str, Any]:
    return dict(row._mapping)


def list_calendars(runtime: Runtime) -> list[dict[str, Any]]:
    with runtime.db.reading() as s:
        return [_calendar_out(r) for r in s.execute(select(calendars).order_by(calendars.c.id))]


def get_calendar(runtime: Runtime, calendar_id: int) -> dict[str, Any]:
    with runtime.db.reading() as s:
        return _calendar_out(_calendar_row(s, calendar_id))


def _calendar_row(s: Session, calendar_id: int):
    row = s.execute(select(calendars).where(calendars.c.id == calendar_id)).first()
    if row is None:
        raise NotFound(f"there is no calendar {calendar_id}")
    return row


def _normalised(definition: dict[str, Any]) -> dict[str, Any]:
    try:
        return calendar_to_json(require_working_time(parse_calendar(definition)))
    except InvalidInput as exc:
        raise exc.within("definition") from None


def create_calendar(runtime: Runtime, body: dict[str, Any]) -> dict[str, Any]:
    now = runtime.clock.now()
    values = {"name": body["name"], "definition": _normalised(body["definition"]), "version": 1}
    with runtime.db.sessions() as s:
        try:
            new_id = s.execute(insert(calendars).values(**values, created_at=now, updated_at=now)).inserted_primary_key[
                0
            ]
            s.commit()
        except IntegrityError as exc:
            raise Conflict(f"a calendar named {body['name']!r} exists", field="name") from exc
        return _calendar_out(_calendar_row(s, new_id))


def update_calendar(runtime: Runtime, calendar_id: int, body: dict[str, Any]) -> dict[str, Any]:
    with runtime.db.sessions() as s:
        row = _calendar_row(s, calendar_id)
        values: dict[str, Any] = {"version": row.version + 1, "updated_at": runtime.clock.now()}
        if "name" in body:
            values["name"] = body["name"]
        if "definition" in body:
            values["definition"] = _normalised(body["definition"])
        try:
            s.execute(update(calendars).where(calendars.c.id == calendar_id).values(**values))
            s.commit()
        except IntegrityError as exc:
            raise Conflict(f"a calendar named {body.get('name')!r} exists", field="name") from exc
        return _calendar_out(_calendar_row(s, calendar_id))


def delete_calendar(runtime: Runtime, calendar_id: int) -> None:
    with runtime.db.sessions() as s:
        _calendar_row(s, calendar_id)
        users = [
            r.name
            for r in s.execute(select(rules.c.name, rules.c.conditions, rules.c.calendar_id))
            if r.calendar_id == calendar_id or (r.conditions.get("registered") or {}).get("calendar_id") == calendar_id
        ]
        if users:
            raise Conflict(f"rules use this calendar: {', '.join(sorted(users))}", field="calendar_id")
        s.execute(delete(calendars).where(calendars.c.id == calendar_id))
        s.commit()


def add_holidays(runtime: Runtime, calendar_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Add a country's public holidays of a year as days off; days already listed as
    exceptions (a changed day the administrator set) are kept as they are."""
    found = import_holidays(body["country"], body["year"], body.get("subdivision"))
    with runtime.db.sessions() as s:
        definition = dict(_calendar_row(s, calendar_id).definition)
    known = {e["date"] for e in definition.get("exceptions", [])}
    definition["exceptions"] = list(definition.get("exceptions", [])) + [e for e in found if e["date"] not in known]
    try:
        return update_calendar(runtime, calendar_id, {"definition": definition})
    except InvalidInput as exc:
        # The stored calendar was fine: what the import adds (days off) is what breaks it.
        raise InvalidInput(
            f"the holidays of {body['country']} {body['year']} cannot be added: {exc.detail}", field="year"
        ) from exc


# -- rules --------------------------------------------------------------------------

RULE_FIELDS = (
    "name",
    "enabled",
    "conditions",
    "calendar_id",
    "reaction_minutes",
    "resolution_minutes",
    "warn_fractions",
)


def list_rules(runtime: Runtime) -> list[dict[str, Any]]:
    with runtime.db.reading() as s:
        rows = s.execute(select(rules).order_by(rules.c.is_default, rules.c.position, rules.c.id))
        return [dict(r._mapping) for r in rows]


def get_rule(runtime: Runtime, rule_id: int) -> dict[str, Any]:
    with runtime.db.reading() as s:
        return dict(_rule_row(s, rule_id)._mapping)


def _rule_row(s: Session, rule_id: int):
    row = s.execute(select(rules).where(rules.c.id == rule_id)).first()
    if row is None:
        raise NotFound(f"there is no SLA rule {rule_id}")
    return row


def create_rule(runtime: Runtime, body: dict[str, Any]) -> dict[str, Any]:
    now = runtime.clock.now()
    with runtime.db.sessions() as s:
        values = _checked_rule(s, body)
        last = s.scalar(select(func.max(rules.c.position)).where(rules.c.is_default.is_(False))) or 0
        values.setdefault("enabled", True)
        values.setdefault("warn_fractions", [0.75])
        values.setdefault("conditions", {})
        try:
            new_id = s.execute(
                insert(rules).values(
                    **values, position=last + 10, is_default=False, version=1, created_at=now, updated_at=now
                )
            ).inserted_primary_key[0]
            s.commit()
        except IntegrityError as exc:
            raise Conflict(f"a rule named {body['name']!r} exists", field="name") from exc
        book(runtime).forget_rules()
        return dict(_rule_row(s, new_id)._mapping)


def update_rule(runtime: Runtime, rule_id: int, body: dict[str, Any]) -> dict[str, Any]:
    with runtime.db.sessions() as s:
        row = _rule_row(s, rule_id)
        if row.is_default and (body.get("conditions") or body.get("enabled") is False):
            raise Conflict(
                "the default rule applies to every ticket no other rule takes: it has no conditions "
                "and cannot be disabled",
                field="conditions" if body.get("conditions") else "enabled",
            )
        values = _checked_rule(s, body)
        try:
            s.execute(
                update(rules)
                .where(rules.c.id == rule_id)
                .values(**values, version=row.version + 1, updated_at=runtime.clock.now())
            )
            s.commit()
        except IntegrityError as exc:
            raise Conflict(f"a rule named {body.get('name')!r} exists", field="name") from exc
        book(runtime).forget_rules()
        return dict(_rule_row(s, rule_id)._mapping)


def delete_rule(runtime: Runtime, rule_id: int) -> None:
    with runtime.db.sessions() as s:
        if _rule_row(s, rule_id).is_default:
            raise Conflict("the default rule cannot be deleted", field="rule_id")
        s.execute(delete(rules).where(rules.c.id == rule_id))
        s.commit()
    book(runtime).forget_rules()


def reorder_rules(runtime: Runtime, ids: list[int]) -> list[dict[str, Any]]:
    """Put the rules in this order (every rule but the default, which stays last)."""
    with runtime.db.sessions() as s:
        existing = set(s.scalars(select(rules.c.id).where(rules.c.is_default.is_(False))))
        if len(ids) != len(set(ids)) or set(ids) != existing:
            raise InvalidInput(f"list every rule except the default exactly once: {sorted(existing)}", field="ids")
        for position, rule_id in enumerate(ids, start=1):
            s.execute(update(rules).where(rules.c.id == rule_id).values(position=position * 10))
        s.commit()
    book(runtime).forget_rules()
    return list_rules(runtime)


def _checked_rule(s: Session, body: dict[str, Any]) -> dict[str, Any]:
    values = {k: body[k] for k in RULE_FIELDS if k in body}
    if "calendar_id" in values:
        _known_calendar(s, values["calendar_id"], "calendar_id")
        _calendar_with_working_time(s, values["calendar_id"])
    for name in ("reaction_minutes", "resolution_minutes"):
        if values.get(name) is not None and values[name] <= 0:
            raise InvalidInput("a time must be positive (or null: no target)", field=name)
    for i, fraction in enumerate(values.get("warn_fractions") or ()):
        if not 0 < fraction < 1:
            raise InvalidInput(
                "a warning comes at a share of the time between 0 and 1 (e.g. 0.75)", field=f"warn_fractions.{i}"
            )
    if "conditions" in values:
        values["conditions"] = _checked_conditions(s, values["conditions"] or {})
    return values


def _known_calendar(s: Session, calendar_id: int, field: str) -> None:
    if s.scalar(select(calendars.c.id).where(calendars.c.id == calendar_id)) is None:
        raise InvalidInput(f"there is no calendar {calendar_id}", field=field)


def _calendar_with_working_time(s: Session, calendar_id: int) -> None:
    # Calendars are refused without working time now; one stored before that was checked
    # would leave every ticket of the rule without deadlines.
    definition = s.scalar(select(calendars.c.definition).where(calendars.c.id == calendar_id))
    try:
        require_working_time(parse_calendar(definition))
    except InvalidInput as exc:
        raise InvalidInput(f"calendar {calendar_id} cannot give deadlines: {exc.detail}", field="calendar_id") from exc


def _checked_conditions(s: Session, doc: dict[str, Any]) -> dict[str, Any]:
    # The request schema has loaded them already; this keeps callers that are not routes
    # (a demo loader, a script) to the same declaration.
    doc = CONDITIONS.load(doc)
    known = _catalog(s)
    for name, label, keys in (
        ("types", "ticket type", {t["key"] for t in known.get("types", [])}),
        ("priorities", "priority", {p["key"] for p in known.get("priorities", [])}),
        ("client_categories", "client category", {c["id"] for c in known.get("client_categories", [])}),
    ):
        for i, value in enumerate(doc.get(name) or ()):
            if value not in keys:
                hint = "" if known else " (the ticket settings have not reached the SLA service yet)"
                raise InvalidInput(f"unknown {label} {value!r}{hint}", field=f"conditions.{name}.{i}")
    window = doc.get("registered")
    if window:
        _checked_window(s, window)
    return doc


def _checked_window(s: Session, window: dict[str, Any]) -> None:
    if window.get("calendar_id") is not None:
        _known_calendar(s, window["calendar_id"], "conditions.registered.calendar_id")
        return
    if "inside" in window:
        # Without a calendar it would be read as a weekly window of every hour: all tickets.
        raise InvalidInput(
            "inside needs the calendar_id whose working hours it means", field="conditions.registered.calendar_id"
        )
    try:
        ZoneInfo(window.get("timezone") or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            f"unknown time zone {window.get('timezone')!r}", field="conditions.registered.timezone"
        ) from exc
    for end in ("from", "to"):
        try:
            parse_minute(window.get(end, "00:00" if end == "from" else "24:00"))
        except ValueError as exc:
            raise InvalidInput(str(exc), field=f"conditions.registered.{end}") from exc
    if window.get("from", "00:00") == window.get("to", "24:00"):
        raise InvalidInput("the window is empty", field="conditions.registered.to")


def _catalog(s: Session) -> dict[str, Any]:
    return s.scalar(select(catalog.c.data).where(catalog.c.id == 1)) or {}


def known_settings(runtime: Runtime) -> dict[str, Any]:
    with runtime.db.reading() as s:
        return _catalog(s)
