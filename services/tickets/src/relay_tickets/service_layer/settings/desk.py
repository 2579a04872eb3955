"""Use cases of the desk-wide settings, and of what the portal offers a contact."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from relay_tickets.adapters.settings_store import DESK_DEFAULTS
from relay_tickets.domain import branding
from relay_tickets.domain.file_types import clean_refused
from relay_tickets.domain.parties import Actor
from relay_tickets.service_layer.settings.transactions import changing, reading, remember
from relay_tickets.service_layer.unit_of_work import settings_store
from relaykit.service import Runtime


# -- desk settings ---------------------------------------------------------------------------------------
def get_desk(runtime: Runtime) -> dict[str, Any]:
    with reading(runtime) as repo:
        return DESK_DEFAULTS | repo.desk_values()


_CLEAN = {
    "refused_file_types": clean_refused,
    "brand_name": branding.clean_name,
    "brand_colour": branding.clean_colour,
    "brand_logo": branding.clean_logo,
}


def _for_history(values: Mapping[str, Any]) -> dict[str, Any]:
    return dict(values) | {branding.LOGO_KEY: branding.logo_summary(values.get(branding.LOGO_KEY))}


def update_desk(runtime: Runtime, changes: Mapping[str, Any], *, by: Actor) -> dict[str, Any]:
    with changing(runtime, by=by) as repo:
        before = DESK_DEFAULTS | repo.desk_values()
        for key, value in changes.items():
            clean = _CLEAN.get(key)
            repo.set_desk(key, clean(value) if clean else value)
        after = DESK_DEFAULTS | repo.desk_values()
        remember(runtime, repo, by, "desk", "desk", _for_history(before), _for_history(after))
        return after


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
