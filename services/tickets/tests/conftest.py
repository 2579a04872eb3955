import pytest

from relay_tickets.bootstrap import spec
from relaykit.testing.harness import signed


@pytest.fixture
def tickets(harness, bus_namespace):
    return harness.runtime(spec, namespace=bus_namespace, max_body_bytes=64 * 1024)


@pytest.fixture
def client(tickets):
    return tickets.app.test_client()


@pytest.fixture
def staff():
    return signed(role="specialist", subject="emp-1")
