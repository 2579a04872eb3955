"""The ticket card (/tickets/<number>): everything about one ticket on one page, and the
actions on it (status, fields, observers, replies with files, time, merge, split).

Every part comes from the services' APIs as the person signed in, in one round of calls
side by side (then a second round for what needs the ticket's id or references), so the
first view is complete without any follow-up requests. The card's parts refresh
themselves when the live stream says the ticket changed (static/card.js), each from its
own fragment route; the reply form is never refreshed under the agent's hands.

Actions are plain forms (POST, then a redirect back to the card) that htmx submits in
place (hx-select of #ticket-card); errors come back next to the fields (422).

A reply carries the ticket version the agent wrote it against (If-Match): if the ticket
moved on, the reply is held and the changes since are shown; the agent sends it anyway
or edits it first.
"""

from __future__ import annotations

import contextvars
import io
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from flask import Response, g, redirect, request, url_for
from markupsafe import Markup, escape

from relay_gateway.ui import i18n, pages_tickets
from relay_gateway.ui.client import Reply, ServiceClient, ServiceDown, ServiceProblem
from relay_gateway.ui.web import STAFF, _, api, bp, current_session, is_htmx, page, render, service_down
from relaykit.errors import NotFound

log = logging.getLogger(__name__)

TICKETS, SLA = "tickets", "sla"
PAGE = 500  # comments and history entries per upstream page
MAX_PAGES = 20  # a card shows at most 10,000 of each; beyond that the API is the place
DIRECTORY_PAGE = 200
PICK_LIMIT = 30
MENTION_LIMIT = 8

# The upstream calls of one card are independent of each other: a small pool runs them
# side by side (in the all-in-one the services run in this process and mostly wait on
# their databases; behind HTTP they are separate processes).
_POOL = ThreadPoolExecutor(max_workers=6, thread_name_prefix="ui-card")

# The parts of the card, each refreshable on its own, and what each needs from upstream.
PARTS = ("head", "props", "conversation", "activity")
NEEDS: dict[str, frozenset[str]] = {
    "head": frozenset({"ticket"}),
    "props": frozenset(
        {
            "ticket",
            "statuses",
            "priorities",
            "types",
            "attr_defs",
            "employees",
            "groups",
            "company",
            "contact",
            "service_object",
            "sla",
            "sla_timeline",
        }
    ),
    "conversation": frozenset({"ticket", "comments", "attachments", "types"}),
    "activity": frozenset(
        {"ticket", "time", "history", "intervals", "similar", "statuses", "priorities", "employees", "groups", "types"}
    ),
    "reply": frozenset({"ticket", "desk", "canned", "history"}),
}
ALL = frozenset().union(*NEEDS.values())
# Changes that are no news to someone writing a reply: the SLA service filling in or
# recomputing its deadlines (it does so a moment after every registration).
QUIET_FIELDS = frozenset({"planned_reaction_at", "planned_resolution_at", "planned_source", "sla_rule"})
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


# -- fetching -------------------------------------------------------------------------------
@dataclass
class Outcome:
    value: Any = None
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _attempt(fn: Callable[[], Any]) -> Outcome:
    try:
        return Outcome(fn())
    except (ServiceProblem, ServiceDown) as e:
        return Outcome(error=e)


def _submit(fn: Callable[[], Any]) -> Future:
    return _POOL.submit(contextvars.copy_context().run, _attempt, fn)


def _run_side_by_side(calls: dict[str, Callable[[], Any]]) -> dict[str, Outcome]:
    """Each call's value or the exception it raised; the first runs here, the rest in the pool."""
    items = list(calls.items())
    if not items:
        return {}
    futures = {key: _submit(fn) for key, fn in items[1:]}
    out = {items[0][0]: _attempt(items[0][1])}
    out.update({key: future.result() for key, future in futures.items()})
    return out


def _pages(client: ServiceClient, path: str, limit: int = PAGE, **params: Any) -> list[dict]:
    items: list[dict] = []
    cursor = params.pop("cursor", None)
    for _i in range(MAX_PAGES):
        data = client.get(TICKETS, path, params={"limit": limit, "cursor": cursor, **params})
        items.extend(data.get("items") or [])
        cursor = data.get("next_cursor")
        if cursor is None:
            break
    return items


def _items(data: Any) -> list[dict]:
    return list((data or {}).get("items") or [])


def _first_round(client: ServiceClient, number: int, needs: frozenset[str]) -> dict[str, Callable[[], Any]]:
    t = f"/tickets/{number}"
    every: dict[str, Callable[[], Any]] = {
        "ticket": lambda: client.call("GET", TICKETS, t),
        "comments": lambda: _pages(client, f"{t}/comments"),
        "attachments": lambda: _items(client.get(TICKETS, f"{t}/attachments")),
        "time": lambda: client.get(TICKETS, f"{t}/time-entries"),
        "history": lambda: _pages(client, f"{t}/history"),
        "intervals": lambda: client.get(TICKETS, f"{t}/status-intervals"),
        "similar": lambda: _items(client.get(TICKETS, f"{t}/similar")),
        # The desk's lists and the staff: the pick lists the ticket list keeps for half a minute
        # (so are the desk settings, the canned responses and a type's attributes, below).
        "desk_lists": pages_tickets.desk,
        "staff": pages_tickets.staff,
        "desk": lambda: pages_tickets.PICKS.get("card:desk", lambda: client.get(TICKETS, "/settings/desk")),
        "canned": lambda: pages_tickets.PICKS.get(
            "card:canned", lambda: _items(client.get(TICKETS, "/canned-responses"))
        ),
    }
    wanted = set(needs) | {"ticket"}
    if wanted & {"statuses", "priorities", "types"}:
        wanted.add("desk_lists")
    if wanted & {"employees", "groups"}:
        wanted.add("staff")
    return {k: fn for k, fn in every.items() if k in wanted}


def _unpack_lists(first: dict[str, Outcome]) -> None:
    """The cached desk and staff as the card's lists (statuses, priorities, types, employees, groups)."""
    lists = first.pop("desk_lists", None)
    if lists is not None:
        d = lists.value
        first["statuses"] = Outcome(list(d.statuses.values())) if lists.ok else lists
        first["priorities"] = Outcome(d.priorities) if lists.ok else lists
        first["types"] = Outcome(d.types) if lists.ok else lists
    people = first.pop("staff", None)
    if people is not None:
        first["employees"] = Outcome(people.value.employees) if people.ok else people
        first["groups"] = Outcome(people.value.groups) if people.ok else people


def _second_round(
    client: ServiceClient, ticket: dict, types: list[dict] | None, needs: frozenset[str]
) -> dict[str, Callable[[], Any]]:
    calls: dict[str, Callable[[], Any]] = {}
    tid = ticket["id"]
    if "sla" in needs:
        calls["sla"] = lambda: client.get(SLA, f"/tickets/{tid}")
    if "sla_timeline" in needs:
        calls["sla_timeline"] = lambda: _items(client.get(SLA, f"/tickets/{tid}/timeline"))
    if "company" in needs and ticket.get("company_id"):
        calls["company"] = lambda: client.get(TICKETS, f"/companies/{ticket['company_id']}")
    contact = ticket.get("contact") or {}
    if "contact" in needs and contact.get("kind") == "contact":
        calls["contact"] = lambda: client.get(TICKETS, f"/contacts/{contact['id']}")
    if "service_object" in needs and ticket.get("service_object_id"):
        calls["service_object"] = lambda: client.get(TICKETS, f"/service-objects/{ticket['service_object_id']}")
    if "attr_defs" in needs and types is not None:
        type_id = next((x["id"] for x in types if x["key"] == ticket.get("type")), None)
        if type_id is not None:
            calls["attr_defs"] = lambda: pages_tickets.PICKS.get(
                ("card:attributes", type_id),
                lambda: _items(client.get(TICKETS, f"/settings/ticket-types/{type_id}/attributes")),
            )
    return calls


