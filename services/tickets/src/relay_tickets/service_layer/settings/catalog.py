"""Use cases of the catalogs tickets are filled from: ticket types and priorities (each
with exactly one active default), and the client categories companies are sorted into."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from relay_tickets.adapters.settings_repository import SettingsRepository
from relay_tickets.adapters.tables.settings import attribute_definitions, client_categories, priorities, ticket_types
from relay_tickets.domain.catalog import Priority, TicketType
from relay_tickets.domain.parties import Actor
from relay_tickets.service_layer.settings.checks import (
    check_deletable,
    clean_name,
    defaulted,
    get_row,
    keep_immutable,
    new_key,
    settle_default,
)
from relay_tickets.service_layer.settings.transactions import changing, reading, remember
from relaykit.errors import Conflict
from relaykit.service import Runtime

# -- ticket types ---------------------------------------------------------------------------
TYPE_FIELDS = ("name", "internal", "active", "is_default", "position")


def list_types(runtime: Runtime) -> list[TicketType]:
    with reading(runtime) as repo:
        return [TicketType(**r) for r in repo.rows(ticket_types)]


def get_type(runtime: Runtime, type_id: int) -> TicketType:
    with reading(runtime) as repo:
        return TicketType(**get_row(repo, ticket_types, type_id, "ticket type"))


def create_type(runtime: Runtime, data: Mapping[str, Any], *, by: Actor) -> TicketType:
    with changing(runtime, "key", by=by) as repo:
        values = {
            "key": new_key(repo, ticket_types, data["key"], "ticket type"),
            "name": clean_name(data["name"]),
            "internal": data["internal"],
            "active": data["active"],
            "is_default": data["is_default"],
            "own_lifecycle": False,
            "position": data["position"] if data["position"] is not None else repo.next_position(ticket_types),
        }
        values = defaulted(None, values, "ticket type")
        values["id"] = repo.insert(ticket_types, values)
        settle_default(repo, ticket_types, "ticket type", None, values, None)
        created = repo.row(ticket_types, values["id"])
        remember(runtime, repo, by, "ticket_type", values["id"], None, created)
        return TicketType(**created)


def update_type(runtime: Runtime, type_id: int, changes: Mapping[str, Any], *, by: Actor) -> TicketType:
    """The internal flag applies to tickets registered (or re-typed) from now on: existing
    tickets keep theirs, so a type made public never exposes earlier internal work."""
    with changing(runtime, by=by) as repo:
        row = get_row(repo, ticket_types, type_id, "ticket type")
        keep_immutable(row, changes, "key", "ticket type")
        values = {k: v for k, v in changes.items() if k in TYPE_FIELDS}
        if "name" in values:
            values["name"] = clean_name(values["name"])
        after = defaulted(row, values, "ticket type")
        repo.update(ticket_types, type_id, {k: after[k] for k in TYPE_FIELDS})
        settle_default(repo, ticket_types, "ticket type", row, after, changes.get("new_default"))
        changed = repo.row(ticket_types, type_id)
        remember(runtime, repo, by, "ticket_type", type_id, row, changed)
        return TicketType(**changed)


def delete_type(runtime: Runtime, type_id: int, *, by: Actor) -> None:
    with changing(runtime, by=by) as repo:
        row = get_row(repo, ticket_types, type_id, "ticket type")
        check_deletable(repo, ticket_types, row, "ticket type", repo.count_tickets(type=row["key"]), "are of type")
        repo.replace_transitions(type_id, [])
        for attr in repo.rows(attribute_definitions, attribute_definitions.c.type_id == type_id):
            repo.delete(attribute_definitions, attr["id"])
        repo.delete(ticket_types, type_id)
        remember(runtime, repo, by, "ticket_type", type_id, row, None)


# -- priorities ---------------------------------------------------------------------------------
PRIORITY_FIELDS = ("name", "colour", "position", "is_default", "active")


def _priority(row: Mapping[str, Any]) -> Priority:
    return Priority(**row)  # checks the colour


def list_priorities(runtime: Runtime) -> list[Priority]:
    with reading(runtime) as repo:
        return [_priority(r) for r in repo.rows(priorities)]


def get_priority(runtime: Runtime, priority_id: int) -> Priority:
    with reading(runtime) as repo:
        return _priority(get_row(repo, priorities, priority_id, "priority"))


def create_priority(runtime: Runtime, data: Mapping[str, Any], *, by: Actor) -> Priority:
    with changing(runtime, "key", by=by) as repo:
        values = {
            "key": new_key(repo, priorities, data["key"], "priority"),
            "name": clean_name(data["name"]),
            "colour": data["colour"].lower(),
            "is_default": data["is_default"],
            "active": data["active"],
            "position": data["position"] if data["position"] is not None else repo.next_position(priorities),
        }
        _priority(values | {"id": 0})
        values = defaulted(None, values, "priority")
        values["id"] = repo.insert(priorities, values)
        settle_default(repo, priorities, "priority", None, values, None)
        return _priority(repo.row(priorities, values["id"]))


def update_priority(runtime: Runtime, priority_id: int, changes: Mapping[str, Any], *, by: Actor) -> Priority:
    with changing(runtime, by=by) as repo:
        row = get_row(repo, priorities, priority_id, "priority")
        keep_immutable(row, changes, "key", "priority")
        values = {k: v for k, v in changes.items() if k in PRIORITY_FIELDS}
        if "name" in values:
            values["name"] = clean_name(values["name"])
        if "colour" in values:
            values["colour"] = values["colour"].lower()
        after = defaulted(row, values, "priority")
        _priority(after)
        repo.update(priorities, priority_id, {k: after[k] for k in PRIORITY_FIELDS})
        settle_default(repo, priorities, "priority", row, after, changes.get("new_default"))
        return _priority(repo.row(priorities, priority_id))


def delete_priority(runtime: Runtime, priority_id: int, *, by: Actor) -> None:
    with changing(runtime, by=by) as repo:
        row = get_row(repo, priorities, priority_id, "priority")
        check_deletable(repo, priorities, row, "priority", repo.count_tickets(priority=row["key"]), "have priority")
        repo.delete(priorities, priority_id)


# -- client categories ---------------------------------------------------------------------------------
def _unique_category_name(repo: SettingsRepository, name: str, ident: int | None = None) -> str:
    name = clean_name(name)
    for r in repo.rows(client_categories):
        if r["name"].casefold() == name.casefold() and r["id"] != ident:
            raise Conflict(f"there is already a client category {r['name']!r}", field="name")
    return name


def list_categories(runtime: Runtime) -> list[dict[str, Any]]:
    with reading(runtime) as repo:
        return repo.rows(client_categories)


def create_category(runtime: Runtime, data: Mapping[str, Any], *, by: Actor) -> dict[str, Any]:
    with changing(runtime, "name", by=by) as repo:
        values = {
            "name": _unique_category_name(repo, data["name"]),
            "position": data["position"] if data["position"] is not None else repo.next_position(client_categories),
        }
        return repo.row(client_categories, repo.insert(client_categories, values))


def update_category(runtime: Runtime, category_id: int, changes: Mapping[str, Any], *, by: Actor) -> dict[str, Any]:
    with changing(runtime, "name", by=by) as repo:
        get_row(repo, client_categories, category_id, "client category")
        values = {k: changes[k] for k in ("name", "position") if k in changes}
        if "name" in values:
            values["name"] = _unique_category_name(repo, values["name"], category_id)
        repo.update(client_categories, category_id, values)
        return repo.row(client_categories, category_id)


def delete_category(runtime: Runtime, category_id: int, *, by: Actor) -> None:
    with changing(runtime, by=by) as repo:
        row = get_row(repo, client_categories, category_id, "client category")
        used = repo.count_companies(row["id"])
        if used:
            raise Conflict(
                f"{used} compan{'y is' if used == 1 else 'ies are'} in {row['name']!r}", field="id", companies=used
            )
        repo.delete(client_categories, category_id)
