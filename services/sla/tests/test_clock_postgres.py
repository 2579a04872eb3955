"""The SLA clock on PostgreSQL: a crash loses no warning, replicas double none."""

import threading
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from sla_bus import new_ticket, sent

from relay_sla.bootstrap import spec
from relay_sla.service_layer import clocks
from relay_sla.service_layer.firing import SlaClock

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 23, 9, tzinfo=UTC)


def register_many(rt, count: int) -> None:
    with rt.db.sessions() as s:
        for n in range(1, count + 1):
            clocks.register(rt, s, new_ticket(n, START + timedelta(minutes=n % 60)), START)
        s.commit()


def drain_together(ticks) -> None:
    """Each replica's tick on its own thread, all at once, until none finds work."""

    def drain(tick) -> None:
        while tick():
            pass

    threads = [threading.Thread(target=drain, args=(tick,)) for tick in ticks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)


def fired(rt) -> list[tuple[str, str, float]]:
    return sorted(
        (m["ticket_id"], m["clock"], m["fraction"]) for t in ("sla.warning", "sla.breached") for m in sent(rt, t)
    )


def test_a_crash_while_firing_loses_nothing_and_the_restart_doubles_nothing(harness, pg_url, monkeypatch):
    rt = harness.runtime(spec, database_url=pg_url)
    register_many(rt, 40)
    later = START + timedelta(days=7)
    calls = {"n": 0}
    real_emit = rt.outbox.emit

    def failing_emit(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 30:
            raise ConnectionError("the process died here")
        return real_emit(*args, **kwargs)

    monkeypatch.setattr(rt.outbox, "emit", failing_emit)
    with pytest.raises(ConnectionError):
        SlaClock(rt).tick(later)
    assert fired(rt) == []  # the batch was not committed: nothing half-fired
    monkeypatch.setattr(rt.outbox, "emit", real_emit)
    restarted = harness.runtime(spec, database_url=pg_url, migrate=False)
    SlaClock(restarted).tick(later)
    everything = fired(rt)
    assert len(everything) == 40 * 4  # two clocks, a warning and a breach each
    assert len(set(everything)) == len(everything)
    assert SlaClock(restarted).tick(later) == 0


def test_replicas_ticking_together_fire_each_warning_once(harness, pg_url):
    rt = harness.runtime(spec, database_url=pg_url)
    register_many(rt, 300)
    replicas = [SlaClock(harness.runtime(spec, database_url=pg_url, migrate=False), batch=50) for _ in range(3)]
    later = START + timedelta(days=7)
    drain_together([partial(c.tick, later) for c in replicas])
    everything = fired(rt)
    assert len(everything) == 300 * 4
    assert len(set(everything)) == len(everything)


def test_replicas_following_an_edited_calendar_recompute_each_ticket_once(harness, pg_url):
    from sqlalchemy import select, update

    from relay_sla.adapters.orm import calendars, tickets
    from relay_sla.service_layer.recompute import CalendarFollower

    rt = harness.runtime(spec, database_url=pg_url)
    register_many(rt, 300)
    with rt.db.sessions() as s:
        definition = dict(s.scalar(select(calendars.c.definition).where(calendars.c.id == 1)))
        definition["exceptions"] = [{"date": "2026-11-24", "name": "Founders' day"}]
        s.execute(update(calendars).where(calendars.c.id == 1).values(definition=definition, version=2))
        s.commit()
    replicas = [CalendarFollower(harness.runtime(spec, database_url=pg_url, migrate=False), batch=40) for _ in range(3)]
    drain_together([f.tick for f in replicas])
    commands = sent(rt, "tickets.set_planned_times")
    moved = commands[300:]
    assert len(moved) == 300 and len({c["ticket_id"] for c in moved}) == 300  # each once
    assert all(c["resolution_due_at"] > "2026-11-25" for c in moved)  # past the day off
    with rt.db.sessions() as s:
        assert set(s.scalars(select(tickets.c.calendar_version))) == {2}
