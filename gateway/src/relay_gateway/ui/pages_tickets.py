"""The ticket list and the new-ticket form of the agents' UI.

The list (/tickets) asks the tickets service once per render: GET /tickets with the
filters of a built-in view (mine, my groups, unassigned, overdue, due today, all open,
all), or `view=<id>` for a saved view (the service applies its filters and sort), plus
the search text, the sort and the keyset cursor. Everything shown beside an id (people,
groups, companies, contacts, service objects, statuses) comes from pick lists cached in
this process for a short while, so a page never calls per row; a specialist sees only
what the service answers them.

Inline changes (status, responsible) and bulk actions post here, and answer with an
`HX-Trigger: relay:ticket-changed`, the same event live updates fire, which refreshes the
results part of the page (keeping the query, the selection and the focus, tickets.js).

The new-ticket form (/tickets/new) shows the chosen type's attributes (an htmx fragment
from the type's definitions) and the deadlines the SLA rules would give (the SLA
service's POST /preview/ticket), with the planned resolution settable by hand.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Response, redirect, request, url_for
from markupsafe import Markup, escape

from relay_gateway.ui import i18n
from relay_gateway.ui.client import ServiceDown, ServiceProblem
from relay_gateway.ui.web import STAFF, _, api, bp, nav_item, page, render, service_down, user

log = logging.getLogger(__name__)

nav_item("Tickets", "ui.ticket_list", roles=STAFF, order=10, section="tickets")

PAGE_SIZE = 50
PICK_TTL = 30.0  # seconds a pick list (desk settings, staff, one's views) is reused
NAME_TTL = 300.0  # seconds a company's, contact's or service object's name is reused
NAME_CACHE_MAX = 50_000
TZ_COOKIE = "relay_tz"  # the browser's IANA zone, set by tickets.js
POSTPONED = "postponed"  # the status that needs a date and time

# The tickets service's sort orders and saved-view columns (its OpenAPI enums).
SORTS = (
    ("-number", "Newest first"),
    ("number", "Oldest first"),
    ("-updated_at", "Recently updated"),
    ("updated_at", "Least recently updated"),
    ("planned_resolution_at", "Resolution due soonest"),
    ("-planned_resolution_at", "Resolution due latest"),
    ("-priority", "Highest priority first"),
    ("priority", "Lowest priority first"),
    ("-created_at", "Newest created"),
    ("created_at", "Oldest created"),
)
COLUMNS = {
    "number": "Number",
    "subject": "Subject",
    "status": "Status",
    "priority": "Priority",
    "type": "Type",
    "channel": "Channel",
    "responsible": "Responsible",
    "observers": "Observers",
    "company": "Company",
    "contact": "Contact",
    "service_object": "Service object",
    "created_at": "Created",
    "updated_at": "Updated",
    "planned_reaction_at": "Reaction",
    "planned_resolution_at": "Resolution",
    "time_spent_minutes": "Time spent",
    "rating": "Rating",
}
ALWAYS = ("number", "subject")  # every list shows them: they open the ticket
BUILTIN_COLUMNS = (
    "number",
    "subject",
    "status",
    "priority",
    "responsible",
    "company",
    "planned_reaction_at",
    "planned_resolution_at",
)
CHANNELS = {
    "agent": "Agent",
    "portal": "Portal",
    "email": "Email",
    "api": "API",
    "web_form": "Web form",
    "recurring": "Recurring",
}
RATINGS = {"bad": "Bad", "normal": "Okay", "good": "Good"}


# -- pick lists cached in the process ------------------------------------------------------
class TtlCache:
    """Values reused for `ttl` seconds; a miss loads outside the lock (two loads may race;
    both answers are the service's own)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._items: dict[Any, tuple[float, Any]] = {}

    def get(self, key: Any, load: Callable[[], Any]) -> Any:
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(key)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        value = load()
        with self._lock:
            self._items[key] = (now, value)
        return value

    def forget(self, key: Any) -> None:
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


PICKS = TtlCache(PICK_TTL)


class NameCache:
    """id -> name of companies, contacts and service objects, filled a page's misses at a time."""

    def __init__(self, ttl: float, limit: int) -> None:
        self.ttl, self.limit = ttl, limit
        self._lock = threading.Lock()
        self._names: dict[tuple[str, str], tuple[float, str]] = {}

    def known(self, kind: str, ids: Iterable[str]) -> tuple[dict[str, str], list[str]]:
        now = time.monotonic()
        found, missing = {}, []
        with self._lock:
            for i in ids:
                hit = self._names.get((kind, i))
                if hit is not None and now - hit[0] < self.ttl:
                    found[i] = hit[1]
                else:
                    missing.append(i)
        return found, missing

    def put(self, kind: str, names: dict[str, str]) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._names) + len(names) > self.limit:
                self._names.clear()
            for i, name in names.items():
                self._names[(kind, i)] = (now, name)

    def clear(self) -> None:
        with self._lock:
            self._names.clear()


NAMES = NameCache(NAME_TTL, NAME_CACHE_MAX)


def clear_caches() -> None:
    """Forget every cached pick list (tests that change the directory or settings)."""
    PICKS.clear()
    NAMES.clear()


@dataclass(frozen=True)
class Desk:
    statuses: dict[str, dict[str, Any]]  # key -> status, by position
    priorities: list[dict[str, Any]]
    types: list[dict[str, Any]]

    def status_name(self, key: str) -> str:
        return (self.statuses.get(key) or {}).get("name", key)