def load(number: int, needs: frozenset[str] = ALL) -> dict[str, Any]:
    """The raw answers the card is made of (key -> value, None where a part is missing).
    The ticket's own 404 (or the tickets service being down) is raised: there is no card."""
    client = api()
    started = time.perf_counter()
    calls = _first_round(client, number, needs)
    read_ticket = calls.pop("ticket")
    # Everything else starts at once (the conversation, the slowest, first); what needs the
    # ticket's id or references starts as soon as the ticket is in, beside the rest.
    pending = {key: _submit(fn) for key, fn in calls.items()}
    got = _attempt(read_ticket)
    if not got.ok:
        for future in pending.values():
            future.result()  # none outlives the request
        raise got.error  # type: ignore[misc]
    reply: Reply = got.value
    ticket = reply.data
    types = None
    if "attr_defs" in needs and "desk_lists" in pending:
        lists = pending["desk_lists"].result()
        types = lists.value.types if lists.ok else None
    pending.update({key: _submit(fn) for key, fn in _second_round(client, ticket, types, needs).items()})
    results = {key: future.result() for key, future in pending.items()}
    _unpack_lists(results)
    data: dict[str, Any] = {"ticket": ticket, "etag": reply.etag}
    sla_problem = None
    for key, outcome in results.items():
        if outcome.ok:
            data[key] = outcome.value
            continue
        data[key] = None
        err = outcome.error
        if isinstance(err, ServiceDown):
            service_down(err.service)
        elif key.startswith("sla"):
            sla_problem = err.detail if isinstance(err, ServiceProblem) else None
        else:
            log.info("a card part is missing", extra={"part": key, "error": str(err)})
    data["sla_problem"] = sla_problem
    g.card_upstream_ms = (time.perf_counter() - started) * 1000
    return data


# -- presenting -------------------------------------------------------------------------------
def parse_time(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def zone() -> ZoneInfo:
    """The reader's time zone, as the ticket list has it (the browser's, kept in a cookie)."""
    if "card_zone" not in g:
        g.card_zone = pages_tickets.user_zone()
    return g.card_zone


def show_time(value: Any) -> str:
    moment = parse_time(value)
    return moment.astimezone(zone()).strftime("%Y-%m-%d %H:%M") if moment else ""


def show_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = int(abs(seconds))
    d, h, m = s // 86400, (s % 86400) // 3600, (s % 3600) // 60
    if d:
        text = _("{d} d {h} h", d=d, h=h) if h else _("{d} d", d=d)
    elif h:
        text = _("{h} h {m} min", h=h, m=m) if m else _("{h} h", h=h)
    elif m:
        text = _("{m} min", m=m)
    else:
        text = _("{s} s", s=s)
    return ("−" if seconds < 0 else "") + text


def show_minutes(minutes: Any) -> str:
    try:
        return show_duration(float(minutes) * 60)
    except (TypeError, ValueError):
        return ""


def safe_colour(value: Any) -> str:
    return value if isinstance(value, str) and _HEX.match(value) else ""


def _short(text: str, limit: int = 160) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Names:
    """Who and what the ids of a ticket stand for."""

    employees: dict[str, dict] = field(default_factory=dict)
    groups: dict[str, dict] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    priorities: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)
    companies: dict[str, str] = field(default_factory=dict)
    contacts: dict[str, str] = field(default_factory=dict)
    service_objects: dict[str, str] = field(default_factory=dict)

    def party(self, p: Any) -> str:
        if not isinstance(p, dict) or not p.get("id"):
            return _("nobody")
        if p.get("kind") == "group":
            found = self.groups.get(p["id"])
            return (found or {}).get("name") or _("a group")
        found = self.employees.get(p["id"])
        return (found or {}).get("name") or _("an employee")

    def contact(self, c: Any) -> str:
        if not isinstance(c, dict) or not c.get("id"):
            return _("nobody")
        if c.get("kind") == "employee":
            return self.party(c)
        return self.contacts.get(c["id"]) or _("a contact")

    def value(self, field_name: str, value: Any) -> str:
        """A history value as words."""
        if value is None or value == "" or value == []:
            return "—"
        if field_name == "status":
            return self.statuses.get(value, str(value))
        if field_name == "priority":
            return self.priorities.get(value, str(value))
        if field_name == "type":
            return self.types.get(value, str(value))
        if field_name == "responsible":
            return self.party(value)
        if field_name == "observers" and isinstance(value, list):
            return ", ".join(self.party(p) for p in value) or "—"
        if field_name == "contact":
            return self.contact(value)
        if field_name == "company_id":
            return self.companies.get(value) or _("another company")
        if field_name == "service_object_id":
            return self.service_objects.get(value) or _("another service object")
        if field_name in ("postponed_until", "planned_reaction_at", "planned_resolution_at", "resolved_at"):
            return show_time(value) or str(value)
        if field_name == "attributes" and isinstance(value, dict):
            return "; ".join(f"{self.attributes.get(k, k)}: {'—' if v is None else v}" for k, v in value.items()) or "—"
        if field_name in ("merged_into", "merged_from", "split") and isinstance(value, dict) and value.get("number"):
            return f"#{value['number']}"
        if field_name == "internal":
            return _("yes") if value else _("no")
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False)
        return str(value)


FIELD_LABELS = {
    "subject": "Subject",
    "description": "Description",
    "type": "Type",
    "internal": "Internal",
    "priority": "Priority",
    "status": "Status",
    "company_id": "Company",
    "contact": "Contact",
    "service_object_id": "Service object",
    "responsible": "Responsible",
    "observers": "Observers",
    "attributes": "Attributes",
    "parent_id": "Parent ticket",
    "postponed_until": "Postponed until",
    "planned_reaction_at": "Planned reaction",
    "planned_resolution_at": "Planned resolution",
    "planned_source": "Deadlines set by",
    "sla_rule": "SLA rule",
    "time_spent_minutes": "Time spent",
    "rating": "Rating",
    "attachments": "Files",
    "merged_into": "Merged into",
    "merged_from": "Merged from",
    "split": "Comment split into",
}
LINK_LABELS = {
    "follow_up": "Follow-up of",
    "merged_into": "Merged into",
    "merged_from": "Merged from",
    "split_from": "Split from",
    "split_into": "Split into",
}
EDIT_FIELDS = frozenset({"priority", "type", "responsible", "company_id", "contact", "service_object_id", "attributes"})
RATING_LABELS = {"good": "Good", "normal": "Fair", "bad": "Bad"}
CHANNEL_LABELS = {
    "agent": "agent",
    "portal": "portal",
    "email": "email",
    "api": "API",
    "web_form": "web form",
    "recurring": "recurring",
}
TIMELINE_LABELS = {
    "registered": "Clocks started",
    "state": "Clock state",
    "reaction_met": "First reaction",
    "targets": "Targets changed",
    "fired": "Deadline reached",
}
CLOCK_STATES = {"running": "running", "paused": "paused", "stopped": "stopped"}


