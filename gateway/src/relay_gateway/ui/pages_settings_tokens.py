"""API tokens (administrators): the gateway's own tokens for machines and integrations,
listed, created (the secret shown once, on the answer to the creation and nowhere
else) and revoked. They live in the gateway's TokenStore, not in a service.

Whom a token may act for is the TokenStore's to decide (an active employee of at least
the token's role, a contact with portal access, or nobody for a system token); its
refusal names the field and shows next to it.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, redirect, url_for

from relay_gateway.tokens import TokenInfo, TokenStore
from relay_gateway.ui.client import ServiceDown, ServiceProblem
from relay_gateway.ui.pages_settings_common import notice, problem_for, text, when
from relay_gateway.ui.web import ADMINS, _, api, bp, page, render, service_down
from relaykit.errors import InvalidInput, NotFound
from relaykit.identity import ADMINISTRATOR, CONTACT, LEAD_SPECIALIST, SPECIALIST, SYSTEM

TOKEN_ROLES = (SYSTEM, ADMINISTRATOR, LEAD_SPECIALIST, SPECIALIST, CONTACT)
TOKEN_FIELDS = ("name", "role", "subject")
CHOICES = 200  # the directory's largest page: more are typed in by id


def _store() -> TokenStore:
    return current_app.extensions["relay.tokens"]


def _state(token: TokenInfo) -> tuple[str, str]:
    """(css class, words) for the token's state."""
    if token.revoked_at is not None:
        return "pill-bad", _("revoked {at}", at=when(token.revoked_at))
    if token.role != SYSTEM and token.subject_active is False:
        return "pill-warn", _("does not work: the person is deactivated")
    if token.role != SYSTEM and token.subject_name is None:
        return "pill-warn", _("does not work: the person is unknown")
    return "pill-ok", _("active")


def _people() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Active employees and contacts to pick a token's subject from (the first page of each)."""
    try:
        employees = api().get("tickets", "/employees", params={"active": True, "limit": CHOICES})["items"]
        contacts = api().get("tickets", "/contacts", params={"active": True, "limit": CHOICES})["items"]
    except (ServiceDown, ServiceProblem):
        service_down("tickets")
        return [], []
    return employees, [c for c in contacts if c.get("portal_access", "none") != "none"]


def _page(status: int = 200, **context: Any) -> tuple[str, int]:
    tokens = sorted(_store().list(), key=lambda t: (t.revoked_at is not None, t.created_at), reverse=False)
    employees, contacts = _people()
    rows = [{"token": t, "state": _state(t)} for t in tokens]
    context.setdefault("form", {"role": SYSTEM})
    return render(
        "settings/tokens.html",
        status,
        rows=rows,
        roles=TOKEN_ROLES,
        employees=employees,
        contacts=contacts,
        when=when,
        notice=notice(),
        **context,
    )


@bp.get("/settings/tokens")
@page(ADMINS)
def settings_tokens() -> tuple[str, int]:
    return _page()


@bp.post("/settings/tokens")
@page(ADMINS)
def settings_token_create() -> tuple[str, int]:
    role = text("role", 40)
    subject = text("subject_id", 100).strip() or text("subject", 100).strip()
    form = {"name": text("name", 200), "role": role, "subject": subject}
    if role == SYSTEM:
        subject = ""  # a machine acts as itself; a person picked before the role changed is not sent
    try:
        secret, created = _store().create(form["name"], role, subject or None)
    except InvalidInput as err:
        errors, problem = problem_for(ServiceProblem(422, {"errors": err.errors, "detail": err.detail}), TOKEN_FIELDS)
        return _page(422, form=form, errors=errors, problem=problem)
    # The secret is in this answer only (no-store, never in a URL); the store keeps its hash.
    return _page(201, created=created, secret=secret)


@bp.post("/settings/tokens/<token_id>/revoke")
@page(ADMINS)
def settings_token_revoke(token_id: str) -> Response | tuple[str, int]:
    try:
        _store().revoke(token_id[:100])
    except NotFound:
        return _page(404, problem=_("This token is already revoked or does not exist."))
    return redirect(url_for("ui.settings_tokens", done="revoked"))
