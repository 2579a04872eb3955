"""Background tasks (outbox relays, consumers, timers) on threads, stopped together."""

from __future__ import annotations

import faulthandler
import logging
import sys
import threading
import time
from collections.abc import Iterable

from relaykit.service import Task

log = logging.getLogger(__name__)


class BatchLoop:
    """A background task that works in batches: `tick()` does one and says how many
    items it took; a full batch means more are waiting, so the next one starts at once,
    otherwise after `interval` seconds. A failed batch is logged and tried again."""

    name = "batch-loop"
    interval: float = 1.0
    batch: int = 500

    def tick(self) -> int:
        raise NotImplementedError

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                if self.tick() >= self.batch:
                    continue
            except Exception:
                log.exception("background batch failed; retrying", extra={"task": self.name})
            stop.wait(self.interval)


class TaskRunner:
    def __init__(self) -> None:
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self, tasks: Iterable[Task], owner: str = "") -> None:
        for task in tasks:
            name = f"{owner}:{task.name}" if owner else task.name
            thread = threading.Thread(target=self._run, args=(task, name), name=name, daemon=True)
            thread.start()
            self.threads.append(thread)

    def _run(self, task: Task, name: str) -> None:
        # A task that returns has finished (a one-shot job, or one told to stop); only a
        # crash is restarted: tasks recover from outages themselves, so an escape is a bug.
        while not self.stop.is_set():
            try:
                task.run(self.stop)
                return
            except Exception:
                log.exception("background task crashed; restarting", extra={"task": name})
                self.stop.wait(1.0)

    def shutdown(self, timeout: float = 10.0) -> list[str]:
        """Stop every task within `timeout` seconds in all; returns the names still running."""
        self.stop.set()
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        stuck = [t.name for t in self.threads if t.is_alive()]
        if stuck:
            # The threads are daemons, so the process still exits; say where they hung.
            log.error("background tasks did not stop in time", extra={"tasks": stuck})
            faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
        return stuck
