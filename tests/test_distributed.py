"""`make up`: every API and worker its own process, on the real PostgreSQL and RabbitMQ."""

import re
import time

import pytest
import requests
from sqlalchemy import create_engine, text
from system_support import RELAY, free_port, free_port_block

pytestmark = pytest.mark.integration


@pytest.fixture
def distributed_env(postgres_server, amqp_url, bus_namespace, relay_run_id, tmp_path):
    prefix = f"relaytest_{relay_run_id}_up"
    env = {
        "DATABASE_URL": postgres_server.rsplit("/", 1)[0] + f"/{prefix}_{{service}}",
        "AMQP_URL": amqp_url,
        "RELAY_NAMESPACE": bus_namespace,
        "RELAY_DATA_DIR": str(tmp_path / "var"),
    }
    yield env
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for service in ("tickets", "sla", "gateway"):
            conn.execute(text(f'DROP DATABASE IF EXISTS "{prefix}_{service}" WITH (FORCE)'))
    admin.dispose()


def test_relay_up_runs_each_target_as_a_process_and_events_flow(spawn, distributed_env, tmp_path):
    base_port, port = free_port_block(120), free_port()
    up = spawn([*RELAY, "up", "--base-port", str(base_port), "--port", str(port)], distributed_env, "up")
    gateway = f"http://127.0.0.1:{port}"
    up.wait_http(f"{gateway}/healthz", timeout=90)
    up.wait_http(f"{gateway}/readyz")
    token = (tmp_path / "var" / "demo-admin-token").read_text().strip()
    auth = {"Authorization": f"Bearer {token}"}

    numbers = []
    for i in range(5):
        r = requests.post(
            f"{gateway}/api/tickets/tickets", json={"subject": f"distributed {i}"}, headers=auth, timeout=10
        )
        assert r.status_code == 201, r.text
        assert r.headers["Location"].startswith("/api/tickets/tickets/")
        numbers.append(r.json()["number"])
    assert requests.get(f"{gateway}/api/tickets/tickets/{numbers[0]}", headers=auth, timeout=5).ok

    sla_db = create_engine(distributed_env["DATABASE_URL"].replace("{service}", "sla"))
    deadline = time.monotonic() + 30
    seen: set[int] = set()
    while time.monotonic() < deadline and not set(numbers) <= seen:
        with sla_db.connect() as conn:
            seen = {n for (n,) in conn.execute(text("SELECT number FROM sla_tickets"))}
        time.sleep(0.2)
    sla_db.dispose()
    assert set(numbers) <= seen, up.output()[-3000:]

    sla_metrics = re.search(r"started sla-worker\s+(\S+/metrics)", up.output()).group(1)
    metrics = requests.get(sla_metrics, timeout=5)
    assert 'relay_events_consumed_total{consumer="ticket-register"' in metrics.text
    # The APIs' and the gateway's metrics: on their operations ports (gunicorn workers
    # serving a socket bound before the fork), never on the public ones.
    api_metrics = re.search(r"started tickets-api\s+\S+\s+\(metrics (\S+/metrics)\)", up.output()).group(1)
    assert 'route="/tickets",service="tickets",status="201"' in requests.get(api_metrics, timeout=5).text
    gateway_metrics = re.search(r"started gateway\s+\S+\s+\(metrics (\S+/metrics)\)", up.output()).group(1)
    assert 'service="gateway"' in requests.get(gateway_metrics, timeout=5).text
    public = requests.get(f"{gateway}/metrics", timeout=5)
    assert public.status_code == 404 and "relay_http" not in public.text
    assert requests.get(f"{gateway}/api/tickets/metrics", headers=auth, timeout=5).status_code == 404
    answer = requests.get(f"{gateway}/api/tickets/tickets/{numbers[0]}", headers=auth, timeout=5)
    assert answer.headers["Server"] == "gunicorn"  # one Server header, no version
    assert answer.headers["X-Content-Type-Options"] == "nosniff" and answer.headers["Cache-Control"] == "no-store"
    assert up.interrupt(timeout=40) == 0