def desk() -> Desk:
    def load() -> Desk:
        c = api()
        statuses = sorted(c.get("tickets", "/settings/statuses")["items"], key=lambda s: s.get("position", 0))
        priorities = sorted(c.get("tickets", "/settings/priorities")["items"], key=lambda p: p.get("position", 0))
        types = sorted(c.get("tickets", "/settings/ticket-types")["items"], key=lambda t: t.get("position", 0))
        return Desk({s["key"]: s for s in statuses}, priorities, types)

    return PICKS.get("desk", load)


@dataclass(frozen=True)
class Staff:
    employees: list[dict[str, Any]]  # everyone, by name (inactive ones are still named)
    groups: list[dict[str, Any]]
    names: dict[str, str] = field(default_factory=dict)  # "employee:<id>" / "group:<id>" -> name

    def active_employees(self) -> list[dict[str, Any]]:
        return [e for e in self.employees if e.get("active", True)]

    def active_groups(self) -> list[dict[str, Any]]:
        return [g for g in self.groups if g.get("active", True)]

    def groups_of(self, employee_id: str) -> list[str]:
        for e in self.employees:
            if e["id"] == employee_id:
                return list(e.get("groups") or [])
        return []


def _all_pages(path: str, params: dict[str, Any] | None = None, pages: int = 50) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    for _page in range(pages):
        answer = api().get("tickets", path, params={**(params or {}), "limit": 200, "cursor": cursor})
        items.extend(answer.get("items") or [])
        cursor = answer.get("next_cursor")
        if not cursor:
            break
    return items


def staff() -> Staff:
    def load() -> Staff:
        employees, groups = _all_pages("/employees"), _all_pages("/groups")
        names = {f"employee:{e['id']}": e["name"] for e in employees} | {f"group:{g['id']}": g["name"] for g in groups}
        return Staff(employees, groups, names)

    return PICKS.get("staff", load)


def my_views() -> list[dict[str, Any]]:
    me = user().employee.id
    return PICKS.get(("views", me), lambda: api().get("tickets", "/views")["items"])


def forget_my_views() -> None:
    PICKS.forget(("views", user().employee.id))


_LOOKUP = {"company": "/companies/lookup", "contact": "/contacts/lookup", "service_object": "/service-objects/lookup"}


def names_of(kind: str, ids: Iterable[str]) -> dict[str, str]:
    """Names of companies, contacts or service objects by id: the cached ones, and the
    page's misses in one lookup call."""
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    found, missing = NAMES.known(kind, wanted)
    if missing:
        try:
            answer = api().get("tickets", _LOOKUP[kind], params={"id": missing, "limit": 200})
        except ServiceProblem as e:
            # A service without the id filter (or refusing it): the ids stay unnamed.
            log.info("names not looked up", extra={"kind": kind, "status": e.status})
            return found
        fetched = {item["id"]: item["name"] for item in answer.get("items") or [] if item.get("id") in missing}
        NAMES.put(kind, fetched)
        found |= fetched
    return found


# -- small helpers ---------------------------------------------------------------------------
def user_zone() -> ZoneInfo:
    """The person's time zone: what their browser said (tickets.js keeps a cookie), else UTC."""
    name = (request.values.get("tz") or request.cookies.get(TZ_COOKIE) or "").strip()
    if name and len(name) <= 64:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo("UTC")


