"""`make run`: one process, nothing but Python; demo data, the URLs printed, Ctrl-C stops it."""

import re
import sqlite3
import time

import requests
from system_support import RELAY, free_port


def test_relay_run_serves_the_whole_system_and_stops_on_ctrl_c(spawn, tmp_path):
    port = free_port()
    relay = spawn([*RELAY, "run", "--port", str(port)], {"RELAY_DATA_DIR": str(tmp_path / "var")})
    base = f"http://127.0.0.1:{port}"
    relay.wait_http(f"{base}/healthz")
    out = relay.output()
    assert f"{base}/api/openapi.json" in out and "API token" in out
    token = (tmp_path / "var" / "demo-admin-token").read_text().strip()
    auth = {"Authorization": f"Bearer {token}"}

    demo = requests.get(f"{base}/api/tickets/tickets", headers=auth, timeout=5).json()["items"]
    assert len(demo) >= 5  # demo data
    r = requests.post(f"{base}/api/tickets/tickets", json={"subject": "From a new user"}, headers=auth, timeout=5)
    assert r.status_code == 201
    number = r.json()["number"]

    def tracked():
        with sqlite3.connect(tmp_path / "var" / "sla.db") as db:
            return {n for (n,) in db.execute("SELECT number FROM sla_tickets")}

    deadline = time.monotonic() + 10
    while number not in tracked() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert number in tracked()  # the event went through the in-process bus to the SLA service
    assert requests.get(f"{base}/api/openapi.json", timeout=5).json()["paths"]
    # Metrics are on the operations port the banner names, never on the public one.
    metrics_url = re.search(r"metrics\s+(http://\S+/metrics)", out).group(1)
    assert not metrics_url.startswith(base)
    assert "relay_events_published_total" in requests.get(metrics_url, timeout=5).text
    public_metrics = requests.get(f"{base}/metrics", timeout=5)
    assert public_metrics.status_code == 404 and "relay_events" not in public_metrics.text
    assert "/" not in public_metrics.headers["Server"]  # no software version
    assert public_metrics.headers["X-Content-Type-Options"] == "nosniff"

    with sqlite3.connect(tmp_path / "var" / "tickets.db") as db:
        (announced,) = db.execute("SELECT count(*) FROM relay_outbox WHERE type = 'settings.changed'").fetchone()
    assert announced == 1  # once at start; a background task that finished is not run again

    assert relay.interrupt() == 0
    assert "stopping" in relay.output()
