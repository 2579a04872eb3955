"""The directory: companies, contacts, service objects, employees and groups. For each, a
list with search and paging, a card, a create and an edit form, and deactivate/activate
with a confirmation.

Everything is the tickets service's directory API, called as the person signed in: the
lists are its pages (`q`, `active`, a filter, `cursor`), a card is GET /<kind>/<id>, an
edit sends back only the fields the person changed with `If-Match: "<version>"` of the
entry they read (a 409 when someone changed it meanwhile: the form keeps what they typed
and takes the new version, so saving again is a decision). The service decides who may do
what: a specialist sees the clients only through their tickets (another entry is a 404,
shown as a not-found page) and only an administrator changes staff (its 403 shows as a
message). Inviting an employee and their password links are in pages_directory_staff.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Response, g, redirect, request, url_for

from relay_gateway.ui import pages_directory_forms as forms
from relay_gateway.ui import pages_directory_ru  # noqa: F401  (the Russian texts)
from relay_gateway.ui.client import ServiceProblem
from relay_gateway.ui.web import STAFF, _, api, bp, current_session, nav_item, page, render
from relaykit.errors import Forbidden

KIND_PATH = '<any(companies, contacts, "service-objects", employees, groups):kind>'
PAGE_SIZE = 50
MAX_CHOICES = 200  # the service's largest page: what a choice list offers at once
PORTAL_ACCESS = {
    "own": "Their own tickets",
    "company": "Their company's tickets",
    "service_objects": "The tickets of their service objects",
    "supervised": "The tickets of the companies they supervise",
}
ROLES = ("specialist", "lead_specialist", "administrator")


@dataclass(frozen=True)
class Kind:
    key: str  # the URL segment: /directory/<key>
    api: str  # the service's path
    title: str  # the list's heading
    one: str  # "company", for "New company" and the notices
    staff: bool  # employees and groups: only an administrator changes them

    @property
    def new_label(self) -> str:
        return "Invite an employee" if self.key == "employees" else f"New {self.one}"


KINDS = {
    k.key: k
    for k in (
        Kind("companies", "/companies", "Companies", "company", False),
        Kind("contacts", "/contacts", "Contacts", "contact", False),
        Kind("service-objects", "/service-objects", "Service objects", "service object", False),
        Kind("employees", "/employees", "Employees", "employee", True),
        Kind("groups", "/groups", "Groups", "group", True),
    )
}
NOTICES = {
    "created": "The entry is created.",
    "created-hidden": "The entry is created. You will see it once one of your tickets points at it.",
    "saved": "The changes are saved.",
    "unchanged": "Nothing was changed.",
    "deactivated": "The entry is deactivated.",
    "activated": "The entry is activated again.",
    "invited": "The invitation is sent to {email}.",
    "invite-later": (
        "The employee is created; the invitation could not be sent yet. Send it with the button below in a moment."
    ),
    "reset-sent": "A link to set a new password is sent to {email}.",
}

nav_item("Directory", "ui.directory", roles=STAFF, order=30, section="directory")


def is_admin() -> bool:
    s = current_session()
    return bool(s and s.employee.role == "administrator")


def may_change(kind: Kind) -> bool:
    """Whether to offer the buttons that change entries of this kind (the service decides)."""
    return is_admin() or not kind.staff


def if_match(version: Any) -> dict[str, str]:
    text = str(version or "").strip()
    return {"If-Match": f'"{text}"'} if text.isdigit() else {}


def when(text: str | None) -> str:
    """A moment as the service gives it (ISO 8601), shortly: 2026-12-03 16:38 UTC."""
    if not text:
        return ""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        return text
    return f"{at:%Y-%m-%d %H:%M} {at.tzname() or ''}".strip()


def notice() -> str | None:
    key = request.args.get("done", "")
    if key not in NOTICES:
        return None
    return _(NOTICES[key], email=request.args.get("email", "")[:320]) if "{email}" in NOTICES[key] else _(NOTICES[key])


# -- names of what entries point at --------------------------------------------------------
class Names:
    """Names of employees, groups, companies and service objects by id, read once per
    request: the cards and lists show names where the service gives ids."""

    def __init__(self) -> None:
        self._staff: dict[str, dict[str, Any]] | None = None
        self._one: dict[tuple[str, str], dict[str, Any] | None] = {}

    def _all(self, path: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            found = api().get("tickets", path, params={"limit": MAX_CHOICES, "cursor": cursor})
            items += found["items"]
            cursor = found.get("next_cursor")
            if not cursor or len(items) >= 2000:
                return items

    def staff(self) -> dict[str, dict[str, Any]]:
        """`employee:<id>` / `group:<id>` -> the entry, inactive ones included."""
        if self._staff is None:
            self._staff = {f"employee:{e['id']}": e for e in self._all("/employees")}
            self._staff |= {f"group:{x['id']}": x for x in self._all("/groups")}
        return self._staff

    def employees(self, active_only: bool = False) -> list[dict[str, Any]]:
        return [e for k, e in self.staff().items() if k.startswith("employee:") and (e["active"] or not active_only)]

    def groups(self, active_only: bool = False) -> list[dict[str, Any]]:
        return [e for k, e in self.staff().items() if k.startswith("group:") and (e["active"] or not active_only)]

    def party(self, party: Mapping[str, Any] | None) -> dict[str, Any] | None:
        """A manager or observer to show: its name, a link to its card, whether it is active."""
        if not party:
            return None
        key = f"{party['kind']}:{party['id']}"
        entry = self.staff().get(key)
        kind = "employees" if party["kind"] == "employee" else "groups"
        return {
            "name": entry["name"] if entry else party["id"],
            "href": url_for("ui.directory_card", kind=kind, entry_id=party["id"]),
            "active": bool(entry and entry["active"]),
            "kind": party["kind"],
        }

    def parties(self, parties: Iterable[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
        return [p for p in (self.party(x) for x in parties or []) if p]

    def entry(self, kind: str, entry_id: str | None) -> dict[str, Any] | None:
        """A company or service object by id; None when the caller may not see it."""
        if not entry_id:
            return None
        key = (kind, entry_id)
        if key not in self._one:
            try:
                self._one[key] = api().get("tickets", f"{KINDS[kind].api}/{entry_id}")
            except ServiceProblem as err:
                if err.status not in (403, 404):
                    raise
                self._one[key] = None
        return self._one[key]

    def link(self, kind: str, entry_id: str | None) -> dict[str, Any] | None:
        if not entry_id:
            return None
        entry = self.entry(kind, entry_id)
        return {
            "name": entry["name"] if entry else _("(not visible to you)"),
            "href": url_for("ui.directory_card", kind=kind, entry_id=entry_id) if entry else None,
            "active": bool(entry and entry["active"]),
        }

    def categories(self) -> dict[int, str]:
        if "dir_categories" not in g:
            try:
                items = api().get("tickets", "/settings/client-categories")["items"]
            except ServiceProblem:
                items = []  # someone who may not read them sees the number
            g.dir_categories = {c["id"]: c["name"] for c in items}
        return g.dir_categories


def names() -> Names:
    if "dir_names" not in g:
        g.dir_names = Names()
    return g.dir_names


# -- lists ----------------------------------------------------------------------------------
def _cell(text: Any, href: str | None = None, muted: bool = False) -> dict[str, Any]:
    return {"text": "" if text is None else str(text), "href": href, "muted": muted}


def _list_rows(kind: Kind, items: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
    n = names()

    def card(e: Mapping[str, Any]) -> str:
        return url_for("ui.directory_card", kind=kind.key, entry_id=e["id"])

    def company(e: Mapping[str, Any]) -> dict[str, Any]:
        found = n.link("companies", e.get("company_id"))
        return _cell(found["name"], found["href"]) if found else _cell(_("private person"), muted=True)

    columns: dict[str, tuple[list[str], Callable[[Mapping[str, Any]], list[dict[str, Any]]]]] = {
        "companies": (
            ["Name", "Email", "Phone", "Domains", "Category"],
            lambda e: [
                _cell(e["name"], card(e)),
                _cell(e.get("email")),
                _cell(e.get("phone")),
                _cell(", ".join(e.get("domains") or [])),
                _cell(n.categories().get(e.get("category_id"), e.get("category_id"))),
            ],
        ),
        "contacts": (
            ["Full name", "Email", "Phone", "Company"],
            lambda e: [
                _cell(e["name"], card(e)),
                _cell((e.get("emails") or [""])[0]),
                _cell((e.get("phones") or [""])[0]),
                company(e),
            ],
        ),
        "service-objects": (
            ["Name", "Company", "Address"],
            lambda e: [_cell(e["name"], card(e)), company(e), _cell(e.get("address"))],
        ),
        "employees": (
            ["Full name", "Email", "Role", "Groups"],
            lambda e: [
                _cell(e["name"], card(e)),
                _cell(e.get("email")),
                _cell(_(e.get("role") or "")),
                _cell(", ".join(n.staff().get(f"group:{x}", {}).get("name", x) for x in e.get("groups") or [])),
            ],
        ),
        "groups": (
            ["Name", "Members"],
            lambda e: [
                _cell(e["name"], card(e)),
                _cell(", ".join(n.staff().get(f"employee:{x}", {}).get("name", x) for x in e.get("members") or [])),
            ],
        ),
    }
    headers, cells = columns[kind.key]
    rows = [{"id": e["id"], "active": e.get("active", True), "cells": cells(e)} for e in items]
    return [_(h) for h in headers], rows


def _active_param(text: str) -> bool | None:
    return {"active": True, "inactive": False}.get(text)


@bp.get("/directory")
@page(STAFF)
def directory() -> Response:
    return redirect(url_for("ui.directory_list", kind="companies"))


@bp.get(f"/directory/{KIND_PATH}")
@page(STAFF)
def directory_list(kind: str) -> tuple[str, int]:
    k = KINDS[kind]
    q = request.args.get("q", "").strip()[:200]
    shown = request.args.get("active", "active")
    shown = shown if shown in ("active", "inactive", "all") else "active"
    cursor = request.args.get("cursor", "")[:1000] or None
    params: dict[str, Any] = {"q": q or None, "active": _active_param(shown), "limit": PAGE_SIZE, "cursor": cursor}
    company_id = request.args.get("company_id", "")[:36] or None
    role = request.args.get("role", "")
    if kind in ("contacts", "service-objects") and company_id:
        params["company_id"] = company_id
    if kind == "employees" and role in ROLES:
        params["role"] = role
    found = api().get("tickets", k.api, params=params)
    headers, rows = _list_rows(k, found["items"])
    keep = {"q": q or None, "active": shown, "company_id": params.get("company_id"), "role": params.get("role")}
    keep = {key: v for key, v in keep.items() if v}
    return render(
        "directory/list.html",
        kind=k,
        kinds=KINDS.values(),
        q=q,
        shown=shown,
        role=params.get("role", ""),
        roles=ROLES,
        company=names().link("companies", params.get("company_id")),
        headers=headers,
        rows=rows,
        next_url=url_for("ui.directory_list", kind=kind, cursor=found["next_cursor"], **keep)
        if found.get("next_cursor")
        else None,
        first_url=url_for("ui.directory_list", kind=kind, **keep) if cursor else None,
        may_change=may_change(k),
        new_url=url_for("ui.directory_new", kind=kind, company_id=params.get("company_id")),
        notice=notice(),
    )


# -- cards ----------------------------------------------------------------------------------
def _tickets(params: dict[str, Any], limit: int = 20) -> list[dict[str, Any]] | None:
    """The tickets about an entry, as the ticket list shows them to the caller."""
    try:
        return api().get("tickets", "/tickets", params={**params, "limit": limit})["items"]
    except ServiceProblem:
        return None  # the list refused the filter: the card lives without it


def _card_context(k: Kind, entry: dict[str, Any]) -> dict[str, Any]:
    n = names()
    ctx: dict[str, Any] = {
        "manager": n.party(entry.get("manager")),
        "observers": n.parties(entry.get("observers")),
    }
    if k.key == "companies":
        ctx["category"] = n.categories().get(entry.get("category_id"), entry.get("category_id"))
        ctx["contacts"] = api().get(
            "tickets", "/contacts", params={"company_id": entry["id"], "limit": PAGE_SIZE, "active": True}
        )
        ctx["objects"] = api().get(
            "tickets", "/service-objects", params={"company_id": entry["id"], "limit": PAGE_SIZE, "active": True}
        )
        ctx["tickets"] = _tickets({"company_id": entry["id"]})
    elif k.key == "contacts":
        ctx["company"] = n.link("companies", entry.get("company_id"))
        ctx["objects"] = [n.link("service-objects", x) for x in entry.get("service_object_ids") or []]
        ctx["supervised"] = [n.link("companies", x) for x in entry.get("supervised_company_ids") or []]
        ctx["tickets"] = _tickets({"contact": f"contact:{entry['id']}"})
        access = entry.get("portal_access") or ""
        ctx["portal"] = _(PORTAL_ACCESS[access]) if access in PORTAL_ACCESS else access
    elif k.key == "service-objects":
        ctx["company"] = n.link("companies", entry.get("company_id"))
    elif k.key == "employees":
        ctx["groups"] = [n.party({"kind": "group", "id": x}) for x in entry.get("groups") or []]
        ctx["account"] = pages_directory_staff.account_state(entry["id"])
    elif k.key == "groups":
        ctx["members"] = [n.party({"kind": "employee", "id": x}) for x in entry.get("members") or []]
        listed = entry.get("notification_list") or {}
        ctx["notify_employees"] = [n.party({"kind": "employee", "id": x}) for x in listed.get("employees") or []]
        ctx["notify_emails"] = listed.get("emails") or []
    return ctx


def render_card(kind: str, entry_id: str, status: int = 200, problem: str | None = None) -> tuple[str, int]:
    k = KINDS[kind]
    entry = api().get("tickets", f"{k.api}/{entry_id}")
    s = current_session()
    return render(
        f"directory/card_{kind.replace('-', '_')}.html",
        status,
        kind=k,
        kinds=KINDS.values(),
        entry=entry,
        may_change=may_change(k),
        is_admin=is_admin(),
        is_me=bool(s and kind == "employees" and s.employee.id == entry["id"]),
        when=when,
        notice=notice(),
        problem=problem,
        **_card_context(k, entry),
    )


@bp.get(f"/directory/{KIND_PATH}/<entry_id>")
@page(STAFF)
def directory_card(kind: str, entry_id: str) -> tuple[str, int]:
    return render_card(kind, entry_id)


@bp.post(f"/directory/{KIND_PATH}/<entry_id>/<any(deactivate, activate):verb>")
@page(STAFF)
def directory_switch(kind: str, entry_id: str, verb: str) -> Response | tuple[str, int]:
    k = KINDS[kind]
    try:
        api().call("POST", "tickets", f"{k.api}/{entry_id}/{verb}", headers=if_match(request.form.get("version")))
    except ServiceProblem as err:
        if err.status == 404:
            raise
        detail = err.detail
        if err.status == 409 and "If-Match" in err.errors:
            detail = _("Someone changed this entry meanwhile; here it is as it is now. Try again if you still mean it.")
        return render_card(kind, entry_id, err.status, problem=detail)
    return redirect(url_for("ui.directory_card", kind=kind, entry_id=entry_id, done=verb + "d"), 303)


@bp.get(f"/directory/{KIND_PATH}/<entry_id>/history")
@page(STAFF)
def directory_history(kind: str, entry_id: str) -> tuple[str, int]:
    k = KINDS[kind]
    entry = api().get("tickets", f"{k.api}/{entry_id}")
    cursor = request.args.get("cursor", "")[:1000] or None
    found = api().get("tickets", f"{k.api}/{entry_id}/history", params={"limit": 100, "cursor": cursor})
    return render(
        "directory/history.html",
        kind=k,
        kinds=KINDS.values(),
        entry=entry,
        items=found["items"],
        when=when,
        show=_history_value,
        next_url=url_for("ui.directory_history", kind=kind, entry_id=entry_id, cursor=found["next_cursor"])
        if found.get("next_cursor")
        else None,
    )


def _history_value(value: Any) -> str:
    if value is None or value == [] or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(_history_value(v) for v in value)
    if isinstance(value, dict):
        if set(value) == {"kind", "id"}:
            found = names().party(value)
            return found["name"] if found else str(value["id"])
        return "; ".join(f"{k}: {_history_value(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


# -- forms ----------------------------------------------------------------------------------
def _choices(kind: str, q: str = "", company_id: str | None = None) -> list[dict[str, Any]]:
    """Active companies or service objects to pick from (the lookup answers every staff member)."""
    params = {"q": q or None, "active": True, "limit": MAX_CHOICES, "company_id": company_id}
    return api().get("tickets", f"{KINDS[kind].api}/lookup", params=params)["items"]


def _with_selected(kind: str, options: list[dict[str, Any]], selected: Iterable[str]) -> list[dict[str, Any]]:
    """The options plus whatever is chosen already, so an edit never drops a value unseen."""
    have = {o["id"] for o in options}
    extra = []
    for ident in selected:
        if ident and ident not in have:
            found = names().entry(kind, ident)
            extra.append({"id": ident, "name": found["name"] if found else ident, "active": bool(found)})
            have.add(ident)
    return extra + options


def _form_context(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    n = names()
    ctx: dict[str, Any] = {}
    if kind in ("companies", "contacts", "service-objects"):
        chosen = {values.get("manager") or ""} | set(values.get("observers") or [])
        ctx["parties"] = {
            "employees": [
                (f"employee:{e['id']}", e["name"])
                for e in n.employees()
                if e["active"] or f"employee:{e['id']}" in chosen
            ],
            "groups": [
                (f"group:{x['id']}", x["name"]) for x in n.groups() if x["active"] or f"group:{x['id']}" in chosen
            ],
        }
    if kind == "companies":
        ctx["categories"] = [(str(i), name) for i, name in n.categories().items()]
    if kind in ("contacts", "service-objects"):
        ctx["companies"] = _with_selected("companies", _choices("companies"), [values.get("company_id") or ""])
    if kind == "contacts":
        supervised = _with_selected("companies", _choices("companies"), values.get("supervised_company_ids") or [])
        ctx["all_companies"] = [(o["id"], o["name"]) for o in supervised]
        # The service objects of the contact's company (and any chosen before).
        objects = _choices("service-objects", company_id=values.get("company_id") or None)
        objects = _with_selected("service-objects", objects, values.get("service_object_ids") or [])
        ctx["objects"] = [(o["id"], o["name"]) for o in objects]
        ctx["portal_access"] = [(key, _(text)) for key, text in PORTAL_ACCESS.items()]
    if kind == "employees":
        chosen = set(values.get("groups") or [])
        ctx["groups"] = [(x["id"], x["name"]) for x in n.groups() if x["active"] or x["id"] in chosen]
        ctx["roles"] = ROLES
    if kind == "groups":
        chosen = set(values.get("members") or []) | set(values.get("notification_employees") or [])
        ctx["employees"] = [(e["id"], e["name"]) for e in n.employees() if e["active"] or e["id"] in chosen]
    return ctx


def render_form(
    kind: str,
    values: dict[str, Any],
    *,
    entry: dict[str, Any] | None = None,
    version: Any = None,
    original: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    problems: list[str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    k = KINDS[kind]
    return render(
        "directory/form.html",
        status,
        kind=k,
        kinds=KINDS.values(),
        entry=entry,
        version=version if version is not None else (entry or {}).get("version"),
        values=values,
        original=json.dumps(original if original is not None else values) if entry else "",
        errors=errors or {},
        problems=problems or [],
        **_form_context(kind, values),
    )


def _refuse_staff_form(k: Kind) -> None:
    if k.staff and not is_admin():
        raise Forbidden(_("Only an administrator adds or changes employees and groups."))


def _problem_of(kind: str, err: ServiceProblem) -> tuple[dict[str, str], list[str]]:
    if err.status == 403:
        # Who may do it, not what is wrong with a field: at the top of the form.
        return {}, [_("Refused: {detail}", detail=err.detail)]
    errors, problems = forms.place_errors(kind, err.errors)
    if not err.errors:
        problems = [err.detail]
    return errors, problems


def _defaults(kind: str) -> dict[str, Any]:
    values = forms.values_of(kind, {})
    if kind == "contacts":
        values["portal_access"] = "own"
    if kind == "employees":
        values["role"] = "specialist"
    if kind in ("contacts", "service-objects"):
        values["company_id"] = request.args.get("company_id", "")[:36]
    return values


@bp.get(f"/directory/{KIND_PATH}/new")
@page(STAFF)
def directory_new(kind: str) -> tuple[str, int]:
    _refuse_staff_form(KINDS[kind])
    return render_form(kind, _defaults(kind))


@bp.post(f"/directory/{KIND_PATH}/new")
@page(STAFF)
def directory_create(kind: str) -> Response | tuple[str, int]:
    k = KINDS[kind]
    values = forms.posted(kind, request.form)
    try:
        created = api().post("tickets", k.api, json_body=forms.create_body(kind, values))
    except ServiceProblem as err:
        errors, problems = _problem_of(kind, err)
        return render_form(
            kind, values, errors=errors, problems=problems, status=422 if err.status == 400 else err.status
        )
    if kind == "employees":
        return pages_directory_staff.invite(created)
    try:
        api().get("tickets", f"{k.api}/{created['id']}")
    except ServiceProblem as err:
        if err.status != 404:
            raise
        # A specialist reaches a client through a ticket; a new one is nobody's yet.
        return redirect(url_for("ui.directory_list", kind=kind, done="created-hidden"), 303)
    return redirect(url_for("ui.directory_card", kind=kind, entry_id=created["id"], done="created"), 303)


@bp.get(f"/directory/{KIND_PATH}/<entry_id>/edit")
@page(STAFF)
def directory_edit(kind: str, entry_id: str) -> tuple[str, int]:
    k = KINDS[kind]
    _refuse_staff_form(k)
    entry = api().get("tickets", f"{k.api}/{entry_id}")
    return render_form(kind, forms.values_of(kind, entry), entry=entry)


@bp.post(f"/directory/{KIND_PATH}/<entry_id>/edit")
@page(STAFF)
def directory_update(kind: str, entry_id: str) -> Response | tuple[str, int]:
    k = KINDS[kind]
    values = forms.posted(kind, request.form)
    version = request.form.get("version", "")[:20]
    original = forms.original_of(kind, request.form.get("original", ""))
    if original is None:  # a form from elsewhere: its changes are what differs from the entry now
        original = forms.values_of(kind, api().get("tickets", f"{k.api}/{entry_id}"))
    changed = forms.changes(kind, values, original)
    if not changed:
        return redirect(url_for("ui.directory_card", kind=kind, entry_id=entry_id, done="unchanged"), 303)
    try:
        api().call("PATCH", "tickets", f"{k.api}/{entry_id}", json_body=changed, headers=if_match(version))
    except ServiceProblem as err:
        if err.status == 404:
            raise
        if err.status == 409 and "If-Match" in err.errors:
            # The person's changes over the entry as it is now, and its new version: saving
            # again is their decision, with the other change in front of them.
            now = api().get("tickets", f"{k.api}/{entry_id}")
            fresh = forms.values_of(kind, now)
            merged = fresh | {name: values[name] for name in forms.changed_inputs(kind, values, original)}
            message = _(
                "Someone changed this entry while you were editing it. Your changes are kept below over "
                "the entry as it is now; check them and save again to apply them."
            )
            return render_form(kind, merged, entry=now, original=fresh, problems=[message], status=409)
        errors, problems = _problem_of(kind, err)
        status = 422 if err.status == 400 else err.status
        entry = api().get("tickets", f"{k.api}/{entry_id}")  # for the page's title and links
        return render_form(
            kind,
            values,
            entry=entry,
            version=version,
            original=original,
            errors=errors,
            problems=problems,
            status=status,
        )
    return redirect(url_for("ui.directory_card", kind=kind, entry_id=entry_id, done="saved"), 303)


@bp.get('/directory/choices/<any(companies, "service-objects"):kind>')
@page(STAFF)
def directory_choices(kind: str) -> tuple[str, int]:
    """The options of a company (or service object) choice, narrowed as the person types."""
    q = request.args.get("find", "").strip()[:200]
    selected = request.args.get("company_id", "")[:36]
    options = _with_selected(kind, _choices(kind, q), [selected])
    blank = _("— a private person —") if request.args.get("blank") == "private" else _("— choose —")
    return render("directory/_options.html", options=options, selected=selected, blank=blank)


# Last: the staff pages use what is above (and declare their own routes).
from relay_gateway.ui import pages_directory_staff  # noqa: E402
