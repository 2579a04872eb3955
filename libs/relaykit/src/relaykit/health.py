"""Readiness: can this process reach its database and its broker right now?"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from relaykit.bus.connection import connect

if TYPE_CHECKING:
    from relaykit.service import Runtime


class Readiness:
    """Checks are cached for a few seconds so probes cannot hammer the broker."""

    ttl = 3.0

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._lock = threading.Lock()
        self._at = 0.0
        self._result: dict[str, str] = {}

    def check(self) -> dict[str, str]:
        with self._lock:
            if time.monotonic() - self._at > self.ttl:
                self._result = self._run()
                self._at = time.monotonic()
            return dict(self._result)

    def _run(self) -> dict[str, str]:
        problems: dict[str, str] = {}
        try:
            self.runtime.db.ping()
        except Exception as e:
            problems["database"] = f"{type(e).__name__}: {e}"[:300]
        url = self.runtime.settings.amqp_url
        spec = self.runtime.spec
        uses_bus = bool(spec.publishes or spec.consumers)
        if uses_bus and not url.startswith("memory://"):
            try:
                with connect(url) as conn:
                    conn.ensure_connection(max_retries=1, timeout=2)
            except Exception as e:
                problems["broker"] = f"{type(e).__name__}: {e}"[:300]
        return problems
