"""The live hub (relay_gateway.ui.live_hub) and its event stream (ui.live), for both
backends: in process, and Redis as two gateway replicas and a worker share it.

Ordering, catching up from the ring after a reconnection, a reset when too far behind
(or from another epoch), presence with its expiry, the stream's own rules (heartbeats,
sign-out, shutdown, no room) and the bus consumer. Redis tests use a key prefix of their
own (bus_namespace) and fail under CI=true when there is no Redis.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest

from relay_gateway.ui import live, live_hub
from relay_gateway.ui.live_hub import MemoryHub, Presence, RedisHub, TooManyStreams, parse_cursor
from relaykit.bus.envelope import Message


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def redis_prefix(redis_url, bus_namespace) -> Iterator[str]:
    import redis

    prefix = f"{bus_namespace}relay:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=500))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(params=["memory", "redis"])
def make(request, clock):
    """make(ring=..) -> a hub; with Redis, every call is another replica on the same data."""
    hubs: list[live_hub.Hub] = []

    def build(ring: int = 50, max_streams: int = 100) -> live_hub.Hub:
        if request.param == "memory":
            if hubs:
                return hubs[0]
            hub: live_hub.Hub = MemoryHub(ring, max_streams, clock=clock)
        else:
            prefix = request.getfixturevalue("redis_prefix")
            hub = RedisHub(request.getfixturevalue("redis_url"), prefix, ring, max_streams, clock=clock)
            hub.block_ms = 200  # closing tests wait at most this for the reader
        hubs.append(hub)
        return hub

    yield build
    for hub in hubs:
        hub.close()


def change(n: int) -> dict:
    return {"number": n, "version": 1, "type": "ticket.updated", "ticket": f"id-{n}"}


def wait_for(listener: live_hub.Listener, want: int, timeout: float = 5.0) -> list[live_hub.Change]:
    got: list[live_hub.Change] = []
    deadline = time.monotonic() + timeout
    while len(got) < want and time.monotonic() < deadline:
        wake = listener.wait(deadline - time.monotonic())
        assert not wake.reset, "unexpected reset"
        got += wake.changes
    return got


def test_changes_arrive_in_order_to_every_listener(make):
    writer, reader = make(), make()
    after = reader.head()
    first, second = reader.listen(after, None), reader.listen(after, None)
    for n in range(1, 8):
        writer.publish(change(n))
    for listener in (first, second):
        got = wait_for(listener, 7)
        assert [c.data["number"] for c in got] == list(range(1, 8))
        assert [c.seq for c in got] == list(range(after + 1, after + 8))
    assert reader.streams == 2
    first.close(), second.close(), first.close()
    assert reader.streams == 0


def test_a_client_that_comes_back_gets_what_it_missed_from_the_ring(make):
    writer, reader = make(ring=20), make(ring=20)
    start = reader.head()
    for n in range(1, 6):
        writer.publish(change(n))
    wait_for(reader.listen(start, None), 5)  # the replica has read them
    missed = reader.since(start + 2)
    assert [c.data["number"] for c in missed] == [3, 4, 5]
    assert reader.since(reader.head()) == []


def test_too_far_behind_is_a_reset(make):
    writer, reader = make(ring=10), make(ring=10)
    start = reader.head()
    listener = reader.listen(start, None)
    for n in range(1, 31):
        writer.publish(change(n))
    assert reader.since(start) is None  # 30 went by, 10 are kept
    # A listener that slept through it is reset too, never handed a gap.
    deadline = time.monotonic() + 5
    wake = listener.wait(5)
    while not wake.reset and time.monotonic() < deadline and not wake.changes:
        wake = listener.wait(1)
    if wake.changes:  # the Redis replica may have woken it before all 30 arrived
        assert [c.data["number"] for c in wake.changes] == list(range(1, len(wake.changes) + 1))
    else:
        assert wake.reset


def test_a_cursor_from_another_epoch_or_garbage_starts_over(make):
    hub = make()
    hub.publish(change(1))
    assert parse_cursor("abc.12") == ("abc", 12)
    for bad in (None, "", "12", "x.", ".3", "x.-1", "x.1e3", "x." + "9" * 30):
        assert parse_cursor(bad) is None
    after, first = live._start(hub, "someotherepoch.1")
    assert after == hub.head() and first[0].startswith(f"id: {hub.epoch}.{after}\nevent: reset\n")
    after, first = live._start(hub, None)
    assert after == hub.head() and "event: ready" in first[0]


def test_presence_names_the_others_and_expires(make, clock):
    a, b = make(), make()
    a.present(7, "tab-of-ann-1", "e-ann", "Ann", typing=False)
    b.present(7, "tab-of-bob-1", "e-bob", "Bob", typing=True)
    b.present(8, "tab-of-bob-2", "e-bob", "Bob", typing=False)
    assert a.presence(7, exclude="e-ann") == Presence(("Bob",), ("Bob",))
    assert b.presence(7, exclude="e-bob") == Presence(("Ann",), ())
    assert a.presence(7) == Presence(("Ann", "Bob"), ("Bob",))
    assert a.is_present(7, "tab-of-ann-1") and not a.is_present(7, "tab-of-bob-2")
    clock.now += live_hub.TYPING_SECONDS + 1  # Bob's box said nothing more
    assert a.presence(7, exclude="e-ann") == Presence(("Bob",), ())
    a.present(7, "tab-of-ann-1", "e-ann", "Ann", typing=False)  # Ann's card keeps saying so
    clock.now += live_hub.PRESENCE_SECONDS - live_hub.TYPING_SECONDS  # Bob's tab went quiet
    assert a.presence(7) == Presence(("Ann",), ())
    assert not a.is_present(7, "tab-of-bob-1")
    a.leave(7, "tab-of-ann-1")
    assert b.presence(7) == Presence()
    # Two tabs of one person are one name.
    a.present(9, "tab-one-xxxx", "e-ann", "Ann", typing=False)
    a.present(9, "tab-two-xxxx", "e-ann", "Ann", typing=True)
    assert b.presence(9) == Presence(("Ann",), ("Ann",))


def test_a_card_listener_wakes_when_its_tickets_presence_changes(make):
    a, b = make(), make()
    watching = a.listen(a.head(), 7)
    elsewhere = a.listen(a.head(), 8)
    b.present(7, "tab-of-bob-1", "e-bob", "Bob", typing=False)
    wake = watching.wait(5)
    assert wake.presence and not wake.changes
    b.present(7, "tab-of-bob-1", "e-bob", "Bob", typing=False)  # the same again: nothing new
    b.present(7, "tab-of-bob-1", "e-bob", "Bob", typing=True)
    assert watching.wait(5).presence
    assert not elsewhere.wait(0.3).presence


def test_a_listener_wakes_closed_when_the_process_stops(make):
    hub = make()
    listener = hub.listen(hub.head(), None)
    threading.Timer(0.2, hub.close).start()
    started = time.monotonic()
    assert listener.wait(10).closed
    assert time.monotonic() - started < 5


def test_no_room_for_more_streams(make):
    hub = make(max_streams=2)
    first = hub.listen(hub.head(), None)
    hub.listen(hub.head(), None)
    with pytest.raises(TooManyStreams):
        hub.listen(hub.head(), None)
    first.close()
    hub.listen(hub.head(), None)


# -- the stream ------------------------------------------------------------------------------
def _events(chunks: Iterator[str], count: int) -> list[tuple[str | None, str | None, dict | None]]:
    """(id, event, data) of the next `count` events, comments skipped."""
    out: list[tuple[str | None, str | None, dict | None]] = []
    for chunk in chunks:
        if not chunk or chunk.startswith(":") or chunk.startswith("retry:"):
            continue
        fields = dict(line.split(": ", 1) for line in chunk.strip().split("\n"))
        out.append((fields.get("id"), fields.get("event"), json.loads(fields["data"]) if "data" in fields else None))
        if len(out) == count:
            break
    return out


def test_the_stream_sends_changes_with_ids_presence_heartbeats_and_ends_at_sign_out(make):
    hub = make()
    after, first = live._start(hub, None)
    signed_in = [True]
    chunks = live.stream(
        hub,
        hub.listen(after, 5),
        first,
        me="e-ann",
        lang="ru",
        signed_in=lambda: signed_in[0],
        heartbeat=0.3,
        presence_poll=0.1,
    )
    assert next(chunks) == f"retry: {live.RETRY_MS}\n\n"
    ready, presence = _events(chunks, 2)
    assert ready[1] == "ready" and ready[0] == f"{hub.epoch}.{after}"
    assert presence == (None, "presence", {"ticket": 5, "viewers": [], "typing": [], "text": ""})
    hub.publish(change(5))
    hub.present(5, "tab-of-bob-1", "e-bob", "Боб", typing=True)
    got = _events(chunks, 2)
    ticket = next(e for e in got if e[1] == "ticket")
    assert ticket[2] == {"number": 5, "version": 1, "type": "ticket.updated"}  # no id, no subject
    assert ticket[0] == f"{hub.epoch}.{after + 1}"
    shown = next(e for e in got if e[1] == "presence")[2]
    assert shown["viewers"] == ["Боб"] and shown["typing"] == ["Боб"]
    assert shown["text"] == "Эту заявку также открыли: Боб. Боб пишет ответ…"
    beat = next(c for c in chunks if c.startswith(":"))
    assert beat == ": keep-alive\n\n"
    signed_in[0] = False
    rest = list(chunks)
    assert "event: signed-out" in rest[-1] and "сеанс завершён" in rest[-1]
    assert hub.streams == 0


def test_a_stream_resumes_after_the_last_id_it_was_given(make):
    hub = make()
    after, first = live._start(hub, None)
    hub.publish(change(1))
    hub.publish(change(2))
    hub.publish(change(3))
    deadline = time.monotonic() + 5
    while hub.head() < after + 3 and time.monotonic() < deadline:
        time.sleep(0.02)  # the Redis replica reads them
    resumed_at, first = live._start(hub, f"{hub.epoch}.{after + 1}")
    got = _events(iter(first), 2)
    assert [e[2]["number"] for e in got] == [2, 3]
    assert resumed_at == after + 3


def test_presence_text_in_both_languages():
    assert live.presence_text("en", Presence()) == ""
    assert live.presence_text("en", Presence(("Ann", "Bob"), ())) == "Also on this ticket: Ann, Bob."
    assert live.presence_text("en", Presence(("Ann", "Bob"), ("Ann", "Bob"))) == (
        "Also on this ticket: Ann, Bob. Ann, Bob are typing replies…"
    )
    assert live.presence_text("ru", Presence(("Ann",), ("Ann",))) == "Эту заявку также открыли: Ann. Ann пишет ответ…"


# -- Redis only: what replicas and a restarted Redis add -------------------------------------------
def test_redis_a_replica_started_later_catches_up_from_redis(redis_url, redis_prefix, clock):
    worker = RedisHub(redis_url, redis_prefix, 50, clock=clock)
    for n in range(1, 6):
        worker.publish(change(n))
    late = RedisHub(redis_url, redis_prefix, 50, clock=clock)
    try:
        head = late.head()
        assert head == 5
        # A client of another replica saw 2: this one has nothing in its ring and asks Redis.
        assert [c.data["number"] for c in late.since(2)] == [3, 4, 5]
        # Ahead of this replica (another one read further): nothing yet, no reset.
        assert late.since(head + 3) == []
    finally:
        late.close()


def test_redis_starting_over_is_a_new_epoch_and_resets_the_listeners(redis_url, redis_prefix, clock):
    import redis

    worker = RedisHub(redis_url, redis_prefix, 50, clock=clock)
    reader = RedisHub(redis_url, redis_prefix, 50, clock=clock)
    reader.block_ms = 200
    try:
        listener = reader.listen(reader.head(), None)
        worker.publish(change(1))
        assert len(wait_for(listener, 1)) == 1
        old_epoch = reader.epoch
        client = redis.Redis.from_url(redis_url)
        client.delete(worker.changes_key, worker.seq_key, worker.epoch_key)  # as if Redis lost its data
        client.close()
        worker.publish(change(2))
        deadline = time.monotonic() + 5
        wake = listener.wait(5)
        while not wake.reset and time.monotonic() < deadline:
            wake = listener.wait(1)
        assert wake.reset and reader.epoch != old_epoch
        worker.publish(change(3))
        assert [c.data["number"] for c in wait_for(listener, 1)] == [3]
    finally:
        reader.close()


def test_redis_entries_trimmed_before_a_replica_read_them_reset_its_listeners(redis_url, redis_prefix, clock):
    reader = RedisHub(redis_url, redis_prefix, 10, clock=clock)
    reader.block_ms = 200
    try:
        head = reader.head()
        listener = reader.listen(head, None)
        # The reader sees entry head+5 first: four went by unseen.
        reader._take(
            [
                (
                    reader.changes_key.encode(),
                    [(f"{head + 5}-0".encode(), {b"e": reader.epoch.encode(), b"d": b'{"number":1}'})],
                )
            ]
        )
        assert listener.wait(1).reset
        assert reader.head() == head + 5
    finally:
        reader.close()


def test_redis_unreachable_the_pages_still_work(clock):
    hub = RedisHub("redis://127.0.0.1:1/0", "nowhere:", 10, clock=clock)
    hub.block_ms = 100
    hub.backoff_max = 0.2
    try:
        assert hub.cursor() == "unread.0"
        listener = hub.listen(hub.head(), None)
        assert not listener.wait(0.2).changes
        with pytest.raises(Exception):  # noqa: B017 - whatever redis-py raises; the route turns it into 503
            hub.present(1, "tab-xxxxxxxx", "e", "E", typing=False)
    finally:
        hub.close()


# -- the bus consumer -------------------------------------------------------------------------
def test_the_consumer_publishes_number_version_type_and_id(clock):
    hub = MemoryHub(10, clock=clock)
    (spec,) = live_hub.consumers(hub)
    assert spec.name == "live" and "ticket.status_changed" in spec.handlers and "ticket.created" in spec.handlers
    assert all(name.startswith("ticket.") for name in spec.handlers)
    snapshot = {"id": "t-1", "number": 42, "version": 3, "subject": "secret"}
    message = Message(
        id="m-1",
        type="ticket.status_changed",
        version=1,
        kind="event",
        occurred_at="2026-01-01T00:00:00+00:00",
        producer="tickets",
        correlation_id="c",
        causation_id=None,
        aggregate_type="ticket",
        aggregate_id="t-1",
        sequence=3,
        data={"ticket": snapshot, "from": "opened", "to": "closed"},
    )
    spec.handlers["ticket.status_changed"](None, message)
    (c,) = hub.since(0)
    assert c.data == {"number": 42, "version": 3, "type": "ticket.status_changed", "ticket": "t-1"}


# -- the routes, with the tickets service and the gateway's consumers running -------------------
def _signed_in(gw, employee_id: str):
    cookie, csrf = gw.app.extensions["relay.ui"].sessions.create(employee_id, None, None)
    client = gw.app.test_client()
    client.set_cookie("relay_session", cookie)
    return client, csrf


def _new_ticket(tickets, subject: str) -> int:
    from gateway_people import DIRECTORY_ADMIN, ok

    return ok(tickets.app.test_client().post("/tickets", json={"subject": subject}, headers=DIRECTORY_ADMIN), 201)[
        "number"
    ]


def _read_until(response, wanted: str, timeout: float = 20.0) -> str:
    """The stream's text up to and including the first event that contains `wanted`."""
    seen = ""
    deadline = time.monotonic() + timeout
    for chunk in response.response:
        seen += chunk.decode() if isinstance(chunk, bytes) else chunk
        if wanted in seen.rsplit("\n\n", 2)[0] or wanted in seen:
            return seen
        assert time.monotonic() < deadline, f"no {wanted!r} in {seen!r}"
    raise AssertionError(f"the stream ended without {wanted!r}: {seen!r}")


