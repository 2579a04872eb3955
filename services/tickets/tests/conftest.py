import sys
from pathlib import Path

import pytest

from relay_tickets.bootstrap import spec

# seed.py (directory rows) and helpers.py (shared checks and callers) live beside the tests.
sys.path.insert(0, str(Path(__file__).parent))

from helpers import ADMIN, SPECIALIST


@pytest.fixture
def tickets(harness, bus_namespace):
    return harness.runtime(spec, namespace=bus_namespace, max_body_bytes=64 * 1024)


@pytest.fixture
def client(tickets):
    return tickets.app.test_client()


@pytest.fixture
def rt(harness, bus_namespace, request):
    """The service under test; a module narrows it with `SERVICE_SPEC = ...` (the directory's)."""
    return harness.runtime(getattr(request.module, "SERVICE_SPEC", spec), namespace=bus_namespace)


@pytest.fixture
def api(rt):
    return rt.app.test_client()


@pytest.fixture
def directory(rt):
    return rt


@pytest.fixture
def pg_tickets(harness, pg_url, bus_namespace):
    return harness.runtime(spec, database_url=pg_url, namespace=bus_namespace)


@pytest.fixture
def staff():
    return SPECIALIST


@pytest.fixture
def admin():
    return ADMIN
