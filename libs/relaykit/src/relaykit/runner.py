"""Background tasks (outbox relays, consumers, timers) on threads, stopped together."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from relaykit.service import Task

log = logging.getLogger(__name__)


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
        # Tasks recover from outages themselves; leaving run() early is a bug worth restarting past.
        while not self.stop.is_set():
            try:
                task.run(self.stop)
            except Exception:
                log.exception("background task crashed; restarting", extra={"task": name})
                self.stop.wait(1.0)

    def shutdown(self, timeout: float = 10.0) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout)
