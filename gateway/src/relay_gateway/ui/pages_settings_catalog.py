"""Settings of what tickets are filled from (administrators): ticket types with their
custom attributes, priorities and statuses, each listed, created, edited and deleted
through the tickets service's settings API (`/settings/...`). The service checks every
change; its 4xx comes back as the message next to the field it names.
"""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, url_for

from relay_gateway.ui.client import ServiceProblem
from relay_gateway.ui.pages_settings_common import checked, lines, notice, number, problem_for, text
from relay_gateway.ui.web import ADMINS, _, api, bp, page, render

TYPE_FIELDS = ("key", "name", "internal", "active", "is_default", "position", "new_default", "id")
ATTRIBUTE_FIELDS = (
    "key",
    "name",
    "kind",
    "options",
    "required",
    "visible_roles",
    "visible_to_contacts",
    "position",
    "active",
    "force",
)
PRIORITY_FIELDS = ("key", "name", "colour", "position", "is_default", "active", "new_default", "id")
STATUS_FIELDS = ("key", "name", "kind", "sla_pausing", "position")
KINDS = ("text", "number", "date", "list")
STAFF_ROLES = ("administrator", "lead_specialist", "specialist")


def _items(path: str) -> list[dict[str, Any]]:
    return api().get("tickets", path)["items"]


def _done(endpoint: str, done: str, **values: Any) -> Response:
    return redirect(url_for(endpoint, done=done, **values))


