"""The gateway as the kit sees it: the edge service in front of all others, with a
worker that keeps its copy of the directory (who may sign in) from the tickets
service's events and passes every ticket event on to the open pages (ui.live_hub)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from relay_gateway import directory
from relay_gateway.tables import metadata
from relay_gateway.tokens import token_store
from relay_gateway.ui import live_hub
from relaykit.demo import DEMO_ADMIN_ID, DEMO_SPECIALIST_ID
from relaykit.errors import RelayError
from relaykit.service import Runtime, ServiceSpec

log = logging.getLogger(__name__)

DEMO_TOKEN_FILE = "demo-admin-token"
# Every open page holds a thread for its event stream (ui.live): room for about
# WEB_THREADS - live_hub.RESERVED_THREADS of them per gateway process.
WEB_THREADS = 256
# How long the demo waits for the directory copy to hear of the demo administrator:
# the tickets service's demo creates them moments before, and the event must travel.
DEMO_WAIT_SECONDS = 60.0


def _app(runtime: Runtime):
    from relay_gateway.app import create_gateway_app

    return create_gateway_app(runtime)


def _consumers(runtime: Runtime):
    return [*directory.consumers(token_store(runtime).forget), *live_hub.consumers(live_hub.hub_for(runtime))]


def _demo_admin_known(runtime: Runtime, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        with runtime.db.sessions() as s:
            admin = directory.employee(s, DEMO_ADMIN_ID)
        if admin is not None and admin.active:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


def _demo(runtime: Runtime) -> None:
    """An administrator token for trying the API, acting for the demo administrator
    (whom the tickets service's demo directory creates); its plaintext is kept in the
    local data directory so later starts can print it again."""
    path = runtime.settings.data_dir / DEMO_TOKEN_FILE
    store = token_store(runtime)
    banner = runtime.app.extensions.setdefault("relay.banner", [])
    if not _demo_admin_known(runtime, DEMO_WAIT_SECONDS):
        log.warning("the demo administrator is not in the gateway's directory copy; no demo token")
        banner.append(
            f"API token        none: the directory has no demo administrator {DEMO_ADMIN_ID} (yet); "
            "see `relay token create --help`"
        )
        return
    token = path.read_text().strip() if path.exists() else ""
    try:
        if token:
            store.authenticate(token)
    except RelayError:
        token = ""
    if not token:
        token, _ = store.create("demo administrator", "administrator", subject=DEMO_ADMIN_ID)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(token + "\n")
        path.chmod(0o600)
    banner += [
        f"API token        {token}   (administrator, demo)",
        f"try              curl -H 'Authorization: Bearer {token}' {{base}}/api/tickets/tickets",
        *_demo_people(runtime),
    ]


# Demo sign-ins (set only while the account has no password, so a changed one stays).
DEMO_PEOPLE = (
    (DEMO_ADMIN_ID, "administrator", "relay-admin-demo"),
    (DEMO_SPECIALIST_ID, "specialist", "relay-specialist-demo"),
)


def _demo_people(runtime: Runtime) -> list[str]:
    ui = runtime.app.extensions["relay.ui"]
    lines = ["sign in          {base}/signin"]
    for employee_id, role, password in DEMO_PEOPLE:
        deadline = time.monotonic() + 3  # the administrator is known by now: the rest came with them
        with runtime.db.sessions() as s:
            person = directory.employee(s, employee_id)
        while (person is None or not person.email) and time.monotonic() < deadline:
            time.sleep(0.1)
            with runtime.db.sessions() as s:
                person = directory.employee(s, employee_id)
        if person is None or not person.email:
            lines.append(f"  {role:<15}not in the directory yet; no demo password")
            continue
        if not ui.accounts.has_password(employee_id):
            ui.accounts.set_password(employee_id, password)
        lines.append(f"  {role:<15}{person.email} / {password}")
    return lines


spec = ServiceSpec(
    name="gateway",
    title="Relay gateway",
    migrations=Path(__file__).parent / "migrations" / "versions",
    metadata=metadata,
    app_factory=_app,
    consumers=_consumers,
    demo=_demo,
    edge=True,
    web_threads=WEB_THREADS,
)
