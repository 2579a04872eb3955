"""SLA calendars (administrators): the list, a calendar's week view, its working hours per
weekday, exception days, holiday import and a 'try it' box for deadlines.

Everything is the SLA service's: the pages read `/calendars` and write a calendar's whole
definition back with PATCH (its exceptions read afresh first, so an edit of the hours never
drops a day someone added meanwhile). The service checks every definition and answers a
422 naming the field (`definition.week.mon.0`); the pages put that message next to the
input it names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import Response, redirect, request, url_for

from relay_gateway.ui.client import ServiceProblem
from relay_gateway.ui.pages_sla_common import (
    WEEKDAYS,
    by_prefix,
    day_name,
    day_short,
    intervals_text,
    minute_of,
    moment_text,
    route_errors,
    tidy_time,
    week_summary,
    weekday_of,
)
from relay_gateway.ui.web import ADMINS, _, api, bp, is_htmx, page, render

_ROW_FIELD = re.compile(r"^week\.(mon|tue|wed|thu|fri|sat|sun)\.(\d{1,2})\.(from|to)$")
_INTERVAL = re.compile(r"^\s*(\d{1,2}[:.]\d{2})\s*[-–—]\s*(\d{1,2}[:.]\d{2})\s*$")
_ISO_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[\s,;]+(.*))?$")
_DOTTED_DAY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[\s,;]+(.*))?$")
# As the service: at most 1000 exception days and 48 intervals a day.
MAX_ROWS_PER_DAY = 48
MAX_PASTED_LINES = 1000
MAX_UPLOAD_BYTES = 512 * 1024
DEFAULT_HOURS = [["09:00", "18:00"]]
NOTICES = {
    "created": "The calendar is created.",
    "saved": "The working hours are saved.",
    "exception": "The exception day is saved.",
    "removed": "The exception day is removed.",
    "holidays": "The public holidays are added as days off.",
    "dates": "The listed days are added as days off.",
    "deleted": "The calendar is deleted.",
}


@cache
def time_zones() -> tuple[str, ...]:
    # For the input's suggestions only: the service decides what it accepts.
    return tuple(sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))))


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _notice() -> str | None:
    key = request.args.get("done", "")
    return _(NOTICES[key]) if key in NOTICES else None


# -- the list --------------------------------------------------------------------------
@bp.get("/settings/sla/calendars")
@page(ADMINS)
def sla_calendars() -> tuple[str, int]:
    return _list_page()


def _list_page(status: int = 200, problem: str | None = None) -> tuple[str, int]:
    calendars = api().get("sla", "/calendars")["items"]
    rules = api().get("sla", "/rules")["items"]
    used_by: dict[int, list[str]] = {}
    for rule in rules:
        window = (rule.get("conditions") or {}).get("registered") or {}
        for cid in {rule["calendar_id"], window.get("calendar_id")} - {None}:
            used_by.setdefault(cid, []).append(rule["name"])
    rows = [
        {
            "id": c["id"],
            "name": c["name"],
            "timezone": c["definition"].get("timezone", ""),
            "summary": week_summary(c["definition"]),
            "exceptions": len(c["definition"].get("exceptions") or []),
            "used_by": used_by.get(c["id"], []),
        }
        for c in calendars
    ]
    return render("sla/calendars.html", status, calendars=rows, notice=_notice(), problem=problem)


@bp.post("/settings/sla/calendars/<int:calendar_id>/delete")
@page(ADMINS)
def sla_calendar_delete(calendar_id: int) -> Response | tuple[str, int]:
    try:
        api().delete("sla", f"/calendars/{calendar_id}")
    except ServiceProblem as err:
        if err.status == 404:
            raise
        return _list_page(err.status, problem=err.detail)
    return redirect(url_for("ui.sla_calendars", done="deleted"), 303)


# -- the working week: create and edit -------------------------------------------------
@dataclass
class WeekForm:
    """The editor's state: what the page shows and what a POST sent back."""

    name: str = ""
    timezone: str = "Europe/Moscow"
    always_open: bool = False
    rows: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # input name -> message
    problems: list[str] = field(default_factory=list)  # about the whole form

    @classmethod
    def of(cls, calendar: dict[str, Any]) -> WeekForm:
        d = calendar["definition"]
        week = d.get("week") or {}
        rows = {day: [{"from": a, "to": b} for a, b in week.get(day) or []] for day in WEEKDAYS}
        return cls(calendar["name"], d.get("timezone", "UTC"), bool(d.get("always_open")), rows)

    @classmethod
    def new(cls) -> WeekForm:
        workdays = WEEKDAYS[:5]
        rows = {day: [{"from": a, "to": b} for a, b in DEFAULT_HOURS] if day in workdays else [] for day in WEEKDAYS}
        return cls(rows=rows)

    @classmethod
    def posted(cls) -> WeekForm:
        """The form as sent, blank rows kept (they are dropped only when the hours are sent
        on, so the rows shown after an error are exactly the ones the service numbered)."""
        found: dict[str, dict[int, dict[str, str]]] = {day: {} for day in WEEKDAYS}
        for key, value in request.form.items():
            m = _ROW_FIELD.match(key)
            if m:
                found[m.group(1)].setdefault(int(m.group(2)), {"from": "", "to": ""})[m.group(3)] = value.strip()[:5]
        rows = {day: [found[day][i] for i in sorted(found[day])][:MAX_ROWS_PER_DAY] for day in WEEKDAYS}
        return cls(
            request.form.get("name", "").strip()[:120],
            request.form.get("timezone", "").strip()[:64],
            request.form.get("always_open") == "on",
            rows,
        )

    def without_blank_rows(self) -> None:
        self.rows = {day: [r for r in rows if r["from"] or r["to"]] for day, rows in self.rows.items()}

    def week(self) -> dict[str, list[list[str]]]:
        return {day: [[tidy_time(r["from"]), tidy_time(r["to"])] for r in self.rows[day]] for day in WEEKDAYS}

    def apply(self, op: str) -> bool:
        """The add/remove buttons when the page's script did not handle them (no JS):
        True if `op` was one of them."""
        verb, _sep, rest = op.partition(":")
        day, _sep, index = rest.partition(":")
        if day not in WEEKDAYS:
            return False
        if verb == "add" and len(self.rows[day]) < MAX_ROWS_PER_DAY:
            self.rows[day].append({"from": "", "to": ""})
        elif verb == "remove" and index.isdigit() and int(index) < len(self.rows[day]):
            del self.rows[day][int(index)]
        return verb in ("add", "remove")

    def take(self, err: ServiceProblem) -> None:
        self.errors, self.problems = route_errors(err.field_messages(), _week_route)
        if not err.errors:
            self.problems = [err.detail]


