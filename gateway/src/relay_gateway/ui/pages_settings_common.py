"""What the settings pages share: their sub-navigation, how a service's field names
(`options.2`, `transitions.0`) find the input of the form they are about, how form
values become the JSON the settings API takes, and the notices after a change."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app, request, url_for

from relay_gateway.ui.client import ServiceProblem
from relay_gateway.ui.web import _

# The SLA and notify pages are other modules'; they join the sub-navigation when they
# exist: (endpoint, label, other path prefixes that belong to the section).
_OTHER_PAGES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("ui.sla_calendars", "SLA calendars", ()),
    ("ui.sla_rules", "SLA rules", ()),
    ("ui.notify_settings", "Notifications", ()),
    ("ui.notify_channels", "Email and SMS", ()),
    ("ui.notify_templates", "Notification templates", ()),
    ("ui.notify_webhooks", "Webhooks", ()),
)


@dataclass(frozen=True)
class SubnavItem:
    label: str
    url: str
    current: bool


def subnav() -> list[SubnavItem]:
    """The settings' sections; the one the page belongs to (by its path) is current."""
    entries = [
        (_("General"), url_for("ui.settings_general"), ()),
        (_("Ticket types"), url_for("ui.settings_types"), ("/settings/attributes",)),
        (_("Priorities"), url_for("ui.settings_priorities"), ()),
        (_("Statuses"), url_for("ui.settings_statuses"), ()),
        (_("Default lifecycle"), url_for("ui.settings_default_lifecycle"), ()),
    ]
    for endpoint, label, also in _OTHER_PAGES:
        if endpoint in current_app.view_functions:
            entries.append((_(label), url_for(endpoint), also))
    entries.append((_("API tokens"), url_for("ui.settings_tokens"), ()))
    path = request.path
    return [
        SubnavItem(label, url, any(path == p or path.startswith(p + "/") for p in (url, *also)))
        for label, url, also in entries
    ]


# -- after a change -----------------------------------------------------------------------------
# A redirect after a change carries one of these codes (never text of its own, so a link
# cannot make the page say anything).
_NOTICES = {
    "created": "Created.",
    "saved": "Saved.",
    "deleted": "Deleted.",
    "deactivated": "Tickets hold values for it, so it is deactivated instead of deleted.",
    "reset": "The type follows the default lifecycle again.",
    "revoked": "The token is revoked: it no longer works.",
}


def notice() -> str | None:
    text = _NOTICES.get(request.args.get("done", ""))
    return _(text) if text else None


# -- errors -------------------------------------------------------------------------------------
def problem_for(err: ServiceProblem, fields: Iterable[str]) -> tuple[dict[str, str], str | None]:
    """The service's messages by the form field they are about (`options.2` is `options`),
    and the problem's detail for the top of the form when no field of the form is named."""
    shown = set(fields)
    errors: dict[str, list[str]] = {}
    for name, messages in err.errors.items():
        top = name.split(".", 1)[0]
        if top in shown:
            errors.setdefault(top, []).extend(messages)
    messages = {k: "; ".join(v) for k, v in errors.items()}
    return messages, None if messages else err.detail


# -- form values -> the API's JSON ---------------------------------------------------------------
def text(name: str, limit: int = 2000) -> str:
    return request.form.get(name, "")[:limit]


def checked(name: str) -> bool:
    return request.form.get(name) in ("on", "true", "1")


def number(name: str) -> int | str | None:
    """A whole number as typed; what is not one goes to the service as typed, whose 422
    names the field (it decides what a valid value is, not the page)."""
    raw = request.form.get(name, "").strip()
    if raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        return raw[:40]


def lines(name: str, limit: int = 500) -> list[str]:
    return [line.strip() for line in request.form.get(name, "").splitlines() if line.strip()][:limit]


def when(value: Any) -> str:
    """A moment as the settings tables show it (UTC, to the minute)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M UTC")
