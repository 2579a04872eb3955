"""Reading tickets in bulk: a filter as SQL, sorted, a keyset page at a time, and
the tickets of the same contact email or phone.

Pages load Ticket objects through the ORM's row loader (one query for the page,
one for all its observers), so a list item is presented exactly as one ticket is.
Measured for a page of 50 (SQLite, warm): 3.3 ms, against 6.8 ms building each
Ticket through its instrumented constructor from plain rows; the query and the
JSON dump cost more than the loading.
"""

from __future__ import annotations

import base64
import binascii
import json
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Text,
    and_,
    case,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    text,
    tuple_,
    union,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from relay_tickets.adapters.settings_store import DeskConfig
from relay_tickets.adapters.tables.activity import comments
from relay_tickets.adapters.tables.directory import contact_emails, contact_phones
from relay_tickets.adapters.tables.tickets import ticket_observers, tickets
from relay_tickets.adapters.visibility import specialist_arms, visible_to
from relay_tickets.domain.access import Viewer
from relay_tickets.domain.parties import CONTACT, GROUP, Party
from relay_tickets.domain.ticket import ContactRef, Ticket
from relaykit import json_body
from relaykit.errors import InvalidInput, RelayError
from relaykit.fields import YEAR_MAX, YEAR_MIN

SORTS = (
    "-number",
    "number",
    "-created_at",
    "created_at",
    "-updated_at",
    "updated_at",
    "-priority",
    "priority",
    "-planned_resolution_at",
    "planned_resolution_at",
)
DEFAULT_SORT = "-number"
_NULLABLE_KEYS = {"planned_resolution_at"}
_INT_MAX = 2**63 - 1  # the databases' integers: a bigger one in a cursor is a forgery, not a 500
_TICKET_NUMBER = re.compile(r"^#?(\d{1,18})$")
UTC = ZoneInfo("UTC")
_LIKE_ESCAPE = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_"})


@dataclass(frozen=True)
class TicketFilter:
    """What a list asks for; every given criterion must hold (repeated values: any of them)."""

    statuses: tuple[str, ...] = ()
    status_kind: str | None = None  # open or closed
    priorities: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    responsible: tuple[Party, ...] = ()
    no_personal_responsible: bool = False
    observer: Party | None = None
    company_ids: tuple[str, ...] = ()
    contacts: tuple[ContactRef, ...] = ()
    channels: tuple[str, ...] = ()
    created_from: datetime | None = None
    created_to: datetime | None = None
    updated_from: datetime | None = None
    updated_to: datetime | None = None
    overdue: bool = False
    due_today: bool = False
    tz: ZoneInfo = UTC
    q: str | None = None


