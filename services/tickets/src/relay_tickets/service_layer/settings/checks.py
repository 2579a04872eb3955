"""The rules every settings entry follows: found by id or key, a name that is not blank,
keys that never change and never repeat, exactly one active default, and removal only of
what nothing uses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Table

from relay_tickets.adapters.settings_repository import SettingsRepository
from relay_tickets.adapters.tables.settings import statuses
from relay_tickets.domain.catalog import check_key
from relaykit.errors import Conflict, InvalidInput, NotFound


def get_row(repo: SettingsRepository, table: Table, ident: Any, label: str) -> dict[str, Any]:
    row = repo.row(table, ident)
    if row is None:
        raise NotFound(f"there is no {label} {ident}", field="key" if table is statuses else "id")
    return row


def clean_name(value: str) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput("must not be blank", field="name")
    return value


def keep_immutable(row: Mapping[str, Any], changes: Mapping[str, Any], field: str, label: str) -> None:
    # Re-sending the current value is harmless: clients PATCH back what they read.
    if field in changes and changes[field] != row[field]:
        raise InvalidInput(f"the {field} of a {label} cannot change", field=field)


def new_key(repo: SettingsRepository, table: Table, key: str, label: str, **scope: Any) -> str:
    check_key(key)
    if repo.find(table, key=key, **scope) is not None:
        raise Conflict(f"there is already a {label} {key!r}", field="key")
    return key


def settle_default(
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


def defaulted(before: Mapping[str, Any] | None, changes: Mapping[str, Any], label: str) -> dict[str, Any]:
    after = {**(before or {}), **changes}
    if before is not None and not after["active"] and "is_default" not in changes:
        after["is_default"] = False  # deactivating hands the default on (to new_default)
    if after["is_default"] and not after["active"]:
        raise InvalidInput(f"an inactive {label} cannot be the default", field="is_default")
    return after


def check_deletable(
    repo: SettingsRepository, table: Table, row: Mapping[str, Any], label: str, used: int, how: str
) -> None:
    """A type or priority goes only if no ticket uses it (`how` they do, for the refusal: "have priority")
    and it is neither the default nor the last active one."""
    if used:
        raise Conflict(f"{used} ticket(s) {how} {row['key']!r}; deactivate it instead", field="id", tickets=used)
    if row["is_default"]:
        raise Conflict(f"{row['key']!r} is the default {label}; make another the default first", field="id")
    if row["active"] and not repo.rows(table, table.c.active, table.c.id != row["id"]):
        raise Conflict(f"{row['key']!r} is the last active {label}", field="id")
