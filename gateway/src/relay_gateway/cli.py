"""`relay token ...`: API tokens for machines and for people until the web UI signs them in."""

from __future__ import annotations

import click

from relay_gateway.tokens import TokenStore
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
@click.option("--subject", default=None, help="the user id the token acts as (default: the token)")
@click.option("--organization", default=None, help="the company a contact token belongs to")
def create(name: str, role: str, subject: str | None, organization: str | None) -> None:
    plaintext, info = _store().create(name, role, subject, organization)
    click.echo(
        f"token id: {info.id}\nrole:     {info.role}\ntoken:    {plaintext}\n(store it now: it is not shown again)"
    )


@token.command("list")
def list_tokens() -> None:
    for t in _store().list():
        state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
        click.echo(f"{t.id}  {t.role:<15} {state:<18} {t.name}")


@token.command("revoke")
@click.argument("token_id")
def revoke(token_id: str) -> None:
    _store().revoke(token_id)
    click.echo(f"revoked {token_id}")