# -- cursors --------------------------------------------------------------------------
def encode_cursor(sort: str, key: Any, number: int) -> str:
    if isinstance(key, datetime):
        key = key.isoformat()
    raw = json.dumps([sort, key, number], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -_INT_MAX <= value <= _INT_MAX


def decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    """The (sort key, number) a cursor stands for; anything we did not hand out is refused."""
    bad = InvalidInput("not a cursor this list gave out", field="cursor")
    try:
        value = json_body.parse(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (RelayError, ValueError, binascii.Error):
        raise bad from None
    if not isinstance(value, list) or len(value) != 3:
        raise bad
    cursor_sort, key, number = value
    if cursor_sort != sort:
        raise InvalidInput("this cursor belongs to another sort order", field="cursor")
    if not _integer(number) or number < 1:
        raise bad
    name = sort.lstrip("-")
    if name == "number":
        if key is not None:
            raise bad
    elif name == "priority":
        if not _integer(key):
            raise bad
    elif key is None:
        if name not in _NULLABLE_KEYS:
            raise bad
    else:
        try:
            key = datetime.fromisoformat(key) if isinstance(key, str) else None
        except ValueError:
            key = None
        if key is None or key.tzinfo is None or not YEAR_MIN <= key.year <= YEAR_MAX:
            raise bad
    return key, number


# -- conditions ------------------------------------------------------------------------
def _party_is(kind_col, id_col, parties: Sequence[Party | ContactRef]) -> ColumnElement[bool]:
    return or_(*(and_(kind_col == p.kind, id_col == p.id) for p in parties))


def _in(column, values: Sequence[str]) -> ColumnElement[bool]:
    return column == values[0] if len(values) == 1 else column.in_(values)


def ticket_number_in(q: str) -> int | None:
    m = _TICKET_NUMBER.match(q.strip())
    return int(m.group(1)) if m else None


def text_condition(q: str, dialect: str) -> ColumnElement[bool]:
    """PostgreSQL: full text on the generated `search` column (not in the table metadata:
    it exists only there). Elsewhere every word must appear in the subject or description."""
    number = ticket_number_in(q)
    if dialect == "postgresql":
        query = func.websearch_to_tsquery(literal_column("'simple'"), q)
        found = literal_column("tickets.search").op("@@")(query)
    else:
        # As PostgreSQL's parser does, '#123' searches the text for 123.
        words = [str(number)] if number is not None else q.split()
        words = [w for w in (w.strip('"').lower() for w in words) if w and w != "or"]
        patterns = [f"%{w.translate(_LIKE_ESCAPE)}%" for w in words]
        found = and_(
            *(
                or_(
                    func.lower(tickets.c.subject).like(p, escape="\\"),
                    func.lower(tickets.c.description).like(p, escape="\\"),
                )
                for p in patterns
            )
        )
    return or_(found, tickets.c.number == number) if number is not None else found


def _today(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    day = now.astimezone(tz).date()
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    following = day + timedelta(days=1)
    return start, datetime(following.year, following.month, following.day, tzinfo=tz)


def conditions(
    f: TicketFilter, config: DeskConfig, now: datetime, dialect: str, text_matches: Sequence[int] | None = None
) -> list[ColumnElement[bool]]:
    """`text_matches`: the numbers of every ticket the text search finds, when known."""
    t = tickets.c
    out: list[ColumnElement[bool]] = []
    if f.statuses:
        out.append(_in(t.status, f.statuses))
    if f.status_kind:
        kinds = [k for k, s in config.statuses.items() if s.kind == f.status_kind]
        out.append(t.status.in_(kinds))
    if f.priorities:
        out.append(_in(t.priority, f.priorities))
    if f.types:
        out.append(_in(t.type, f.types))
    if f.responsible:
        out.append(_party_is(t.responsible_kind, t.responsible_id, f.responsible))
    if f.no_personal_responsible:
        out.append(or_(t.responsible_kind.is_(None), t.responsible_kind == GROUP))
    if f.observer:
        o = ticket_observers.c
        out.append(
            exists().where(o.ticket_id == t.id, o.kind == f.observer.kind, o.party_id == f.observer.id),
        )
    if f.company_ids:
        out.append(_in(t.company_id, f.company_ids))
    if f.contacts:
        out.append(_party_is(t.contact_kind, t.contact_id, f.contacts))
    if f.channels:
        out.append(_in(t.channel, f.channels))
    for column, low, high in (
        (t.created_at, f.created_from, f.created_to),
        (t.updated_at, f.updated_from, f.updated_to),
    ):
        if low is not None:
            out.append(column >= low)
        if high is not None:
            out.append(column < high)
    if f.overdue:
        out.append(and_(t.planned_resolution_at < now, t.status.in_(config.open_statuses())))
    if f.due_today:
        start, end = _today(now, f.tz)
        out.append(and_(t.planned_resolution_at >= start, t.planned_resolution_at < end))
    if text_matches is not None:
        out.append(t.number.in_(text_matches) if text_matches else false())
    elif f.q:
        out.append(text_condition(f.q, dialect))
    return out


# -- phrases ---------------------------------------------------------------------------
PHRASE_PROBE = 2000
_QUOTED_LEXEME = re.compile(r"'(?:[^']|'')*'")


def phrase_matches(session: Session, q: str) -> list[int] | None:
    """For a search with a phrase ("wifi down", e-mail), every matching number when
    there are fewer than PHRASE_PROBE of them; None otherwise, or without a phrase.

    PostgreSQL estimates a phrase like both words anywhere, often a hundred times too
    many, then walks the number index expecting a match soon and reads the whole
    table (0.3 to 0.9 s on 1M tickets). Asking the GIN index alone (planner told not
    to walk) for at most PHRASE_PROBE matches costs what the words' postings cost,
    and when there are that few, the page is taken among them; when there are more,
    matches are dense enough for any plan."""
    tsquery = session.scalar(select(func.websearch_to_tsquery(literal_column("'simple'"), q).cast(Text)))
    if "<" not in _QUOTED_LEXEME.sub("", tsquery or ""):
        return None
    savepoint = session.begin_nested()
    try:
        # Inside the savepoint: rolling it back restores the settings.
        session.execute(
            select(func.set_config("enable_seqscan", "off", True), func.set_config("enable_indexscan", "off", True))
        )
        found = session.scalars(select(tickets.c.number).where(text_condition(q, "postgresql")).limit(PHRASE_PROBE))
        numbers = list(found)
    finally:
        savepoint.rollback()
    return numbers if len(numbers) < PHRASE_PROBE else None


# -- sorting ---------------------------------------------------------------------------
def _key(name: str, config: DeskConfig) -> ColumnElement | None:
    if name == "number":
        return None
    if name == "priority":
        positions = {k: p.position for k, p in config.priorities.items()}
        return case(positions, value=tickets.c.priority, else_=0) if positions else literal_column("0")
    return tickets.c[name]


def _order(key: ColumnElement | None, name: str, desc: bool) -> list[ColumnElement]:
    number = tickets.c.number.desc() if desc else tickets.c.number.asc()
    if key is None:
        return [number]
    ordered = key.desc() if desc else key.asc()
    # Tickets without the value come last either way, the same on both databases.
    return [ordered.nulls_last() if name in _NULLABLE_KEYS else ordered, number]


def _after(key: ColumnElement | None, name: str, desc: bool, value: Any, number: int) -> ColumnElement[bool]:
    beyond = operator.lt if desc else operator.gt
    if key is None:
        return beyond(tickets.c.number, number)
    if value is None:
        return and_(key.is_(None), beyond(tickets.c.number, number))
    after = beyond(tuple_(key, tickets.c.number), tuple_(value, number))
    return or_(after, key.is_(None)) if name in _NULLABLE_KEYS else after


# -- reading ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Page:
    tickets: list[Ticket]
    next_cursor: str | None
    # ticket id -> the author kind of its newest comment (contact, employee, system), if any
    last_comment_by: dict[str, str] = field(default_factory=dict)


def last_comment_authors(session: Session, ticket_ids: Sequence[str]) -> dict[str, str]:
    """Who wrote each ticket's newest comment: one statement for the page, one index
    probe per ticket (ix_comments_ticket backwards), so a list can tell a ticket whose
    customer spoke last."""
    if not ticket_ids:
        return {}
    c = comments.c
    newest = select(c.author_kind).where(c.ticket_id == tickets.c.id).order_by(c.ticket_version.desc()).limit(1)
    rows = session.execute(select(tickets.c.id, newest.scalar_subquery()).where(tickets.c.id.in_(ticket_ids)))
    return {ticket_id: kind for ticket_id, kind in rows if kind is not None}


def ticket_page(
    session: Session,
    f: TicketFilter,
    viewer: Viewer,
    config: DeskConfig,
    now: datetime,
    *,
    sort: str = DEFAULT_SORT,
    limit: int = 50,
    cursor: str | None = None,
) -> Page:
    """One page of what `viewer` may see matching `f`, in `sort` order, after `cursor`."""
    if sort not in SORTS:
        raise InvalidInput(f"sort by one of {', '.join(SORTS)}", field="sort")
    desc, name = sort.startswith("-"), sort.lstrip("-")
    key = _key(name, config)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # psycopg prepares a statement run often; PostgreSQL may then plan it once for
        # any values, and the best plan depends on them (a rare responsible or word
        # wants another index than a common one): 16 ms instead of 2 on 1M tickets.
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    matches = phrase_matches(session, f.q) if f.q and dialect == "postgresql" else None
    where = conditions(f, config, now, dialect, matches)
    if cursor is not None:
        value, number = decode_cursor(cursor, sort)
        where.append(_after(key, name, desc, value, number))
    order = _order(key, name, desc)
    arms = specialist_arms(viewer, session) if dialect == "postgresql" else None
    if arms is not None:
        # Each arm's own first page (see specialist_arms); the page is among them.
        firsts = [
            select(tickets.c.id).where(arm, *where).order_by(*order).limit(limit + 1).correlate(None).subquery()
            for arm in arms
        ]
        where = [tickets.c.id.in_(union_all(*(select(first.c.id) for first in firsts)))]
    else:
        where.insert(0, visible_to(viewer))
    stmt = select(Ticket) if key is None else select(Ticket, key.label("sort_key"))
    rows = session.execute(stmt.where(*where).order_by(*order).limit(limit + 1)).all()
    more, rows = len(rows) > limit, rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = encode_cursor(sort, None if key is None else last.sort_key, last[0].number)
    found = [r[0] for r in rows]
    return Page(found, next_cursor, last_comment_authors(session, [t.id for t in found]))


def similar_tickets(session: Session, ticket: Ticket, viewer: Viewer, limit: int = 20) -> list[Ticket]:
    """Other tickets whose contact shares an email or a phone with this ticket's contact
    (the same contact's included), newest first. Addresses and phones are stored
    normalised (lowercase; digits with a leading +), so equality is enough."""
    if ticket.contact_kind is None:
        return []
    t = tickets.c
    if ticket.contact_kind == CONTACT:
        e, p = contact_emails.c, contact_phones.c
        emails = select(e.email).where(e.contact_id == ticket.contact_id)
        phones = select(p.phone).where(p.contact_id == ticket.contact_id)
        contact_ids = union(
            select(e.contact_id).where(e.email.in_(emails)),
            select(p.contact_id).where(p.phone.in_(phones)),
        )
        same = and_(t.contact_kind == CONTACT, or_(t.contact_id == ticket.contact_id, t.contact_id.in_(contact_ids)))
    else:
        same = and_(t.contact_kind == ticket.contact_kind, t.contact_id == ticket.contact_id)
    stmt = select(Ticket).where(same, t.id != ticket.id, visible_to(viewer)).order_by(t.number.desc()).limit(limit)
    return list(session.scalars(stmt))
