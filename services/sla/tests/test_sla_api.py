"""The SLA API: calendars, rules, previews; who may do what; bad input named."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sla_bus import ADMIN, CONTACT, SPECIALIST, registry_example
from sqlalchemy import insert

from relay_sla.adapters.orm import calendars
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


MONDAYS = {"timezone": "UTC", "week": {"mon": [["09:00", "17:00"]]}}


def mondays_off(first: date, last: date, *, keep: tuple[date, ...] = ()) -> list[dict]:
    days = (first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1))
    return [{"date": d.isoformat(), "intervals": []} for d in days if d not in keep]


@pytest.mark.parametrize(
    ("definition", "field"),
    [
        ({"timezone": "Mars/Olympus", "week": {}}, "definition.timezone"),
        ({"timezone": "UTC", "week": {"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}}, "definition.week.mon.1"),
        ({"timezone": "UTC", "week": {"mon": [["18:00", "09:00"]]}}, "definition.week.mon.0"),
        ({"timezone": "UTC", "week": {"mon": [["09:00", "25:00"]]}}, "definition.week.mon.0"),
        ({"timezone": "UTC", "week": {"funday": []}}, "definition.week.funday"),
        # No working time: a ticket its rule matched could never get a deadline.
        ({"timezone": "UTC"}, "definition.week"),
        (
            {"timezone": "UTC", "week": {d: [] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}},
            "definition.week",
        ),
        (
            {"timezone": "UTC", "exceptions": [{"date": "2026-12-28", "intervals": [["09:00", "17:00"]]}]},
            "definition.week",
        ),
        # Ten years and more of Mondays off leave a Monday-only calendar without working time.
        ({**MONDAYS, "exceptions": mondays_off(date(2026, 1, 5), date(2036, 12, 29))}, "definition.exceptions"),
        ({**MONDAYS, "exceptions": [{"date": "3026-01-05", "intervals": []}]}, "definition.exceptions.0.date"),
        ({**MONDAYS, "exceptions": [{"date": "2026-01-05", "name": "x" * 201}]}, "definition.exceptions.0.name"),
    ],
)
def test_a_bad_calendar_is_refused_naming_the_field(api, definition, field):
    problem(api.post("/calendars", json={"name": "Bad", "definition": definition}, headers=ADMIN), 422, field)
    assert "Bad" not in [c["name"] for c in ok(api.get("/calendars", headers=SPECIALIST))["items"]]


def test_a_calendar_that_works_only_24x7_or_with_shorter_runs_of_days_off_is_accepted(api):
    ok(
        api.post(
            "/calendars", json={"name": "Open", "definition": {"timezone": "UTC", "always_open": True}}, headers=ADMIN
        ),
        201,
    )
    nine_years = {**MONDAYS, "exceptions": mondays_off(date(2026, 1, 5), date(2034, 12, 25))}
    ok(api.post("/calendars", json={"name": "Nine years off", "definition": nine_years}, headers=ADMIN), 201)


def test_changing_a_calendar_to_one_without_working_time_is_refused_and_changes_nothing(api):
    created = ok(api.post("/calendars", json={"name": "Berlin", "definition": BERLIN}, headers=ADMIN), 201)
    path = f"/calendars/{created['id']}"
    problem(
        api.patch(path, json={"definition": {"timezone": "Europe/Berlin", "week": {}}}, headers=ADMIN),
        422,
        "definition.week",
    )
    problem(
        api.patch(path, json={"definition": {"timezone": "Europe/Berlin"}, "name": "Empty"}, headers=ADMIN),
        422,
        "definition.week",
    )
    assert ok(api.get(path, headers=SPECIALIST)) == created


def test_a_holiday_import_that_would_leave_no_working_time_is_refused_naming_the_year(api):
    # Every Monday off from 2016 to 2026 but Easter Monday 2020: two runs, each under ten
    # years. Importing Germany's 2020 holidays makes Easter Monday a day off too: eleven years.
    easter_monday = date(2020, 4, 13)
    exceptions = mondays_off(date(2016, 1, 4), date(2026, 12, 28), keep=(easter_monday,))
    created = ok(
        api.post(
            "/calendars", json={"name": "Mondays", "definition": {**MONDAYS, "exceptions": exceptions}}, headers=ADMIN
        ),
        201,
    )
    path = f"/calendars/{created['id']}"
    problem(api.post(f"{path}/holidays", json={"country": "DE", "year": 2020}, headers=ADMIN), 422, "year")
    assert ok(api.get(path, headers=SPECIALIST))["version"] == 1
    ok(api.post(f"{path}/holidays", json={"country": "DE", "year": 2021}, headers=ADMIN))


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
        "calendar.timezone",
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


def stored_without_validation(sla, name: str, definition: dict) -> int:
    """A calendar as one could be stored before calendars without working time were refused."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with sla.db.sessions() as s:
        new_id = s.execute(
            insert(calendars).values(name=name, definition=definition, version=1, created_at=now, updated_at=now)
        ).inserted_primary_key[0]
        s.commit()
    return new_id


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/preview/due", {"calendar": {"timezone": "UTC", "week": {}}, "minutes": 60}, "calendar.week"),
        (
            "/preview/due",
            {"calendar": {"timezone": "UTC", "week": {"mon": [["09:00", "9:00"]]}}, "minutes": 1},
            "calendar.week.mon.0",
        ),
        ("/preview/between", {"calendar": {"timezone": "UTC"}, "end": "2026-11-30T10:00:00+00:00"}, "calendar.week"),
        # Outside the years the working-time tables cover (1900 to 2200), on any calendar.
        ("/preview/due", {"calendar_id": 1, "start": "2300-01-01T00:00:00+00:00", "minutes": 60}, "start"),
        ("/preview/due", {"calendar_id": 2, "start": "2300-01-01T00:00:00+00:00", "minutes": 60}, "start"),
        ("/preview/due", {"calendar_id": 1, "start": "1899-12-31T12:00:00+00:00", "minutes": 60}, "start"),
        ("/preview/due", {"calendar_id": 1, "start": "2200-12-01T00:00:00+00:00", "minutes": 2_000_000}, "minutes"),
        ("/preview/due", {"calendar_id": 2, "start": "2200-12-31T00:00:00+00:00", "minutes": 2000}, "minutes"),
        ("/preview/between", {"calendar_id": 1, "end": "2201-01-01T00:00:00+00:00"}, "end"),
        (
            "/preview/due",
            {
                "calendar_id": 1,
                "minutes": 60,
                "pauses": [
                    {"start": "2026-11-27T17:00:00+00:00", "end": "2026-11-27T18:00:00+00:00"},
                    {"start": "2250-01-01T00:00:00+00:00", "end": "2251-01-01T00:00:00+00:00"},
                ],
            },
            "pauses.1.start",
        ),
    ],
)
def test_a_preview_the_calendar_cannot_answer_is_a_422_naming_the_field(api, path, body, field):
    body = {"start": "2026-11-27T16:00:00+00:00"} | body
    problem(api.post(path, json=body, headers=SPECIALIST), 422, field)