def parse_moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def shown_time(text: str | None, zone: ZoneInfo) -> str:
    moment = parse_moment(text)
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def local_input(text: str | None, zone: ZoneInfo) -> str:
    """A moment as a datetime-local input's value in the person's zone."""
    moment = parse_moment(text)
    if moment is None:
        return ""
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def from_local_input(text: str, zone: ZoneInfo) -> datetime | None:
    """A datetime-local value (no zone) read in the person's zone; None if it is not one."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment


def human_left(seconds: float) -> str:
    """As static/relay.js writes a countdown (it takes over in the browser)."""
    negative, s = seconds < 0, math.floor(abs(seconds))
    d, h, m = s // 86400, s % 86400 // 3600, s % 3600 // 60
    text = f"{d}d {h:02d}h" if d > 0 else f"{h}h {m:02d}m" if h > 0 else f"{m}m"
    return ("−" if negative else "") + text


def party_key(party: dict[str, Any] | None) -> str:
    return f"{party['kind']}:{party['id']}" if party else ""


def parse_ref(text: str | None, kinds: tuple[str, ...]) -> dict[str, str] | None:
    kind, sep, id_ = (text or "").partition(":")
    if not sep or kind not in kinds or not id_:
        return None
    return {"kind": kind, "id": id_}


def hx_changed(number: int | None = None) -> dict[str, str]:
    """The header that makes the list (and anything else listening) refresh itself."""
    import json

    return {"HX-Trigger": json.dumps({"relay:ticket-changed": {"number": number, "source": "ui"}})}


def alert(level: str, title: str, detail: str = "", status: int = 200, refresh: bool = True) -> Response:
    html = render("_alert.html", title=title, detail=detail, level=level)[0]
    headers = {"HX-Retarget": "#alerts", "HX-Reswap": "innerHTML"} | (hx_changed() if refresh else {})
    return Response(html, status=status, headers=headers, mimetype="text/html")


# -- the list's views -------------------------------------------------------------------------
@dataclass(frozen=True)
class ListView:
    key: str  # a built-in view's name, or a saved view's id
    name: str
    filters: dict[str, Any]  # query parameters of GET /tickets (built-in views)
    sort: str
    columns: tuple[str, ...]
    saved: dict[str, Any] | None = None
    empty: bool = False  # nothing can match (my groups, when I am in none)


BUILTIN = ("mine", "groups", "unassigned", "overdue", "today", "open", "all")
BUILTIN_NAMES = {
    "mine": "Mine",
    "groups": "My groups",
    "unassigned": "Unassigned",
    "overdue": "Overdue",
    "today": "Due today",
    "open": "All open",
    "all": "All tickets",
}
DEFAULT_VIEW = "open"


def builtin_view(key: str) -> ListView:
    me = user().employee
    name = _(BUILTIN_NAMES[key])
    open_ = {"status_kind": "open"}
    if key == "mine":
        return ListView(key, name, open_ | {"responsible": [f"employee:{me.id}"]}, "-number", BUILTIN_COLUMNS)
    if key == "groups":
        groups = [f"group:{g}" for g in staff().groups_of(me.id)]
        return ListView(key, name, open_ | {"responsible": groups}, "-number", BUILTIN_COLUMNS, empty=not groups)
    if key == "unassigned":
        return ListView(key, name, open_ | {"no_personal_responsible": True}, "-number", BUILTIN_COLUMNS)
    if key == "overdue":
        return ListView(key, name, {"overdue": True}, "planned_resolution_at", BUILTIN_COLUMNS)
    if key == "today":
        today = open_ | {"due_today": True, "tz": user_zone().key}
        return ListView(key, name, today, "planned_resolution_at", BUILTIN_COLUMNS)
    if key == "open":
        return ListView(key, name, open_, "-number", BUILTIN_COLUMNS)
    return ListView("all", name, {}, "-number", BUILTIN_COLUMNS)


def saved_view(view_id: str) -> ListView | None:
    views = my_views()
    found = next((v for v in views if v["id"] == view_id), None)
    if found is None:
        forget_my_views()  # perhaps shared a moment ago
        found = next((v for v in my_views() if v["id"] == view_id), None)
    if found is None:
        return None
    columns = tuple(c for c in found.get("columns") or () if c in COLUMNS)
    return ListView(found["id"], found["name"], {}, found.get("sort") or "-number", columns, saved=found)


def chosen_view(key: str) -> ListView:
    if key in BUILTIN:
        return builtin_view(key)
    view = saved_view(key) if key else None
    return view if view is not None else builtin_view(DEFAULT_VIEW)


# -- rows ---------------------------------------------------------------------------------------
@dataclass
class Deadline:
    state: str  # none, running, paused, met, late (met after it), stopped (closed unmet)
    at: str = ""  # ISO moment
    shown: str = ""  # in the person's zone
    left: str = ""
    breached: bool = False


def deadline(planned: str | None, met: str | None, paused: bool, closed: bool, now: datetime, zone) -> Deadline:
    due = parse_moment(planned)
    if due is None:
        return Deadline("none")
    shown = shown_time(planned, zone)
    done = parse_moment(met)
    if done is not None:
        return Deadline("late" if done > due else "met", planned, shown)
    if closed:
        return Deadline("stopped", planned, shown)
    left = human_left((due - now).total_seconds())
    return Deadline("paused" if paused else "running", planned, shown, left, breached=due < now)


@dataclass
class Row:
    ticket: dict[str, Any]
    number: int
    subject: str
    unread: bool
    status: str
    status_name: str
    choices: list[tuple[str, str]]  # the current status, then the allowed ones
    responsible: str
    responsible_name: str
    colour: str
    priority_name: str
    reaction: Deadline
    resolution: Deadline
    cells: dict[str, str]
    # Built once per page and filled in per row: a template's url_for, _() and option
    # loops per row cost a third of the page's time.
    text: dict[str, str] = field(default_factory=dict)
    status_options: Markup = field(default_factory=Markup)


PER_ROW = {
    "status_of": "Status of ticket {number}",
    "responsible_of": "Responsible for ticket {number}",
    "change_responsible": "Change the responsible of ticket {number}",
    "select": "Select ticket {number}",
}
_NUMBER = 999_999_999_999


def _row_texts() -> dict[str, str]:
    texts = {k: _(v) for k, v in PER_ROW.items()}
    texts["status_url"] = url_for("ui.inline_status", number=_NUMBER).replace(str(_NUMBER), "{number}")
    texts["responsible_url"] = url_for("ui.inline_responsible", number=_NUMBER).replace(str(_NUMBER), "{number}")
    return texts


def rows_of(items: list[dict[str, Any]], columns: tuple[str, ...], d: Desk, people: Staff) -> list[Row]:
    zone, now = user_zone(), datetime.now(UTC)
    wanted = set(columns)
    companies = names_of("company", (t.get("company_id") for t in items)) if "company" in wanted else {}
    contacts = (
        names_of(
            "contact",
            ((t.get("contact") or {}).get("id") for t in items if (t.get("contact") or {}).get("kind") == "contact"),
        )
        if "contact" in wanted
        else {}
    )
    objects = (
        names_of("service_object", (t.get("service_object_id") for t in items)) if "service_object" in wanted else {}
    )
    texts = _row_texts()
    rows = []
    for t in items:
        status = d.statuses.get(t["status"]) or {}
        closed = status.get("kind") == "closed"
        paused = bool(status.get("sla_pausing"))
        # Unread: nobody on the desk has reacted yet, or the customer wrote last.
        unread = not closed and (t.get("first_reaction_at") is None or t.get("last_comment_by") == "contact")
        resp = party_key(t.get("responsible"))
        contact = t.get("contact") or {}
        if contact.get("kind") == "employee":
            contact_name = people.names.get(f"employee:{contact['id']}", "")
        else:
            contact_name = contacts.get(contact.get("id", ""), "")
        cells = {
            "type": t.get("type_name") or t.get("type") or "",
            "channel": _(CHANNELS.get(t.get("channel") or "", t.get("channel") or "")),
            "observers": ", ".join(people.names.get(party_key(o), "?") for o in t.get("observers") or []),
            "company": companies.get(t.get("company_id") or "", ""),
            "contact": contact_name,
            "service_object": objects.get(t.get("service_object_id") or "", ""),
            "created_at": shown_time(t.get("created_at"), zone),
            "updated_at": shown_time(t.get("updated_at"), zone),
            "time_spent_minutes": _minutes(t.get("time_spent_minutes") or 0),
            "rating": _(RATINGS.get(t["rating"], t["rating"])) if t.get("rating") else "",
        }
        choices = [(t["status"], t.get("status_name") or d.status_name(t["status"]))] + [
            (s, d.status_name(s)) for s in t.get("allowed_statuses") or []
        ]
        rows.append(
            Row(
                ticket=t,
                number=t["number"],
                subject=t.get("subject") or "",
                unread=unread,
                status=t["status"],
                status_name=t.get("status_name") or d.status_name(t["status"]),
                choices=choices,
                responsible=resp,
                responsible_name=people.names.get(resp, "") if resp else "",
                colour=t.get("priority_colour") or "",
                priority_name=t.get("priority_name") or t.get("priority") or "",
                reaction=deadline(t.get("planned_reaction_at"), t.get("first_reaction_at"), paused, closed, now, zone),
                resolution=deadline(t.get("planned_resolution_at"), t.get("resolved_at"), paused, closed, now, zone),
                cells=cells,
                text={k: v.format(number=t["number"]) for k, v in texts.items()},
                status_options=option_list(choices, t["status"]) if len(choices) > 1 else Markup(""),
            )
        )
    return rows


def _minutes(total: int) -> str:
    if not total:
        return ""
    return f"{total // 60}h {total % 60:02d}m" if total >= 60 else f"{total}m"


# -- the list page --------------------------------------------------------------------------
@dataclass
class ListState:
    view: ListView
    q: str
    sort: str
    cursor: str
    page_no: int

    def query(self, **changes: Any) -> str:
        values = {"view": self.view.key, "q": self.q, "sort": self.sort, "cursor": self.cursor, "page": self.page_no}
        values |= changes
        if values.get("sort") == self.view.sort:
            values["sort"] = ""
        if values.get("page") in (1, "1"):
            values["page"] = ""
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def list_state() -> ListState:
    args = request.args
    view = chosen_view(args.get("view", "")[:36])
    sort = args.get("sort", "")
    if sort not in dict(SORTS):
        sort = view.sort
    try:
        page_no = max(1, min(int(args.get("page", "1")), 1_000_000))
    except ValueError:
        page_no = 1
    return ListState(view, args.get("q", "").strip()[:200], sort, args.get("cursor", "")[:500], page_no)


def fetch(state: ListState) -> dict[str, Any]:
    if state.view.empty:
        return {"items": [], "next_cursor": None}
    params: dict[str, Any] = dict(state.view.filters)
    if state.view.saved is not None:
        params["view"] = state.view.key
    params |= {"q": state.q, "sort": state.sort, "limit": PAGE_SIZE, "cursor": state.cursor}
    try:
        return api().get("tickets", "/tickets", params=params)
    except ServiceProblem as err:
        if not state.cursor or "cursor" not in err.errors:
            raise
    # A cursor of another sort (an old link, a changed sort): the first page instead.
    state.cursor, state.page_no = "", 1
    return api().get("tickets", "/tickets", params=params | {"cursor": None})


def results_context(state: ListState) -> dict[str, Any]:
    d, people = desk(), staff()
    answer = fetch(state)
    columns = tuple(c for c in state.view.columns if c not in ALWAYS)
    rows = rows_of(answer.get("items") or [], state.view.columns, d, people)
    next_cursor = answer.get("next_cursor")
    return {
        "state": state,
        "rows": rows,
        "columns": columns,
        "column_names": COLUMNS,
        "next_url": url_for("ui.ticket_list") + "?" + state.query(cursor=next_cursor, page=state.page_no + 1)
        if next_cursor
        else None,
        "first_url": url_for("ui.ticket_list") + "?" + state.query(cursor="", page=1) if state.cursor else None,
        "refresh_url": url_for("ui.ticket_list") + "?" + state.query() + "&part=results",
        "desk": d,
    }


@bp.get("/tickets")
@page(STAFF)
def ticket_list() -> tuple[str, int]:
    state = list_state()
    context = results_context(state)
    if request.args.get("part") == "results":
        return render("tickets/_results.html", **context)
    people = staff()
    return render(
        "tickets/list.html",
        builtin=[(k, _(BUILTIN_NAMES[k])) for k in BUILTIN],
        views=my_views(),
        sorts=[(k, _(label)) for k, label in SORTS],
        groups=people.active_groups(),
        employees=people.active_employees(),
        statuses=list(context["desk"].statuses.values()),
        **context,
    )


def _send(number: int, action: str, body: dict[str, Any], field: str) -> None:
    """An inline change, checked against the version the row was drawn from. The version
    also moves when nothing the agent saw changed (SLA writes the planned times just after
    creation): then the row's field is compared with the ticket as it is, and the change
    goes through on the new version when that field is what the row showed."""
    version = request.form.get("version", "")
    shown = request.form.get("shown")
    path = f"/tickets/{number}/{action}"
    headers = {"If-Match": f'"{version}"'} if version.isdigit() else None
    try:
        api().call("POST", "tickets", path, json_body=body, headers=headers)
    except ServiceProblem as err:
        if err.status != 409 or "If-Match" not in err.errors or shown is None:
            raise
        now = api().get("tickets", f"/tickets/{number}")
        current = now.get("status") if field == "status" else party_key(now.get("responsible"))
        if (current or "") != shown:
            raise
        api().call("POST", "tickets", path, json_body=body, headers={"If-Match": f'"{now["version"]}"'})


def _problem(err: ServiceProblem, what: str) -> Response:
    detail = "; ".join(m for msgs in err.errors.values() for m in msgs) or err.detail
    if err.status in (409, 412):
        detail = _("The ticket changed meanwhile; the list now shows it as it is.") + " " + detail
    return alert("error", what, detail, status=err.status)


@bp.post("/tickets/list/<int:number>/status")
@page(STAFF)
def inline_status(number: int) -> Response:
    status = request.form.get("status", "")[:40]
    body: dict[str, Any] = {"status": status}
    if status == POSTPONED:
        until = from_local_input(request.form.get("until", ""), user_zone())
        if until is None:
            return alert("error", _("Postponing needs the date and time."), refresh=False, status=422)
        body["until"] = until.isoformat()
    try:
        _send(number, "status", body, "status")
    except ServiceProblem as err:
        return _problem(err, _("The status was not changed."))
    return Response(status=204, headers=hx_changed(number))


@bp.post("/tickets/list/<int:number>/responsible")
@page(STAFF)
def inline_responsible(number: int) -> Response:
    responsible = parse_ref(request.form.get("responsible", "")[:80], ("employee", "group"))
    try:
        _send(number, "assign", {"responsible": responsible}, "responsible")
    except ServiceProblem as err:
        return _problem(err, _("The responsible was not changed."))
    return Response(status=204, headers=hx_changed(number))


@bp.post("/tickets/list/bulk")
@page(STAFF)
def bulk_action() -> Response:
    numbers = sorted({int(n) for n in request.form.getlist("numbers") if n.isdigit() and len(n) < 19})
    if not numbers:
        return alert("warn", _("Select tickets first."), refresh=False)
    action = request.form.get("action", "")
    try:
        if action == "status":
            status = request.form.get("bulk_status", "")[:40]
            if not status:
                return alert("warn", _("Choose a status."), refresh=False)
            body: dict[str, Any] = {"numbers": numbers, "status": status}
            if status == POSTPONED:
                until = from_local_input(request.form.get("bulk_until", ""), user_zone())
                if until is None:
                    return alert("error", _("Postponing needs the date and time."), refresh=False, status=422)
                body["until"] = until.isoformat()
            result = api().post("tickets", "/tickets/bulk/status", json_body=body)
        elif action == "assign":
            target = request.form.get("bulk_responsible", "")[:80]
            responsible = parse_ref(target, ("employee", "group"))
            if responsible is None and target != "nobody":
                return alert("warn", _("Choose who is responsible."), refresh=False)
            result = api().post(
                "tickets", "/tickets/bulk/assign", json_body={"numbers": numbers, "responsible": responsible}
            )
        else:
            return alert("warn", _("Choose an action."), refresh=False)
    except ServiceProblem as err:
        return _problem(err, _("Nothing was changed."))
    failed = [r for r in result.get("results") or [] if not r.get("ok")]
    title = _("{done} of {total} tickets changed.", done=result.get("succeeded", 0), total=len(numbers))
    detail = " ".join(f"#{r['number']}: {(r.get('problem') or {}).get('detail', '')}" for r in failed)
    return alert("warn" if failed else "ok", title, detail)


# -- saved views: the person's own -------------------------------------------------------------
FILTER_LISTS = ("status", "priority", "type", "responsible", "channel")
FILTER_FLAGS = ("no_personal_responsible", "overdue", "due_today")


def view_body(form) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    for name in FILTER_LISTS:
        values = [v for v in form.getlist(name) if v]
        if values:
            filters[name] = values
    for name in FILTER_FLAGS:
        if form.get(name):
            filters[name] = True
    if form.get("status_kind") in ("open", "closed"):
        filters["status_kind"] = form["status_kind"]
    if form.get("q", "").strip():
        filters["q"] = form["q"].strip()
    if filters.get("due_today"):
        filters["tz"] = user_zone().key
    columns = [c for c in COLUMNS if c in form.getlist("columns")]
    return {
        "name": form.get("name", ""),
        "shared": bool(form.get("shared")),
        "filters": filters,
        "columns": columns,
        "sort": form.get("sort") or "-number",
    }


def view_errors(err: ServiceProblem) -> dict[str, str]:
    """The service names `filters.status.0`, `columns.1`: shown at the filter or the list."""
    out: dict[str, list[str]] = {}
    for name, messages in err.errors.items():
        parts = name.split(".")
        key = ".".join(parts[:2]) if parts[0] == "filters" else parts[0]
        out.setdefault(key, []).extend(messages)
    return {k: "; ".join(v) for k, v in out.items()}


def view_form(view: dict[str, Any], errors: dict[str, str] | None = None, status: int = 200, problem: str = ""):
    people, d = staff(), desk()
    return render(
        "tickets/view_form.html",
        status,
        view=view,
        filters=view.get("filters") or {},
        errors=errors or {},
        problem=problem,
        statuses=list(d.statuses.values()),
        priorities=d.priorities,
        types=d.types,
        groups=people.active_groups(),
        employees=people.active_employees(),
        channels=[(k, _(v)) for k, v in CHANNELS.items()],
        column_names=COLUMNS,
        sorts=[(k, _(label)) for k, label in SORTS],
    )


@bp.get("/tickets/views/new")
@page(STAFF)
def view_new() -> tuple[str, int]:
    filters = {"q": request.args["q"]} if request.args.get("q") else {}
    return view_form({"name": "", "filters": filters, "columns": list(BUILTIN_COLUMNS), "sort": "-number"})


@bp.post("/tickets/views/new")
@page(STAFF)
def view_create() -> Any:
    body = view_body(request.form)
    try:
        created = api().post("tickets", "/views", json_body=body)
    except ServiceProblem as err:
        return view_form(body, view_errors(err), 422, err.detail)
    forget_my_views()
    return redirect(url_for("ui.ticket_list", view=created["id"]), 303)


@bp.get("/tickets/views/<view_id>")
@page(STAFF)
def view_edit(view_id: str) -> tuple[str, int]:
    return view_form(api().get("tickets", f"/views/{view_id[:36]}"))


@bp.post("/tickets/views/<view_id>")
@page(STAFF)
def view_save(view_id: str) -> Any:
    body = view_body(request.form)
    try:
        api().patch("tickets", f"/views/{view_id[:36]}", json_body=body)
    except ServiceProblem as err:
        if err.status == 404:
            raise
        return view_form(body | {"id": view_id, "editable": True}, view_errors(err), 422, err.detail)
    forget_my_views()
    return redirect(url_for("ui.ticket_list", view=view_id), 303)


@bp.post("/tickets/views/<view_id>/delete")
@page(STAFF)
def view_delete(view_id: str) -> Any:
    api().delete("tickets", f"/views/{view_id[:36]}")
    forget_my_views()
    return redirect(url_for("ui.ticket_list"), 303)


# -- the new-ticket form -------------------------------------------------------------------------
def type_by_key(key: str | None) -> dict[str, Any] | None:
    types = [t for t in desk().types if t.get("active", True)]
    return next((t for t in types if t["key"] == key), None) or next((t for t in types if t.get("is_default")), None)


def attributes_of(type_key: str | None) -> list[dict[str, Any]]:
    chosen = type_by_key(type_key)
    if chosen is None:
        return []
    role = user().employee.role

    def load() -> list[dict[str, Any]]:
        items = api().get("tickets", f"/settings/ticket-types/{chosen['id']}/attributes")["items"]
        return sorted(items, key=lambda a: a.get("position", 0))

    items = PICKS.get(("attributes", chosen["id"]), load)
    return [a for a in items if a.get("active", True) and (not a.get("visible_roles") or role in a["visible_roles"])]


def choices(kind: str, q: str = "", company_id: str = "", selected: str = "") -> list[tuple[str, str]]:
    params: dict[str, Any] = {"q": q[:200] or None, "active": True, "limit": 30}
    if kind != "company" and company_id:
        params["company_id"] = company_id[:36]
    items = api().get("tickets", _LOOKUP[kind], params=params).get("items") or []
    prefix = "contact:" if kind == "contact" else ""
    out = [(prefix + i["id"], i["name"]) for i in items]
    NAMES.put(kind, {i["id"]: i["name"] for i in items})
    if selected and selected not in {v for v, _n in out}:
        # Keep what was chosen even when the search no longer finds it.
        raw = selected.removeprefix("contact:")
        name = names_of(kind, [raw]).get(raw)
        if name:
            out.insert(0, (selected, name))
    return out


def sla_preview(values: dict[str, str]) -> dict[str, Any]:
    """The deadlines the SLA rules would give a ticket registered now; {} when unknown."""
    chosen = type_by_key(values.get("type"))
    priorities = desk().priorities
    priority = values.get("priority") or next((p["key"] for p in priorities if p.get("is_default")), None)
    company_id = values.get("company_id") or None
    category = None
    if company_id:
        # The lookup, not the company's card: a specialist may pick any company.
        found = api().get("tickets", _LOOKUP["company"], params={"id": [company_id[:36]]}).get("items") or []
        category = found[0].get("category_id") if found else None
    body = {
        "type": chosen["key"] if chosen else None,
        "priority": priority,
        "company_id": company_id,
        "client_category_id": category,
    }
    try:
        answer = api().post("sla", "/preview/ticket", json_body=body)
    except ServiceDown:
        service_down("sla")
        return {"down": True}
    except ServiceProblem as err:
        return {"problem": err.detail}
    zone = user_zone()
    return answer | {
        "reaction_shown": shown_time(answer.get("reaction_due"), zone),
        "resolution_shown": shown_time(answer.get("resolution_due"), zone),
        "resolution_local": local_input(answer.get("resolution_due"), zone),
    }


def form_values(form) -> dict[str, str]:
    keys = ("subject", "type", "priority", "company_id", "contact", "service_object_id", "responsible", "description")
    values = {k: (form.get(k) or "") for k in keys}
    values["by_hand"] = "1" if form.get("by_hand") else ""
    values["planned_resolution_at"] = form.get("planned_resolution_at") or ""
    return values


def new_form(
    values: dict[str, str],
    attrs: dict[str, str],
    errors: dict[str, str] | None = None,
    status: int = 200,
    problem: str = "",
):
    d, people = desk(), staff()
    chosen = type_by_key(values.get("type"))
    values = values | {"type": chosen["key"] if chosen else ""}
    if not values.get("priority"):
        values["priority"] = next((p["key"] for p in d.priorities if p.get("is_default")), "")
    company = values.get("company_id", "")
    return render(
        "tickets/new.html",
        status,
        values=values,
        attrs=attrs,
        errors=errors or {},
        problem=problem,
        types=[t for t in d.types if t.get("active", True)],
        priorities=[p for p in d.priorities if p.get("active", True)],
        companies=choices("company", selected=company),
        contacts=choices("contact", company_id=company, selected=values.get("contact", "")),
        objects=choices("service_object", company_id=company, selected=values.get("service_object_id", "")),
        groups=people.active_groups(),
        employees=people.active_employees(),
        attributes=attributes_of(values.get("type")),
        preview=sla_preview(values),
        idempotency_key=str(uuid.uuid4()),
    )


@bp.get("/tickets/new")
@page(STAFF)
def new_ticket() -> tuple[str, int]:
    return new_form(form_values(request.args), {})


def _attribute_value(definition: dict[str, Any], raw: str) -> Any:
    if definition.get("kind") == "number":
        for cast in (int, float):
            try:
                return cast(raw)
            except ValueError:
                continue
    return raw  # the service names it if it is not one


def _form_errors(err: ServiceProblem) -> dict[str, str]:
    out: dict[str, list[str]] = {}
    for name, messages in err.errors.items():
        parts = name.split(".")
        key = parts[0] if parts[0] in ("contact", "responsible", "observers") else name
        out.setdefault(key, []).extend(messages)
    return {k: "; ".join(v) for k, v in out.items()}


@bp.post("/tickets/new")
@page(STAFF)
def create_ticket() -> Any:
    form = request.form
    values = form_values(form)
    definitions = {a["key"]: a for a in attributes_of(values["type"])}
    attrs = {k: form.get(f"attributes.{k}", "") for k in definitions}
    body: dict[str, Any] = {"subject": values["subject"], "description": values["description"]}
    for name in ("type", "priority", "company_id", "service_object_id"):
        if values[name]:
            body[name] = values[name]
    contact = parse_ref(values["contact"], ("contact", "employee"))
    if contact:
        body["contact"] = contact
    responsible = parse_ref(values["responsible"], ("employee", "group"))
    if responsible:
        body["responsible"] = responsible
    given = {k: _attribute_value(definitions[k], v) for k, v in attrs.items() if v.strip()}
    if given:
        body["attributes"] = given
    errors: dict[str, str] = {}
    if values["by_hand"]:
        moment = from_local_input(values["planned_resolution_at"], user_zone())
        if moment is None:
            errors["planned_resolution_at"] = _("Enter the date and time.")
        else:
            body["planned_resolution_at"] = moment.isoformat()
    if errors:
        return new_form(values, attrs, errors, 422, _("The ticket was not created: see the marked fields."))
    key = (form.get("idempotency_key") or "")[:64] or str(uuid.uuid4())
    try:
        created = api().post("tickets", "/tickets", json_body=body, headers={"Idempotency-Key": key})
    except ServiceProblem as err:
        found = _form_errors(err)
        return new_form(
            values, attrs, found, 422, _("The ticket was not created: see the marked fields.") if found else err.detail
        )
    return redirect(f"/tickets/{created['number']}", 303)


@bp.get("/tickets/new/attributes")
@page(STAFF)
def new_ticket_attributes() -> tuple[str, int]:
    return render("tickets/_attributes.html", attributes=attributes_of(request.args.get("type")), attrs={}, errors={})


@bp.get("/tickets/new/sla")
@page(STAFF)
def new_ticket_sla() -> tuple[str, int]:
    return render("tickets/_sla_preview.html", preview=sla_preview(form_values(request.args)))


@bp.get("/tickets/new/choices/<kind>")
@page(STAFF)
def new_ticket_choices(kind: str) -> tuple[str, int]:
    if kind not in _LOOKUP:
        return render("tickets/_choices.html", 404, options=[], selected="")
    field_name = {"company": "company_id", "contact": "contact", "service_object": "service_object_id"}[kind]
    selected = request.args.get(field_name, "")
    found = choices(kind, request.args.get("q_" + kind, ""), request.args.get("company_id", ""), selected)
    return render("tickets/_choices.html", options=found, selected=selected)


def option_list(options: Iterable[tuple[str, str]], selected: str | Iterable[str] = "") -> Markup:
    """<option>s, escaped, with the chosen one(s) marked."""
    chosen = {selected} if isinstance(selected, str) else set(selected)
    parts = [
        f'<option value="{escape(value)}"{" selected" if value in chosen else ""}>{escape(text)}</option>'
        for value, text in options
    ]
    return Markup("".join(parts))


@bp.app_template_global("ticket_options")
def _ticket_options(options: Iterable[tuple[str, str]], selected: Any = "") -> Markup:
    return option_list(options, selected)


i18n.add(
    ru={
        "Tickets": "Заявки",
        "Mine": "Мои",
        "My groups": "Мои группы",
        "Unassigned": "Без исполнителя",
        "Overdue": "Просроченные",
        "Due today": "Срок сегодня",
        "All open": "Все открытые",
        "All tickets": "Все заявки",
        "Views": "Представления",
        "My views": "Мои представления",
        "Ticket views": "Представления заявок",
        "New view": "Новое представление",
        "Edit view": "Изменить представление",
        "Edit this view": "Изменить это представление",
        "Save as a view": "Сохранить как представление",
        "Delete view": "Удалить представление",
        "Delete this view?": "Удалить это представление?",
        "shared": "общее",
        "Shared with all staff": "Доступно всем сотрудникам",
        "View name": "Название представления",
        "Filters": "Фильтры",
        "Open and closed": "Открытые и закрытые",
        "Open only": "Только открытые",
        "Closed only": "Только закрытые",
        "Open or closed": "Открытые или закрытые",
        "More filters": "Другие фильтры",
        "Statuses": "Статусы",
        "Priorities": "Приоритеты",
        "Types": "Типы",
        "Channels": "Каналы",
        "Nobody personally responsible (none or a group)": "Нет личного исполнителя (никого или группа)",
        "Resolution overdue": "Решение просрочено",
        "Resolution due today": "Решение сегодня",
        "Search text": "Текст для поиска",
        "Columns": "Колонки",
        "Sort": "Сортировка",
        "Sort by": "Сортировать",
        "Newest first": "Сначала новые",
        "Oldest first": "Сначала старые",
        "Recently updated": "Недавно изменённые",
        "Least recently updated": "Давно не менявшиеся",
        "Resolution due soonest": "Ближайший срок решения",
        "Resolution due latest": "Самый поздний срок решения",
        "Highest priority first": "Сначала высокий приоритет",
        "Lowest priority first": "Сначала низкий приоритет",
        "Newest created": "Созданные позже",
        "Oldest created": "Созданные раньше",
        "Number": "Номер",
        "Subject": "Тема",
        "Status": "Статус",
        "Priority": "Приоритет",
        "Type": "Тип",
        "Channel": "Канал",
        "Responsible": "Исполнитель",
        "Observers": "Наблюдатели",
        "Company": "Компания",
        "Contact": "Контакт",
        "Service object": "Объект обслуживания",
        "Created": "Создана",
        "Updated": "Изменена",
        "Reaction": "Реакция",
        "Resolution": "Решение",
        "Time spent": "Затрачено",
        "Rating": "Оценка",
        "Agent": "Оператор",
        "Portal": "Портал",
        "Web form": "Веб-форма",
        "Recurring": "Регулярная",
        "Bad": "Плохо",
        "Okay": "Нормально",
        "Good": "Хорошо",
        "Search tickets": "Поиск заявок",
        "Search": "Найти",
        "Clear the search": "Сбросить поиск",
        "New ticket": "Новая заявка",
        "Tickets found": "Найденные заявки",
        "Select all on this page": "Выбрать все на странице",
        "Select ticket {number}": "Выбрать заявку {number}",
        "selected": "выбрано",
        "With the selected": "С выбранными",
        "Change status to": "Сменить статус на",
        "Change status": "Сменить статус",
        "Assign to": "Назначить",
        "Assign": "Назначить",
        "Nobody": "Никто",
        "Groups": "Группы",
        "People": "Сотрудники",
        "Until": "До",
        "Postponed until": "Отложить до",
        "Status of ticket {number}": "Статус заявки {number}",
        "Responsible for ticket {number}": "Исполнитель заявки {number}",
        "Change the responsible of ticket {number}": "Сменить исполнителя заявки {number}",
        "Apply": "Применить",
        "Unread": "Непрочитанная",
        "unread": "непрочитанная",
        "Priority: {name}": "Приоритет: {name}",
        "met": "выполнено",
        "met late": "выполнено с опозданием",
        "paused": "на паузе",
        "stopped": "остановлено",
        "due": "срок",
        "No tickets here.": "Здесь нет заявок.",
        "You are in no group.": "Вы не состоите ни в одной группе.",
        "Next page": "Следующая страница",
        "First page": "Первая страница",
        "Page {number}": "Страница {number}",
        "Keys: j/k move, Enter opens, / searches, c creates.": (
            "Клавиши: j/k — перемещение, Enter — открыть, / — поиск, c — новая заявка."
        ),
        "Select tickets first.": "Сначала выберите заявки.",
        "Choose a status.": "Выберите статус.",
        "Choose who is responsible.": "Выберите исполнителя.",
        "Choose an action.": "Выберите действие.",
        "Nothing was changed.": "Ничего не изменено.",
        "{done} of {total} tickets changed.": "Изменено заявок: {done} из {total}.",
        "Postponing needs the date and time.": "Чтобы отложить, укажите дату и время.",
        "The status was not changed.": "Статус не изменён.",
        "The responsible was not changed.": "Исполнитель не изменён.",
        "The ticket changed meanwhile; the list now shows it as it is.": (
            "Заявка тем временем изменилась; список показывает её текущее состояние."
        ),
        "Description": "Описание",
        "Create the ticket": "Создать заявку",
        "Attributes of the type": "Атрибуты типа",
        "None": "Нет",
        "Find a company": "Найти компанию",
        "Find a contact": "Найти контакт",
        "Find a service object": "Найти объект обслуживания",
        "Deadlines": "Сроки",
        "Planned reaction": "Плановая реакция",
        "Planned resolution": "Плановое решение",
        "SLA rule": "Правило SLA",
        "No deadline": "Без срока",
        "Computed by the SLA rules for a ticket registered now.": (
            "Рассчитано правилами SLA для заявки, созданной сейчас."
        ),
        "The SLA service is unavailable; the deadlines are set when it is back.": (
            "Сервис SLA недоступен; сроки будут назначены, когда он заработает."
        ),
        "Set the planned resolution by hand": "Задать плановое решение вручную",
        "Planned resolution (by hand)": "Плановое решение (вручную)",
        "Enter the date and time.": "Укажите дату и время.",
        "The ticket was not created: see the marked fields.": "Заявка не создана: см. отмеченные поля.",
        "Choose…": "Выберите…",
        "Save the view": "Сохранить представление",
    }
)
