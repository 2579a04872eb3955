"""`make run` as a new administrator uses it: a person's token acts for an employee of
the directory, and stops working when they leave."""

import os
import subprocess
import time

import requests
from system_support import RELAY, free_port


def test_a_colleagues_token_works_until_they_are_deactivated(spawn, tmp_path):
    port = free_port()
    env = {"RELAY_DATA_DIR": str(tmp_path / "var")}
    relay = spawn([*RELAY, "run", "--port", str(port)], env)
    base = f"http://127.0.0.1:{port}"
    relay.wait_http(f"{base}/healthz")
    admin = {"Authorization": f"Bearer {(tmp_path / 'var' / 'demo-admin-token').read_text().strip()}"}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*RELAY, "token", *args], env=relay_env(env), capture_output=True, text=True, timeout=60)

    made_up = cli("create", "--name", "x", "--role", "specialist", "--subject", "no-such-employee")
    assert made_up.returncode != 0 and "no employee no-such-employee" in made_up.stderr

    body = {"name": "Nina New", "email": "nina@relay.example", "role": "specialist"}
    r = requests.post(f"{base}/api/tickets/employees", json=body, headers=admin, timeout=5)
    assert r.status_code == 201, r.text
    nina_id = r.json()["id"]
    created = _eventually(lambda: cli("create", "--name", "Nina", "--role", "specialist", "--subject", nina_id))
    token = created.stdout.split("token:")[-1].split()[0]
    nina = {"Authorization": f"Bearer {token}"}
    r = requests.post(f"{base}/api/tickets/tickets", json={"subject": "Nina's first"}, headers=nina, timeout=5)
    assert r.status_code == 201, r.text
    assert requests.get(f"{base}/api/tickets/employees", headers=nina, timeout=5).status_code == 200
    assert (
        requests.post(f"{base}/api/tickets/groups", json={"name": "Nina's"}, headers=nina, timeout=5).status_code == 403
    )
    assert "Nina New" in cli("list").stdout

    r = requests.post(f"{base}/api/tickets/employees/{nina_id}/deactivate", headers=admin, timeout=5)
    assert r.status_code == 200, r.text
    refused = _eventually(lambda: requests.get(f"{base}/api/tickets/tickets", headers=nina, timeout=5), status=401)
    assert "employee deactivated" in refused.json()["detail"]
    assert "Nina New (deactivated)" in cli("list").stdout
    assert relay.interrupt() == 0


def relay_env(env: dict[str, str]) -> dict[str, str]:
    return os.environ | env


def _eventually(call, status=None, timeout: float = 15.0):
    """The gateway hears of directory changes by an event: give it a moment."""
    deadline = time.monotonic() + timeout
    while True:
        result = call()
        good = result.status_code == status if status is not None else result.returncode == 0
        if good or time.monotonic() > deadline:
            assert good, getattr(result, "text", None) or result.stderr
            return result
        time.sleep(0.2)