def _without_none(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


# -- ticket types ---------------------------------------------------------------------------------
def _types_page(status: int = 200, **context: Any) -> tuple[str, int]:
    return render("settings/types.html", status, types=_items("/settings/ticket-types"), notice=notice(), **context)


@bp.get("/settings/types")
@page(ADMINS)
def settings_types() -> tuple[str, int]:
    return _types_page(form={"active": True})


@bp.post("/settings/types")
@page(ADMINS)
def settings_type_create() -> Response | tuple[str, int]:
    body = {
        "key": text("key", 100).strip(),
        "name": text("name", 200),
        "internal": checked("internal"),
        "active": checked("active"),
        "is_default": checked("is_default"),
    }
    try:
        created = api().post("tickets", "/settings/ticket-types", json_body=body)
    except ServiceProblem as err:
        errors, problem = problem_for(err, TYPE_FIELDS)
        return _types_page(422, form=body, errors=errors, problem=problem)
    return _done("ui.settings_type", "created", type_id=created["id"])


def _type_page(type_id: int, status: int = 200, **context: Any) -> tuple[str, int]:
    ticket_type = api().get("tickets", f"/settings/ticket-types/{type_id}")
    others = [t for t in _items("/settings/ticket-types") if t["id"] != type_id and t["active"]]
    attributes = _items(f"/settings/ticket-types/{type_id}/attributes")
    context.setdefault("form", ticket_type)
    return render(
        "settings/type.html",
        status,
        ticket_type=ticket_type,
        others=others,
        attributes=attributes,
        notice=notice(),
        **context,
    )


@bp.get("/settings/types/<int:type_id>")
@page(ADMINS)
def settings_type(type_id: int) -> tuple[str, int]:
    return _type_page(type_id)


@bp.post("/settings/types/<int:type_id>")
@page(ADMINS)
def settings_type_update(type_id: int) -> Response | tuple[str, int]:
    body = {
        "name": text("name", 200),
        "internal": checked("internal"),
        "active": checked("active"),
        "is_default": checked("is_default"),
        "position": number("position"),
        "new_default": text("new_default", 100) or None,
    }
    try:
        api().patch("tickets", f"/settings/ticket-types/{type_id}", json_body=_without_none(body))
    except ServiceProblem as err:
        if err.status == 404:
            raise
        errors, problem = problem_for(err, TYPE_FIELDS)
        current = api().get("tickets", f"/settings/ticket-types/{type_id}")
        return _type_page(type_id, 422, form=current | _without_none(body), errors=errors, problem=problem)
    return _done("ui.settings_type", "saved", type_id=type_id)


@bp.post("/settings/types/<int:type_id>/delete")
@page(ADMINS)
def settings_type_delete(type_id: int) -> Response | tuple[str, int]:
    try:
        api().delete("tickets", f"/settings/ticket-types/{type_id}")
    except ServiceProblem as err:
        if err.status == 404:
            raise
        return _type_page(type_id, 409, problem=err.detail)
    return _done("ui.settings_types", "deleted")


# -- custom attributes ------------------------------------------------------------------------------
def _attribute_body(creating: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": text("name", 200),
        "options": lines("options"),
        "required": checked("required"),
        "visible_roles": [r for r in STAFF_ROLES if checked(f"visible_{r}")],
        "visible_to_contacts": checked("visible_to_contacts"),
        "position": number("position"),
        "active": checked("active"),
    }
    if creating:
        body["key"] = text("key", 100).strip()
        body["kind"] = text("kind", 20)
        if body["kind"] != "list":
            body["options"] = []
    else:
        body["force"] = checked("force")
    return body


def _attribute_form(status: int, ticket_type: dict[str, Any], **context: Any) -> tuple[str, int]:
    return render("settings/attribute.html", status, ticket_type=ticket_type, kinds=KINDS, roles=STAFF_ROLES, **context)


@bp.get("/settings/types/<int:type_id>/attributes/new")
@page(ADMINS)
def settings_attribute_new(type_id: int) -> tuple[str, int]:
    ticket_type = api().get("tickets", f"/settings/ticket-types/{type_id}")
    return _attribute_form(200, ticket_type, attribute=None, form={"kind": "text", "active": True, "visible_roles": []})


@bp.post("/settings/types/<int:type_id>/attributes")
@page(ADMINS)
def settings_attribute_create(type_id: int) -> Response | tuple[str, int]:
    ticket_type = api().get("tickets", f"/settings/ticket-types/{type_id}")
    body = _attribute_body(creating=True)
    try:
        api().post("tickets", f"/settings/ticket-types/{type_id}/attributes", json_body=_without_none(body))
    except ServiceProblem as err:
        errors, problem = problem_for(err, ATTRIBUTE_FIELDS)
        return _attribute_form(422, ticket_type, attribute=None, form=body, errors=errors, problem=problem)
    return _done("ui.settings_type", "created", type_id=type_id)


@bp.get("/settings/attributes/<int:attribute_id>")
@page(ADMINS)
def settings_attribute(attribute_id: int) -> tuple[str, int]:
    attribute = api().get("tickets", f"/settings/attributes/{attribute_id}")
    ticket_type = api().get("tickets", f"/settings/ticket-types/{attribute['type_id']}")
    return _attribute_form(200, ticket_type, attribute=attribute, form=attribute, notice=notice())


@bp.post("/settings/attributes/<int:attribute_id>")
@page(ADMINS)
def settings_attribute_update(attribute_id: int) -> Response | tuple[str, int]:
    attribute = api().get("tickets", f"/settings/attributes/{attribute_id}")
    body = _attribute_body(creating=False)
    if attribute["kind"] != "list":
        body.pop("options")
    try:
        api().patch("tickets", f"/settings/attributes/{attribute_id}", json_body=_without_none(body))
    except ServiceProblem as err:
        errors, problem = problem_for(err, ATTRIBUTE_FIELDS)
        ticket_type = api().get("tickets", f"/settings/ticket-types/{attribute['type_id']}")
        form = attribute | _without_none(body)
        return _attribute_form(422, ticket_type, attribute=attribute, form=form, errors=errors, problem=problem)
    return _done("ui.settings_type", "saved", type_id=attribute["type_id"])


@bp.post("/settings/attributes/<int:attribute_id>/delete")
@page(ADMINS)
def settings_attribute_delete(attribute_id: int) -> Response:
    attribute = api().get("tickets", f"/settings/attributes/{attribute_id}")
    reply = api().call("DELETE", "tickets", f"/settings/attributes/{attribute_id}")
    return _done("ui.settings_type", "deleted" if reply.status == 204 else "deactivated", type_id=attribute["type_id"])


# -- priorities --------------------------------------------------------------------------------------
def _priorities_page(status: int = 200, **context: Any) -> tuple[str, int]:
    items = _items("/settings/priorities")
    return render("settings/priorities.html", status, priorities=items, notice=notice(), **context)


@bp.get("/settings/priorities")
@page(ADMINS)
def settings_priorities() -> tuple[str, int]:
    return _priorities_page(form={"active": True, "colour": "#808080"})


@bp.post("/settings/priorities")
@page(ADMINS)
def settings_priority_create() -> Response | tuple[str, int]:
    body = {
        "key": text("key", 100).strip(),
        "name": text("name", 200),
        "colour": text("colour", 20).strip(),
        "is_default": checked("is_default"),
        "active": checked("active"),
    }
    try:
        api().post("tickets", "/settings/priorities", json_body=body)
    except ServiceProblem as err:
        errors, problem = problem_for(err, PRIORITY_FIELDS)
        return _priorities_page(422, form=body, errors=errors, problem=problem)
    return _done("ui.settings_priorities", "created")


def _priority_page(priority_id: int, status: int = 200, **context: Any) -> tuple[str, int]:
    priority = api().get("tickets", f"/settings/priorities/{priority_id}")
    others = [p for p in _items("/settings/priorities") if p["id"] != priority_id and p["active"]]
    context.setdefault("form", priority)
    return render("settings/priority.html", status, priority=priority, others=others, **context)


@bp.get("/settings/priorities/<int:priority_id>")
@page(ADMINS)
def settings_priority(priority_id: int) -> tuple[str, int]:
    return _priority_page(priority_id)


@bp.post("/settings/priorities/<int:priority_id>")
@page(ADMINS)
def settings_priority_update(priority_id: int) -> Response | tuple[str, int]:
    body = {
        "name": text("name", 200),
        "colour": text("colour", 20).strip(),
        "position": number("position"),
        "is_default": checked("is_default"),
        "active": checked("active"),
        "new_default": text("new_default", 100) or None,
    }
    try:
        api().patch("tickets", f"/settings/priorities/{priority_id}", json_body=_without_none(body))
    except ServiceProblem as err:
        if err.status == 404:
            raise
        errors, problem = problem_for(err, PRIORITY_FIELDS)
        current = api().get("tickets", f"/settings/priorities/{priority_id}")
        return _priority_page(priority_id, 422, form=current | _without_none(body), errors=errors, problem=problem)
    return _done("ui.settings_priorities", "saved")


@bp.post("/settings/priorities/<int:priority_id>/delete")
@page(ADMINS)
def settings_priority_delete(priority_id: int) -> Response | tuple[str, int]:
    try:
        api().delete("tickets", f"/settings/priorities/{priority_id}")
    except ServiceProblem as err:
        if err.status == 404:
            raise
        return _priority_page(priority_id, 409, problem=err.detail)
    return _done("ui.settings_priorities", "deleted")


# -- statuses ----------------------------------------------------------------------------------------
def _statuses_page(status: int = 200, **context: Any) -> tuple[str, int]:
    items = _items("/settings/statuses")
    return render("settings/statuses.html", status, statuses=items, notice=notice(), **context)


@bp.get("/settings/statuses")
@page(ADMINS)
def settings_statuses() -> tuple[str, int]:
    return _statuses_page(form={"kind": "open"})


@bp.post("/settings/statuses")
@page(ADMINS)
def settings_status_create() -> Response | tuple[str, int]:
    body = {
        "key": text("key", 100).strip(),
        "name": text("name", 200),
        "kind": text("kind", 20),
        "sla_pausing": checked("sla_pausing"),
    }
    try:
        api().post("tickets", "/settings/statuses", json_body=body)
    except ServiceProblem as err:
        errors, problem = problem_for(err, STATUS_FIELDS)
        return _statuses_page(422, form=body, errors=errors, problem=problem)
    return _done("ui.settings_statuses", "created")


def _status_page(key: str, status: int = 200, **context: Any) -> tuple[str, int]:
    found = api().get("tickets", f"/settings/statuses/{key}")
    context.setdefault("form", found)
    return render("settings/status.html", status, status_=found, **context)


@bp.get("/settings/statuses/<key>")
@page(ADMINS)
def settings_status(key: str) -> tuple[str, int]:
    return _status_page(key)


@bp.post("/settings/statuses/<key>")
@page(ADMINS)
def settings_status_update(key: str) -> Response | tuple[str, int]:
    current = api().get("tickets", f"/settings/statuses/{key}")
    body: dict[str, Any] = {
        "name": text("name", 200),
        "sla_pausing": checked("sla_pausing"),
        "position": number("position"),
    }
    if not current["builtin"]:
        body["kind"] = text("kind", 20)
    try:
        api().patch("tickets", f"/settings/statuses/{key}", json_body=_without_none(body))
    except ServiceProblem as err:
        if err.status == 404:
            raise
        errors, problem = problem_for(err, STATUS_FIELDS)
        return _status_page(key, 422, form=current | _without_none(body), errors=errors, problem=problem)
    return _done("ui.settings_statuses", "saved")


@bp.post("/settings/statuses/<key>/delete")
@page(ADMINS)
def settings_status_delete(key: str) -> Response | tuple[str, int]:
    try:
        api().delete("tickets", f"/settings/statuses/{key}")
    except ServiceProblem as err:
        if err.status == 404:
            raise
        return _status_page(key, 409, problem=err.detail)
    return _done("ui.settings_statuses", "deleted")


def kind_name(kind: str) -> str:
    return {"open": _("open"), "closed": _("closed")}.get(kind, kind)


def role_name(role: str) -> str:
    return _(role)
