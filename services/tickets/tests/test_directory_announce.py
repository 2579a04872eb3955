"""The directory told again: every employee when the worker starts, the whole directory
when an operator asks, and the first administrator of a new desk from the command line.
Consumers that hold an entry's version skip the announcement (same sequence)."""

import threading

from click.testing import CliRunner
from helpers import outbox_messages
from seed import company, contact, employee
from sqlalchemy import update

from relay_tickets.adapters.tables.directory import employees
from relay_tickets.domain.directory import Contact, Employee
from relay_tickets.service_layer.directory_announce import AnnounceStaffAtStart, announce
from relaykit.cli import main as relay_cli


def test_the_worker_announces_every_employee_at_its_current_version_when_it_starts(tickets):
    sam = employee(tickets, name="Sam Specialist")
    ada = employee(tickets, name="Ada Admin", role="administrator", active=False)
    with tickets.db.session() as s:
        s.execute(update(employees).where(employees.c.id == ada).values(version=4))
    contact(tickets, company(tickets))
    AnnounceStaffAtStart(tickets).run(threading.Event())
    announced = {m["aggregate_id"]: m for m in outbox_messages(tickets, "employee.changed")}  # contract-checked
    assert set(announced) == {sam, ada}
    assert (announced[ada]["sequence"], announced[ada]["data"]["employee"]["version"]) == (4, 4)
    assert announced[ada]["data"]["employee"]["active"] is False
    assert {m["data"]["change"] for m in announced.values()} == {"updated"}
    assert outbox_messages(tickets, "contact.changed") == []  # contacts only on request


def test_announcing_goes_through_every_entry_a_batch_at_a_time(tickets):
    ids = {employee(tickets) for _ in range(5)}
    assert announce(tickets, Employee, batch=2) == 5
    assert [m["aggregate_id"] for m in outbox_messages(tickets, "employee.changed")] == sorted(ids)


def test_operators_announce_the_directory_and_add_the_first_administrator(tickets, monkeypatch):
    monkeypatch.setenv("TICKETS_DATABASE_URL", tickets.settings.database_url)
    runner = CliRunner()
    first = runner.invoke(
        relay_cli, ["directory", "add-administrator", "--name", "Ada Admin", "--email", "ada@x.example"]
    )
    assert first.exit_code == 0, first.output
    admin_id = first.output.split("employee id:")[1].split()[0]
    assert f"--role administrator --subject {admin_id}" in first.output
    (created,) = outbox_messages(tickets, "employee.changed")
    assert created["data"]["employee"]["role"] == "administrator" and created["data"]["change"] == "created"
    again = runner.invoke(relay_cli, ["directory", "add-administrator", "--name", "Ada", "--email", "ADA@x.example"])
    assert again.exit_code != 0 and "ada@x.example" in again.output  # the address is taken

    contact(tickets, company(tickets))
    done = runner.invoke(relay_cli, ["directory", "announce"])
    assert done.exit_code == 0 and "employees: 1 announced" in done.output and "contacts: 1 announced" in done.output
    assert len(outbox_messages(tickets, "employee.changed")) == 2
    assert len(outbox_messages(tickets, "contact.changed")) == 1
    assert announce(tickets, Contact) == 1