def _week_route(name: str) -> str | None:
    if name == "name":
        return "name"
    if not name.startswith("definition"):
        return None
    rest = name.removeprefix("definition").lstrip(".")
    parts = rest.split(".")
    if parts[0] == "week":
        if len(parts) >= 3 and parts[1] in WEEKDAYS and parts[2].isdigit():
            return f"week.{parts[1]}.{parts[2]}"
        if len(parts) >= 2 and parts[1] in WEEKDAYS:
            return f"week.{parts[1]}"
        return "week"
    if parts[0] in ("timezone", "always_open"):
        return parts[0]
    return None


def _editor(form: WeekForm, calendar: dict[str, Any] | None, status: int = 200) -> tuple[str, int]:
    days = [
        {
            "key": day,
            "name": day_name(day),
            "rows": form.rows.get(day, []),
            "error": form.errors.get(f"week.{day}"),
            "row_errors": {i: form.errors.get(f"week.{day}.{i}") for i in range(len(form.rows.get(day, [])))},
        }
        for day in WEEKDAYS
    ]
    return render(
        "sla/calendar_edit.html",
        status,
        form=form,
        days=days,
        calendar=calendar,
        errors=form.errors,
        zones=time_zones(),
        max_rows=MAX_ROWS_PER_DAY,
    )


@bp.get("/settings/sla/calendars/new")
@page(ADMINS)
def sla_calendar_new() -> tuple[str, int]:
    return _editor(WeekForm.new(), None)


