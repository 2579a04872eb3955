"""Use cases of the settings administration: ticket types and their lifecycles,
statuses, priorities, custom attributes, client categories, desk settings.

Each change is one transaction, serialised with every other settings change (the
rules below are checked by reading, then writing), and drops this process's cached
configuration after the commit so the next ticket command here obeys it at once.

The rules, beyond the values' own shapes:
- Exactly one default among the active types, and among the active priorities:
  making one the default takes it from the others; the default loses that role
  (unset, or deactivated) only by naming its successor in `new_default`; the last
  active one stays active.
- A lifecycle never strands an open ticket: every open-kind status a ticket of the
  types it governs can be in, because tickets are in it now or because the lifecycle
  leads there, must lead somewhere. Closed-kind statuses may be final. A dead end the
  graph itself creates is bad input (422); one only today's tickets reveal is a
  conflict (409, with the count per status), as is the same check when a custom
  status turns open or a type goes back to the default lifecycle.
- Anything tickets (or companies, or lifecycles) use is deactivated, not deleted;
  deleting it is a 409 with the count. Attributes deactivate themselves instead.
- 422 for a value wrong in itself or naming what does not exist; 409 for a change
  the current data forbids; each names its field.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table
from sqlalchemy.exc import IntegrityError

from relay_tickets.adapters.settings_repository import SettingsRepository
from relay_tickets.adapters.settings_store import DESK_DEFAULTS
from relay_tickets.adapters.tables.settings import (
    attribute_definitions,
    client_categories,
    priorities,
    statuses,
    ticket_types,
)
from relay_tickets.domain.catalog import AttributeDefinition, Priority, TicketType, check_key
from relay_tickets.domain.lifecycle import Lifecycle, Status
from relay_tickets.service_layer.unit_of_work import settings_store
from relaykit.errors import Conflict, InvalidInput, NotFound
from relaykit.service import Runtime

STATUS_KEY_MAX = 40  # statuses.key is shorter than the other keys


@dataclass(frozen=True)
class LifecycleView:
    type_id: int | None  # None: the default lifecycle
    type: str | None
    own: bool
    transitions: list[tuple[str, str]]


@dataclass(frozen=True)
class AttributeRemoval:
    outcome: str  # deleted, or deactivated (tickets hold values)
    tickets: int
    attribute: AttributeDefinition


# -- transactions ------------------------------------------------------------------------
@contextmanager
def _reading(runtime: Runtime) -> Iterator[SettingsRepository]:
    with runtime.db.sessions() as session:
        yield SettingsRepository(session)


@contextmanager
def _changing(runtime: Runtime, field: str = "id") -> Iterator[SettingsRepository]:
    with runtime.db.sessions() as session:
        repo = SettingsRepository(session)
        repo.lock()
        try:
            yield repo
            session.commit()
        except IntegrityError:
            # The checks ran under the settings lock, so this is a ticket or company
            # written meanwhile that now refers to what was being removed.
            session.rollback()
            raise Conflict("data changed meanwhile now depends on this; reload and retry", field=field) from None
    settings_store(runtime).invalidate()


# -- rows as domain objects ------------------------------------------------------------
def _attribute(row: Mapping[str, Any]) -> AttributeDefinition:
    return AttributeDefinition(
        **{**row, "options": tuple(row["options"] or ()), "visible_roles": tuple(row["visible_roles"] or ())}
    )


def _get(repo: SettingsRepository, table: Table, ident: Any, label: str) -> dict[str, Any]:
    row = repo.row(table, ident)
    if row is None:
        raise NotFound(f"there is no {label} {ident}", field="key" if table is statuses else "id")
    return row


def _name(value: str) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput("must not be blank", field="name")
    return value


def _immutable(row: Mapping[str, Any], changes: Mapping[str, Any], field: str, label: str) -> None:
    # Re-sending the current value is harmless: clients PATCH back what they read.
    if field in changes and changes[field] != row[field]:
        raise InvalidInput(f"the {field} of a {label} cannot change", field=field)


def _new_key(repo: SettingsRepository, table: Table, key: str, label: str, **scope: Any) -> str:
    check_key(key)
    if repo.find(table, key=key, **scope) is not None:
        raise Conflict(f"there is already a {label} {key!r}", field="key")
    return key


def _settle_default(
    repo: SettingsRepository,
    table: Table,
    label: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
    new_default: str | None,
) -> None:
    """Keep exactly one default among the active rows once `after` (the row as written) replaced `before`."""
    ident = after["id"]
    deactivating = before is not None and before["active"] and not after["active"]
    if deactivating and not repo.rows(table, table.c.active, table.c.id != ident):
        raise Conflict(f"{before['key']!r} is the last active {label}; activate or add another first", field="active")
    if before is not None and before["is_default"] and not after["is_default"]:
        if new_default is None:
            raise Conflict(
                f"{before['key']!r} is the default {label}; name the one taking its place in new_default",
                field="is_default" if after["active"] else "active",
            )
        successor = repo.find(table, key=new_default)
        if successor is None or successor["id"] == ident or not successor["active"]:
            raise InvalidInput(f"new_default must be the key of another active {label}", field="new_default")
        repo.make_only_default(table, successor["id"])
    elif new_default is not None:
        raise InvalidInput(f"new_default only names who takes the default from this {label}", field="new_default")
    if after["is_default"]:
        repo.make_only_default(table, ident)


def _defaulted(before: Mapping[str, Any] | None, changes: Mapping[str, Any], label: str) -> dict[str, Any]:
    after = {**(before or {}), **changes}
    if before is not None and not after["active"] and "is_default" not in changes:
        after["is_default"] = False  # deactivating hands the default on (to new_default)
    if after["is_default"] and not after["active"]:
        raise InvalidInput(f"an inactive {label} cannot be the default", field="is_default")
    return after


# -- ticket types ---------------------------------------------------------------------------
TYPE_FIELDS = ("name", "internal", "active", "is_default", "position")


def list_types(runtime: Runtime) -> list[TicketType]:
    with _reading(runtime) as repo:
        return [TicketType(**r) for r in repo.rows(ticket_types)]


def get_type(runtime: Runtime, type_id: int) -> TicketType:
    with _reading(runtime) as repo:
        return TicketType(**_get(repo, ticket_types, type_id, "ticket type"))


def create_type(runtime: Runtime, data: Mapping[str, Any]) -> TicketType:
    with _changing(runtime, "key") as repo:
        values = {
            "key": _new_key(repo, ticket_types, data["key"], "ticket type"),
            "name": _name(data["name"]),
            "internal": data["internal"],
            "active": data["active"],
            "is_default": data["is_default"],
            "own_lifecycle": False,
            "position": data["position"] if data["position"] is not None else repo.next_position(ticket_types),
        }
        values = _defaulted(None, values, "ticket type")
        values["id"] = repo.insert(ticket_types, values)
        _settle_default(repo, ticket_types, "ticket type", None, values, None)
        return TicketType(**repo.row(ticket_types, values["id"]))


def update_type(runtime: Runtime, type_id: int, changes: Mapping[str, Any]) -> TicketType:
    """The internal flag applies to tickets registered (or re-typed) from now on: existing
    tickets keep theirs, so a type made public never exposes earlier internal work."""
    with _changing(runtime) as repo:
        row = _get(repo, ticket_types, type_id, "ticket type")
        _immutable(row, changes, "key", "ticket type")
        values = {k: v for k, v in changes.items() if k in TYPE_FIELDS}
        if "name" in values:
            values["name"] = _name(values["name"])
        after = _defaulted(row, values, "ticket type")
        repo.update(ticket_types, type_id, {k: after[k] for k in TYPE_FIELDS})
        _settle_default(repo, ticket_types, "ticket type", row, after, changes.get("new_default"))
        return TicketType(**repo.row(ticket_types, type_id))


def delete_type(runtime: Runtime, type_id: int) -> None:
    with _changing(runtime) as repo:
        row = _get(repo, ticket_types, type_id, "ticket type")
        used = repo.count_tickets(type=row["key"])
        if used:
            raise Conflict(
                f"{used} ticket(s) are of type {row['key']!r}; deactivate it instead", field="id", tickets=used
            )
        if row["is_default"]:
            raise Conflict(f"{row['key']!r} is the default ticket type; make another the default first", field="id")
        if row["active"] and not repo.rows(ticket_types, ticket_types.c.active, ticket_types.c.id != type_id):
            raise Conflict(f"{row['key']!r} is the last active ticket type", field="id")
        repo.replace_transitions(type_id, [])
        for attr in repo.rows(attribute_definitions, attribute_definitions.c.type_id == type_id):
            repo.delete(attribute_definitions, attr["id"])
        repo.delete(ticket_types, type_id)


# -- lifecycles -------------------------------------------------------------------------------
def _statuses(repo: SettingsRepository) -> dict[str, Status]:
    return {r["key"]: Status(**r) for r in repo.rows(statuses)}


def _stored(repo: SettingsRepository, type_id: int | None) -> Lifecycle:
    """A lifecycle as saved (already checked when it was), without from_pairs' checks."""
    graph: dict[str, set[str]] = {}
    for a, b in repo.transitions(type_id):
        graph.setdefault(a, set()).add(b)
    return Lifecycle({k: frozenset(v) for k, v in graph.items()})


