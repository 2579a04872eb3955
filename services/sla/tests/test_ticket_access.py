"""A ticket's SLA (state, timeline, registration failure) is read by administrators and
lead specialists for any ticket, by a specialist only for a ticket they may see in the
tickets service: responsible, observer, in the responsible or an observing group, or its
author. What the rule needs comes from the ticket and employee events; a ticket out of a
specialist's sight is the same 404 as one the service never heard of."""

import copy
import uuid
from datetime import UTC, datetime

import pytest
from sla_bus import ADMIN, new_ticket, registry_example, ticket_event
from sqlalchemy import select

from relay_sla.adapters.orm import ticket_access
from relay_sla.service_layer import access
from relaykit.testing.harness import publish, signed, wait_for

MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LEAD = signed(role="lead_specialist", subject="lead-1")


def specialist(employee_id: str) -> dict:
    return signed(role="specialist", subject=employee_id)


def emp(employee_id: str) -> dict:
    return {"kind": "employee", "id": employee_id}


def grp(group_id: str) -> dict:
    return {"kind": "group", "id": group_id}


def employee_changed(employee_id: str, groups: list[str], sequence: int) -> dict:
    message = registry_example("employee.changed", sequence=sequence)
    snapshot = copy.deepcopy(message["data"]["employee"])
    snapshot.update(id=employee_id, email=f"{employee_id}@relay.example", role="specialist", groups=groups)
    snapshot["version"] = sequence
    message["data"]["employee"] = snapshot
    message.update(aggregate_id=employee_id)
    return message


def created(ticket: dict, by: str | None = None) -> dict:
    actor = {"kind": "employee", "id": by, "name": by, "channel": "agent"} if by else None
    extra = {"actor": actor} if actor else {"actor": {"kind": "system", "id": "mail", "name": None, "channel": "email"}}
    return ticket_event("ticket.created", ticket, sequence=1, occurred_at=MONDAY_9, **extra)


def assigned(ticket: dict, sequence: int, **people) -> dict:
    ticket.update(people)
    return ticket_event("ticket.assigned", ticket, sequence=sequence, occurred_at=MONDAY_9)


def status_of(api, ticket: dict, headers) -> int:
    return api.get(f"/tickets/{ticket['id']}", headers=headers).status_code


def readable_by(api, ticket: dict, headers) -> bool:
    """Both per-ticket reads agree; a refusal says what an unknown ticket's does."""
    card = api.get(f"/tickets/{ticket['id']}", headers=headers)
    timeline = api.get(f"/tickets/{ticket['id']}/timeline", headers=headers)
    assert card.status_code == timeline.status_code, (card.get_json(), timeline.get_json())
    if card.status_code == 404:
        for answer in (card, timeline):
            assert answer.get_json()["detail"] == f"the SLA service does not know ticket {ticket['id']}"
        return False
    assert card.status_code == 200 and card.get_json()["ticket_id"] == ticket["id"]
    return True


def registered(sla, ticket: dict) -> None:
    wait_for(lambda: status_of(sla.app.test_client(), ticket, ADMIN) == 200, what="the ticket's clocks")


def test_the_responsible_the_author_leads_and_administrators_read_it_no_other_specialist(consuming, api):
    ticket = new_ticket(1, MONDAY_9, responsible=emp("sam"))
    publish(consuming, created(ticket, by="rita"))
    registered(consuming, ticket)
    assert readable_by(api, ticket, specialist("sam"))  # responsible
    assert readable_by(api, ticket, specialist("rita"))  # registered it
    assert readable_by(api, ticket, LEAD) and readable_by(api, ticket, ADMIN)
    assert not readable_by(api, ticket, specialist("ivy"))
    unknown = {"id": str(uuid.uuid4())}
    assert not readable_by(api, unknown, specialist("sam")) and not readable_by(api, unknown, ADMIN)


