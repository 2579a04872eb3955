"""Which notification goes to which audience by which channel: a table of switches.

Each notification (`assigned`, `public_comment`, ...) belongs to one audience; a switch
is (notification, channel) -> on/off. The defaults are what a desk expects on the first
day: employees hear of what is theirs to do now, customers of what happened to their
request. The status-change notification can be limited to chosen target statuses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EMPLOYEE, CUSTOMER = "employee", "customer"
EMAIL, SMS, INAPP = "email", "sms", "inapp"
CHANNELS = (EMAIL, SMS, INAPP)

# notification -> (audience, {channel: default})
NOTIFICATIONS: dict[str, tuple[str, dict[str, bool]]] = {
    "assigned": (EMPLOYEE, {EMAIL: True, SMS: True, INAPP: True}),
    "created": (EMPLOYEE, {EMAIL: False, SMS: False, INAPP: False}),
    "customer_comment": (EMPLOYEE, {EMAIL: True, SMS: True, INAPP: True}),
    "employee_comment": (EMPLOYEE, {EMAIL: False, SMS: False, INAPP: True}),
    "mention": (EMPLOYEE, {EMAIL: True, SMS: True, INAPP: True}),
    "status_changed": (EMPLOYEE, {EMAIL: False, SMS: False, INAPP: True}),
    "sla_warning": (EMPLOYEE, {EMAIL: True, SMS: True, INAPP: True}),
    "sla_breached": (EMPLOYEE, {EMAIL: True, SMS: True, INAPP: True}),
    "registered": (CUSTOMER, {EMAIL: True, SMS: False}),
    "public_comment": (CUSTOMER, {EMAIL: True, SMS: False}),
    "resolved": (CUSTOMER, {EMAIL: True, SMS: False}),
    "closed": (CUSTOMER, {EMAIL: True, SMS: False}),
    "merged": (CUSTOMER, {EMAIL: True, SMS: False}),
    "customer_status_changed": (CUSTOMER, {EMAIL: False, SMS: False}),
}

# Kept out of digests and of List-Unsubscribe: a customer must get these one by one.
ESSENTIAL = frozenset({"registered", "resolved", "merged", "mention"})


def audience(notification: str) -> str:
    return NOTIFICATIONS[notification][0]


@dataclass(frozen=True)
class Switches:
    on: dict[tuple[str, str], bool] = field(default_factory=dict)
    # Target statuses the status-change notifications are limited to; empty: every status.
    status_targets: tuple[str, ...] = ()

    def enabled(self, notification: str, channel: str) -> bool:
        _, defaults = NOTIFICATIONS[notification]
        if channel not in defaults:
            return False
        return self.on.get((notification, channel), defaults[channel])

    def status_wanted(self, to: str) -> bool:
        return not self.status_targets or to in self.status_targets

    def table(self) -> list[dict[str, Any]]:
        """The switches as the API and the settings page show them, in a fixed order."""
        rows = []
        for name, (aud, defaults) in NOTIFICATIONS.items():
            rows.append(
                {
                    "notification": name,
                    "audience": aud,
                    "channels": {c: self.enabled(name, c) for c in CHANNELS if c in defaults},
                }
            )
        return rows

    @classmethod
    def from_config(cls, value: dict[str, Any] | None) -> Switches:
        value = value or {}
        on: dict[tuple[str, str], bool] = {}
        for row in value.get("switches") or ():
            name = row.get("notification")
            if name not in NOTIFICATIONS:
                continue
            for channel, flag in (row.get("channels") or {}).items():
                if channel in NOTIFICATIONS[name][1]:
                    on[(name, channel)] = bool(flag)
        return cls(on, tuple(value.get("status_targets") or ()))

    def to_config(self) -> dict[str, Any]:
        return {
            "switches": [{"notification": r["notification"], "channels": r["channels"]} for r in self.table()],
            "status_targets": list(self.status_targets),
        }
