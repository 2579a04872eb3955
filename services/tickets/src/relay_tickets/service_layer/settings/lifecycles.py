"""Use cases of lifecycles (which status may follow which, the default one and a type's
own) and of the statuses they join: no change may leave an open ticket with no way out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from relay_tickets.adapters.settings_repository import SettingsRepository
from relay_tickets.adapters.tables.settings import statuses, ticket_types
from relay_tickets.domain.lifecycle import Lifecycle, Status
from relay_tickets.domain.parties import Actor
from relay_tickets.service_layer.settings.checks import clean_name, get_row, keep_immutable, new_key
from relay_tickets.service_layer.settings.transactions import changing, reading
from relaykit.errors import Conflict, InvalidInput
from relaykit.service import Runtime

STATUS_KEY_MAX = 40  # statuses.key is shorter than the other keys


@dataclass(frozen=True)
class LifecycleView:
    type_id: int | None  # None: the default lifecycle
    type: str | None
    own: bool
    transitions: list[tuple[str, str]]


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
        return [get_row(repo, ticket_types, type_id, "ticket type")["key"]]
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
    row = get_row(repo, ticket_types, type_id, "ticket type")
    own = bool(row["own_lifecycle"])
    return LifecycleView(type_id, row["key"], own, repo.transitions(type_id if own else None))


def get_lifecycle(runtime: Runtime, type_id: int | None) -> LifecycleView:
    with reading(runtime) as repo:
        return _view(repo, type_id)


def set_lifecycle(runtime: Runtime, type_id: int | None, pairs: Sequence[Sequence[str]], *, by: Actor) -> LifecycleView:
    """Give a type its own lifecycle, or (type_id None) replace the default one."""
    with changing(runtime, "transitions", by=by) as repo:
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


def reset_lifecycle(runtime: Runtime, type_id: int, *, by: Actor) -> LifecycleView:
    """Back to the default lifecycle, if that leaves none of the type's open tickets stuck."""
    with changing(runtime, "transitions", by=by) as repo:
        type_keys = _governed(repo, type_id)
        _check_strands_nothing(repo, _stored(repo, None), _statuses(repo), type_keys, "transitions")
        repo.replace_transitions(type_id, [])
        repo.update(ticket_types, type_id, {"own_lifecycle": False})
        return _view(repo, type_id)


# -- statuses ---------------------------------------------------------------------------------
def list_statuses(runtime: Runtime) -> list[Status]:
    with reading(runtime) as repo:
        return list(_statuses(repo).values())


def get_status(runtime: Runtime, key: str) -> Status:
    with reading(runtime) as repo:
        return Status(**get_row(repo, statuses, key, "status"))


def create_status(runtime: Runtime, data: Mapping[str, Any], *, by: Actor) -> Status:
    with changing(runtime, "key", by=by) as repo:
        if len(data["key"]) > STATUS_KEY_MAX:
            raise InvalidInput(f"a status key has at most {STATUS_KEY_MAX} characters", field="key")
        values = {
            "key": new_key(repo, statuses, data["key"], "status"),
            "name": clean_name(data["name"]),
            "kind": data["kind"],
            "sla_pausing": data["sla_pausing"],
            "builtin": False,
            "position": data["position"] if data["position"] is not None else repo.next_position(statuses),
        }
        repo.insert(statuses, values)
        return Status(**values)


def update_status(runtime: Runtime, key: str, changes: Mapping[str, Any], *, by: Actor) -> Status:
    with changing(runtime, "kind", by=by) as repo:
        row = get_row(repo, statuses, key, "status")
        keep_immutable(row, changes, "key", "status")
        if row["builtin"]:
            keep_immutable(row, changes, "kind", "built-in status")
        values = {k: changes[k] for k in ("name", "kind", "sla_pausing", "position") if k in changes}
        if "name" in values:
            values["name"] = clean_name(values["name"])
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


def delete_status(runtime: Runtime, key: str, *, by: Actor) -> None:
    with changing(runtime, "key", by=by) as repo:
        row = get_row(repo, statuses, key, "status")
        if row["builtin"]:
            raise Conflict(f"{key!r} is a built-in status and stays", field="key")
        used = repo.count_tickets(status=key)
        if used:
            raise Conflict(f"{used} ticket(s) are {key!r}", field="key", tickets=used)
        lifecycles = repo.lifecycles_using(key)
        if lifecycles:
            names = [
                "default" if i is None else get_row(repo, ticket_types, i, "ticket type")["key"] for i in lifecycles
            ]
            raise Conflict(
                f"the lifecycles of {', '.join(names)} use {key!r}; remove it from them first",
                field="key",
                lifecycles=names,
            )
        repo.delete(statuses, key)
