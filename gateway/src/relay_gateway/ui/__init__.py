"""The agents' web UI, served by the gateway: server-rendered pages (Jinja2) with htmx
for partial updates, signed in with a browser session. Every page calls the services'
APIs as the person signed in (ui.client); the UI keeps no ticket data of its own.

`install(app, ...)` mounts it on the gateway's Flask app. Page modules add their routes
to `web.bp` and their navigation entries with `web.nav_item`; PAGE_MODULES lists them.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, url_for

from relay_gateway import directory
from relay_gateway.limits import RateLimiter
from relay_gateway.ui.accounts import Accounts, Policy
from relay_gateway.ui.sessions import SessionPolicy, SessionStore
from relaykit import mail_sink
from relaykit.db import Database
from relaykit.settings import Settings

log = logging.getLogger(__name__)

# Each module declares its routes on web.bp when imported; later capabilities add theirs here.
PAGE_MODULES = [
    "relay_gateway.ui.pages_auth",
    "relay_gateway.ui.pages_home",
    "relay_gateway.ui.pages_tickets",
    "relay_gateway.ui.pages_card",
    "relay_gateway.ui.live",
    "relay_gateway.ui.pages_directory",
    "relay_gateway.ui.pages_settings",
    "relay_gateway.ui.pages_sla",
    "relay_gateway.ui.pages_notify",
    "relay_gateway.ui.pages_notify_settings",
    "relay_gateway.ui.pages_notify_templates",
    "relay_gateway.ui.pages_notify_webhooks",
    "relay_gateway.ui.pages_feedback",
    "relay_gateway.ui.pages_unsubscribe",
]


@dataclass
class UI:
    db: Database
    settings: Settings
    upstreams: dict[str, Any]
    limiter: RateLimiter
    accounts: Accounts
    sessions: SessionStore
    # Who may hear of a set-password link: the all-in-one's mail sink until notify sends mail.
    sent_links: list[str] = field(default_factory=list)

    def employee_by_email(self, email: str) -> directory.Employee | None:
        with self.db.reading() as s:
            person = directory.employee_by_email(s, email)
        return person if person is not None and person.active else None

    def send_password_link(self, person: directory.Employee, purpose: str = "reset") -> str:
        """Mail a link that sets the person's password (an invitation or a reset): to
        the log and the local mail sink. Returns the link."""
        token = self.accounts.link_token(person.id)
        link = url_for("ui.set_password", token=token, _external=True)
        if purpose == "invite":
            self.accounts.mark_invited(person.id)
            subject = "You are invited to Relay"
            text = f"Hello {person.name},\n\nset your password to sign in to Relay:\n{link}\n"
        else:
            subject = "Reset your Relay password"
            text = (
                f"Hello {person.name},\n\nset a new password with this link:\n{link}\n\n"
                "If you did not ask, ignore this mail.\n"
            )
        text += f"\nThe link works once, for {self.accounts.policy.link_hours} hours.\n"
        if person.email:
            mail_sink.deliver(self.settings.data_dir, person.email, subject, text)
        log.info("password link", extra={"employee_id": person.id, "purpose": purpose, "link": link})
        return link

    def brand(self) -> dict[str, Any]:
        """name, colour, css_url, logo_url (or None): the desk's branding (pages_settings_general)."""
        from relay_gateway.ui.pages_settings_general import current_brand

        return current_brand()


def install(app: Flask, db: Database, settings: Settings, upstreams: dict[str, Any], limiter: RateLimiter) -> UI:
    from relay_gateway.ui import web

    for name in PAGE_MODULES:
        importlib.import_module(name)
    ui = UI(
        db=db,
        settings=settings,
        upstreams=upstreams,
        limiter=limiter,
        accounts=Accounts(db, settings.identity_secret, Policy.from_extra(settings.extra)),
        sessions=SessionStore(db, settings.identity_secret, SessionPolicy.from_extra(settings.extra)),
    )
    app.extensions["relay.ui"] = ui
    app.register_blueprint(web.bp)
    return ui
