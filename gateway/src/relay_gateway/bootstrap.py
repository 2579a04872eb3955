"""The gateway as the kit sees it: the edge service in front of all others."""

from __future__ import annotations

from pathlib import Path

from relay_gateway.tokens import TokenStore, metadata
from relaykit.demo import DEMO_ADMIN_ID
from relaykit.service import Runtime, ServiceSpec

DEMO_TOKEN_FILE = "demo-admin-token"


def _app(runtime: Runtime):
    from relay_gateway.app import create_gateway_app

    return create_gateway_app(runtime)


def _demo(runtime: Runtime) -> None:
    """An administrator token for trying the API; its plaintext is kept in the
    local data directory so later starts can print it again."""
    path = runtime.settings.data_dir / DEMO_TOKEN_FILE
    store: TokenStore = runtime.app.extensions["relay.tokens"]
    token = path.read_text().strip() if path.exists() else ""
    try:
        if token:
            store.authenticate(token)
    except Exception:
        token = ""
    if not token:
        token, _ = store.create("demo administrator", "administrator", subject=DEMO_ADMIN_ID)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(token + "\n")
        path.chmod(0o600)
    runtime.app.extensions["relay.banner"] = [
        f"API token        {token}   (administrator, demo)",
        f"try              curl -H 'Authorization: Bearer {token}' {{base}}/api/tickets/tickets",
    ]


spec = ServiceSpec(
    name="gateway",
    title="Relay gateway",
    migrations=Path(__file__).parent / "migrations" / "versions",
    metadata=metadata,
    app_factory=_app,
    demo=_demo,
    edge=True,
)