def test_a_preview_on_a_stored_calendar_without_working_time_names_the_calendar_id(api, sla):
    empty = stored_without_validation(sla, "Empty", {"timezone": "UTC", "week": {}})
    body = {"calendar_id": empty, "start": "2026-11-27T16:00:00+00:00", "minutes": 60}
    problem(api.post("/preview/due", json=body, headers=SPECIALIST), 422, "calendar_id")
    between = {"calendar_id": empty, "start": "2026-11-27T16:00:00+00:00", "end": "2026-11-28T16:00:00+00:00"}
    assert ok(api.post("/preview/between", json=between, headers=SPECIALIST))["working_seconds"] == 0


@pytest.mark.parametrize(
    ("conditions", "field"),
    [
        # A misspelt key used to be stored and then match every ticket.
        ({"priority": ["critical"]}, "conditions.priority"),
        ({"priorities": ["critical"], "type": ["incident"]}, "conditions.type"),
        # A string where a list belongs used to be read letter by letter ("unknown priority 'c'").
        ({"priorities": "critical"}, "conditions.priorities"),
        ({"priorities": None}, "conditions.priorities"),
        ({"priorities": [1]}, "conditions.priorities.0"),
        ({"client_categories": ["3"]}, "conditions.client_categories.0"),
        ({"client_categories": [True]}, "conditions.client_categories.0"),
        ({"companies": ["x" * 37]}, "conditions.companies.0"),
        ({"registered": {"calendar_id": 1, "inside": 0}}, "conditions.registered.inside"),
        ({"registered": {"calendar_id": 1, "days": ["mon"]}}, "conditions.registered.days"),
        ({"registered": {"inside": False}}, "conditions.registered.calendar_id"),
        ({"registered": {"from": "9:00"}}, "conditions.registered.from"),
        ({"registered": {"days": "mon"}}, "conditions.registered.days"),
        ({"registered": {"days": ["mon"], "weekday": "tue"}}, "conditions.registered.weekday"),
        ({"registered": []}, "conditions.registered"),
    ],
)
def test_conditions_with_unknown_keys_or_wrong_shapes_are_refused_naming_the_field(api, catalogue, conditions, field):
    good = ok(
        api.post("/rules", json={"name": "Good", "calendar_id": 1, "conditions": {"types": []}}, headers=ADMIN), 201
    )
    rule = {"name": "Bad", "calendar_id": 1, "reaction_minutes": 60, "conditions": conditions}
    problem(api.post("/rules", json=rule, headers=ADMIN), 422, field)
    problem(api.patch(f"/rules/{good['id']}", json={"conditions": conditions}, headers=ADMIN), 422, field)
    assert ok(api.get("/rules", headers=SPECIALIST))["items"][:-1] == [good]


