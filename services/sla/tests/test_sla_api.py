"""The SLA API: calendars, rules, previews; who may do what; bad input named."""

import pytest
from conftest import ADMIN, CONTACT, SPECIALIST
from sla_bus import registry_example

from relay_sla.entrypoints.consumers import settings_changed

BERLIN = {
    "timezone": "Europe/Berlin",
    "week": {d: [["09:00", "13:00"], ["14:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    "exceptions": [{"date": "2026-12-24", "intervals": [["09:00", "12:00"]], "name": "Christmas Eve"}],
}


def problem(resp, status: int, field: str | None = None) -> dict:
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.headers["Content-Type"] == "application/problem+json"
    body = resp.get_json()
    if field:
        assert field in [e["field"] for e in body.get("errors", [])], body
    return body


def ok(resp, status: int = 200) -> dict:
    assert resp.status_code == status, resp.get_data(as_text=True)
    return resp.get_json()


@pytest.fixture
def catalogue(sla):
    """The ticket settings as if the tickets service had announced them."""
    message = registry_example(
        "settings.changed",
        types=[{"key": "incident", "name": "Incident", "internal": False, "active": True}],
        priorities=[{"key": "critical", "name": "Critical", "position": 4, "active": True}],
        client_categories=[{"id": 3, "name": "VIP client"}],
    )
    from relaykit.bus import Message

    with sla.db.sessions() as s:
        settings_changed(s, Message.from_dict(message))
        s.commit()


def test_calendars_are_created_read_changed_and_deleted(api):
    created = ok(api.post("/calendars", json={"name": "Berlin", "definition": BERLIN}, headers=ADMIN), 201)
    assert created["definition"]["timezone"] == "Europe/Berlin"
    path = f"/calendars/{created['id']}"
    assert ok(api.get(path, headers=SPECIALIST))["name"] == "Berlin"
    changed = ok(api.patch(path, json={"name": "Berlin office"}, headers=ADMIN))
    assert changed["version"] == 2
    names = [c["name"] for c in ok(api.get("/calendars", headers=SPECIALIST))["items"]]
    assert names == ["Working hours", "24x7", "Berlin office"]
    assert api.delete(path, headers=ADMIN).status_code == 204
    problem(api.get(path, headers=SPECIALIST), 404)


def test_public_holidays_are_imported_as_days_off_keeping_changed_days(api):
    created = ok(api.post("/calendars", json={"name": "Berlin", "definition": BERLIN}, headers=ADMIN), 201)
    imported = ok(api.post(f"/calendars/{created['id']}/holidays", json={"country": "DE", "year": 2026}, headers=ADMIN))
    days = {e["date"]: e for e in imported["definition"]["exceptions"]}
    assert days["2026-12-25"]["intervals"] == []
    assert days["2026-12-24"]["intervals"] == [["09:00", "12:00"]]  # the administrator's day stays
    problem(
        api.post(f"/calendars/{created['id']}/holidays", json={"country": "XX", "year": 2026}, headers=ADMIN),
        422,
        "country",
    )


@pytest.mark.parametrize(
    ("definition", "field"),
    [
        ({"timezone": "Mars/Olympus", "week": {}}, "timezone"),
        ({"timezone": "UTC", "week": {"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}}, "week.mon.1"),
        ({"timezone": "UTC", "week": {"mon": [["18:00", "09:00"]]}}, "week.mon.0"),
        ({"timezone": "UTC", "week": {"mon": [["09:00", "25:00"]]}}, "week.mon.0"),
        ({"timezone": "UTC", "week": {"funday": []}}, "week.funday"),
    ],
)
def test_a_bad_calendar_is_refused_naming_the_field(api, definition, field):
    problem(api.post("/calendars", json={"name": "Bad", "definition": definition}, headers=ADMIN), 422, field)


def test_a_calendar_in_use_cannot_be_deleted(api):
    problem(api.delete("/calendars/1", headers=ADMIN), 409, "calendar_id")


def test_rules_are_added_before_the_default_reordered_and_disabled(api, catalogue):
    vip = ok(
        api.post(
            "/rules",
            json={"name": "VIP", "conditions": {"client_categories": [3]}, "calendar_id": 2, "reaction_minutes": 30},
            headers=ADMIN,
        ),
        201,
    )
    crit = ok(
        api.post(
            "/rules",
            json={
                "name": "Critical",
                "conditions": {"priorities": ["critical"]},
                "calendar_id": 1,
                "resolution_minutes": 240,
            },
            headers=ADMIN,
        ),
        201,
    )
    assert [r["name"] for r in ok(api.get("/rules", headers=SPECIALIST))["items"]] == ["VIP", "Critical", "Default"]
    reordered = ok(api.put("/rules/order", json={"ids": [crit["id"], vip["id"]]}, headers=ADMIN))
    assert [r["name"] for r in reordered["items"]] == ["Critical", "VIP", "Default"]
    problem(api.put("/rules/order", json={"ids": [crit["id"]]}, headers=ADMIN), 422, "ids")
    assert ok(api.patch(f"/rules/{vip['id']}", json={"enabled": False}, headers=ADMIN))["enabled"] is False
    assert api.delete(f"/rules/{vip['id']}", headers=ADMIN).status_code == 204


def test_the_default_rule_stays(api):
    problem(api.delete("/rules/1", headers=ADMIN), 409)
    problem(api.patch("/rules/1", json={"enabled": False}, headers=ADMIN), 409, "enabled")
    assert ok(api.patch("/rules/1", json={"reaction_minutes": 120}, headers=ADMIN))["reaction_minutes"] == 120


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"conditions": {"types": ["nope"]}}, "conditions.types.0"),
        ({"conditions": {"priorities": ["critical", "urgent"]}}, "conditions.priorities.1"),
        ({"conditions": {"client_categories": [99]}}, "conditions.client_categories.0"),
        ({"calendar_id": 404}, "calendar_id"),
        ({"conditions": {"registered": {"calendar_id": 404, "inside": False}}}, "conditions.registered.calendar_id"),
        ({"conditions": {"registered": {"timezone": "Nowhere/City"}}}, "conditions.registered.timezone"),
        ({"conditions": {"registered": {"days": ["someday"]}}}, "conditions.registered.days.0"),
        ({"reaction_minutes": 0}, "reaction_minutes"),
        ({"warn_fractions": [0.5, 1.5]}, "warn_fractions.1"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_field(api, catalogue, body, field):
    rule = {"name": "Bad", "calendar_id": 1, "reaction_minutes": 60} | body
    problem(api.post("/rules", json=rule, headers=ADMIN), 422, field)


def test_previews_answer_with_stored_or_inline_calendars_and_pauses(api):
    due = ok(
        api.post(
            "/preview/due",
            json={"calendar_id": 1, "start": "2026-11-27T16:00:00+00:00", "minutes": 120},
            headers=SPECIALIST,
        )
    )
    assert due["due"] == "2026-11-27T18:00:00+00:00"  # ends with the working day: Friday 18:00
    paused = ok(
        api.post(
            "/preview/due",
            json={
                "calendar": BERLIN,
                "start": "2026-11-23T09:00:00+01:00",
                "minutes": 240,
                "pauses": [{"start": "2026-11-23T10:00:00+01:00", "end": "2026-11-23T11:00:00+01:00"}],
            },
            headers=SPECIALIST,
        )
    )
    assert paused["due"] == "2026-11-23T14:00:00+00:00"  # 15:00 Berlin: lunch and the pause skipped
    between = ok(
        api.post(
            "/preview/between",
            json={"calendar_id": 1, "start": "2026-11-27T17:00:00+00:00", "end": "2026-11-30T10:00:00+00:00"},
            headers=SPECIALIST,
        )
    )
    assert between["working_minutes"] == 120
    problem(
        api.post("/preview/due", json={"start": "2026-11-27T16:00:00+00:00", "minutes": 1}, headers=SPECIALIST),
        422,
        "calendar_id",
    )
    problem(
        api.post(
            "/preview/due",
            json={"calendar": {"timezone": "X/Y"}, "start": "2026-11-27T16:00:00+00:00", "minutes": 1},
            headers=SPECIALIST,
        ),
        422,
        "timezone",
    )
    problem(
        api.post(
            "/preview/between",
            json={"calendar_id": 1, "start": "2026-11-27T17:00:00+00:00", "end": "2026-11-26T10:00:00+00:00"},
            headers=SPECIALIST,
        ),
        422,
        "end",
    )
    problem(
        api.post(
            "/preview/due", json={"calendar_id": 1, "start": "2026-11-27T16:00:00", "minutes": 1}, headers=SPECIALIST
        ),
        422,
        "start",
    )


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/calendars", {"name": "X", "definition": {"timezone": "UTC"}}),
        ("patch", "/calendars/1", {"name": "X"}),
        ("delete", "/calendars/2", None),
        ("post", "/rules", {"name": "X", "calendar_id": 1}),
        ("patch", "/rules/1", {"reaction_minutes": 5}),
        ("put", "/rules/order", {"ids": []}),
        ("post", "/calendars/1/holidays", {"country": "DE", "year": 2026}),
    ],
)
def test_only_administrators_change_sla_settings(api, method, path, body):
    problem(getattr(api, method)(path, json=body, headers=SPECIALIST), 403)


@pytest.mark.parametrize("path", ["/calendars", "/rules", "/tickets/x", "/tickets/x/timeline"])
def test_contacts_and_strangers_read_nothing(api, path):
    problem(api.get(path, headers=CONTACT), 403)
    problem(api.get(path), 401)


def test_an_unknown_ticket_is_a_404(api):
    problem(api.get("/tickets/nope", headers=SPECIALIST), 404)
