"""Use cases of custom attributes: the extra fields a ticket type asks for, who sees
them, and what becomes of the values tickets hold when an attribute changes or goes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from relay_tickets.adapters.tables.settings import attribute_definitions, ticket_types
from relay_tickets.domain.catalog import AttributeDefinition
from relay_tickets.domain.parties import Actor
from relay_tickets.service_layer.settings.checks import clean_name, get_row, keep_immutable, new_key
from relay_tickets.service_layer.settings.transactions import changing, reading, remember
from relaykit.errors import Conflict, InvalidInput
from relaykit.service import Runtime


@dataclass(frozen=True)
class AttributeRemoval:
    outcome: str  # deleted, or deactivated (tickets hold values)
    tickets: int
    attribute: AttributeDefinition


def _attribute(row: Mapping[str, Any]) -> AttributeDefinition:
    return AttributeDefinition(
        **{**row, "options": tuple(row["options"] or ()), "visible_roles": tuple(row["visible_roles"] or ())}
    )


ATTRIBUTE_FIELDS = ("name", "options", "required", "visible_roles", "visible_to_contacts", "position", "active")


def _clean_options(kind: str, options: Sequence[str]) -> list[str]:
    if kind != "list":
        if options:
            raise InvalidInput("only list attributes have options", field="options")
        return []
    cleaned = [o.strip() for o in options]
    for i, o in enumerate(cleaned):
        if not o:
            raise InvalidInput("an option must not be blank", field=f"options.{i}")
        if o in cleaned[:i]:
            raise InvalidInput(f"{o!r} is listed twice", field=f"options.{i}")
    return cleaned


def list_attributes(runtime: Runtime, type_id: int) -> list[AttributeDefinition]:
    with reading(runtime) as repo:
        get_row(repo, ticket_types, type_id, "ticket type")
        return [_attribute(r) for r in repo.rows(attribute_definitions, attribute_definitions.c.type_id == type_id)]


def get_attribute(runtime: Runtime, attribute_id: int) -> AttributeDefinition:
    with reading(runtime) as repo:
        return _attribute(get_row(repo, attribute_definitions, attribute_id, "attribute"))


def create_attribute(runtime: Runtime, type_id: int, data: Mapping[str, Any], *, by: Actor) -> AttributeDefinition:
    with changing(runtime, "key", by=by) as repo:
        get_row(repo, ticket_types, type_id, "ticket type")
        where = attribute_definitions.c.type_id == type_id
        values = {
            "type_id": type_id,
            "key": new_key(repo, attribute_definitions, data["key"], "attribute of this type", type_id=type_id),
            "name": clean_name(data["name"]),
            "kind": data["kind"],
            "options": _clean_options(data["kind"], data["options"]),
            "required": data["required"],
            "visible_roles": list(dict.fromkeys(data["visible_roles"])),
            "visible_to_contacts": data["visible_to_contacts"],
            "active": data["active"],
            "position": data["position"]
            if data["position"] is not None
            else repo.next_position(attribute_definitions, where),
        }
        _attribute(values | {"id": 0})  # the domain's own checks (a list needs its values)
        attribute_id = repo.insert(attribute_definitions, values)
        created = repo.row(attribute_definitions, attribute_id)
        remember(runtime, repo, by, "attribute", attribute_id, None, created)
        return _attribute(created)


def update_attribute(
    runtime: Runtime, attribute_id: int, changes: Mapping[str, Any], *, by: Actor
) -> AttributeDefinition:
    """Dropping list options that tickets hold needs `force`; those tickets keep their
    value (history stays true) but it is no longer offered."""
    with changing(runtime, "options", by=by) as repo:
        row = get_row(repo, attribute_definitions, attribute_id, "attribute")
        keep_immutable(row, changes, "key", "attribute")
        keep_immutable(row, changes, "kind", "attribute")
        values = {k: changes[k] for k in ATTRIBUTE_FIELDS if k in changes}
        if "name" in values:
            values["name"] = clean_name(values["name"])
        if "visible_roles" in values:
            values["visible_roles"] = list(dict.fromkeys(values["visible_roles"]))
        if "options" in values:
            values["options"] = _clean_options(row["kind"], values["options"])
            dropped = [o for o in row["options"] or () if o not in values["options"]]
            if dropped and not changes.get("force"):
                type_key = get_row(repo, ticket_types, row["type_id"], "ticket type")["key"]
                held = repo.attribute_values(type_key, row["key"])
                in_use = {o: held[o] for o in dropped if held[o]}
                if in_use:
                    listed = ", ".join(f"{o!r} ({n} ticket(s))" for o, n in in_use.items())
                    raise Conflict(
                        f"tickets hold values you are removing: {listed}; send force: true to remove them anyway",
                        field="options",
                        values_in_use=in_use,
                    )
        _attribute({**row, **values})
        repo.update(attribute_definitions, attribute_id, values)
        changed = repo.row(attribute_definitions, attribute_id)
        remember(runtime, repo, by, "attribute", attribute_id, row, changed)
        return _attribute(changed)


def delete_attribute(runtime: Runtime, attribute_id: int, *, by: Actor) -> AttributeRemoval:
    """Deleted when no ticket holds a value for it; otherwise deactivated, so the values stay readable."""
    with changing(runtime, by=by) as repo:
        row = get_row(repo, attribute_definitions, attribute_id, "attribute")
        type_key = get_row(repo, ticket_types, row["type_id"], "ticket type")["key"]
        holding = sum(repo.attribute_values(type_key, row["key"]).values())
        if holding:
            repo.update(attribute_definitions, attribute_id, {"active": False})
            changed = repo.row(attribute_definitions, attribute_id)
            remember(runtime, repo, by, "attribute", attribute_id, row, changed)
            return AttributeRemoval("deactivated", holding, _attribute(changed))
        repo.delete(attribute_definitions, attribute_id)
        remember(runtime, repo, by, "attribute", attribute_id, row, None)
        return AttributeRemoval("deleted", 0, _attribute(row))
