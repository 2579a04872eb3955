"""SLA rules (administrators): the ordered list (the first enabled rule whose conditions
all hold wins; the default rule closes it), moving a rule up or down, enabling and
disabling it, and the form that creates or changes one.

The conditions are the SLA service's (`relay_sla.domain.rules.CONDITIONS`): types,
priorities, client categories, companies and when the ticket was registered (inside or
outside a calendar's working hours, or a weekly window). The pick lists are the tickets
service's settings and companies; without the tickets service the form still works with
the keys the rules hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Response, redirect, request, url_for

from relay_gateway.ui.client import ServiceDown, ServiceProblem
from relay_gateway.ui.pages_sla_calendars import time_zones
from relay_gateway.ui.pages_sla_common import WEEKDAYS, by_prefix, day_name, day_short, duration_text, route_errors
from relay_gateway.ui.web import ADMINS, _, api, bp, is_htmx, page, render, service_down

# Enough companies for a pick list that is filtered in the page; a desk with more picks
# from the first ones by name (the tickets service lists them by name).
MAX_COMPANIES = 1000
_PAGE = 200
REGISTERED_MODES = ("any", "inside", "outside", "window")
NOTICES = {
    "created": "The rule is created.",
    "saved": "The rule is saved.",
    "deleted": "The rule is deleted.",
}
# The service's field -> the form's input.
_RULE_ROUTE = by_prefix(
    [
        ("name", "name"),
        ("enabled", "enabled"),
        ("calendar_id", "calendar_id"),
        ("reaction_minutes", "reaction"),
        ("resolution_minutes", "resolution"),
        ("warn_fractions", "warn"),
        ("conditions", "conditions"),
        ("conditions.types", "types"),
        ("conditions.priorities", "priorities"),
        ("conditions.client_categories", "client_categories"),
        ("conditions.companies", "companies"),
        ("conditions.registered", "registered"),
        ("conditions.registered.calendar_id", "registered_calendar_id"),
        ("conditions.registered.inside", "registered"),
        ("conditions.registered.timezone", "window_timezone"),
        ("conditions.registered.days", "window_days"),
        ("conditions.registered.from", "window_from"),
        ("conditions.registered.to", "window_to"),
    ]
)


@dataclass
class PickLists:
    """What conditions may name, (value, label) each, from the tickets service."""

    types: list[tuple[str, str]] = field(default_factory=list)
    priorities: list[tuple[str, str]] = field(default_factory=list)
    categories: list[tuple[int, str]] = field(default_factory=list)
    companies: list[tuple[str, str]] = field(default_factory=list)
    more_companies: bool = False
    available: bool = True

    def label(self, kind: str, value: Any) -> str:
        return dict(getattr(self, kind)).get(value, str(value))


def _pick_lists(wanted_companies: set[str] = frozenset()) -> PickLists:
    lists = PickLists()
    try:
        tickets = api()
        lists.types = [(t["key"], t["name"]) for t in tickets.get("tickets", "/settings/ticket-types")["items"]]
        lists.priorities = [(p["key"], p["name"]) for p in tickets.get("tickets", "/settings/priorities")["items"]]
        lists.categories = [
            (c["id"], c["name"]) for c in tickets.get("tickets", "/settings/client-categories")["items"]
        ]
        cursor = None
        while len(lists.companies) < MAX_COMPANIES:
            found = tickets.get("tickets", "/companies", params={"limit": _PAGE, "cursor": cursor})
            lists.companies += [(c["id"], c["name"]) for c in found["items"]]
            cursor = found.get("next_cursor")
            if not cursor:
                break
        lists.more_companies = bool(cursor)
        # A company a rule names but the list did not reach still shows by its name.
        known = {cid for cid, _name in lists.companies}
        for cid in sorted(wanted_companies - known)[:50]:
            try:
                lists.companies.append((cid, tickets.get("tickets", f"/companies/{cid}")["name"]))
            except ServiceProblem:
                continue
    except ServiceDown:
        service_down("tickets")
        lists.available = False
    return lists


def _calendars() -> list[tuple[int, str]]:
    return [(c["id"], c["name"]) for c in api().get("sla", "/calendars")["items"]]


def _notice() -> str | None:
    key = request.args.get("done", "")
    return _(NOTICES[key]) if key in NOTICES else None


# -- the list ----------------------------------------------------------------------------
def _condition_lines(conditions: dict[str, Any], lists: PickLists, calendars: dict[int, str]) -> list[str]:
    lines = []
    if conditions.get("types"):
        lines.append(_("Type: {v}", v=", ".join(lists.label("types", k) for k in conditions["types"])))
    if conditions.get("priorities"):
        lines.append(_("Priority: {v}", v=", ".join(lists.label("priorities", k) for k in conditions["priorities"])))
    if conditions.get("client_categories"):
        names = ", ".join(lists.label("categories", k) for k in conditions["client_categories"])
        lines.append(_("Client category: {v}", v=names))
    if conditions.get("companies"):
        lines.append(_("Company: {v}", v=", ".join(lists.label("companies", k) for k in conditions["companies"])))
    window = conditions.get("registered")
    if window:
        if window.get("calendar_id") is not None:
            name = calendars.get(window["calendar_id"], str(window["calendar_id"]))
            text = "Registered inside the working hours of {c}" if window.get("inside", True) else None
            text = text or "Registered outside the working hours of {c}"
            lines.append(_(text, c=name))
        else:
            days = ", ".join(day_short(d) for d in window.get("days") or []) or _("every day")
            lines.append(
                _(
                    "Registered {days}, {f}–{t} ({zone})",
                    days=days,
                    f=window.get("from", "00:00"),
                    t=window.get("to", "24:00"),
                    zone=window.get("timezone") or "UTC",
                )
            )
    return lines


def _rule_rows(rules: list[dict[str, Any]], lists: PickLists, calendars: dict[int, str]) -> list[dict[str, Any]]:
    movable = [r for r in rules if not r["is_default"]]
    rows = []
    for position, rule in enumerate(rules, start=1):
        rows.append(
            rule
            | {
                "number": position,
                "first": bool(movable) and rule is movable[0],
                "last": bool(movable) and rule is movable[-1],
                "conditions_text": _condition_lines(rule.get("conditions") or {}, lists, calendars),
                "calendar_name": calendars.get(rule["calendar_id"], str(rule["calendar_id"])),
                "reaction_text": duration_text(rule.get("reaction_minutes")),
                "resolution_text": duration_text(rule.get("resolution_minutes")),
                "warn_text": ", ".join(f"{round(f * 100)} %" for f in rule.get("warn_fractions") or []),
            }
        )
    return rows


def _list_context(focus: str | None = None, message: str | None = None, problem: str | None = None) -> dict:
    rules = api().get("sla", "/rules")["items"]
    companies = {c for r in rules for c in (r.get("conditions") or {}).get("companies") or []}
    lists = _pick_lists(companies)
    calendars = dict(_calendars())
    return {
        "rules": _rule_rows(rules, lists, calendars),
        "focus": focus,
        "message": message,
        "problem": problem,
    }


@bp.get("/settings/sla/rules")
@page(ADMINS)
def sla_rules() -> tuple[str, int]:
    return render("sla/rules.html", notice=_notice(), **_list_context())


def _after_change(focus: str, message: str, problem: str | None = None, status: int = 200) -> Response | tuple:
    if is_htmx():
        return render("sla/_rules_list.html", status, **_list_context(focus, message, problem))
    if problem:
        return render("sla/rules.html", status, **_list_context(focus, None, problem))
    return redirect(url_for("ui.sla_rules") + f"#rule-{focus.split('-')[-1]}", 303)


@bp.post("/settings/sla/rules/<int:rule_id>/move")
@page(ADMINS)
def sla_rule_move(rule_id: int) -> Response | tuple:
    direction = request.form.get("direction")
    rules = api().get("sla", "/rules")["items"]
    ids = [r["id"] for r in rules if not r["is_default"]]
    names = {r["id"]: r["name"] for r in rules}
    if rule_id not in ids or direction not in ("up", "down"):
        return _after_change(f"up-{rule_id}", "", _("Only a rule other than the default moves up or down."), 422)
    at = ids.index(rule_id)
    to = at - 1 if direction == "up" else at + 1
    if 0 <= to < len(ids):
        ids[at], ids[to] = ids[to], ids[at]
        try:
            api().put("sla", "/rules/order", json_body={"ids": ids})
        except ServiceProblem as err:
            return _after_change(f"{direction}-{rule_id}", "", err.detail, 409 if err.status == 409 else 422)
    # Focus stays on the button pressed unless the rule reached the end it moved to.
    moved_to = ids.index(rule_id)
    edge = (direction == "up" and moved_to == 0) or (direction == "down" and moved_to == len(ids) - 1)
    other = "down" if direction == "up" else "up"
    focus = f"{other if edge else direction}-{rule_id}"
    message = _("“{name}” is now number {n}.", name=names[rule_id], n=moved_to + 1)
    return _after_change(focus, message)


@bp.post("/settings/sla/rules/<int:rule_id>/enabled")
@page(ADMINS)
def sla_rule_enable(rule_id: int) -> Response | tuple:
    enabled = request.form.get("enabled") == "true"
    try:
        rule = api().patch("sla", f"/rules/{rule_id}", json_body={"enabled": enabled})
    except ServiceProblem as err:
        if err.status == 404:
            raise
        return _after_change(f"toggle-{rule_id}", "", err.detail, 422)
    text = "“{name}” is enabled." if rule["enabled"] else "“{name}” is disabled."
    return _after_change(f"toggle-{rule_id}", _(text, name=rule["name"]))


@bp.post("/settings/sla/rules/<int:rule_id>/delete")
@page(ADMINS)
def sla_rule_delete(rule_id: int) -> Response | tuple:
    try:
        api().delete("sla", f"/rules/{rule_id}")
    except ServiceProblem as err:
        if err.status == 404:
            raise
        return render("sla/rules.html", 409, **_list_context(problem=err.detail))
    return redirect(url_for("ui.sla_rules", done="deleted"), 303)


# -- create and edit -------------------------------------------------------------------
@dataclass
class RuleForm:
    name: str = ""
    enabled: bool = True
    types: list[str] = field(default_factory=list)
    priorities: list[str] = field(default_factory=list)
    client_categories: list[int] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)
    registered: str = "any"
    registered_calendar_id: str = ""
    window_days: list[str] = field(default_factory=list)
    window_from: str = ""
    window_to: str = ""
    window_timezone: str = ""
    calendar_id: str = ""
    reaction_h: str = ""
    reaction_m: str = ""
    resolution_h: str = ""
    resolution_m: str = ""
    warn: str = "75"
    errors: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, rule: dict[str, Any]) -> RuleForm:
        c = rule.get("conditions") or {}
        window = c.get("registered") or {}
        if not window:
            mode = "any"
        elif window.get("calendar_id") is not None:
            mode = "inside" if window.get("inside", True) else "outside"
        else:
            mode = "window"
        form = cls(
            name=rule["name"],
            enabled=rule["enabled"],
            types=list(c.get("types") or []),
            priorities=list(c.get("priorities") or []),
            client_categories=list(c.get("client_categories") or []),
            companies=list(c.get("companies") or []),
            registered=mode,
            registered_calendar_id=str(window.get("calendar_id") or ""),
            window_days=list(window.get("days") or []),
            window_from=window.get("from", ""),
            window_to=window.get("to", ""),
            window_timezone=window.get("timezone", ""),
            calendar_id=str(rule["calendar_id"]),
            warn=", ".join(_percent(f) for f in rule.get("warn_fractions") or []),
        )
        form.reaction_h, form.reaction_m = _split_minutes(rule.get("reaction_minutes"))
        form.resolution_h, form.resolution_m = _split_minutes(rule.get("resolution_minutes"))
        return form

    @classmethod
    def posted(cls) -> RuleForm:
        f = request.form
        text = {k: f.get(k, "").strip()[:120] for k in ("name", "registered_calendar_id", "calendar_id", "warn")}
        small = {
            k: f.get(k, "").strip()[:64]
            for k in (
                "window_from",
                "window_to",
                "window_timezone",
                "reaction_h",
                "reaction_m",
                "resolution_h",
                "resolution_m",
            )
        }
        form = cls(
            enabled=f.get("enabled") == "on",
            types=f.getlist("types")[:100],
            priorities=f.getlist("priorities")[:100],
            companies=f.getlist("companies")[:100],
            registered=f.get("registered", "any") if f.get("registered") in REGISTERED_MODES else "any",
            window_days=[d for d in f.getlist("window_days") if d in WEEKDAYS],
            **text,
            **small,
        )
        for value in f.getlist("client_categories")[:100]:
            if value.isdigit():
                form.client_categories.append(int(value))
            else:
                form.errors["client_categories"] = _("Choose client categories from the list.")
        return form

    def body(self, is_default: bool) -> dict[str, Any]:
        """The rule as the service takes it; errors of what cannot be sent at all."""
        body: dict[str, Any] = {"name": self.name}
        if self.calendar_id.isdigit():
            body["calendar_id"] = int(self.calendar_id)
        else:
            self.errors["calendar_id"] = _("Choose the calendar the times count in.")
        body["reaction_minutes"] = self._minutes("reaction")
        body["resolution_minutes"] = self._minutes("resolution")
        body["warn_fractions"] = self._fractions()
        if is_default:
            return body
        body["enabled"] = self.enabled
        conditions: dict[str, Any] = {}
        for key in ("types", "priorities", "client_categories", "companies"):
            if getattr(self, key):
                conditions[key] = getattr(self, key)
        if self.registered in ("inside", "outside"):
            if self.registered_calendar_id.isdigit():
                conditions["registered"] = {
                    "calendar_id": int(self.registered_calendar_id),
                    "inside": self.registered == "inside",
                }
            else:
                self.errors["registered_calendar_id"] = _("Choose the calendar whose working hours are meant.")
        elif self.registered == "window":
            window: dict[str, Any] = {}
            if self.window_days:
                window["days"] = self.window_days
            for key, value in (("from", self.window_from), ("to", self.window_to), ("timezone", self.window_timezone)):
                if value:
                    window[key] = value
            conditions["registered"] = window
        body["conditions"] = conditions
        return body

    def _minutes(self, which: str) -> int | None:
        hours, minutes = getattr(self, f"{which}_h"), getattr(self, f"{which}_m")
        if not hours and not minutes:
            return None
        try:
            total = round(float((hours or "0").replace(",", ".")) * 60) + int(minutes or "0")
        except ValueError:
            self.errors[which] = _("Give hours and minutes as numbers.")
            return None
        return total

    def _fractions(self) -> list[float]:
        out = []
        for part in self.warn.replace(";", ",").split(","):
            part = part.strip().rstrip("%").strip()
            if not part:
                continue
            try:
                out.append(round(float(part.replace(" ", "")) / 100, 4))
            except ValueError:
                self.errors["warn"] = _("Give the shares as percentages, e.g. 75 or 50, 90.")
        return out

    def take(self, err: ServiceProblem) -> None:
        placed, rest = route_errors(err.field_messages(), _RULE_ROUTE)
        self.errors.update(placed)
        self.problems = rest or ([] if err.errors else [err.detail])


def _percent(fraction: float) -> str:
    value = fraction * 100
    return str(round(value)) if abs(value - round(value)) < 1e-6 else f"{value:g}"


def _split_minutes(minutes: int | None) -> tuple[str, str]:
    if minutes is None:
        return "", ""
    return str(minutes // 60), str(minutes % 60)


def _editor(form: RuleForm, rule: dict[str, Any] | None, status: int = 200) -> tuple[str, int]:
    lists = _pick_lists(set(form.companies))
    # Values a rule holds that the lists do not (an inactive type, say) stay choosable.
    for kind, chosen in (
        ("types", form.types),
        ("priorities", form.priorities),
        ("categories", form.client_categories),
    ):
        present = {v for v, _label in getattr(lists, kind)}
        getattr(lists, kind).extend((v, str(v)) for v in chosen if v not in present)
    present = {v for v, _label in lists.companies}
    lists.companies.extend((v, v) for v in form.companies if v not in present)
    return render(
        "sla/rule_edit.html",
        status,
        form=form,
        rule=rule,
        is_default=bool(rule and rule["is_default"]),
        lists=lists,
        calendars=_calendars(),
        weekdays=[(d, day_name(d)) for d in WEEKDAYS],
        errors=form.errors,
        zones=time_zones(),
    )


@bp.get("/settings/sla/rules/new")
@page(ADMINS)
def sla_rule_new() -> tuple[str, int]:
    form = RuleForm(reaction_h="4", resolution_h="16")
    calendars = _calendars()
    if calendars:
        form.calendar_id = str(calendars[0][0])
    return _editor(form, None)


@bp.post("/settings/sla/rules/new")
@page(ADMINS)
def sla_rule_create() -> Response | tuple[str, int]:
    form = RuleForm.posted()
    body = form.body(is_default=False)
    if form.errors:
        return _editor(form, None, 422)
    try:
        created = api().post("sla", "/rules", json_body=body)
    except ServiceProblem as err:
        form.take(err)
        return _editor(form, None, 422)
    return redirect(url_for("ui.sla_rules", done="created") + f"#rule-{created['id']}", 303)


@bp.get("/settings/sla/rules/<int:rule_id>/edit")
@page(ADMINS)
def sla_rule_edit(rule_id: int) -> tuple[str, int]:
    rule = api().get("sla", f"/rules/{rule_id}")
    return _editor(RuleForm.of(rule), rule)


@bp.post("/settings/sla/rules/<int:rule_id>/edit")
@page(ADMINS)
def sla_rule_update(rule_id: int) -> Response | tuple[str, int]:
    rule = api().get("sla", f"/rules/{rule_id}")
    form = RuleForm.posted()
    body = form.body(is_default=rule["is_default"])
    if form.errors:
        return _editor(form, rule, 422)
    try:
        api().patch("sla", f"/rules/{rule_id}", json_body=body)
    except ServiceProblem as err:
        if err.status == 404:
            raise
        form.take(err)
        return _editor(form, rule, 422)
    return redirect(url_for("ui.sla_rules", done="saved") + f"#rule-{rule_id}", 303)
