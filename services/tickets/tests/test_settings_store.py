"""The desk configuration cache must never hold its lock across database work: a request
thread holding it while it waited for SQLite's write lock, and the consumer holding the
write lock while it waited for the cache, froze the process for SQLite's busy timeout."""

import threading

from relay_tickets.adapters import settings_store as store_module
from relay_tickets.adapters.settings_store import SettingsStore


def test_a_thread_reloading_the_cache_does_not_block_another_that_holds_the_write_lock(tickets, monkeypatch):
    store = SettingsStore(tickets.db, ttl=0)
    loading, release = threading.Event(), threading.Event()
    real_load = store_module.load

    def slow_load(session):
        if threading.current_thread().name == "request":
            loading.set()
            release.wait(10)  # a reload in progress, as if it waited for the database
        return real_load(session)

    monkeypatch.setattr(store_module, "load", slow_load)
    request = threading.Thread(target=store.current, name="request")
    request.start()
    assert loading.wait(10)
    try:
        done = []
        # The consumer: inside its write transaction it needs the configuration too.
        with tickets.db.session() as s:
            consumer = threading.Thread(target=lambda: done.append(store.current(s)), name="consumer")
            consumer.start()
            consumer.join(10)
            assert done, "the consumer waited for the cache while holding the write lock"
    finally:
        release.set()
        request.join(10)
    assert not request.is_alive()


def test_a_reading_begun_before_an_invalidation_is_not_kept(tickets, monkeypatch):
    store = SettingsStore(tickets.db, ttl=60)
    real_load = store_module.load
    calls = []

    def load_then_invalidate(session):
        config = real_load(session)
        if not calls:
            store.invalidate()  # a settings change committed while this reading ran
        calls.append(1)
        return config

    monkeypatch.setattr(store_module, "load", load_then_invalidate)
    store.current()
    store.current()
    assert len(calls) == 2  # the first reading was not cached: the second call read again
    store.current()
    assert len(calls) == 2  # the second one was
