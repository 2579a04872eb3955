"""`relay directory ...`: what an operator does in the directory without the API.

- `add-administrator`: the first administrator of a new desk. Staff are written only
  by administrators, and a token acts only for an employee the directory has, so the
  first one cannot come through the API.
- `announce`: tell every consumer the whole directory again (the gateway's copy of who
  may sign in, after an upgrade or a lost database). Consumers skip what they hold.
"""

from __future__ import annotations

import click

from relay_tickets.adapters.mapping import start_mappers
from relay_tickets.domain.directory import Contact, Employee
from relay_tickets.domain.parties import SYSTEM_ACTOR
from relay_tickets.service_layer.directory import Directory
from relay_tickets.service_layer.directory_announce import announce
from relaykit.errors import RelayError
from relaykit.identity import ADMINISTRATOR
from relaykit.service import Runtime, discover
from relaykit.settings import Settings


def _runtime() -> Runtime:
    runtime = Runtime(discover()["tickets"], Settings.from_env("tickets"))
    runtime.migrate()
    start_mappers()
    return runtime


@click.group()
def directory() -> None:
    """The tickets service's directory of staff and clients, from the command line."""


@directory.command("add-administrator")
@click.option("--name", required=True)
@click.option("--email", required=True)
def add_administrator(name: str, email: str) -> None:
    """Create an administrator (the event tells the gateway; then `relay token create`)."""
    runtime = _runtime()
    try:
        employee = Directory(runtime.db, runtime.outbox).create(
            Employee, {"name": name, "email": email, "role": ADMINISTRATOR}, SYSTEM_ACTOR
        )
    except RelayError as e:
        raise click.UsageError(e.detail) from None
    click.echo(
        f"employee id: {employee.id}\n"
        "once the gateway has heard of them (the tickets worker publishes the event):\n"
        f"  relay token create --name '{employee.name}' --role administrator --subject {employee.id}"
    )


@directory.command("announce")
@click.option("--contacts/--no-contacts", default=True, help="contacts too (employees always)")
def announce_directory(contacts: bool) -> None:
    """Announce every employee (and contact) again; the tickets worker publishes them."""
    runtime = _runtime()
    click.echo(f"employees: {announce(runtime, Employee)} announced")
    if contacts:
        click.echo(f"contacts: {announce(runtime, Contact)} announced")
