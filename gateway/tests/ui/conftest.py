"""Browser tests of the agents' UI: the whole system in this process (the all-in-one
composition: every service, the embedded bus and SQLite in a temporary folder, the
demo data), served on a free port, and Debian's chromium driven by Playwright.

With CI=true a missing chromium or playwright is a failure, never a skip.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from ui_support import CHROMIUM, Site, start_site


def _need_browser() -> None:
    reason = None
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        reason = f"no chromium at {CHROMIUM} (apt-get install -y chromium; .ci/run installs it)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "the playwright package is not installed (requirements-dev.txt)"
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser tests cannot run: {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Site:
    running = start_site(tmp_path_factory.mktemp("relay-ui"))
    yield running
    running.stop()


@pytest.fixture(scope="session")
def browser():
    _need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def context(browser, site):
    ctx = browser.new_context(base_url=site.base_url, locale="en-US", viewport={"width": 1366, "height": 860})
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def admin_page(context, site):
    page = context.new_page()
    site.sign_in(page, *site.admin)
    return page


@pytest.fixture
def specialist_page(browser, site):
    ctx = browser.new_context(base_url=site.base_url, locale="en-US")
    ctx.set_default_timeout(10_000)
    page = ctx.new_page()
    site.sign_in(page, *site.specialist)
    yield page
    ctx.close()


@pytest.fixture
def russian_admin_page(browser, site):
    """The demo administrator, who chose no language, in a browser asking for Russian."""
    ctx = browser.new_context(base_url=site.base_url, locale="ru-RU", extra_http_headers={"Accept-Language": "ru"})
    ctx.set_default_timeout(10_000)
    page = ctx.new_page()
    site.sign_in(page, *site.admin)
    yield page
    ctx.close()
