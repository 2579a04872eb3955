"""Readiness: can this process reach its database and its broker right now?"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from relaykit.bus.connection import connect
from relaykit.bus.embedded import is_embedded

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
        # The lock guards the cached answer only: a probe never waits behind another
        # one's database or broker round trip (nor holds a lock across database work).
        with self._lock:
            if time.monotonic() - self._at <= self.ttl:
                return dict(self._result)
        result = self._run()
        with self._lock:
            self._result, self._at = result, time.monotonic()
        return dict(result)

    def _run(self) -> dict[str, str]:
        problems: dict[str, str] = {}
        try:
            self.runtime.db.ping()
        except Exception as e:
            problems["database"] = f"{type(e).__name__}: {e}"[:300]
        url = self.runtime.settings.amqp_url
        spec = self.runtime.spec
        uses_bus = bool(spec.publishes or spec.consumers)
        # The in-process buses are no remote dependency: nothing to probe (and an API
        # process that was given no AMQP_URL never opens the embedded bus's file).
        if uses_bus and not url.startswith("memory://") and not is_embedded(url):
            try:
                with connect(url) as conn:
                    conn.ensure_connection(max_retries=1, timeout=2)
            except Exception as e:
                problems["broker"] = f"{type(e).__name__}: {e}"[:300]
        return problems
