"""Employees are the people who sign in: an administrator invites one (creates them in
the tickets service's directory and mails a set-password link) and may send them a link
again or a reset link.

The link is the gateway's (ui().send_password_link), for an employee the gateway's own
copy of the directory knows: it learns of a new one from the employee.changed event a
moment after the service answers, so the invitation waits for the copy a few seconds and,
should it still be missing, says so and leaves the 'send the invitation' button on the
card. Deactivating an employee is the directory's ordinary deactivate: the gateway's
directory consumer ends their sessions and tokens when the event arrives.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any

from flask import Response, redirect, url_for
from sqlalchemy import select

from relay_gateway import directory
from relay_gateway.tables import accounts
from relay_gateway.ui.pages_directory import KINDS, render_card
from relay_gateway.ui.web import ADMINS, _, api, bp, page, ui

log = logging.getLogger(__name__)

COPY_WAIT_SECONDS = 5.0
COPY_POLL_SECONDS = 0.1


def known_employee(employee_id: str, wait: float = 0.0) -> directory.Employee | None:
    """The employee as the gateway's copy knows them, waiting up to `wait` seconds for it."""
    deadline = time.monotonic() + wait
    while True:
        with ui().db.reading() as s:
            person = directory.employee(s, employee_id)
        if person is not None or time.monotonic() >= deadline:
            return person
        time.sleep(COPY_POLL_SECONDS)


def account_state(employee_id: str) -> dict[str, Any]:
    """What the employee card shows about signing in."""
    with ui().db.reading() as s:
        invited_at: datetime | None = s.scalar(
            select(accounts.c.invited_at).where(accounts.c.employee_id == employee_id)
        )
    person = known_employee(employee_id)
    return {
        "has_password": ui().accounts.has_password(employee_id),
        "invited_at": f"{invited_at:%Y-%m-%d %H:%M} UTC" if invited_at else None,
        "known": person is not None,
    }


def invite(created: dict[str, Any]) -> Response:
    """After the service has created the employee: the invitation, once the copy knows them."""
    person = known_employee(created["id"], wait=COPY_WAIT_SECONDS)
    if person is None or not person.email:
        log.warning(
            "invitation postponed: the gateway's directory does not know the employee yet",
            extra={"employee_id": created["id"]},
        )
        return redirect(
            url_for("ui.directory_card", kind="employees", entry_id=created["id"], done="invite-later"), 303
        )
    ui().send_password_link(person, purpose="invite")
    return redirect(
        url_for("ui.directory_card", kind="employees", entry_id=created["id"], done="invited", email=person.email), 303
    )


@bp.post('/directory/employees/<entry_id>/<any(invite, "reset-link"):what>')
@page(ADMINS)
def directory_password_link(entry_id: str, what: str) -> Response | tuple[str, int]:
    # Read through the service first: what the administrator may see is what they may mail.
    entry = api().get("tickets", f"{KINDS['employees'].api}/{entry_id}")
    person = known_employee(entry_id, wait=1.0)
    if person is None or not person.email:
        problem = _("The gateway does not know this employee yet; try again in a moment.")
        return render_card("employees", entry_id, 409, problem=problem)
    if not entry.get("active") or not person.active:
        return render_card("employees", entry_id, 409, problem=_("The employee is deactivated; activate them first."))
    purpose = "invite" if what == "invite" else "reset"
    ui().send_password_link(person, purpose=purpose)
    done = "invited" if purpose == "invite" else "reset-sent"
    return redirect(
        url_for("ui.directory_card", kind="employees", entry_id=entry_id, done=done, email=person.email), 303
    )