def test_a_ticket_made_through_the_api_reaches_an_open_stream(gateway, tickets, people):
    client, _ = _signed_in(gateway, people.employee("administrator"))
    response = client.get("/live/events", buffered=False)
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-store" and response.headers["X-Accel-Buffering"] == "no"
    _read_until(response, "event: ready")
    number = _new_ticket(tickets, "Printer on fire (secret subject)")
    text = _read_until(response, f'"number":{number},')
    assert '"type":"ticket.created"' in text and "secret" not in text
    response.close()
    assert live_hub.hub_for(gateway).streams == 0


def test_a_stream_ends_when_its_session_does(gateway, people, monkeypatch):
    monkeypatch.setattr(live, "HEARTBEAT", 0.2)
    client, _ = _signed_in(gateway, people.employee("specialist"))
    response = client.get("/live/events", buffered=False)
    _read_until(response, "event: ready")
    sessions = gateway.app.extensions["relay.ui"].sessions
    session_id = client.get_cookie("relay_session").value.partition(".")[0]
    sessions.end(__import__("hashlib").sha256(session_id.encode()).hexdigest())
    assert "event: signed-out" in "".join(c.decode() for c in response.response)
    # Signed out, the stream is a sign-in redirect like every page.
    assert client.get("/live/events").status_code == 302


