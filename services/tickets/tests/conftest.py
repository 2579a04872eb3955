import sys
from pathlib import Path

import pytest

from relay_tickets.bootstrap import spec
from relaykit.testing.harness import signed

# seed.py (directory rows for tests) lives beside the tests.
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def tickets(harness, bus_namespace):
    return harness.runtime(spec, namespace=bus_namespace, max_body_bytes=64 * 1024)


@pytest.fixture
def client(tickets):
    return tickets.app.test_client()


@pytest.fixture
def staff():
    return signed(role="specialist", subject="emp-1")
