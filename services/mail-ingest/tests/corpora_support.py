"""Where the shared real-world mail corpora are, for the tests that read them.

They are never copied into the project: `$RELAY_CORPORA` names the folder, else it is
`../shared/corpora` beside this checkout, else beside the checkout this one was cloned
from (a fresh `git clone /work/main /tmp/x` has no `shared/` beside it, its origin does).
Missing: the test skips, and fails with the reason under CI=true.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def _candidates() -> list[Path]:
    found = [Path(p) for p in [os.environ.get("RELAY_CORPORA", "")] if p]
    found.append(REPO.parent / "shared" / "corpora")
    try:
        origin = subprocess.run(
            ["git", "-C", str(REPO), "config", "--get", "remote.origin.url"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        origin = ""
    if origin and "://" not in origin and ":" not in origin.split("/")[0]:
        found.append(Path(origin).resolve().parent / "shared" / "corpora")
    return found


def _root() -> Path:
    candidates = _candidates()
    return next((p for p in candidates if p.is_dir()), candidates[0])


CORPORA = _root()


def need(folder: Path) -> None:
    """Skip (fail under CI=true) when a corpus folder is not there."""
    if not folder.is_dir():
        reason = f"corpus missing: {folder} (set RELAY_CORPORA to the shared corpora folder)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