def _dead_ends(lifecycle: Lifecycle, known: Mapping[str, Status], in_use: Mapping[str, int]) -> list[str]:
    """Open-kind statuses a ticket could be in (now, or by following the lifecycle) with no way out."""
    reachable = lifecycle.statuses() | set(in_use)
    return sorted(s for s in reachable if s in known and known[s].is_open and not lifecycle.allowed_from(s))


def _governed(repo: SettingsRepository, type_id: int | None) -> list[str]:
    """The keys of the types a lifecycle governs (None: the default one, for types without their own)."""
    if type_id is not None:
        return [_get(repo, ticket_types, type_id, "ticket type")["key"]]
    return [r["key"] for r in repo.rows(ticket_types, ticket_types.c.own_lifecycle.is_(False))]


def _check_strands_nothing(
    repo: SettingsRepository, lifecycle: Lifecycle, known: Mapping[str, Status], type_keys: Sequence[str], field: str
) -> None:
    in_use = repo.ticket_statuses(type_keys)
    stranded = {s: in_use[s] for s in _dead_ends(lifecycle, known, in_use) if s in in_use}
    if stranded:
        listed = ", ".join(f"{n} in {s!r}" for s, n in stranded.items())
        raise Conflict(
            f"open tickets would have no way out ({listed}); add transitions from there", field=field, stranded=stranded
        )