def names_of(data: dict[str, Any]) -> Names:
    n = Names()
    n.employees = {e["id"]: e for e in data.get("employees") or []}
    n.groups = {x["id"]: x for x in data.get("groups") or []}
    n.statuses = {x["key"]: x["name"] for x in data.get("statuses") or []}
    n.priorities = {x["key"]: x["name"] for x in data.get("priorities") or []}
    n.types = {x["key"]: x["name"] for x in data.get("types") or []}
    n.attributes = {x["key"]: x["name"] for x in data.get("attr_defs") or []}
    ticket = data["ticket"]
    if data.get("company"):
        n.companies[data["company"]["id"]] = data["company"].get("name") or ""
    if data.get("contact"):
        n.contacts[data["contact"]["id"]] = data["contact"].get("name") or ""
    if data.get("service_object"):
        n.service_objects[data["service_object"]["id"]] = data["service_object"].get("name") or ""
    n.statuses.setdefault(ticket.get("status", ""), ticket.get("status_name", ""))
    n.priorities.setdefault(ticket.get("priority", ""), ticket.get("priority_name", ""))
    n.types.setdefault(ticket.get("type", ""), ticket.get("type_name", ""))
    return n


def history_rows(entries: Iterable[dict], names: Names) -> list[dict[str, Any]]:
    rows = []
    for e in entries:
        f = e.get("field") or ""
        actor = e.get("actor") or {}
        rows.append(
            {
                "id": e.get("id"),
                "at": e.get("at"),
                "who": actor.get("name")
                or (names.party(actor) if actor.get("kind") == "employee" else actor.get("id")),
                "channel": _(CHANNEL_LABELS.get(e.get("channel") or "", e.get("channel") or "")),
                "field": _(FIELD_LABELS[f]) if f in FIELD_LABELS else f,
                "old": names.value(f, e.get("old")),
                "new": names.value(f, e.get("new")),
            }
        )
    return rows


def _me() -> Any:
    return current_session().employee


def _visible_to_me(definition: dict) -> bool:
    roles = definition.get("visible_roles") or []
    return definition.get("active", True) and (not roles or _me().role in roles)


