"""Live updates of the agents' UI and who else is on a ticket card.

- `GET /live/events` (`?ticket=N` on a card): a server-sent event stream of the live hub
  (relay_gateway.ui.live_hub). `ticket` events carry {number, version, type} of a
  changed ticket and an id (`<epoch>.<sequence>`); the browser sends the last one back
  as `Last-Event-ID` when it reconnects (or `?last=` on a stream it opens itself) and
  gets what it missed, or a `reset` event when too much went by. On a card, `presence`
  events say who else has it open and who is typing ({ticket, viewers, typing, text}),
  without an id: the present is all that matters. A comment every HEARTBEAT seconds
  keeps proxies from closing the stream; the session is checked then too, and a
  `signed-out` event ends the stream when it is over. The stream ends when the process
  stops serving (relaykit.serving.on_stop).
- `POST /live/presence` {ticket, tab, typing} or {ticket, tab, leave}: the card says it
  is open (every ~10 s), that someone started or stopped typing, or that it closed.

Neither may reveal a ticket the person cannot see: the stream's `?ticket=` and a card's
first presence are checked by reading the ticket through the API as them. Changes carry
only a number and a version; the page then fetches through the API, as that person.
Nothing here touches the session's last-seen time: an open tab alone keeps no idle
session alive.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from flask import Response, current_app, g, request

from relay_gateway.ui import i18n
from relay_gateway.ui.client import ServiceDown, ServiceProblem
from relay_gateway.ui.live_hub import Change, Hub, Listener, Presence, TooManyStreams, hub_for, parse_cursor
from relay_gateway.ui.sessions import COOKIE
from relay_gateway.ui.web import STAFF, api, bp, language, page, ui, user
from relaykit.errors import InvalidInput, NotFound, RelayError, Unavailable
from relaykit.http import problem_response

log = logging.getLogger(__name__)

HEARTBEAT = 15.0  # seconds between keep-alive comments (and session checks)
PRESENCE_POLL = 5.0  # a card's stream looks again this often: entries expire unannounced
RETRY_MS = 3000  # the browser's pause before reconnecting
TAB = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def hub() -> Hub:
    return hub_for(current_app.extensions["relay.runtime"])


@bp.app_template_global("live_cursor")
def live_cursor() -> str:
    """Where a page rendered now starts listening: nothing after it is missed."""
    return hub().cursor()


def _untouched(view: Callable) -> Callable:
    """The session without marking it used: what the page does by itself is no activity."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if "ui_session" not in g:
            g.ui_session = ui().sessions.load(request.cookies.get(COOKIE), touch=False)
        return view(*args, **kwargs)

    return wrapper


def _number(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise InvalidInput(f"{name} must be a ticket number", field=name)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} must be a ticket number", field=name) from None
    if not 0 < number < 2**53:
        raise InvalidInput(f"{name} must be a ticket number", field=name)
    return number


def _flag(value: Any, name: str) -> bool:
    if value is None or value in (False, "", "0", "false"):
        return False
    if value in (True, "1", "true"):
        return True
    raise InvalidInput(f"{name} must be true or false", field=name)


def _may_see(number: int) -> bool:
    try:
        api().get("tickets", f"/tickets/{number}")
    except ServiceProblem:
        return False
    return True


# -- texts ----------------------------------------------------------------------------------------
def presence_text(lang: str, p: Presence) -> str:
    parts = []
    if p.viewers:
        parts.append(i18n.translate(lang, "Also on this ticket: {names}.", names=", ".join(p.viewers)))
    if len(p.typing) == 1:
        parts.append(i18n.translate(lang, "{name} is typing a reply…", name=p.typing[0]))
    elif p.typing:
        parts.append(i18n.translate(lang, "{names} are typing replies…", names=", ".join(p.typing)))
    return " ".join(parts)


i18n.add(
    ru={
        "Also on this ticket: {names}.": "Эту заявку также открыли: {names}.",
        "{name} is typing a reply…": "{name} пишет ответ…",
        "{names} are typing replies…": "{names} пишут ответы…",
        "Live updates have stopped: your session has ended. Reload the page to sign in again.": (
            "Обновления на лету остановлены: сеанс завершён. Обновите страницу, чтобы войти снова."
        ),
    }
)


# -- the stream -----------------------------------------------------------------------------------
def _event(name: str, data: dict[str, Any], event_id: str | None = None) -> str:
    head = f"id: {event_id}\n" if event_id else ""
    return f"{head}event: {name}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"


def _public(change: Change) -> dict[str, Any]:
    d = change.data
    return {"number": d.get("number"), "version": d.get("version"), "type": d.get("type")}