def _view(repo: SettingsRepository, type_id: int | None) -> LifecycleView:
    if type_id is None:
        return LifecycleView(None, None, False, repo.transitions(None))
    row = _get(repo, ticket_types, type_id, "ticket type")
    own = bool(row["own_lifecycle"])
    return LifecycleView(type_id, row["key"], own, repo.transitions(type_id if own else None))


def get_lifecycle(runtime: Runtime, type_id: int | None) -> LifecycleView:
    with _reading(runtime) as repo:
        return _view(repo, type_id)


def set_lifecycle(runtime: Runtime, type_id: int | None, pairs: Sequence[Sequence[str]]) -> LifecycleView:
    """Give a type its own lifecycle, or (type_id None) replace the default one."""
    with _changing(runtime, "transitions") as repo:
        type_keys = _governed(repo, type_id)
        known = _statuses(repo)
        lifecycle = Lifecycle.from_pairs([(a, b) for a, b in pairs], known)
        dead = _dead_ends(lifecycle, known, {})
        if dead:
            raise InvalidInput(
                f"the open status {dead[0]!r} would lead nowhere: tickets reaching it could never be resolved",
                field="transitions",
            )
        _check_strands_nothing(repo, lifecycle, known, type_keys, "transitions")
        repo.replace_transitions(type_id, lifecycle.pairs())
        if type_id is not None:
            repo.update(ticket_types, type_id, {"own_lifecycle": True})
        return _view(repo, type_id)


