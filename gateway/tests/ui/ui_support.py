"""What the browser tests share: the running system, signing in, the accessibility
check (axe-core, vendored under vendor/) and screenshots for reviewers."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Error as PlaywrightError

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[3]
# The README names this folder: the tests leave the list, the card and a settings page here.
SCREENSHOTS = ROOT / "docs" / "screenshots"
AXE = Path(__file__).parent / "vendor" / "axe-4.10.2.min.js"

ADMIN = ("admin@relay.example", "relay-admin-demo")
SPECIALIST = ("sam@relay.example", "relay-specialist-demo")


@dataclass
class Site:
    base_url: str
    gateway: Any
    services: dict[str, Any]
    data_dir: Path
    server: Any = None
    runner: Any = None
    admin: tuple[str, str] = ADMIN
    specialist: tuple[str, str] = SPECIALIST
    extra: dict[str, Any] = field(default_factory=dict)

    def sign_in(self, page, email: str, password: str, next_path: str = "") -> None:
        page.goto("/signin" + (f"?next={next_path}" if next_path else ""))
        # By the fields' ids, not their labels: the page may speak another language.
        page.locator("#f-email").fill(email)
        page.locator("#f-password").fill(password)
        page.locator("form button[type=submit]").first.click()
        page.wait_for_load_state()
        assert "/signin" not in page.url, page.content()[:2000]

    def api(self, method: str, path: str, role_token: str | None = None, **kw: Any):
        """The gateway's API with the demo administrator's token (test setup)."""
        import requests

        token = role_token or (self.data_dir / "demo-admin-token").read_text().strip()
        return requests.request(method, self.base_url + path, headers={"Authorization": f"Bearer {token}"}, **kw)

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
        if self.runner is not None:
            self.runner.shutdown()
        for rt in [*self.services.values(), self.gateway]:
            rt.db.dispose()


_ENV = {
    # Browser tests make many requests from one address; the limits have tests of their own.
    "RELAY_RATE_LIMIT_ADDRESS": "100000/10",
    "RELAY_RATE_LIMIT_TOKEN": "100000/10",
    "RELAY_LOG_FORMAT": "text",
    "RELAY_LOG_LEVEL": "WARNING",
}


def start_site(data_dir: Path, env: dict[str, str] | None = None) -> Site:
    from relaykit import allinone
    from relaykit.runner import TaskRunner
    from relaykit.serving import background_server

    saved = dict(os.environ)
    os.environ.update(_ENV | {"RELAY_DATA_DIR": str(data_dir)} | (env or {}))
    for key in [k for k in os.environ if k.endswith("DATABASE_URL") or k == "AMQP_URL"]:
        del os.environ[key]
    try:
        services, gateway = allinone.build()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    for rt in [*services.values(), gateway]:
        rt.migrate()
    runner = TaskRunner()
    for name, rt in [*services.items(), (gateway.spec.name, gateway)]:
        runner.start(rt.tasks(), owner=name)
    for rt in [*services.values(), gateway]:
        if rt.spec.demo:
            rt.spec.demo(rt)
    server = background_server(gateway.app, "127.0.0.1", 0)
    return Site(f"http://127.0.0.1:{server.port}", gateway, services, data_dir, server, runner)


def wait_until(page, check: Callable[[], Any], *, timeout: float = 15, what: str = "the page") -> Any:
    """Polls `check` (Python, reading the page through evaluate/locators) until it is truthy.
    Not wait_for_function: it compiles its predicate in the page, which the CSP may refuse,
    and a predicate true before the click's answer is swapped in proves nothing."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        page.wait_for_timeout(50)


def axe_violations(page, *, exclude: list[str] | None = None) -> list[dict[str, Any]]:
    """axe-core's WCAG 2 A/AA violations of the page as it is now. The script goes in
    through the DevTools protocol, which the page's CSP does not govern."""
    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    context = {"exclude": [[s] for s in exclude]} if exclude else None
    # A click that navigates returns before the next document exists, and live refreshes
    # swap parts of the page: wait for the load, then for no partial update in flight
    # (polled from here: wait_for_function compiles its predicate in the page, which the
    # CSP refuses), and run again when the document went away under axe.
    for attempt in range(5):
        try:
            page.wait_for_load_state()
            for _i in range(100):
                if not page.evaluate("!!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"):
                    break
                page.wait_for_timeout(50)
            page.evaluate(AXE.read_text())
            found = page.evaluate(
                "async ([ctx, opts]) => { const r = await axe.run(ctx || document, opts); "
                "return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, "
                "nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))})); }",
                [context, options],
            )
        except PlaywrightError:
            if attempt == 4:
                raise
            page.wait_for_timeout(200)
            continue
        return found
    raise AssertionError("unreachable")


def assert_accessible(page, **kw: Any) -> None:
    violations = axe_violations(page, **kw)
    assert not violations, json.dumps(violations, indent=2)


_shot_lock = threading.Lock()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    with _shot_lock:
        page.screenshot(path=str(path), full_page=False)
    return path