def _start(h: Hub, last: str | None) -> tuple[int, list[str]]:
    """Where a new stream starts, and what it says first."""
    cursor = parse_cursor(last)
    if cursor is None:
        head = h.head()
        return head, [_event("ready", {}, f"{h.epoch}.{head}")]
    epoch, seq = cursor
    found = h.since(seq) if epoch == h.epoch else None
    if found is None:
        head = h.head()
        return head, [_event("reset", {}, f"{h.epoch}.{head}")]
    chunks = [_event("ticket", _public(c), f"{h.epoch}.{c.seq}") for c in found]
    if not chunks:
        chunks = [_event("ready", {}, f"{h.epoch}.{seq}")]
    return (found[-1].seq if found else seq), chunks


def stream(
    h: Hub,
    listener: Listener,
    first: list[str],
    *,
    me: str,
    lang: str,
    signed_in: Callable[[], bool],
    heartbeat: float = HEARTBEAT,
    presence_poll: float = PRESENCE_POLL,
) -> Iterator[str]:
    ticket = listener.ticket
    shown: Presence | None = None

    def presence_now() -> str | None:
        nonlocal shown
        try:
            p = h.presence(ticket, exclude=me)  # type: ignore[arg-type]
        except Exception as e:  # Redis away: say nothing new
            log.warning("live updates: presence unavailable", extra={"error": str(e)[:200]})
            return None
        if p == shown:
            return None
        shown = p
        data = {"ticket": ticket, "viewers": list(p.viewers), "typing": list(p.typing), "text": presence_text(lang, p)}
        return _event("presence", data)

    try:
        yield f"retry: {RETRY_MS}\n\n"
        yield from first
        if ticket is not None:
            yield presence_now() or ""
        now = time.monotonic()
        next_beat, next_poll = now + heartbeat, now + presence_poll
        while True:
            due = min(next_beat, next_poll) if ticket is not None else next_beat
            wake = listener.wait(due - time.monotonic())
            if wake.closed:
                return
            if wake.reset:
                yield _event("reset", {}, f"{h.epoch}.{listener.after}")
            for c in wake.changes:
                yield _event("ticket", _public(c), f"{h.epoch}.{c.seq}")
            now = time.monotonic()
            if ticket is not None and (wake.presence or now >= next_poll):
                next_poll = now + presence_poll
                chunk = presence_now()
                if chunk:
                    yield chunk
            if now >= next_beat:
                next_beat = now + heartbeat
                if not signed_in():
                    text = i18n.translate(
                        lang, "Live updates have stopped: your session has ended. Reload the page to sign in again."
                    )
                    yield _event("signed-out", {"text": text})
                    return
                yield ": keep-alive\n\n"
    finally:
        listener.close()


@bp.get("/live/events")
@_untouched
@page(STAFF)
def live_events() -> Response:
    s = user()
    h = hub()
    ticket = _number(request.args["ticket"], "ticket") if request.args.get("ticket") else None
    if ticket is not None:
        try:
            if not _may_see(ticket):
                ticket = None
        except ServiceDown:
            ticket = None
    after, first = _start(h, request.headers.get("Last-Event-ID") or request.args.get("last"))
    try:
        listener = h.listen(after, ticket)
    except TooManyStreams:
        log.warning("live updates: no room for another event stream", extra={"streams": h.streams})
        # Not 200: the browser does not retry by itself; live.js tries again later.
        return Response("", status=503, headers={"Retry-After": "60"})
    sessions, cookie, session_id = ui().sessions, request.cookies.get(COOKIE), s.id_hash

    def signed_in() -> bool:
        again = sessions.load(cookie, touch=False)
        return again is not None and again.id_hash == session_id

    body = stream(
        h,
        listener,
        first,
        me=s.employee.id,
        lang=language(),
        signed_in=signed_in,
        heartbeat=HEARTBEAT,
        presence_poll=PRESENCE_POLL,
    )
    return Response(
        body,
        mimetype="text/event-stream",
        headers={"X-Accel-Buffering": "no"},  # a buffering proxy would hold the events back
    )


@bp.post("/live/presence")
@_untouched
@page(STAFF)
def live_presence() -> Any:
    try:
        body = request.get_json(silent=True) if request.is_json else request.form
        if not isinstance(body, dict) and not hasattr(body, "get"):
            raise InvalidInput("send a JSON object", field="body")
        ticket = _number(body.get("ticket"), "ticket")
        tab = body.get("tab")
        if not isinstance(tab, str) or not TAB.match(tab):
            raise InvalidInput("tab must be 8 to 64 letters, digits, - or _", field="tab")
        h = hub()
        s = user()
        try:
            if _flag(body.get("leave"), "leave"):
                h.leave(ticket, tab)
                return Response(status=204)
            typing = _flag(body.get("typing"), "typing")
            if not h.is_present(ticket, tab) and not _may_see(ticket):
                raise NotFound(f"no ticket {ticket}", field="ticket")
            h.present(ticket, tab, s.employee.id, s.employee.name, typing)
        except (RelayError, ServiceDown):
            raise
        except Exception as e:  # the hub's store (Redis) is away
            raise Unavailable("presence is unavailable right now") from e
    except ServiceDown as e:
        return problem_response(Unavailable(f"{e.service} is unavailable right now"))
    except RelayError as e:
        return problem_response(e)
    return Response(status=204)