def reset_lifecycle(runtime: Runtime, type_id: int) -> LifecycleView:
    """Back to the default lifecycle, if that leaves none of the type's open tickets stuck."""
    with _changing(runtime, "transitions") as repo:
        type_keys = _governed(repo, type_id)
        _check_strands_nothing(repo, _stored(repo, None), _statuses(repo), type_keys, "transitions")
        repo.replace_transitions(type_id, [])
        repo.update(ticket_types, type_id, {"own_lifecycle": False})
        return _view(repo, type_id)


# -- statuses ---------------------------------------------------------------------------------
def list_statuses(runtime: Runtime) -> list[Status]:
    with _reading(runtime) as repo:
        return list(_statuses(repo).values())


def get_status(runtime: Runtime, key: str) -> Status:
    with _reading(runtime) as repo:
        return Status(**_get(repo, statuses, key, "status"))


def create_status(runtime: Runtime, data: Mapping[str, Any]) -> Status:
    with _changing(runtime, "key") as repo:
        if len(data["key"]) > STATUS_KEY_MAX:
            raise InvalidInput(f"a status key has at most {STATUS_KEY_MAX} characters", field="key")
        values = {
            "key": _new_key(repo, statuses, data["key"], "status"),
            "name": _name(data["name"]),
            "kind": data["kind"],
            "sla_pausing": data["sla_pausing"],
            "builtin": False,
            "position": data["position"] if data["position"] is not None else repo.next_position(statuses),
        }
        repo.insert(statuses, values)
        return Status(**values)


def update_status(runtime: Runtime, key: str, changes: Mapping[str, Any]) -> Status:
    with _changing(runtime, "kind") as repo:
        row = _get(repo, statuses, key, "status")
        _immutable(row, changes, "key", "status")
        if row["builtin"]:
            _immutable(row, changes, "kind", "built-in status")
        values = {k: changes[k] for k in ("name", "kind", "sla_pausing", "position") if k in changes}
        if "name" in values:
            values["name"] = _name(values["name"])
        if values.get("kind", row["kind"]) != row["kind"]:
            _check_kind_change(repo, Status(**(row | values)))
        repo.update(statuses, key, values)
        return Status(**repo.row(statuses, key))


def _check_kind_change(repo: SettingsRepository, changed: Status) -> None:
    """A status turning open must not be a dead end in any lifecycle that reaches it."""
    known = _statuses(repo) | {changed.key: changed}
    types = repo.rows(ticket_types)
    governed: dict[int | None, list[str]] = {None: [r["key"] for r in types if not r["own_lifecycle"]]}
    governed |= {r["id"]: [r["key"]] for r in types if r["own_lifecycle"]}
    for type_id, type_keys in governed.items():
        in_use = repo.ticket_statuses(type_keys)
        if changed.key in _dead_ends(_stored(repo, type_id), known, in_use):
            where = "the default lifecycle" if type_id is None else f"the lifecycle of {type_keys[0]!r}"
            raise Conflict(
                f"{changed.key!r} leads nowhere in {where}; as an open status it would strand tickets", field="kind"
            )


def delete_status(runtime: Runtime, key: str) -> None:
    with _changing(runtime, "key") as repo:
        row = _get(repo, statuses, key, "status")
        if row["builtin"]:
            raise Conflict(f"{key!r} is a built-in status and stays", field="key")
        used = repo.count_tickets(status=key)
        if used:
            raise Conflict(f"{used} ticket(s) are {key!r}", field="key", tickets=used)
        lifecycles = repo.lifecycles_using(key)
        if lifecycles:
            names = ["default" if i is None else _get(repo, ticket_types, i, "ticket type")["key"] for i in lifecycles]
            raise Conflict(
                f"the lifecycles of {', '.join(names)} use {key!r}; remove it from them first",
                field="key",
                lifecycles=names,
            )
        repo.delete(statuses, key)


# -- priorities ---------------------------------------------------------------------------------
PRIORITY_FIELDS = ("name", "colour", "position", "is_default", "active")


def _priority(row: Mapping[str, Any]) -> Priority:
    return Priority(**row)  # checks the colour


def list_priorities(runtime: Runtime) -> list[Priority]:
    with _reading(runtime) as repo:
        return [_priority(r) for r in repo.rows(priorities)]


