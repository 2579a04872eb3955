import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from relay_sla.bootstrap import spec
from relaykit.clock import FrozenClock

# sla_bus.py (messages for tests) lives beside the tests.
sys.path.insert(0, str(Path(__file__).parent))

MONDAY_8 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture
def sla(harness, bus_namespace):
    rt = harness.runtime(spec, namespace=bus_namespace)
    rt.clock = FrozenClock(MONDAY_8)
    return rt


@pytest.fixture
def consuming(harness, sla):
    """The SLA service with its consumers running (the clock is ticked by the test)."""
    harness.start(sla, [t for t in sla.tasks() if t.name == "consumers"])
    return sla


@pytest.fixture
def api(sla):
    return sla.app.test_client()
