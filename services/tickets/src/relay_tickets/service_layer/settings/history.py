"""Reading what changed in the settings that decide who sees what: ticket types (their
internal flag), custom attributes (their visibility) and the desk settings."""

from __future__ import annotations

from relay_tickets.adapters.directory_history import DirectoryHistory
from relay_tickets.service_layer.directory import HISTORY_MAX_PAGE, HistoryPage
from relay_tickets.service_layer.settings.transactions import reading
from relaykit.errors import InvalidInput
from relaykit.service import Runtime

SETTINGS_KINDS = ("ticket_type", "attribute", "desk")


def settings_history(
    runtime: Runtime, kind: str | None, entry_id: str | None, *, after: int | None = None, limit: int = 100
) -> HistoryPage:
    """Oldest first; `kind` (and `entry_id`) narrow it to one kind (one entry)."""
    if kind is not None and kind not in SETTINGS_KINDS:
        raise InvalidInput(f"one of {', '.join(SETTINGS_KINDS)}", field="kind")
    if entry_id is not None and kind is None:
        raise InvalidInput("an id names an entry of a kind: give kind too", field="id")
    if not 1 <= limit <= HISTORY_MAX_PAGE:
        raise InvalidInput(f"must be between 1 and {HISTORY_MAX_PAGE}", field="limit")
    with reading(runtime) as repo:
        history = DirectoryHistory(repo.session)
        rows = history.page(kind, entry_id, after=after, limit=limit + 1, kinds=SETTINGS_KINDS)
    more = len(rows) > limit
    rows = rows[:limit]
    return HistoryPage(rows, rows[-1]["id"] if more and rows else None)