def test_no_room_for_another_stream_is_503(gateway, people):
    client, _ = _signed_in(gateway, people.employee("specialist"))
    hub = live_hub.hub_for(gateway)
    hub.max_streams, saved = 0, hub.max_streams
    try:
        r = client.get("/live/events")
        assert r.status_code == 503 and r.headers["Retry-After"] == "60"
    finally:
        hub.max_streams = saved


def test_presence_posts_are_checked(gateway, tickets, people):
    admin_id = people.employee("administrator", name="Ada Present")
    client, csrf = _signed_in(gateway, admin_id)
    number = _new_ticket(tickets, "presence")
    hub = live_hub.hub_for(gateway)
    headers = {"X-CSRF-Token": csrf}
    good = {"ticket": number, "tab": "tab-1234567", "typing": True}
    assert client.post("/live/presence", json=good).status_code == 403  # no CSRF token
    for body, field in (
        ({**good, "ticket": 0}, "ticket"),
        ({**good, "ticket": True}, "ticket"),
        ({**good, "tab": "short"}, "tab"),
        ({**good, "tab": "<script>alert(1)</script>"}, "tab"),
        ({**good, "typing": "maybe"}, "typing"),
        ([1, 2], "body"),
    ):
        r = client.post("/live/presence", json=body, headers=headers)
        assert r.status_code == 422 and r.mimetype == "application/problem+json", r.get_data(as_text=True)
        assert r.get_json()["errors"][0]["field"] == field
    assert client.post("/live/presence", json={**good, "ticket": 999_999}, headers=headers).status_code == 404
    assert client.post("/live/presence", json=good, headers=headers).status_code == 204
    assert hub.presence(number) == Presence(("Ada Present",), ("Ada Present",))
    # The beacon a closing page sends: a form with the token in it.
    form = {"ticket": str(number), "tab": "tab-1234567", "leave": "1", "csrf_token": csrf}
    assert client.post("/live/presence", data=form).status_code == 204
    assert hub.presence(number) == Presence()
    # A specialist may not see a ticket nobody gave them: no presence there, nor a stream of it.
    sam, sam_csrf = _signed_in(gateway, people.employee("specialist"))
    r = sam.post("/live/presence", json={**good, "tab": "tab-of-sam-1"}, headers={"X-CSRF-Token": sam_csrf})
    assert r.status_code == 404 and r.get_json()["errors"][0]["field"] == "ticket"
    hub.present(number, "tab-elsewhere", admin_id, "Ada Present", typing=False)
    response = sam.get(f"/live/events?ticket={number}", buffered=False)
    assert "presence" not in _read_until(response, "event: ready")
    response.close()


