"""SLA rules: the first enabled rule whose conditions hold; conditions that do not fit their
declaration (stored before they were checked) match no ticket instead of every ticket."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from relay_sla.domain.rules import CONDITIONS, Rule, TicketFacts, conditions_from_json, matching_rule

FACTS = TicketFacts(
    type="incident", priority="critical", client_category_id=3, company_id=None, registered_at=datetime.now(UTC)
)


def never_working(calendar_id: int, at: datetime) -> bool:
    return False


def rules_with(conditions: dict) -> list[Rule]:
    return [
        Rule(1, "Default", 99, calendar_id=1, reaction_minutes=480, resolution_minutes=None, is_default=True),
        Rule(2, "Under test", 10, 2, 30, None, conditions=conditions_from_json(conditions)),
    ]


@pytest.mark.parametrize(
    "conditions",
    [{}, {"priorities": ["critical"]}, {"types": ["incident"], "client_categories": [3]}, {"priorities": []}],
)
def test_conditions_that_hold_pick_the_rule(conditions):
    assert matching_rule(rules_with(conditions), FACTS, never_working).name == "Under test"


@pytest.mark.parametrize(
    "conditions",
    [
        {"priority": ["low"]},  # misspelt: read as no condition, it used to match every ticket
        {"priorities": "critical"},  # a string: it used to be read letter by letter
        {"priorities": ["critical"], "registered": {"inside": 1, "calendar_id": 1}},
    ],
)
def test_stored_conditions_that_do_not_fit_the_declaration_match_no_ticket(conditions):
    parsed = conditions_from_json(conditions)
    assert parsed.unreadable
    assert not parsed.matches(FACTS, never_working)
    assert matching_rule(rules_with(conditions), FACTS, never_working).name == "Default"


def test_the_declaration_knows_every_key_the_matching_reads():
    assert CONDITIONS.keys == {"types", "priorities", "client_categories", "companies", "registered"}
