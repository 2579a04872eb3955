"""`relay token ...`: API tokens for machines and for people until the web UI signs them in.

A staff or contact token acts for someone the gateway's copy of the directory knows
(it hears of them from the tickets service's events); a system token is a machine.
"""

from __future__ import annotations

import click

from relay_gateway.tokens import TokenInfo, TokenStore
from relaykit.errors import RelayError
from relaykit.identity import ROLES
from relaykit.service import Runtime, discover
from relaykit.settings import Settings


def _store() -> TokenStore:
    runtime = Runtime(discover()["gateway"], Settings.from_env("gateway"))
    runtime.migrate()
    return TokenStore(runtime.db)


@click.group()
def token() -> None:
    """API tokens (hashed at rest; the plaintext is shown once)."""


@token.command("create")
@click.option("--name", required=True, help="what the token is for, e.g. 'CRM integration'")
@click.option("--role", required=True, type=click.Choice(sorted(ROLES)))
@click.option(
    "--subject",
    default=None,
    help="the employee id (staff roles) or contact id (contact) the token acts for; a system token takes none",
)
@click.option(
    "--organization",
    default=None,
    help="contact tokens only, and only as a check: the organization is the contact's company in the directory",
)
def create(name: str, role: str, subject: str | None, organization: str | None) -> None:
    try:
        plaintext, info = _store().create(name, role, subject, organization)
    except RelayError as e:
        raise click.UsageError(e.detail) from None
    click.echo(
        f"token id: {info.id}\nrole:     {info.role}\nsubject:  {info.subject}\ntoken:    {plaintext}\n"
        "(store it now: it is not shown again)"
    )


def _holder(t: TokenInfo) -> str:
    if t.subject.startswith("token:") and t.role == "system":
        return "(machine)"
    if t.subject_name is None:
        return "(not in the directory)"
    return t.subject_name + ("" if t.subject_active else " (deactivated)")


@token.command("list")
def list_tokens() -> None:
    """Every token: id, role, state, who it acts for (as the directory names them), its name."""
    for t in _store().list():
        state = "active"
        if t.revoked_at:
            why = f", {t.revoked_reason}" if t.revoked_reason and t.revoked_reason != "revoked" else ""
            state = f"revoked {t.revoked_at:%Y-%m-%d}{why}"
        click.echo(f"{t.id}  {t.role:<15} {state:<18} {t.subject}  {_holder(t)}  {t.name}")


@token.command("revoke")
@click.argument("token_id")
def revoke(token_id: str) -> None:
    try:
        _store().revoke(token_id)
    except RelayError as e:
        raise click.UsageError(e.detail) from None
    click.echo(f"revoked {token_id}")