def test_conditions_null_or_not_an_object_are_refused(api, catalogue):
    for conditions in (None, [], "priorities"):
        rule = {"name": "Bad", "calendar_id": 1, "conditions": conditions}
        problem(api.post("/rules", json=rule, headers=ADMIN), 422, "conditions")


def test_well_formed_conditions_are_stored_as_sent(api, catalogue):
    conditions = {
        "types": ["incident"],
        "priorities": ["critical"],
        "client_categories": [3],
        "companies": ["3b0f8c2e-5a8e-4d6f-9a0b-1c2d3e4f5a60"],
        "registered": {"timezone": "Europe/Berlin", "days": ["sat", "sun"], "from": "18:00", "to": "08:00"},
    }
    rule = ok(api.post("/rules", json={"name": "All", "calendar_id": 1, "conditions": conditions}, headers=ADMIN), 201)
    assert rule["conditions"] == conditions


def test_the_openapi_document_shows_the_conditions_shape(api):
    doc = ok(api.get("/openapi.json"))
    body = doc["paths"]["/rules"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    schemas = doc["components"]["schemas"]
    create = schemas[body["$ref"].rsplit("/", 1)[1]]
    shape = schemas[create["properties"]["conditions"]["$ref"].rsplit("/", 1)[1]]
    assert shape["additionalProperties"] is False
    assert set(shape["properties"]) == {"types", "priorities", "client_categories", "companies", "registered"}
    assert shape["properties"]["priorities"]["type"] == "array"
    assert shape["properties"]["priorities"]["items"]["maxLength"] == 60
    window = schemas[shape["properties"]["registered"]["$ref"].rsplit("/", 1)[1]]
    assert window["additionalProperties"] is False
    assert window["properties"]["days"]["items"]["enum"] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert window["properties"]["from"]["pattern"]


def test_a_ticket_preview_gives_the_matching_rule_and_its_deadlines(api, catalogue):
    rule = {"name": "Critical", "calendar_id": 2, "reaction_minutes": 60, "resolution_minutes": 240}
    rule = ok(api.post("/rules", json=rule | {"conditions": {"priorities": ["critical"]}}, headers=ADMIN), 201)
    start = "2026-11-27T16:00:00+00:00"
    critical = ok(api.post("/preview/ticket", json={"priority": "critical", "start": start}, headers=SPECIALIST))
    assert critical["rule"] == {"id": rule["id"], "name": "Critical"} and critical["calendar_id"] == 2
    assert (critical["reaction_due"], critical["resolution_due"]) == (
        "2026-11-27T17:00:00+00:00",
        "2026-11-27T20:00:00+00:00",
    )
    # Anything else: the default rule, its deadlines as /preview/due computes them on its calendar.
    default = next(r for r in ok(api.get("/rules", headers=SPECIALIST))["items"] if r["is_default"])
    other = ok(api.post("/preview/ticket", json={"priority": "low", "start": start}, headers=SPECIALIST))
    assert other["rule"]["id"] == default["id"]
    due = {"calendar_id": default["calendar_id"], "start": start, "minutes": default["resolution_minutes"]}
    assert other["resolution_due"] == ok(api.post("/preview/due", json=due, headers=SPECIALIST))["due"]
    # Without a start: registered now.
    assert ok(api.post("/preview/ticket", json={}, headers=SPECIALIST))["rule"]["id"] == default["id"]
    problem(api.post("/preview/ticket", json={"start": "2026-11-27T16:00:00"}, headers=SPECIALIST), 422, "start")
    problem(api.post("/preview/ticket", json={"start": "2201-01-01T00:00:00+00:00"}, headers=SPECIALIST), 422, "start")
    problem(
        api.post("/preview/ticket", json={"client_category_id": "3"}, headers=SPECIALIST), 422, "client_category_id"
    )
    problem(api.post("/preview/ticket", json={}, headers=CONTACT), 403)
