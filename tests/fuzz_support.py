"""The all-in-one system in this process, for the OpenAPI fuzz test.

One system per pytest worker: every service and the gateway from
`relaykit.allinone.build()`, SQLite files in a temporary directory, the default
(embedded) bus, the background tasks running as under `relay run` so events flow,
and the demo data loaded so the fuzzer finds ids that exist.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from relay_gateway.tokens import TokenStore
from relaykit import allinone
from relaykit.demo import DEMO_ADMIN_ID
from relaykit.identity import ADMINISTRATOR, CONTACT
from relaykit.runner import TaskRunner
from relaykit.service import Runtime
from relaykit.testing.harness import wait_for

OPENAPI = "/api/openapi.json"
_PARAM = re.compile(r"\{([a-z_]+)\}")
# Which field of a collection's items a path parameter names (otherwise "id").
FIELDS = {"number": "number", "key": "key"}
# Known values offered per parameter: enough to reach the code behind the lookup.
PER_PARAMETER = 3
# The contact whose token the fuzzer uses: portal access to all of Acme's tickets.
DEMO_CONTACT_NAME = "Wile Coyote"


@contextlib.contextmanager
def _environment(data_dir: Path) -> Iterator[None]:
    """The defaults of `relay run`, with the data under `data_dir`; other tests in
    the worker see the environment as it was once the settings are read."""
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name in ("DATABASE_URL", "AMQP_URL") or name.endswith("_DATABASE_URL"):
                mp.delenv(name)
        mp.setenv("RELAY_DATA_DIR", str(data_dir))
        # The embedded bus is process-wide: other tests of this worker must not share its queues.
        mp.setenv("RELAY_NAMESPACE", f"fuzz{os.getpid()}")
        # The fuzzer is one client sending thousands of requests a minute: a 429 would
        # stand in for the answer under test (the limits have their own tests). Limits no
        # run reaches, rather than none, so the limiter and its headers are in every answer.
        for limit in ("TOKEN", "ADDRESS", "AUTH_FAILURES"):
            mp.setenv(f"RELAY_RATE_LIMIT_{limit}", "1000000000/1")
        yield


def merged_openapi() -> dict[str, Any]:
    """The merged document, from apps built but not started (no database is touched):
    what the test items are made of at collection time."""
    with tempfile.TemporaryDirectory() as tmp, _environment(Path(tmp)):
        _, gateway = allinone.build()
        return gateway.app.test_client().get(OPENAPI).get_json()


@dataclass
class System:
    services: dict[str, Runtime]
    gateway: Runtime
    runner: TaskRunner
    tokens: dict[str, str] = field(default_factory=dict)
    subjects: dict[str, str] = field(default_factory=dict)

    # path -> path parameters naming things that exist, found once at start.
    known: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def get(self, path: str, role: str = ADMINISTRATOR) -> Any:
        response = self.gateway.app.test_client().get(path, headers=self.auth(role))
        assert response.status_code == 200, (path, response.status_code, response.get_data(as_text=True))
        return response.get_json()

    def post(self, path: str, role: str = ADMINISTRATOR, **kwargs: Any) -> Any:
        response = self.gateway.app.test_client().post(path, headers=self.auth(role), **kwargs)
        assert response.status_code == 201, (path, response.status_code, response.get_data(as_text=True))
        return response.get_json()

    def known_parameters(self, path: str, method: str) -> list[dict[str, Any]]:
        found = self.known.get(path, [])
        if method != "GET":
            found = [p for p in found if not set(p.values()) & self.protected.get(path, set())]
        return found

    @property
    def protected(self) -> dict[str, set[str]]:
        """What the fuzzer's own writes must not touch, or the rest of the run would
        silently lose its callers: the administrator demoting or deactivating
        themselves, the contact being moved, stripped of portal access or deactivated.
        Random ids still reach these routes; only the two identities are kept out."""
        return {
            "/api/tickets/employees/{id}": {self.subjects[ADMINISTRATOR]},
            "/api/tickets/employees/{id}/deactivate": {self.subjects[ADMINISTRATOR]},
            "/api/tickets/contacts/{id}": {self.subjects[CONTACT]},
            "/api/tickets/contacts/{id}/deactivate": {self.subjects[CONTACT]},
        }

    def stop(self) -> None:
        self.runner.shutdown()
        for rt in [*self.services.values(), self.gateway]:
            rt.db.dispose()


def _copied_contact(gateway: Runtime, contact_id: str) -> bool:
    from relay_gateway import directory

    with gateway.db.sessions() as s:
        return directory.contact(s, contact_id) is not None


def start(data_dir: Path) -> System:
    """Build, migrate, start the background tasks and load the demo, as `relay run` does."""
    with _environment(data_dir):
        services, gateway = allinone.build()
    for rt in [*services.values(), gateway]:
        rt.migrate()
    runner = TaskRunner()
    # The gateway's too: its consumer copies the directory its tokens act for (the demo token waits for it).
    for name, rt in [*services.items(), (gateway.spec.name, gateway)]:
        runner.start(rt.tasks(), owner=name)
    system = System(services, gateway, runner)
    try:
        for rt in [*services.values(), gateway]:
            if rt.spec.demo:
                rt.spec.demo(rt)
        store: TokenStore = gateway.app.extensions["relay.tokens"]
        system.tokens[ADMINISTRATOR] = (data_dir / "demo-admin-token").read_text().strip()
        system.subjects[ADMINISTRATOR] = DEMO_ADMIN_ID
        contact = next(c for c in system.get("/api/tickets/contacts")["items"] if c["name"] == DEMO_CONTACT_NAME)
        # The gateway's copy hears of the contact moments after the demo administrator.
        wait_for(lambda: _copied_contact(gateway, contact["id"]), what="the demo contact in the gateway's copy")
        system.tokens[CONTACT], _ = store.create(
            "fuzz contact", CONTACT, subject=contact["id"], organization=contact["company_id"]
        )
        system.subjects[CONTACT] = contact["id"]
        extra = _seed(system)
        document = system.gateway.app.test_client().get(OPENAPI).get_json()
        for path in document["paths"]:
            system.known[path] = _known(system, path, extra)
    except BaseException:
        system.stop()
        raise
    return system


def _seed(system: System) -> dict[str, list[Any]]:
    """Things the demo has none of, so the routes that read them have something to find;
    returns the ids of those no collection lists."""
    group = system.post("/api/tickets/canned-responses/groups", json={"name": "Fuzz replies"})
    system.post(
        "/api/tickets/canned-responses",
        json={"title": "Thanks", "body": "Thank you, {{contact.name}}.", "group_id": group["id"]},
    )
    system.post("/api/tickets/views", json={"name": "Fuzz view", "shared": True})
    kind = system.get("/api/tickets/settings/ticket-types")["items"][0]
    attribute = system.post(
        f"/api/tickets/settings/ticket-types/{kind['id']}/attributes",
        json={"key": "asset_tag", "kind": "text", "name": "Asset tag", "visible_to_contacts": True},
    )
    ticket = system.get("/api/tickets/tickets", CONTACT)["items"][0]
    # On a public comment, so the contact may read it too.
    system.post(
        f"/api/tickets/tickets/{ticket['number']}/comments",
        data={"body": "The log", "public": "true", "attachments": (io.BytesIO(b"fuzz"), "fuzz.txt", "text/plain")},
        content_type="multipart/form-data",
    )
    tickets = system.get("/api/tickets/tickets")["items"][:PER_PARAMETER]
    return {
        "/api/tickets/settings/attributes/{attribute_id}": [attribute["id"]],
        "/api/sla/tickets/{ticket_id}": [t["id"] for t in tickets],
    }


def _known(system: System, path: str, extra: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Path parameters that name existing things: each parameter is an item of the
    collection at the path before it, as the contact sees it (so both roles may read
    them; as the administrator where the contact may not list), at most PER_PARAMETER
    combinations."""
    combos: list[dict[str, Any]] = [{}]
    for m in _PARAM.finditer(path):
        name = m[1]
        prefix = path[: m.start()] + "{" + name + "}"
        values_of = extra.get(prefix) if prefix in extra else None
        grown = []
        for combo in combos:
            if values_of is None:
                collection = path[: m.start()].rstrip("/").format(**combo)
                values = _values(system, collection, FIELDS.get(name, "id"))
            else:
                values = values_of
            grown.extend({**combo, name: v} for v in values[:PER_PARAMETER])
        combos = grown[:PER_PARAMETER]
    return combos if combos != [{}] else []


def _values(system: System, collection: str, field_name: str) -> list[Any]:
    client = system.gateway.app.test_client()
    for who in (CONTACT, ADMINISTRATOR):
        response = client.get(collection, headers=system.auth(who))
        if response.status_code == 200:
            body = response.get_json()
            items = body.get("items", []) if isinstance(body, dict) else body
            return [i[field_name] for i in items if isinstance(i, dict) and field_name in i]
    return []