def get_priority(runtime: Runtime, priority_id: int) -> Priority:
    with _reading(runtime) as repo:
        return _priority(_get(repo, priorities, priority_id, "priority"))


def create_priority(runtime: Runtime, data: Mapping[str, Any]) -> Priority:
    with _changing(runtime, "key") as repo:
        values = {
            "key": _new_key(repo, priorities, data["key"], "priority"),
            "name": _name(data["name"]),
            "colour": data["colour"].lower(),
            "is_default": data["is_default"],
            "active": data["active"],
            "position": data["position"] if data["position"] is not None else repo.next_position(priorities),
        }
        _priority(values | {"id": 0})
        values = _defaulted(None, values, "priority")
        values["id"] = repo.insert(priorities, values)
        _settle_default(repo, priorities, "priority", None, values, None)
        return _priority(repo.row(priorities, values["id"]))


def update_priority(runtime: Runtime, priority_id: int, changes: Mapping[str, Any]) -> Priority:
    with _changing(runtime) as repo:
        row = _get(repo, priorities, priority_id, "priority")
        _immutable(row, changes, "key", "priority")
        values = {k: v for k, v in changes.items() if k in PRIORITY_FIELDS}
        if "name" in values:
            values["name"] = _name(values["name"])
        if "colour" in values:
            values["colour"] = values["colour"].lower()
        after = _defaulted(row, values, "priority")
        _priority(after)
        repo.update(priorities, priority_id, {k: after[k] for k in PRIORITY_FIELDS})
        _settle_default(repo, priorities, "priority", row, after, changes.get("new_default"))
        return _priority(repo.row(priorities, priority_id))


def delete_priority(runtime: Runtime, priority_id: int) -> None:
    with _changing(runtime) as repo:
        row = _get(repo, priorities, priority_id, "priority")
        used = repo.count_tickets(priority=row["key"])
        if used:
            raise Conflict(
                f"{used} ticket(s) have priority {row['key']!r}; deactivate it instead", field="id", tickets=used
            )
        if row["is_default"]:
            raise Conflict(f"{row['key']!r} is the default priority; make another the default first", field="id")
        if row["active"] and not repo.rows(priorities, priorities.c.active, priorities.c.id != priority_id):
            raise Conflict(f"{row['key']!r} is the last active priority", field="id")
        repo.delete(priorities, priority_id)


# -- custom attributes ----------------------------------------------------------------------------
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
    with _reading(runtime) as repo:
        _get(repo, ticket_types, type_id, "ticket type")
        return [_attribute(r) for r in repo.rows(attribute_definitions, attribute_definitions.c.type_id == type_id)]


def get_attribute(runtime: Runtime, attribute_id: int) -> AttributeDefinition:
    with _reading(runtime) as repo:
        return _attribute(_get(repo, attribute_definitions, attribute_id, "attribute"))