def test_assignments_move_who_reads_it_observers_and_groups_included(consuming, api):
    ticket = new_ticket(2, MONDAY_9, responsible=None)
    publish(consuming, created(ticket))
    publish(consuming, employee_changed("gus", ["g-1"], 1), employee_changed("olga", ["g-2"], 1))
    registered(consuming, ticket)
    assert not any(readable_by(api, ticket, specialist(e)) for e in ("sam", "gus", "olga"))

    publish(consuming, assigned(ticket, 2, responsible=grp("g-1"), observers=[emp("sam")]))
    wait_for(lambda: status_of(api, ticket, specialist("gus")) == 200, what="the assignment")
    assert readable_by(api, ticket, specialist("gus"))
    assert readable_by(api, ticket, specialist("sam")) and not readable_by(api, ticket, specialist("olga"))

    publish(consuming, assigned(ticket, 3, responsible=emp("ivy"), observers=[grp("g-2")]))
    wait_for(lambda: status_of(api, ticket, specialist("gus")) == 404, what="the second assignment")
    assert not readable_by(api, ticket, specialist("gus"))
    assert readable_by(api, ticket, specialist("olga")) and readable_by(api, ticket, specialist("ivy"))
    assert not readable_by(api, ticket, specialist("sam"))

    # Olga leaves the group: the group's tickets are no longer hers.
    publish(consuming, employee_changed("olga", [], 2))
    wait_for(lambda: status_of(api, ticket, specialist("olga")) == 404, what="the group change")
    assert not readable_by(api, ticket, specialist("olga"))


def test_a_merge_gives_the_ticket_merged_into_the_merged_ones_observers(consuming, api):
    target = new_ticket(5, MONDAY_9, responsible=emp("ivy"))
    publish(consuming, created(target))
    registered(consuming, target)
    assert not readable_by(api, target, specialist("sam"))
    target.update(observers=[emp("sam")])
    publish(consuming, ticket_event("ticket.merged", target, sequence=4, occurred_at=MONDAY_9))
    wait_for(lambda: status_of(api, target, specialist("sam")) == 200, what="the merge")


def test_a_late_older_snapshot_changes_nothing_and_the_author_comes_whenever_created_does(sla):
    ticket_id = str(uuid.uuid4())

    def doc(version, **people):
        return {"id": ticket_id, "version": version, "responsible": None, "observers": []} | people

    with sla.db.session() as s:
        access.record_ticket(s, doc(3, responsible=emp("ivy")))
        access.record_ticket(s, doc(2, responsible=emp("sam")))  # overtaken: ignored
        access.record_ticket(s, doc(1, responsible=emp("sam")), registered_by=emp("rita"))  # the author only
    with sla.db.sessions() as s:
        row = s.execute(select(ticket_access).where(ticket_access.c.ticket_id == ticket_id)).one()
    assert (row.responsible_id, row.created_by, row.version) == ("ivy", "rita", 3)


def test_the_unregistered_list_shows_a_specialist_only_their_tickets(consuming, api):
    from test_registration_retry import NO_WORKING_TIME, critical_rule_on, legacy_calendar

    consuming.clock.set(MONDAY_9)
    critical_rule_on(consuming, legacy_calendar(consuming, "Legacy", NO_WORKING_TIME))
    mine = new_ticket(3, MONDAY_9, priority="critical", responsible=emp("sam"))
    theirs = new_ticket(4, MONDAY_9, priority="critical", responsible=emp("ivy"))
    publish(consuming, created(mine), created(theirs))

    def listed(headers):
        return sorted(i["number"] for i in api.get("/unregistered-tickets", headers=headers).get_json()["items"])

    wait_for(lambda: listed(ADMIN) == [3, 4], what="both failures recorded")
    assert listed(LEAD) == [3, 4] and listed(specialist("sam")) == [3] and listed(specialist("nobody")) == []
    detail = api.get(f"/tickets/{mine['id']}", headers=specialist("sam")).get_json()["detail"]
    assert "no working time" in detail  # the reason, to whom may read it
    assert not readable_by(api, theirs, specialist("sam"))  # to anyone else, unknown


@pytest.mark.parametrize("role", ["contact", "system"])
def test_nobody_outside_the_staff_reads_a_tickets_sla(api, role):
    assert api.get(f"/tickets/{uuid.uuid4()}", headers=signed(role=role)).status_code == 403