@pytest.mark.integration
def test_distributed_the_workers_changes_reach_another_replica_through_redis(
    harness, tickets, redis_url, redis_prefix, bus_namespace
):
    from gateway_people import People, start_directory_flow

    from relay_gateway.bootstrap import spec as gateway_spec

    worker = harness.runtime(gateway_spec, namespace=bus_namespace, redis_url=redis_url)
    worker.upstreams = {"tickets": tickets.app}
    start_directory_flow(harness, tickets, worker)
    web = harness.runtime(gateway_spec, namespace=bus_namespace, redis_url=redis_url)  # a web replica, no consumers
    web.upstreams = {"tickets": tickets.app}
    try:
        assert isinstance(live_hub.hub_for(web), RedisHub)
        client, _ = _signed_in(web, People(tickets, worker).employee("lead_specialist"))
        response = client.get("/live/events", buffered=False)
        first = _read_until(response, "event: ready")
        number = _new_ticket(tickets, "across replicas")
        text = _read_until(response, f'"number":{number},')
        response.close()
        # A browser that saw only the first event comes back: the replica replays from there.
        ids = [line[4:] for line in (first + text).splitlines() if line.startswith("id: ")]
        again = client.get("/live/events", headers={"Last-Event-ID": ids[0]}, buffered=False)
        assert f'"number":{number},' in _read_until(again, f'"number":{number},')
        again.close()
    finally:
        live_hub.hub_for(web).close()
        live_hub.hub_for(worker).close()