def card_context(number: int, data: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """What the card's templates read, built once from the raw answers."""
    ticket = data["ticket"]
    names = names_of(data)
    me = _me()
    observers = ticket.get("observers") or []
    observing = any(o.get("kind") == "employee" and o.get("id") == me.id for o in observers)
    statuses = data.get("statuses") or []
    status_names = {s["key"]: s["name"] for s in statuses}
    allowed = [{"key": k, "name": status_names.get(k, k)} for k in ticket.get("allowed_statuses") or []]
    comments = data.get("comments")
    history = data.get("history")
    links = ticket.get("links") or []
    merged_into = next((link.get("number") for link in links if link.get("kind") == "merged_into"), None)
    defs = [d for d in (data.get("attr_defs") or []) if _visible_to_me(d)]
    attributes = ticket.get("attributes") or {}
    shown_attrs = [{"key": d["key"], "name": d["name"], "value": attributes.get(d["key"])} for d in defs]
    known = {d["key"] for d in defs}
    shown_attrs += [{"key": k, "name": k, "value": v} for k, v in attributes.items() if k not in known]
    desk = data.get("desk") or {}
    time_data = data.get("time") or {}
    intervals = data.get("intervals") or {}
    totals = [
        {"status": status_names.get(k, k), "seconds": v}
        for k, v in sorted((intervals.get("totals") or {}).items(), key=lambda kv: -kv[1])
    ]
    responsible_options = [("", _("nobody"))]
    responsible_options += [
        (f"group:{x['id']}", _("Group: {name}", name=x["name"]))
        for x in data.get("groups") or []
        if x.get("active", True)
    ]
    responsible_options += [
        (f"employee:{e['id']}", e["name"]) for e in data.get("employees") or [] if e.get("active", True)
    ]
    resp = ticket.get("responsible") or {}
    context = {
        "number": number,
        "t": ticket,
        "version": ticket.get("version"),
        "names": names,
        "me_id": me.id,
        "observing": observing,
        "observers": [names.party(o) for o in observers],
        "allowed": allowed,
        "can_resolve": "resolved" in (ticket.get("allowed_statuses") or []),
        "comments": conversation_html(comment_rows(number, comments), request.args.get("split"))
        if comments is not None
        else None,
        "comment_count": len(comments or []),
        "files": file_rows(number, data.get("attachments")) if data.get("attachments") is not None else None,
        "split": _split_form(ticket, comments, data.get("types")) if request.args.get("split") else None,
        "merged_into": merged_into,
        "history": history_rows(history, names) if history is not None else None,
        "last_history_id": max((h.get("id") or 0 for h in history or []), default=0),
        "time": time_data.get("items") if data.get("time") is not None else None,
        "time_total": time_data.get("total_minutes", ticket.get("time_spent_minutes")),
        "intervals": totals if data.get("intervals") is not None else None,
        "similar": data.get("similar"),
        "sla": data.get("sla"),
        "sla_loaded": "sla" in data,
        "sla_problem": data.get("sla_problem"),
        "sla_timeline": [_timeline_row(x) for x in data.get("sla_timeline") or []],
        "attr_defs": defs,
        "attributes": shown_attrs,
        "priorities": [p for p in data.get("priorities") or [] if p.get("active", True)],
        "types": [x for x in data.get("types") or [] if x.get("active", True)],
        "responsible_value": f"{resp['kind']}:{resp['id']}" if resp.get("id") else "",
        "responsible_options": responsible_options,
        "company": data.get("company"),
        "contact": data.get("contact"),
        "service_object": data.get("service_object"),
        "canned": data.get("canned") or [],
        "default_public": desk.get("default_comment_public", True),
        "priority_colour": safe_colour(ticket.get("priority_colour")),
        "errors": {},
        "problem": None,
        "reply": {},
        "conflict": None,
        "notice": _notice(request.args.get("done")),
        "fmt": show_time,
        "zone_name": str(zone()),
        "dur": show_duration,
        "mins": show_minutes,
        "rating_label": lambda r: _(RATING_LABELS.get(r, r)) if r else "",
        "channel_label": lambda c: _(CHANNEL_LABELS.get(c or "", c or "")),
        "status_name": lambda k: status_names.get(k, k),
        "choices": {},
        "link_labels": LINK_LABELS,
        "merge": {},
    }
    context.update(extra)
    done = request.args.get("done")
    # The reply box keeps what is being typed across the card's other actions (htmx keeps
    # hx-preserve elements), but not once the reply itself went or came back to be fixed.
    context["keep_reply"] = not context["reply"] and done not in ("reply", "resolved")
    context["errors_in_edit"] = any(k in EDIT_FIELDS or k.startswith("attributes.") for k in context["errors"] or {})
    return context


def _size(n: Any) -> str:
    try:
        n = int(n)
    except (TypeError, ValueError):
        return ""
    if n < 1024:
        return _("{n} B", n=n)
    if n < 1024 * 1024:
        return _("{n} KB", n=f"{n / 1024:.1f}")
    return _("{n} MB", n=f"{n / 1024 / 1024:.1f}")


def file_rows(number: int, files: Iterable[dict]) -> list[dict[str, Any]]:
    # One url_for for all: building a URL costs more than the rest of a row.
    base = url_for("ui.ticket_card_file", number=number, attachment_id="__id__")
    return [
        {
            "url": base.replace("__id__", quote(str(a.get("id")), safe="")),
            "name": a.get("filename") or "",
            "size": _size(a.get("size")),
            "at": a.get("created_at"),
            "at_text": show_time(a.get("created_at")),
        }
        for a in files
    ]


def comment_rows(number: int, comments: Iterable[dict]) -> list[dict[str, Any]]:
    channels = {k: _(v) for k, v in CHANNEL_LABELS.items()}
    someone = _("someone")
    cards = url_for("ui.ticket_card", number=1)[:-1]  # "/tickets/": each card's URL is this and a number
    rows = []
    for c in comments:
        author = c.get("author") or {}
        merged_from = (c.get("merged_from") or {}).get("number")
        split_into = (c.get("split_into") or {}).get("number")
        rows.append(
            {
                "id": c.get("id"),
                "public": bool(c.get("public")),
                "kind": "public" if c.get("public") else "private",
                "author": author.get("name") or someone,
                "channel": channels.get(c.get("channel") or "", c.get("channel") or ""),
                "at": c.get("created_at"),
                "at_text": show_time(c.get("created_at")),
                "body": c.get("body_text") if c.get("body_text") is not None else c.get("body") or "",
                "files": file_rows(number, c["attachments"]) if c.get("attachments") else [],
                "merged_from": merged_from,
                "split_into": split_into,
                "merged_from_url": f"{cards}{merged_from}" if merged_from else None,
                "split_into_url": f"{cards}{split_into}" if split_into else None,
            }
        )
    return rows


@dataclass
class Conversation:
    """The comments as HTML, cut where the split form goes (inside the chosen comment)."""

    before: Markup
    chosen: dict[str, Any] | None
    after: Markup


def conversation_html(rows: list[dict[str, Any]], split_id: str | None) -> Conversation:
    """The comments' markup, built here rather than by a template loop: on a card with
    hundreds of comments the loop's lookups were most of the page's rendering. Every value
    from the service goes through escape(): the result is as safe as autoescape's."""
    labels = {
        "public": escape(_("Public")),
        "private": escape(_("Private")),
        "public_comment": escape(_("Public comment")),
        "private_comment": escape(_("Private comment")),
        "files": escape(_("Files of this comment")),
        "moved_from": escape(_("moved here from")),
        "split_into": escape(_("split into")),
        "split": escape(_("Split into a new ticket")),
    }
    before: list[str] = []
    after: list[str] = []
    out, chosen = before, None
    for c in rows:
        public = c["public"]
        kind = "public" if public else "private"
        author = escape(c["author"])
        out.append(
            f'<article class="comment {kind}" id="comment-{escape(c["id"])}" '
            f'aria-label="{labels["public_comment" if public else "private_comment"]}: {author}">'
            f'<header><span class="visibility visibility-{kind}">{labels[kind]}</span> '
            f'<strong class="author">{author}</strong> <span>{escape(c["channel"])}</span> '
            f'<time datetime="{escape(c["at"] or "")}">{escape(c["at_text"])}</time></header>'
            f'<div class="body">{escape(c["body"])}</div>'
        )
        if c["files"]:
            items = "".join(
                f'<li><a href="{escape(a["url"])}" download>{escape(a["name"])}</a> '
                f'<span class="muted">{escape(a["size"])}</span></li>'
                for a in c["files"]
            )
            out.append(f'<ul class="files" aria-label="{labels["files"]}">{items}</ul>')
        if c["merged_from"] or c["split_into"]:
            links = []
            if c["merged_from"]:
                links.append(
                    f'<span class="pill">{labels["moved_from"]} '
                    f'<a href="{escape(c["merged_from_url"])}">#{escape(c["merged_from"])}</a></span>'
                )
            if c["split_into"]:
                links.append(
                    f'<span class="pill">{labels["split_into"]} '
                    f'<a href="{escape(c["split_into_url"])}">#{escape(c["split_into"])}</a></span>'
                )
            out.append(f'<p class="comment-links">{" ".join(links)}</p>')
        if split_id is not None and c["id"] == split_id and chosen is None:
            chosen, out = c, after  # the template adds the form and closes the article
            continue
        if not c["split_into"]:
            out.append(
                f'<p class="split-comment"><a href="?split={escape(c["id"])}#split-title">{labels["split"]}</a></p>'
            )
        out.append("</article>")
    return Conversation(Markup("".join(before)), chosen, Markup("".join(after)))


def _split_form(ticket: dict, comments: list[dict] | None, types: list[dict] | None) -> dict[str, Any] | None:
    """The form to split the chosen comment off: its first line as the subject, and a type
    it may go into (a private comment only into an internal one)."""
    chosen = request.args.get("split")
    comment = next((c for c in comments or [] if c.get("id") == chosen), None)
    if comment is None:
        return None
    text = (comment.get("body_text") or comment.get("body") or "").strip()
    first = text.splitlines()[0] if text else ""
    active = [x for x in types or [] if x.get("active", True)]
    must_be_internal = ticket.get("internal") or not comment.get("public")
    offered = [x for x in active if x.get("internal")] if must_be_internal else active
    current = ticket.get("type")
    default = current if any(x["key"] == current for x in offered) else (offered[0]["key"] if offered else current)
    return {
        "id": chosen,
        "subject": _short(first, 80),
        "types": [(x["key"], x["name"]) for x in offered] or [(current, ticket.get("type_name") or current)],
        "type": default,
    }


def _timeline_row(entry: dict) -> dict[str, Any]:
    kind = entry.get("kind") or ""
    d = entry.get("data") or {}
    detail = ""
    if kind == "registered":
        targets = d.get("targets") or {}
        detail = _(
            "rule {rule}: reaction {reaction}, resolution {resolution}",
            rule=targets.get("rule_name") or "—",
            reaction=show_duration(targets.get("reaction_seconds")) or "—",
            resolution=show_duration(targets.get("resolution_seconds")) or "—",
        )
    elif kind == "state":
        detail = _(CLOCK_STATES.get(d.get("state") or "", d.get("state") or ""))
    elif kind == "targets":
        targets = d.get("targets") or {}
        detail = _(
            "rule {rule}: reaction {reaction}, resolution {resolution}",
            rule=targets.get("rule_name") or "—",
            reaction=show_duration(targets.get("reaction_seconds")) or "—",
            resolution=show_duration(targets.get("resolution_seconds")) or "—",
        )
    elif kind == "fired":
        clock = _("reaction") if d.get("clock") == "reaction" else _("resolution")
        level = float(d.get("level") or 0)
        detail = (
            _("{clock} deadline breached", clock=clock)
            if level >= 1
            else _("{clock}: {share}% of the time used", clock=clock, share=round(level * 100))
        )
    return {"at": entry.get("at"), "kind": _(TIMELINE_LABELS.get(kind, kind)), "detail": detail}


NOTICES = {
    "reply": "Your reply is sent.",
    "resolved": "Your reply is sent and the ticket is resolved.",
    "status": "The status is changed.",
    "fields": "The changes are saved.",
    "observe": "You observe this ticket now.",
    "unobserve": "You no longer observe this ticket.",
    "time": "The time is logged.",
    "files": "The files are attached.",
    "split": "The comment is now a ticket of its own.",
    "merged": "The ticket is merged into this one.",
}


def _notice(done: str | None) -> str | None:
    return _(NOTICES[done]) if done in NOTICES else None


def _card_page(number: int, status: int = 200, data: dict[str, Any] | None = None, **extra: Any):
    data = data or load(number)
    context = card_context(number, data, **extra)
    return render("card/card.html", status, **context)


def _back(number: int, done: str, anchor: str = "", *, here: int | None = None) -> Response:
    """Back to a card after an action. To another ticket's card (a merge's target, a split's
    new ticket), an htmx request is sent on to it as a page of its own, address and all."""
    target = url_for("ui.ticket_card", number=number, done=done) + anchor
    if here is not None and here != number and is_htmx():
        return Response(status=204, headers={"HX-Redirect": target})
    return redirect(target, code=303)


# -- the card and its parts ---------------------------------------------------------------------
@bp.get("/tickets/<int:number>")
@page(STAFF)
def ticket_card(number: int):
    extra: dict[str, Any] = {}
    canned_id = request.args.get("canned", type=int)
    if canned_id:
        # Without a script, a canned response comes in through the page: it opens with it in the reply box.
        try:
            rendered = api().get(TICKETS, f"/canned-responses/{canned_id}/render", params={"ticket": number})
            extra["reply"] = {"body": rendered.get("body", "")}
        except ServiceProblem as e:
            extra["problem"] = e.detail
    data = load(number)
    if request.args.get("choices"):
        extra["choices"] = _choices(data["ticket"], request.args)
    return _card_page(number, data=data, **extra)


@bp.get("/tickets/<int:number>/part/<name>")
@page(STAFF)
def ticket_card_part(number: int, name: str):
    if name not in PARTS:
        raise NotFound(_("Not found"), field="name")
    data = load(number, NEEDS[name])
    return render("card/part.html", part=name, **card_context(number, data))


# -- pick lists -----------------------------------------------------------------------------------------
PICKS = {
    "company": ("/companies/lookup", "company_id"),
    "contact": ("/contacts/lookup", "contact"),
    "service_object": ("/service-objects/lookup", "service_object_id"),
}


def _lookup(kind: str, q: str | None, company_id: str | None) -> list[dict]:
    path, _name = PICKS[kind]
    params: dict[str, Any] = {"q": (q or "").strip()[:200] or None, "limit": PICK_LIMIT, "active": True}
    if kind != "company" and company_id:
        params["company_id"] = company_id
    try:
        return _items(api().get(TICKETS, path, params=params))
    except ServiceProblem:
        return []


def _choices(ticket: dict, args: Any) -> dict[str, list[dict]]:
    """The first entries of each pick list (the page without scripts asks for them)."""
    company = args.get("company_id") or ticket.get("company_id")
    found = _run_side_by_side(
        {
            kind: (lambda k=kind: _lookup(k, args.get(f"{k}_q"), company))
            for kind in ("company", "contact", "service_object")
        }
    )
    return {k: (o.value if o.ok else []) for k, o in found.items()}


@bp.get("/tickets/<int:number>/pick/<kind>")
@page(STAFF)
def ticket_card_pick(number: int, kind: str):
    if kind not in PICKS:
        raise NotFound(_("Not found"), field="kind")
    ticket = api().get(TICKETS, f"/tickets/{number}")
    q = request.args.get(f"{kind}_q") or request.args.get("q")
    company = request.args.get("company_id") or ticket.get("company_id")
    found = _lookup(kind, q, company)
    data = {"ticket": ticket}
    so_id = ticket.get("service_object_id")
    for key, path in (
        ("company", f"/companies/{ticket.get('company_id')}" if ticket.get("company_id") else None),
        ("service_object", f"/service-objects/{so_id}" if so_id else None),
    ):
        if key == kind and path:
            try:
                data[key] = api().get(TICKETS, path)
            except ServiceProblem:
                data[key] = None
    contact = ticket.get("contact") or {}
    if kind == "contact" and contact.get("kind") == "contact":
        try:
            data["contact"] = api().get(TICKETS, f"/contacts/{contact['id']}")
        except ServiceProblem:
            data["contact"] = None
    return render("card/pick.html", kind=kind, found=found, t=ticket, current=data.get(kind), errors={})


# -- mentions and canned responses ---------------------------------------------------------------------
@bp.get("/tickets/<int:number>/mentions")
@page(STAFF)
def ticket_card_mentions(number: int):
    """Who an @ in the reply may name: employees by name or address, and the ticket's own
    contact (the only customer a comment may mention)."""
    q = (request.args.get("q") or "").strip()[:100]
    client = api()
    calls: dict[str, Callable[[], Any]] = {
        "ticket": lambda: client.get(TICKETS, f"/tickets/{number}"),
        "employees": lambda: _items(
            client.get(TICKETS, "/employees", params={"q": q or None, "active": True, "limit": MENTION_LIMIT})
        ),
    }
    got = _run_side_by_side(calls)
    if not got["ticket"].ok:
        raise got["ticket"].error  # type: ignore[misc]
    ticket = got["ticket"].value
    people = []
    for e in got["employees"].value if got["employees"].ok else []:
        if e.get("email"):
            people.append({"name": e["name"], "email": e["email"], "what": _("employee")})
    contact = ticket.get("contact") or {}
    if contact.get("kind") == "contact" and not ticket.get("internal"):
        try:
            c = client.get(TICKETS, f"/contacts/{contact['id']}")
            email = (c.get("emails") or [None])[0]
            words = q.lower()
            if email and (not words or words in c.get("name", "").lower() or words in email.lower()):
                people.insert(0, {"name": c["name"], "email": email, "what": _("the ticket's contact")})
        except ServiceProblem:
            pass
    return render("card/mentions.html", people=people[:MENTION_LIMIT], q=q)


@bp.get("/tickets/<int:number>/canned/<int:response_id>")
@page(STAFF)
def ticket_card_canned(number: int, response_id: int) -> Response:
    rendered = api().get(TICKETS, f"/canned-responses/{response_id}/render", params={"ticket": number})
    return Response(rendered.get("body", ""), mimetype="text/plain")


# -- downloads --------------------------------------------------------------------------------------------
PASSED_ON = ("Content-Type", "Content-Disposition", "Content-Length", "ETag", "Last-Modified")


@bp.get("/tickets/<int:number>/files/<attachment_id>")
@page(STAFF)
def ticket_card_file(number: int, attachment_id: str) -> Response:
    """A file, fetched as the person signed in (the page never holds an API token)."""
    reply = api().call("GET", TICKETS, f"/tickets/{number}/attachments/{attachment_id}", raw=True)
    if reply.status >= 400:
        try:
            problem = json.loads(reply.data or b"{}")
        except ValueError:
            problem = {}
        raise ServiceProblem(reply.status, problem if isinstance(problem, dict) else {})
    headers = {k: v for k, v in reply.headers.items() if k in PASSED_ON}
    response = Response(reply.data, status=reply.status, headers=headers)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Whatever the bytes are, they never run as a page of this site (see web._page_headers).
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- actions ---------------------------------------------------------------------------------------------
def _form_error_page(number: int, err: ServiceProblem, **extra: Any):
    errors = err.field_messages()
    problem = err.detail if not errors or set(errors) <= {"", "If-Match", "version", "number"} else None
    return _card_page(number, 422, errors=errors, problem=problem or extra.pop("problem", None), **extra)


def _parse_local(value: str, offset: str | None) -> datetime | None:
    """A datetime-local value in the browser's zone: card.js sends that moment's offset
    from UTC in minutes (as getTimezoneOffset gives it); without it, the reader's zone."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        return moment
    try:
        minutes = int(offset) if offset not in (None, "") else None
    except ValueError:
        minutes = None
    if minutes is None or abs(minutes) > 1440:
        return moment.replace(tzinfo=zone())
    return moment.replace(tzinfo=timezone(-timedelta(minutes=minutes)))


@bp.post("/tickets/<int:number>/status")
@page(STAFF)
def ticket_card_status(number: int):
    status = request.form.get("status", "")
    body: dict[str, Any] = {"status": status}
    if status == "postponed":
        until = _parse_local(request.form.get("until", ""), request.form.get("tz_offset"))
        if until is None:
            return _card_page(number, 422, errors={"until": _("Give the date and time the ticket comes back.")})
        body["until"] = until.isoformat()
    try:
        api().post(TICKETS, f"/tickets/{number}/status", json_body=body)
    except ServiceProblem as e:
        return _form_error_page(number, e)
    return _back(number, "status")


@bp.post("/tickets/<int:number>/observe")
@page(STAFF)
def ticket_card_observe(number: int):
    me = {"kind": "employee", "id": _me().id}
    watching = request.form.get("action") != "unsubscribe"
    body = {"add_observers": [me]} if watching else {"remove_observers": [me]}
    try:
        api().post(TICKETS, f"/tickets/{number}/assign", json_body=body)
    except ServiceProblem as e:
        return _form_error_page(number, e)
    return _back(number, "observe" if watching else "unobserve")


def _ref(value: str) -> dict[str, str] | None:
    kind, _sep, ident = (value or "").partition(":")
    return {"kind": kind, "id": ident} if kind and ident else None


def _attribute_value(kind: str, raw: str) -> tuple[Any, str | None]:
    raw = raw.strip()
    if raw == "":
        return None, None
    if kind == "number":
        try:
            number = float(raw.replace(",", "."))
        except ValueError:
            return None, _("Enter a number.")
        return (int(number) if number.is_integer() and abs(number) < 2**53 else number), None
    if kind == "date":
        try:
            return date.fromisoformat(raw).isoformat(), None
        except ValueError:
            return None, _("Enter a date as YYYY-MM-DD.")
    return raw, None


@bp.post("/tickets/<int:number>/fields")
@page(STAFF)
def ticket_card_fields(number: int):
    """Only what differs from the ticket as the form showed it is sent: the PATCH with the
    version the form was rendered with, the responsible through /assign."""
    client = api()
    form = request.form
    data = load(number, NEEDS["props"] | NEEDS["activity"])
    ticket = data["ticket"]
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in ("priority", "type"):
        value = form.get(name)
        if value and value != ticket.get(name):
            changes[name] = value
    for name in ("company_id", "service_object_id"):
        if name in form:
            value = form.get(name) or None
            if value != ticket.get(name):
                changes[name] = value
    if "contact" in form:
        contact = _ref(form.get("contact", ""))
        if contact != (ticket.get("contact") or None):
            changes["contact"] = contact
    defs = {d["key"]: d for d in data.get("attr_defs") or [] if _visible_to_me(d)}
    current = ticket.get("attributes") or {}
    attrs: dict[str, Any] = {}
    if "type" not in changes:
        for key, d in defs.items():
            name = f"attributes.{key}"
            if name not in form:
                continue
            value, problem = _attribute_value(d.get("kind", "text"), form.get(name, ""))
            if problem:
                errors[name] = problem
            elif value != current.get(key) and not (value is None and current.get(key) in (None, "")):
                attrs[key] = value
    if attrs:
        changes["attributes"] = attrs
    responsible = form.get("responsible")
    resp_now = ticket.get("responsible") or {}
    resp_now_value = f"{resp_now['kind']}:{resp_now['id']}" if resp_now.get("id") else ""
    if errors:
        return _card_page(number, 422, data=data, errors=errors)
    try:
        if changes:
            version = form.get("version")
            headers = {"If-Match": f'"{int(version)}"'} if version and version.isdigit() else None
            client.call("PATCH", TICKETS, f"/tickets/{number}", json_body=changes, headers=headers)
        if responsible is not None and responsible != resp_now_value:
            client.post(TICKETS, f"/tickets/{number}/assign", json_body={"responsible": _ref(responsible)})
    except ServiceProblem as e:
        if e.status == 409 and "If-Match" in e.errors:
            return _card_page(
                number,
                409,
                problem=_("Someone changed the ticket while you were editing; here it is as it is now. Save again."),
            )
        return _form_error_page(number, e)
    return _back(number, "fields")


@bp.post("/tickets/<int:number>/time")
@page(STAFF)
def ticket_card_time(number: int):
    raw = (request.form.get("minutes") or "").strip()
    if not raw.isdigit():
        return _card_page(number, 422, errors={"minutes": _("Enter the minutes spent, a whole number.")})
    body: dict[str, Any] = {"minutes": int(raw), "note": (request.form.get("note") or "").strip() or None}
    work_date = (request.form.get("work_date") or "").strip()
    if work_date:
        body["work_date"] = work_date
    try:
        api().post(TICKETS, f"/tickets/{number}/time-entries", json_body=body)
    except ServiceProblem as e:
        return _form_error_page(number, e)
    return _back(number, "time", "#time")


@dataclass
class Upload:
    """A file the browser sent, held to be passed on (again, if a reply is retried)."""

    name: str
    content_type: str
    data: bytes


def _file_parts(files: list[Upload]) -> list[tuple[Any, str, str]]:
    # Each call gets streams of its own: the request builder closes the ones it was given.
    return [(io.BytesIO(f.data), f.name, f.content_type) for f in files]


def _uploads() -> list[Upload]:
    return [
        Upload(f.filename or "attachment", f.mimetype or "application/octet-stream", f.read())
        for f in request.files.getlist("attachments")
        if f and (f.filename or "").strip()
    ]


@bp.post("/tickets/<int:number>/files")
@page(STAFF)
def ticket_card_attach(number: int):
    files = _uploads()
    if not files:
        return _card_page(number, 422, errors={"files": _("Choose at least one file.")})
    try:
        api().post(
            TICKETS,
            f"/tickets/{number}/attachments",
            data={"attachments": _file_parts(files)},
        )
    except ServiceProblem as e:
        errors = {"files": "; ".join(e.errors.get(k, [""])[0] for k in e.errors) or e.detail}
        return _card_page(number, 422, errors=errors)
    return _back(number, "files", "#files")


# -- replying ---------------------------------------------------------------------------------------------
@dataclass
class Conflict:
    changes: list[dict[str, Any]]
    comments: list[dict[str, Any]]


def _changes_since(number: int, version: int, last_history_id: int) -> Conflict:
    """What others did since the reply's version: history after the last entry the card
    showed, and comments after the version (their cursor is the ticket version they made)."""
    client = api()
    got = _run_side_by_side(
        {
            "history": lambda: _pages(client, f"/tickets/{number}/history", cursor=last_history_id or None),
            "comments": lambda: _pages(client, f"/tickets/{number}/comments", cursor=version),
            "desk_lists": pages_tickets.desk,
            "staff": pages_tickets.staff,
        }
    )
    _unpack_lists(got)
    values = {k: (o.value if o.ok else None) for k, o in got.items()}
    history = [h for h in values["history"] or [] if h.get("field") not in QUIET_FIELDS]
    names = names_of({"ticket": {}, **values})
    comments = [
        {
            "who": (c.get("author") or {}).get("name") or _("someone"),
            "public": c.get("public"),
            "at": c.get("created_at"),
            "text": _short(c.get("body_text") or c.get("body") or ""),
        }
        for c in values["comments"] or []
    ]
    return Conflict(history_rows(history, names), comments)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@bp.post("/tickets/<int:number>/reply")
@page(STAFF)
def ticket_card_reply(number: int):
    form = request.form
    body = form.get("body", "")
    public = form.get("public", "1") == "1"
    resolve = form.get("action") == "send_resolve"
    version = _int(form.get("version"))
    last_seen = _int(form.get("last_history_id")) or 0
    reply = {"body": body, "public": public}
    files = _uploads()
    if not body.strip():
        return _card_page(number, 422, errors={"body": _("Write the reply first.")}, reply=reply)
    client = api()
    headers = {"If-Match": f'"{version}"'} if version else None
    for _attempt in range(2):
        try:
            if files:
                sent = client.call(
                    "POST",
                    TICKETS,
                    f"/tickets/{number}/comments",
                    data={
                        "body": body,
                        "public": "true" if public else "false",
                        "attachments": _file_parts(files),
                    },
                    headers=headers,
                )
            else:
                sent = client.call(
                    "POST",
                    TICKETS,
                    f"/tickets/{number}/comments",
                    json_body={"body": body, "public": public},
                    headers=headers,
                )
            break
        except ServiceProblem as e:
            if not (e.status == 409 and "If-Match" in e.errors and version):
                return _form_error_page(number, e, reply=reply)
            conflict = _changes_since(number, version, last_seen)
            if conflict.changes or conflict.comments:
                return _card_page(number, 409, reply=reply, conflict=conflict)
            # Only the SLA's own bookkeeping moved the version: nothing the writer must see.
            headers = None
    else:  # pragma: no cover - the second try goes without If-Match
        return _back(number, "reply")
    comment = sent.data or {}
    target = (comment.get("follow_up_ticket") or {}).get("number") or number
    anchor = f"#comment-{comment.get('id')}" if comment.get("id") else ""
    if resolve and target == number:
        etag = sent.etag
        try:
            client.call(
                "POST",
                TICKETS,
                f"/tickets/{number}/status",
                json_body={"status": "resolved"},
                headers={"If-Match": etag} if etag else None,
            )
        except ServiceProblem as e:
            return _card_page(
                number, 422, problem=_("The reply is sent, but the ticket is not resolved: {why}", why=e.detail)
            )
        return _back(number, "resolved", anchor)
    return _back(target, "reply", anchor, here=number)


# -- merge and split ----------------------------------------------------------------------------------------
@bp.post("/tickets/<int:number>/merge")
@page(STAFF)
def ticket_card_merge(number: int):
    raw = (request.form.get("into") or "").strip().lstrip("#")
    if not raw.isdigit() or int(raw) < 1:
        return _card_page(number, 422, errors={"into": _("Enter the number of the ticket to merge into.")})
    into = int(raw)
    if into == number:
        return _card_page(number, 422, errors={"into": _("A ticket cannot be merged into itself.")})
    try:
        force = request.form.get("force") == "1"
        api().post(TICKETS, f"/tickets/{number}/merge", json_body={"into": into, "force": force})
    except ServiceProblem as e:
        errors = e.field_messages()
        if "into" not in errors:
            errors["into"] = e.detail
        return _card_page(number, 422, errors=errors, merge={"into": into, "ask_force": "force" in errors})
    return _back(into, "merged", here=number)


@bp.post("/tickets/<int:number>/comments/<comment_id>/split")
@page(STAFF)
def ticket_card_split(number: int, comment_id: str):
    subject = (request.form.get("subject") or "").strip() or None
    body: dict[str, Any] = {"subject": subject}
    if request.form.get("type"):
        body["type"] = request.form["type"]
    try:
        created = api().post(TICKETS, f"/tickets/{number}/comments/{comment_id}/split", json_body=body)
    except ServiceProblem as e:
        errors = {f"split.{k or 'subject'}": v for k, v in e.field_messages().items() if k in ("", "subject", "type")}
        problem = None if errors else e.detail
        return _card_page(number, 422, errors=errors, problem=problem)
    return _back((created or {}).get("number") or number, "split", here=number)


# -- Russian -------------------------------------------------------------------------------------------------
i18n.add(
    ru={
        "Ticket": "Заявка",
        "Another type has other attributes: save, then fill them in.": (
            "У другого типа другие атрибуты: сохраните, затем заполните их."
        ),
        "Attach": "Прикрепить",
        "Attach files": "Прикрепить файлы",
        "Attach files to the ticket without a comment": "Прикрепить файлы к заявке без комментария",
        "Canned response": "Шаблон ответа",
        "Choose the files again: they were not sent.": "Выберите файлы ещё раз: они не отправлены.",
        "Clock": "Отсчёт",
        "Comes back on": "Вернётся в работу",
        "Conversation": "Переписка",
        "Customer's rating": "Оценка клиента",
        "Date and time in your time zone ({zone}); the ticket reopens by itself then.": (
            "Дата и время в вашем часовом поясе ({zone}); тогда заявка сама вернётся в работу."
        ),
        "Day": "День",
        "Details": "Сведения",
        "Due": "Срок",
        "Edit the details": "Изменить сведения",
        "Edit the reply": "Исправить ответ",
        "Every change": "Все изменения",
        "Files (staff only)": "Файлы (только для сотрудников)",
        "Files of this comment": "Файлы комментария",
        "Find": "Найти",
        "Insert": "Вставить",
        "Internal ticket": "Внутренняя заявка",
        "Its comments, files and history move there; this one closes with a link to it.": (
            "Её комментарии, файлы и история перейдут туда; эта заявка закроется со ссылкой на ту."
        ),
        "Log time": "Записать время",
        "Merge": "Объединить",
        "Merge anyway: what the merged ticket's customer could read becomes private": (
            "Всё равно объединить: то, что видел клиент этой заявки, станет личным"
        ),
        "Merge this ticket into the other one? Its comments, files and history move there and this ticket closes.": (
            "Объединить эту заявку с другой? Её комментарии, файлы и история перейдут туда, а эта заявка закроется."
        ),
        "Merge this ticket into ticket number": "Объединить эту заявку с заявкой номер",
        "Minutes": "Минуты",
        "Move the ticket to": "Перевести заявку в статус",
        "Move to {status}": "В статус «{status}»",
        "New private comment": "Новый личный комментарий",
        "New public comment": "Новый публичный комментарий",
        "No comments yet.": "Комментариев пока нет.",
        "No files.": "Файлов нет.",
        "No further status: the ticket is final.": "Дальше статусов нет: заявка завершена.",
        "Nobody by that name": "Никого с таким именем",
        "None from the same contact.": "От этого контакта других нет.",
        "Not available right now.": "Сейчас недоступно.",
        "Not rated yet.": "Оценки пока нет.",
        "Note": "Заметка",
        "Now": "Сейчас",
        "Observe this ticket": "Наблюдать за заявкой",
        "People to mention": "Кого упомянуть",
        "Postpone": "Отложить",
        "Postpone…": "Отложить…",
        "Private": "Личный",
        "Private comment": "Личный комментарий",
        "Public": "Публичный",
        "Public comment": "Публичный комментарий",
        "Registered": "Зарегистрирована",
        "Reply": "Ответ",
        "Rule": "Правило",
        "SLA state": "Состояние SLA",
        "SLA timeline": "Хронология SLA",
        "Send": "Отправить",
        "Send and resolve": "Отправить и решить",
        "Send anyway": "Всё равно отправить",
        "Show more choices": "Показать больше вариантов",
        "Similar tickets": "Похожие заявки",
        "Spent in all": "Всего затрачено",
        "Split": "Выделить",
        "Split into a new ticket": "Выделить в новую заявку",
        "Stop observing": "Перестать наблюдать",
        "Subject of the new ticket": "Тема новой заявки",
        "Summary": "Кратко",
        "Target": "Норматив",
        "The SLA service has no clocks for this ticket yet:": "У сервиса SLA пока нет отсчёта для этой заявки:",
        "The SLA state is not available right now.": "Состояние SLA сейчас недоступно.",
        "The comments could not be loaded.": "Не удалось загрузить комментарии.",
        "The files could not be loaded.": "Не удалось загрузить файлы.",
        "The ticket changed while you were writing": "Пока вы писали, заявка изменилась",
        "This ticket is merged into": "Эта заявка объединена с",
        "Time": "Время",
        "Time in each status": "Время в каждом статусе",
        "Time log": "Журнал времени",
        "Type @ to mention a colleague or the ticket's contact.": (
            "Наберите @, чтобы упомянуть коллегу или контакт заявки."
        ),
        "Type of the new ticket": "Тип новой заявки",
        "What": "Что",
        "Who sees the reply": "Кто увидит ответ",
        "Your reply": "Ваш ответ",
        "Your reply is not sent yet. Here is what changed since you opened the ticket; send the reply as it is, "
        "or edit it first.": (
            "Ответ ещё не отправлен. Вот что изменилось с тех пор, как вы открыли заявку: отправьте ответ как есть "
            "или сначала исправьте его."
        ),
        "a company you may not read": "компания, недоступная вам",
        "a person": "сотрудник",
        "a service object you may not read": "объект обслуживания, недоступный вам",
        "breached": "нарушен",
        "by": "от",
        "clock": "отсчёт",
        "comes back": "вернётся",
        "left": "осталось",
        "moved here from": "перенесён из",
        "nothing yet": "пока ничего",
        "split into": "выделен в",
        "staff only": "только сотрудники",
        "the SLA": "SLA",
        "the current company": "текущая компания",
        "the current contact": "текущий контакт",
        "the current service object": "текущий объект обслуживания",
        "the customer sees it": "клиент видит",
        "write there.": "пишите там.",
        "— none —": "— нет —",
        "Reaction": "Реакция",
        "Resolution": "Решение",
        "Channel": "Канал",
        "Deadlines": "Сроки",
        "State": "Состояние",
        "History": "История",
        "Before": "Было",
        "After": "Стало",
        "When": "Когда",
        "Who": "Кто",
        "nobody": "никто",
        "a group": "группа",
        "an employee": "сотрудник",
        "a contact": "контакт",
        "another company": "другая компания",
        "another service object": "другой объект обслуживания",
        "someone": "кто-то",
        "yes": "да",
        "no": "нет",
        "{d} d {h} h": "{d} д {h} ч",
        "{h} h {m} min": "{h} ч {m} мин",
        "{m} min": "{m} мин",
        "{d} d": "{d} д",
        "{h} h": "{h} ч",
        "{s} s": "{s} с",
        "{n} B": "{n} Б",
        "{n} KB": "{n} КБ",
        "{n} MB": "{n} МБ",
        "Subject": "Тема",
        "Description": "Описание",
        "Type": "Тип",
        "Priority": "Приоритет",
        "Company": "Компания",
        "Contact": "Контакт",
        "Service object": "Объект обслуживания",
        "Observers": "Наблюдатели",
        "Attributes": "Атрибуты",
        "Parent ticket": "Родительская заявка",
        "Planned reaction": "Плановая реакция",
        "Planned resolution": "Плановое решение",
        "Deadlines set by": "Сроки задал",
        "SLA rule": "Правило SLA",
        "Rating": "Оценка",
        "Files": "Файлы",
        "Merged into": "Объединена с",
        "Merged from": "Присоединена заявка",
        "Comment split into": "Комментарий выделен в",
        "Follow-up of": "Продолжение заявки",
        "Split from": "Выделена из",
        "Split into": "Выделена в",
        "Good": "Хорошо",
        "Fair": "Нормально",
        "Bad": "Плохо",
        "agent": "сотрудник",
        "portal": "портал",
        "email": "почта",
        "API": "API",
        "web form": "веб-форма",
        "recurring": "регулярная",
        "Clocks started": "Отсчёт начат",
        "Clock state": "Состояние отсчёта",
        "First reaction": "Первая реакция",
        "Targets changed": "Нормативы изменены",
        "Deadline reached": "Срок наступил",
        "running": "идёт",
        "paused": "на паузе",
        "reaction": "реакция",
        "resolution": "решение",
        "rule {rule}: reaction {reaction}, resolution {resolution}": (
            "правило {rule}: реакция {reaction}, решение {resolution}"
        ),
        "{clock} deadline breached": "{clock}: срок нарушен",
        "{clock}: {share}% of the time used": "{clock}: использовано {share}% времени",
        "Group: {name}": "Группа: {name}",
        "employee": "сотрудник",
        "the ticket's contact": "контакт заявки",
        "Your reply is sent.": "Ответ отправлен.",
        "Your reply is sent and the ticket is resolved.": "Ответ отправлен, заявка решена.",
        "The status is changed.": "Статус изменён.",
        "The changes are saved.": "Изменения сохранены.",
        "You observe this ticket now.": "Теперь вы наблюдаете за заявкой.",
        "You no longer observe this ticket.": "Вы больше не наблюдаете за заявкой.",
        "The time is logged.": "Время записано.",
        "The files are attached.": "Файлы прикреплены.",
        "The comment is now a ticket of its own.": "Комментарий выделен в отдельную заявку.",
        "The ticket is merged into this one.": "Заявка объединена с этой.",
        "Give the date and time the ticket comes back.": "Укажите дату и время, когда заявка вернётся в работу.",
        "Enter a number.": "Введите число.",
        "Enter a date as YYYY-MM-DD.": "Введите дату в виде ГГГГ-ММ-ДД.",
        "Someone changed the ticket while you were editing; here it is as it is now. Save again.": (
            "Пока вы редактировали, заявку изменили; показано её текущее состояние. Сохраните ещё раз."
        ),
        "Enter the minutes spent, a whole number.": "Введите затраченные минуты целым числом.",
        "Choose at least one file.": "Выберите хотя бы один файл.",
        "Write the reply first.": "Сначала напишите ответ.",
        "The reply is sent, but the ticket is not resolved: {why}": "Ответ отправлен, но заявка не решена: {why}",
        "Enter the number of the ticket to merge into.": "Введите номер заявки, с которой объединить.",
        "A ticket cannot be merged into itself.": "Заявку нельзя объединить с ней самой.",
    }
)