def create_attribute(runtime: Runtime, type_id: int, data: Mapping[str, Any]) -> AttributeDefinition:
    with _changing(runtime, "key") as repo:
        _get(repo, ticket_types, type_id, "ticket type")
        where = attribute_definitions.c.type_id == type_id
        values = {
            "type_id": type_id,
            "key": _new_key(repo, attribute_definitions, data["key"], "attribute of this type", type_id=type_id),
            "name": _name(data["name"]),
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
        return _attribute(repo.row(attribute_definitions, attribute_id))


def update_attribute(runtime: Runtime, attribute_id: int, changes: Mapping[str, Any]) -> AttributeDefinition:
    """Dropping list options that tickets hold needs `force`; those tickets keep their
    value (history stays true) but it is no longer offered."""
    with _changing(runtime, "options") as repo:
        row = _get(repo, attribute_definitions, attribute_id, "attribute")
        _immutable(row, changes, "key", "attribute")
        _immutable(row, changes, "kind", "attribute")
        values = {k: changes[k] for k in ATTRIBUTE_FIELDS if k in changes}
        if "name" in values:
            values["name"] = _name(values["name"])
        if "visible_roles" in values:
            values["visible_roles"] = list(dict.fromkeys(values["visible_roles"]))
        if "options" in values:
            values["options"] = _clean_options(row["kind"], values["options"])
            dropped = [o for o in row["options"] or () if o not in values["options"]]
            if dropped and not changes.get("force"):
                type_key = _get(repo, ticket_types, row["type_id"], "ticket type")["key"]
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
        return _attribute(repo.row(attribute_definitions, attribute_id))


def delete_attribute(runtime: Runtime, attribute_id: int) -> AttributeRemoval:
    """Deleted when no ticket holds a value for it; otherwise deactivated, so the values stay readable."""
    with _changing(runtime) as repo:
        row = _get(repo, attribute_definitions, attribute_id, "attribute")
        type_key = _get(repo, ticket_types, row["type_id"], "ticket type")["key"]
        holding = sum(repo.attribute_values(type_key, row["key"]).values())
        if holding:
            repo.update(attribute_definitions, attribute_id, {"active": False})
            return AttributeRemoval("deactivated", holding, _attribute(repo.row(attribute_definitions, attribute_id)))
        repo.delete(attribute_definitions, attribute_id)
        return AttributeRemoval("deleted", 0, _attribute(row))


# -- client categories ---------------------------------------------------------------------------------
def _unique_category_name(repo: SettingsRepository, name: str, ident: int | None = None) -> str:
    name = _name(name)
    for r in repo.rows(client_categories):
        if r["name"].casefold() == name.casefold() and r["id"] != ident:
            raise Conflict(f"there is already a client category {r['name']!r}", field="name")
    return name


def list_categories(runtime: Runtime) -> list[dict[str, Any]]:
    with _reading(runtime) as repo:
        return repo.rows(client_categories)


def create_category(runtime: Runtime, data: Mapping[str, Any]) -> dict[str, Any]:
    with _changing(runtime, "name") as repo:
        values = {
            "name": _unique_category_name(repo, data["name"]),
            "position": data["position"] if data["position"] is not None else repo.next_position(client_categories),
        }
        return repo.row(client_categories, repo.insert(client_categories, values))


def update_category(runtime: Runtime, category_id: int, changes: Mapping[str, Any]) -> dict[str, Any]:
    with _changing(runtime, "name") as repo:
        _get(repo, client_categories, category_id, "client category")
        values = {k: changes[k] for k in ("name", "position") if k in changes}
        if "name" in values:
            values["name"] = _unique_category_name(repo, values["name"], category_id)
        repo.update(client_categories, category_id, values)
        return repo.row(client_categories, category_id)


def delete_category(runtime: Runtime, category_id: int) -> None:
    with _changing(runtime) as repo:
        row = _get(repo, client_categories, category_id, "client category")
        used = repo.count_companies(row["id"])
        if used:
            raise Conflict(
                f"{used} compan{'y is' if used == 1 else 'ies are'} in {row['name']!r}", field="id", companies=used
            )
        repo.delete(client_categories, category_id)


# -- desk settings ---------------------------------------------------------------------------------------
def get_desk(runtime: Runtime) -> dict[str, Any]:
    with _reading(runtime) as repo:
        return DESK_DEFAULTS | repo.desk_values()


def update_desk(runtime: Runtime, changes: Mapping[str, Any]) -> dict[str, Any]:
    with _changing(runtime) as repo:
        for key, value in changes.items():
            repo.set_desk(key, value)
        return DESK_DEFAULTS | repo.desk_values()


# -- the portal's view -----------------------------------------------------------------------------------
def portal_types(runtime: Runtime) -> list[dict[str, Any]]:
    """What a contact may choose when registering a ticket: the public types in use, each
    with the attributes shown to contacts (only those can be asked of them)."""
    config = settings_store(runtime).current()
    default = config.default_type().type.key
    result = []
    for schema in sorted(config.types.values(), key=lambda s: s.type.position):
        t = schema.type
        if not t.active or t.internal:
            continue
        attributes = [a for a in schema.attributes if a.active and a.visible_to_contacts]
        result.append(
            {
                "key": t.key,
                "name": t.name,
                "is_default": t.key == default,
                "attributes": sorted(attributes, key=lambda a: a.position),
            }
        )
    return result
