"""Lifecycles (administrators): which status may follow which, as a table of checkboxes
(a row per status a ticket is in, a column per status it may move to), for the default
lifecycle and for a ticket type of its own.

Saving sends the whole table (`PUT .../lifecycle` with every ticked pair); the tickets
service refuses a lifecycle that leaves an open status with no way out or strands open
tickets, and its message shows above the table (a pair it names, `transitions.3`, is
marked in its cell).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Response, redirect, request, url_for

from relay_gateway.ui.client import ServiceProblem
from relay_gateway.ui.pages_settings_common import notice
from relay_gateway.ui.web import ADMINS, api, bp, page, render

_PAIR_FIELD = re.compile(r"^transitions\.(\d+)(?:\.\d+)?$")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _path(type_id: int | None) -> str:
    return "/settings/lifecycle" if type_id is None else f"/settings/ticket-types/{type_id}/lifecycle"


def _ticked() -> list[list[str]]:
    """The pairs the form ticked, in the table's order; anything not a status key is dropped."""
    pairs = []
    for value in request.form.getlist("transition")[:2000]:
        a, _sep, b = value.partition(">")
        if _KEY.match(a) and _KEY.match(b):
            pairs.append([a, b])
    return pairs


def _render(
    type_id: int | None,
    transitions: list[list[str]],
    status: int = 200,
    problem: str | None = None,
    bad: dict[tuple[str, str], str] | None = None,
    lifecycle: dict[str, Any] | None = None,
) -> tuple[str, int]:
    statuses = sorted(api().get("tickets", "/settings/statuses")["items"], key=lambda s: s["position"])
    lifecycle = lifecycle or api().get("tickets", _path(type_id))
    ticket_type = api().get("tickets", f"/settings/ticket-types/{type_id}") if type_id is not None else None
    allowed = {(a, b) for a, b in transitions}
    return render(
        "settings/lifecycle.html",
        status,
        ticket_type=ticket_type,
        lifecycle=lifecycle,
        statuses=statuses,
        allowed=allowed,
        problem=problem,
        bad=bad or {},
        notice=notice(),
    )


def _show(type_id: int | None) -> tuple[str, int]:
    lifecycle = api().get("tickets", _path(type_id))
    return _render(type_id, lifecycle["transitions"], lifecycle=lifecycle)


def _save(type_id: int | None) -> Response | tuple[str, int]:
    pairs = _ticked()
    try:
        api().put("tickets", _path(type_id), json_body={"transitions": pairs})
    except ServiceProblem as err:
        if err.status == 404:
            raise
        bad: dict[tuple[str, str], str] = {}
        for name, messages in err.errors.items():
            found = _PAIR_FIELD.match(name)
            if found and int(found.group(1)) < len(pairs):
                a, b = pairs[int(found.group(1))]
                bad[(a, b)] = "; ".join(messages)
        problem = err.message_for("transitions") or err.detail
        return _render(type_id, pairs, 422, problem=problem, bad=bad)
    if type_id is None:
        return redirect(url_for("ui.settings_default_lifecycle", done="saved"))
    return redirect(url_for("ui.settings_type_lifecycle", type_id=type_id, done="saved"))


@bp.get("/settings/lifecycle")
@page(ADMINS)
def settings_default_lifecycle() -> tuple[str, int]:
    return _show(None)


@bp.post("/settings/lifecycle")
@page(ADMINS)
def settings_default_lifecycle_save() -> Response | tuple[str, int]:
    return _save(None)


@bp.get("/settings/types/<int:type_id>/lifecycle")
@page(ADMINS)
def settings_type_lifecycle(type_id: int) -> tuple[str, int]:
    return _show(type_id)


@bp.post("/settings/types/<int:type_id>/lifecycle")
@page(ADMINS)
def settings_type_lifecycle_save(type_id: int) -> Response | tuple[str, int]:
    return _save(type_id)


@bp.post("/settings/types/<int:type_id>/lifecycle/reset")
@page(ADMINS)
def settings_type_lifecycle_reset(type_id: int) -> Response | tuple[str, int]:
    try:
        api().delete("tickets", _path(type_id))
    except ServiceProblem as err:
        if err.status == 404:
            raise
        lifecycle = api().get("tickets", _path(type_id))
        return _render(type_id, lifecycle["transitions"], 409, problem=err.detail, lifecycle=lifecycle)
    return redirect(url_for("ui.settings_type_lifecycle", type_id=type_id, done="reset"))