@bp.post("/settings/sla/calendars/new")
@page(ADMINS)
def sla_calendar_create() -> Response | tuple[str, int]:
    form = WeekForm.posted()
    if form.apply(request.form.get("op", "")):
        return _editor(form, None)
    form.without_blank_rows()
    body = {
        "name": form.name,
        "definition": {"timezone": form.timezone, "always_open": form.always_open, "week": form.week()},
    }
    try:
        created = api().post("sla", "/calendars", json_body=body)
    except ServiceProblem as err:
        form.take(err)
        return _editor(form, None, 422 if err.status < 500 else err.status)
    return redirect(url_for("ui.sla_calendar", calendar_id=created["id"], done="created"), 303)


@bp.get("/settings/sla/calendars/<int:calendar_id>/edit")
@page(ADMINS)
def sla_calendar_edit(calendar_id: int) -> tuple[str, int]:
    calendar = api().get("sla", f"/calendars/{calendar_id}")
    return _editor(WeekForm.of(calendar), calendar)


@bp.post("/settings/sla/calendars/<int:calendar_id>/edit")
@page(ADMINS)
def sla_calendar_update(calendar_id: int) -> Response | tuple[str, int]:
    calendar = api().get("sla", f"/calendars/{calendar_id}")
    form = WeekForm.posted()
    if form.apply(request.form.get("op", "")):
        return _editor(form, calendar)
    form.without_blank_rows()
    definition = dict(calendar["definition"])
    definition.update(timezone=form.timezone, always_open=form.always_open, week=form.week())
    try:
        api().patch("sla", f"/calendars/{calendar_id}", json_body={"name": form.name, "definition": definition})
    except ServiceProblem as err:
        if err.status == 404:
            raise
        form.take(err)
        return _editor(form, calendar, 422)
    return redirect(url_for("ui.sla_calendar", calendar_id=calendar_id, done="saved"), 303)


