"""The gateway in front of a real tickets service, with the tickets relay and the
gateway's directory consumer running, so tokens act for real directory entries."""

import sys
from pathlib import Path

import pytest

from relay_gateway.bootstrap import spec as gateway_spec
from relay_tickets.bootstrap import spec as tickets_spec

sys.path.insert(0, str(Path(__file__).parent))

from gateway_people import People, start_directory_flow


@pytest.fixture
def tickets(harness, bus_namespace):
    return harness.runtime(tickets_spec, namespace=bus_namespace)


@pytest.fixture
def gateway(harness, tickets, bus_namespace):
    gw = harness.runtime(gateway_spec, namespace=bus_namespace)
    gw.upstreams = {"tickets": tickets.app}
    start_directory_flow(harness, tickets, gw)
    return gw


@pytest.fixture
def client(gateway):
    return gateway.app.test_client()


@pytest.fixture
def people(tickets, gateway):
    return People(tickets, gateway)
