"""Named crash points for the tests that kill processes at the worst moment.

`RELAY_FAULT=after-commit:<consumer>` makes the process exit abruptly when it
reaches that point (after the consumer's transaction commits, before the ack).
With `RELAY_FAULT_ONCE_FILE` set it fires only while that file does not exist,
so the restarted process runs normally. Unset, a point costs one comparison.
"""

from __future__ import annotations

import os
from pathlib import Path

_FAULT = os.environ.get("RELAY_FAULT", "")
EXIT_CODE = 77


def point(name: str, scope: str = "") -> None:
    if not _FAULT or f"{name}:{scope}" != _FAULT:
        return
    once = os.environ.get("RELAY_FAULT_ONCE_FILE")
    if once:
        marker = Path(once)
        if marker.exists():
            return
        marker.write_text(_FAULT)
    os._exit(EXIT_CODE)