# -- a calendar's page: week view, exception days, holidays, try it ---------------------
@dataclass
class CalendarPage:
    """What the calendar page's forms sent and what the service said about them."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)  # section -> messages
    result: dict[str, Any] | None = None
    notice: str | None = None

    def fail(self, section: str, err: ServiceProblem, route) -> None:
        placed, rest = route_errors(err.field_messages(), route)
        self.errors.update(placed)
        if rest or not err.errors:
            self.problems[section] = rest or [err.detail]


def _week_view(definition: dict[str, Any]) -> list[dict[str, Any]]:
    week = definition.get("week") or {}
    always = bool(definition.get("always_open"))
    days = []
    for day in WEEKDAYS:
        pairs = [["00:00", "24:00"]] if always else week.get(day) or []
        days.append(
            {
                "key": day,
                "name": day_name(day),
                "short": day_short(day),
                "text": _("open around the clock") if always else intervals_text(pairs),
                "blocks": [{"from": a, "to": b, "start": minute_of(a), "end": minute_of(b)} for a, b in pairs],
            }
        )
    return days


def _exception_rows(definition: dict[str, Any], today: date) -> list[dict[str, Any]]:
    rows = []
    for e in sorted(definition.get("exceptions") or [], key=lambda e: e["date"]):
        day = date.fromisoformat(e["date"])
        rows.append(
            {
                "date": e["date"],
                "weekday": day_short(weekday_of(day)),
                "name": e.get("name") or "",
                "off": not e.get("intervals"),
                "hours": intervals_text(e.get("intervals") or []),
                "past": day < today,
            }
        )
    return rows


def _calendar_page(calendar_id: int, state: CalendarPage | None = None, status: int = 200) -> tuple[str, int]:
    state = state or CalendarPage(notice=_notice())
    calendar = api().get("sla", f"/calendars/{calendar_id}")
    definition = calendar["definition"]
    zone = _zone(definition.get("timezone", "UTC"))
    now = datetime.now(zone)
    rules = [
        r["name"]
        for r in api().get("sla", "/rules")["items"]
        if calendar_id in (r["calendar_id"], ((r.get("conditions") or {}).get("registered") or {}).get("calendar_id"))
    ]
    exceptions = _exception_rows(definition, now.date())
    values = {
        "start": now.strftime("%Y-%m-%dT%H:%M"),
        "hours": "8",
        "year": str(now.year),
        "exc_kind": "off",
    } | state.values
    return render(
        "sla/calendar.html",
        status,
        calendar=calendar,
        definition=definition,
        days=_week_view(definition),
        hours=range(0, 25, 3),
        upcoming=[e for e in exceptions if not e["past"]],
        past=[e for e in exceptions if e["past"]],
        rules=rules,
        values=values,
        errors=state.errors,
        problems=state.problems,
        result=state.result,
        notice=state.notice,
    )


@bp.get("/settings/sla/calendars/<int:calendar_id>")
@page(ADMINS)
def sla_calendar(calendar_id: int) -> tuple[str, int]:
    return _calendar_page(calendar_id)


def _save_exceptions(calendar_id: int, exceptions: list[dict[str, Any]]) -> None:
    calendar = api().get("sla", f"/calendars/{calendar_id}")
    definition = dict(calendar["definition"], exceptions=exceptions)
    api().patch("sla", f"/calendars/{calendar_id}", json_body={"definition": definition})


def _current_exceptions(calendar_id: int) -> list[dict[str, Any]]:
    return list(api().get("sla", f"/calendars/{calendar_id}")["definition"].get("exceptions") or [])


def parse_intervals(text: str) -> list[list[str]] | None:
    """'09:00-13:00, 14:00-17:00' -> [["09:00", "13:00"], ["14:00", "17:00"]]; None if a
    part is not such a pair (the service judges the times themselves)."""
    pairs = []
    for part in re.split(r"[,;\n]+", text):
        if not part.strip():
            continue
        m = _INTERVAL.match(part)
        if not m:
            return None
        pairs.append([tidy_time(m.group(1)), tidy_time(m.group(2))])
    return pairs


def _exception_route(index: int):
    table = [
        (f"definition.exceptions.{index}.date", "exc_date"),
        (f"definition.exceptions.{index}.intervals", "exc_intervals"),
        (f"definition.exceptions.{index}.name", "exc_name"),
    ]
    return by_prefix(table)


@bp.post("/settings/sla/calendars/<int:calendar_id>/exceptions")
@page(ADMINS)
def sla_exception_add(calendar_id: int) -> Response | tuple[str, int]:
    f = request.form
    values = {k: f.get(k, "").strip()[:200] for k in ("exc_date", "exc_name", "exc_kind", "exc_intervals")}
    state = CalendarPage(values=values)
    intervals: list[list[str]] = []
    if values["exc_kind"] == "hours":
        parsed = parse_intervals(values["exc_intervals"])
        if not parsed:
            state.errors["exc_intervals"] = _("Write the hours as 10:00-15:00, several separated by commas.")
        else:
            intervals = parsed
    if not values["exc_date"]:
        state.errors["exc_date"] = _("Choose the date.")
    if state.errors:
        return _calendar_page(calendar_id, state, 422)
    exceptions = _current_exceptions(calendar_id)
    entry: dict[str, Any] = {"date": values["exc_date"], "intervals": intervals}
    if values["exc_name"]:
        entry["name"] = values["exc_name"]
    # A date listed already is changed in place: one entry a day is what the service keeps.
    index = next((i for i, e in enumerate(exceptions) if e["date"] == entry["date"]), len(exceptions))
    exceptions[index : index + 1] = [entry]
    try:
        _save_exceptions(calendar_id, exceptions)
    except ServiceProblem as err:
        if err.status == 404:
            raise
        state.fail("exceptions", err, _exception_route(index))
        return _calendar_page(calendar_id, state, 422)
    return redirect(url_for("ui.sla_calendar", calendar_id=calendar_id, done="exception") + "#exceptions", 303)


@bp.post("/settings/sla/calendars/<int:calendar_id>/exceptions/remove")
@page(ADMINS)
def sla_exception_remove(calendar_id: int) -> Response | tuple[str, int]:
    day = request.form.get("date", "")
    exceptions = [e for e in _current_exceptions(calendar_id) if e["date"] != day]
    try:
        _save_exceptions(calendar_id, exceptions)
    except ServiceProblem as err:
        if err.status == 404:
            raise
        state = CalendarPage()
        state.problems["exceptions"] = [err.detail]
        return _calendar_page(calendar_id, state, 422)
    return redirect(url_for("ui.sla_calendar", calendar_id=calendar_id, done="removed") + "#exceptions", 303)


@bp.post("/settings/sla/calendars/<int:calendar_id>/holidays")
@page(ADMINS)
def sla_holidays_import(calendar_id: int) -> Response | tuple[str, int]:
    f = request.form
    values = {k: f.get(k, "").strip()[:10] for k in ("country", "year", "subdivision")}
    state = CalendarPage(values=values)
    if not values["year"].isdigit():
        state.errors["year"] = _("Give the year as a number, e.g. {year}.", year=date.today().year)
        return _calendar_page(calendar_id, state, 422)
    body: dict[str, Any] = {"country": values["country"].upper(), "year": int(values["year"])}
    if values["subdivision"]:
        body["subdivision"] = values["subdivision"].upper()
    try:
        api().post("sla", f"/calendars/{calendar_id}/holidays", json_body=body)
    except ServiceProblem as err:
        if err.status == 404:
            raise
        route = by_prefix([("country", "country"), ("year", "year"), ("subdivision", "subdivision")])
        state.fail("holidays", err, route)
        return _calendar_page(calendar_id, state, 422)
    return redirect(url_for("ui.sla_calendar", calendar_id=calendar_id, done="holidays") + "#exceptions", 303)


def read_day_list(text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[str]]:
    """Days off from a pasted list or an uploaded file: iCalendar (the VEVENTs' all-day
    DTSTART .. DTEND, their SUMMARY as the name) or lines 'YYYY-MM-DD name' (also
    'DD.MM.YYYY name', CSV with the date first). Returns ((line, entry), ...) and the
    lines it could not read."""
    if "BEGIN:VCALENDAR" in text[:2000].upper():
        return _read_ics(text)
    found: list[tuple[int, dict[str, Any]]] = []
    bad: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().strip('"')
        if not line or line.startswith("#"):
            continue
        iso, dotted = _ISO_DAY.match(line), _DOTTED_DAY.match(line)
        try:
            if iso:
                day, name = date.fromisoformat(iso.group(1)), iso.group(2)
            elif dotted:
                day = date(int(dotted.group(3)), int(dotted.group(2)), int(dotted.group(1)))
                name = dotted.group(4)
            else:
                raise ValueError(line)
        except ValueError:
            if number == 1 and not any(ch.isdigit() for ch in line):
                continue  # a CSV header
            bad.append(_("line {n}: {line}", n=number, line=line[:60]))
            continue
        entry: dict[str, Any] = {"date": day.isoformat(), "intervals": []}
        name = (name or "").strip().strip('",;').strip()
        if name:
            entry["name"] = name[:200]
        found.append((number, entry))
    return found, bad


def _read_ics(text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[str]]:
    # RFC 5545 folds long lines: a line starting with a space continues the one before.
    lines: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] = (lines[-1][0], lines[-1][1] + raw[1:])
        else:
            lines.append((number, raw.rstrip()))
    found: list[tuple[int, dict[str, Any]]] = []
    bad: list[str] = []
    event: dict[str, Any] | None = None
    for number, line in lines:
        key, _sep, value = line.partition(":")
        prop = key.split(";")[0].upper()
        if prop == "BEGIN" and value.upper() == "VEVENT":
            event = {"line": number}
        elif prop == "END" and value.upper() == "VEVENT" and event is not None:
            try:
                first = datetime.strptime(event["start"][:8], "%Y%m%d").date()
                last = datetime.strptime(event.get("end", event["start"])[:8], "%Y%m%d").date()
            except (KeyError, ValueError):
                bad.append(_("line {n}: {line}", n=event["line"], line="VEVENT"))
                event = None
                continue
            # An all-day event's DTEND is the day after its last; a long one is a mistake.
            days = min(max((last - first).days, 1), 31)
            for offset in range(days):
                entry: dict[str, Any] = {"date": (first + timedelta(days=offset)).isoformat(), "intervals": []}
                if event.get("name"):
                    entry["name"] = event["name"][:200]
                found.append((event["line"], entry))
            event = None
        elif event is not None and prop in ("DTSTART", "DTEND", "SUMMARY"):
            target = {"DTSTART": "start", "DTEND": "end", "SUMMARY": "name"}[prop]
            event[target] = value.replace("\\,", ",").replace("\\;", ";").strip()
    return found, bad


@bp.post("/settings/sla/calendars/<int:calendar_id>/dates")
@page(ADMINS)
def sla_dates_import(calendar_id: int) -> Response | tuple[str, int]:
    text = request.form.get("dates", "")[:MAX_UPLOAD_BYTES]
    upload = request.files.get("dates_file")
    if upload and upload.filename:
        text = upload.stream.read(MAX_UPLOAD_BYTES).decode("utf-8-sig", errors="replace")
    state = CalendarPage(values={"dates": request.form.get("dates", "")[:20000]})
    found, bad = read_day_list(text)
    if bad:
        state.errors["dates"] = _("These lines are not dates: {lines}", lines="; ".join(bad[:5]))
    elif not found:
        state.errors["dates"] = _("Paste at least one date, or choose a file.")
    elif len(found) > MAX_PASTED_LINES:
        state.errors["dates"] = _("At most {n} days at once.", n=MAX_PASTED_LINES)
    if state.errors:
        return _calendar_page(calendar_id, state, 422)
    exceptions = _current_exceptions(calendar_id)
    known = {e["date"] for e in exceptions}
    line_of: dict[int, int] = {}
    for number, entry in found:
        # Days already listed keep what the administrator set for them, as the holiday import does.
        if entry["date"] not in known:
            known.add(entry["date"])
            line_of[len(exceptions)] = number
            exceptions.append(entry)
    try:
        _save_exceptions(calendar_id, exceptions)
    except ServiceProblem as err:
        if err.status == 404:
            raise
        placed, rest = [], []
        for name, message in err.field_messages().items():
            parts = name.split(".")
            index = int(parts[2]) if len(parts) > 2 and parts[1] == "exceptions" and parts[2].isdigit() else -1
            if index in line_of:
                placed.append(_("line {n}: {line}", n=line_of[index], line=message))
            else:
                rest.append(message)
        if placed:
            state.errors["dates"] = "; ".join(placed)
        if rest or not err.errors:
            state.problems["dates"] = rest or [err.detail]
        return _calendar_page(calendar_id, state, 422)
    return redirect(url_for("ui.sla_calendar", calendar_id=calendar_id, done="dates") + "#exceptions", 303)


@bp.post("/settings/sla/calendars/<int:calendar_id>/try")
@page(ADMINS)
def sla_calendar_try(calendar_id: int) -> tuple[str, int]:
    f = request.form
    values = {"start": f.get("start", "").strip()[:16], "hours": f.get("hours", "").strip()[:12]}
    state = CalendarPage(values=values)
    calendar = api().get("sla", f"/calendars/{calendar_id}")
    zone_name = calendar["definition"].get("timezone", "UTC")
    zone = _zone(zone_name)
    start: datetime | None = None
    hours: float | None = None
    try:
        start = datetime.fromisoformat(values["start"]).replace(tzinfo=zone)
    except ValueError:
        state.errors["start"] = _("Choose the date and time to count from.")
    try:
        hours = float(values["hours"].replace(",", "."))
        if not 0 <= hours <= 24 * 366 * 5:
            raise ValueError
    except ValueError:
        state.errors["hours"] = _("Give the working hours as a number, e.g. 8 or 1.5.")
    if start is not None and hours is not None:
        body = {"calendar_id": calendar_id, "start": start.isoformat(), "minutes": hours * 60}
        try:
            answer = api().post("sla", "/preview/due", json_body=body)
            due = datetime.fromisoformat(answer["due"]).astimezone(zone)
            state.result = {"due": due.isoformat(), "text": moment_text(due), "zone": zone_name, "hours": hours}
        except ServiceProblem as err:
            if err.status == 404:
                raise
            state.fail("try", err, by_prefix([("start", "start"), ("minutes", "hours"), ("pauses", "start")]))
    status = 422 if state.errors or state.problems else 200
    if is_htmx():
        return render(
            "sla/_try.html",
            status,
            calendar=calendar,
            values=state.values,
            errors=state.errors,
            problems=state.problems,
            result=state.result,
        )
    return _calendar_page(calendar_id, state, status)
