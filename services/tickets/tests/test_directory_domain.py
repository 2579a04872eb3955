"""The directory's entries as plain values: normalisation, invariants, versions, snapshots."""

from datetime import UTC, datetime, timedelta

import pytest

from relay_tickets.domain.directory import (
    DIRECTORY_EVENTS,
    Company,
    Contact,
    Employee,
    Group,
    NotificationList,
    ServiceObject,
    new_entry,
    normalize_domain,
    normalize_email,
    normalize_phone,
)
from relay_tickets.domain.parties import Party
from relaykit.errors import InvalidInput

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)


def _field(excinfo) -> str:
    return next(iter(excinfo.value.errors))


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Ann.Lee@Acme.COM", "ann.lee@acme.com"),
        ("  ann+tickets@mail.acme.example ", "ann+tickets@mail.acme.example"),
        ("o'brien@acme.example", "o'brien@acme.example"),
        ("ann@bücher.example", "ann@xn--bcher-kva.example"),
    ],
)
def test_emails_are_trimmed_and_lowercased(raw, clean):
    assert normalize_email(raw) == clean


@pytest.mark.parametrize(
    "raw",
    ["", "ann", "ann@", "@acme.com", "ann@acme", "ann@@acme.com", "an n@acme.com", "ann@-acme.com", ".ann@acme.com",
     "ann..lee@acme.com", "ann@acme..com", "ann@acme.123", "a" * 65 + "@acme.com", "<ann@acme.com>", 42],
)  # fmt: skip
def test_invalid_emails_are_refused_naming_the_field(raw):
    with pytest.raises(InvalidInput) as e:
        normalize_email(raw, "emails.1")
    assert _field(e) == "emails.1"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("ACME.example", "acme.example"),
        ("@acme.example.", "acme.example"),
        ("Sub-1.Acme.Example", "sub-1.acme.example"),
    ],
)
def test_domains_are_lowercased(raw, clean):
    assert normalize_domain(raw) == clean


@pytest.mark.parametrize("raw", ["acme", "acme..com", "-acme.com", "acme_.com", "acme.com/x", "a" * 64 + ".com", ""])
def test_invalid_domains_are_refused(raw):
    with pytest.raises(InvalidInput) as e:
        normalize_domain(raw, "domains.0")
    assert _field(e) == "domains.0"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("+1 (555) 010-2030", "+15550102030"), ("555.0199", "5550199"), (" 8 800 555-35-35 ", "88005553535")],
)
def test_phones_become_digits_with_an_optional_plus(raw, clean):
    assert normalize_phone(raw) == clean


@pytest.mark.parametrize("raw", ["12", "call me", "+1 555 CALL-NOW", "++15550100", "5550100 ext 2", "1" * 21])
def test_invalid_phones_are_refused(raw):
    with pytest.raises(InvalidInput) as e:
        normalize_phone(raw, "phones.0")
    assert _field(e) == "phones.0"


def test_a_company_normalises_everything_and_snapshots_it():
    c = new_entry(
        Company,
        id="c1",
        now=NOW,
        name="  Acme  ",
        email="Office@ACME.example",
        phone="+1 555 010 2000",
        domains=["ACME.example", "acme.example", "Acme-Factory.example"],
        category_id=1,
        manager={"kind": "group", "id": "g1"},
        observers=[Party("group", "g1"), {"kind": "employee", "id": "e1"}, Party("employee", "e1")],
    )
    assert c.snapshot() == {
        "id": "c1",
        "name": "Acme",
        "email": "office@acme.example",
        "phone": "+15550102000",
        "domains": ["acme-factory.example", "acme.example"],
        "category_id": 1,
        "manager": {"kind": "group", "id": "g1"},
        "observers": [{"kind": "employee", "id": "e1"}, {"kind": "group", "id": "g1"}],
        "active": True,
        "version": 1,
        "created_at": NOW.isoformat(),
        "updated_at": NOW.isoformat(),
    }
    assert c.event_type == "company.changed"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 301}, "name"),
        ({"email": "nope"}, "email"),
        ({"phone": "call me"}, "phone"),
        ({"domains": ["acme.example", "bad domain"]}, "domains.1"),
        ({"domains": "acme.example"}, "domains"),
        ({"category_id": 0}, "category_id"),
        ({"category_id": True}, "category_id"),
        ({"manager": {"kind": "contact", "id": "x"}}, "manager.kind"),
        ({"manager": {"kind": "employee", "id": ""}}, "manager.id"),
        ({"observers": [{"kind": "employee", "id": "e1"}, {"kind": "employee"}]}, "observers.1.id"),
        ({"observers": [{"kind": "robot", "id": "r"}]}, "observers.0.kind"),
        ({"observers": [{"kind": "employee", "id": str(i)} for i in range(101)]}, "observers"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_company_invariants_name_the_field(values, field):
    with pytest.raises(InvalidInput) as e:
        new_entry(Company, id="c1", now=NOW, **({"name": "Acme"} | values))
    assert _field(e) == field


def test_a_contact_keeps_the_order_of_its_emails_and_phones():
    c = new_entry(
        Contact,
        id="p1",
        now=NOW,
        name="Wile",
        emails=["Wile@Acme.example", "a@acme.example", "wile@acme.example"],
        phones=["+1 555 2", "+1 555 1"],
    )
    assert c.emails == ("wile@acme.example", "a@acme.example") and c.main_email == "wile@acme.example"
    assert c.phones == ("+15552", "+15551")
    assert c.company_id is None and c.portal_access == "own"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"emails": ["ok@acme.example", "not an email"]}, "emails.1"),
        ({"phones": ["x"]}, "phones.0"),
        ({"copy_to": "boss"}, "copy_to"),
        ({"portal_access": "everything"}, "portal_access"),
        ({"portal_access": "company"}, "portal_access"),  # a private person has no company
        ({"company_id": "c1", "supervised_company_ids": ["c2"]}, "supervised_company_ids"),
        ({"company_id": ""}, "company_id"),
        ({"service_object_ids": ["s1", ""]}, "service_object_ids.1"),
    ],
)
def test_contact_invariants_name_the_field(values, field):
    with pytest.raises(InvalidInput) as e:
        new_entry(Contact, id="p1", now=NOW, **({"name": "Wile"} | values))
    assert _field(e) == field


def test_supervised_companies_go_with_supervised_access():
    c = new_entry(
        Contact, id="p1", now=NOW, name="Hank", portal_access="supervised", supervised_company_ids=["c2", "c1"]
    )
    assert c.supervised_company_ids == ("c1", "c2")
    with pytest.raises(InvalidInput) as e:
        c.apply({"portal_access": "own"}, LATER)
    assert _field(e) == "supervised_company_ids"
    assert c.apply({"portal_access": "own", "supervised_company_ids": []}, LATER) and c.version == 2


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"role": "contact"}, "role"),
        ({"role": "system"}, "role"),
        ({"email": "admin"}, "email"),
        ({"groups": ["g1", None]}, "groups.1"),
        ({"phone": "phone"}, "phone"),
    ],
)
def test_employee_invariants_name_the_field(values, field):
    with pytest.raises(InvalidInput) as e:
        new_entry(Employee, id="e1", now=NOW, **({"name": "Ann", "email": "ann@relay.example"} | values))
    assert _field(e) == field


@pytest.mark.parametrize("role", ["administrator", "lead_specialist", "specialist"])
def test_employee_roles_are_the_identity_roles(role):
    assert new_entry(Employee, id="e1", now=NOW, name="Ann", email="ann@relay.example", role=role).role == role


def test_a_group_has_members_and_a_notification_list():
    g = new_entry(
        Group,
        id="g1",
        now=NOW,
        name="First line",
        members=["e2", "e1", "e2"],
        notification_list={"employees": ["e1"], "emails": ["Leads@Relay.example"]},
    )
    assert g.members == ("e1", "e2")
    assert g.notification_list == NotificationList(("e1",), ("leads@relay.example",))
    assert g.snapshot()["notification_list"] == {"employees": ["e1"], "emails": ["leads@relay.example"]}
    for bad, field in [
        ({"emails": ["nope"]}, "notification_list.emails.0"),
        ({"phones": []}, "notification_list.phones"),
        ("x", "notification_list"),
    ]:
        with pytest.raises(InvalidInput) as e:
            new_entry(Group, id="g1", now=NOW, name="G", notification_list=bad)
        assert _field(e) == field


def test_a_service_object_needs_a_company_and_a_name():
    s = new_entry(ServiceObject, id="s1", now=NOW, company_id="c1", name="HQ", address="  ")
    assert s.address is None and s.snapshot()["company_id"] == "c1"
    with pytest.raises(InvalidInput) as e:
        new_entry(ServiceObject, id="s1", now=NOW, company_id=None, name="HQ")
    assert _field(e) == "company_id"


def test_changes_bump_the_version_only_when_something_changes():
    e = new_entry(Employee, id="e1", now=NOW, name="Ann", email="ann@relay.example")
    assert not e.apply({"name": " Ann ", "email": "ANN@relay.example"}, LATER)
    assert e.version == 1 and e.updated_at == NOW
    assert e.apply({"phone": "+1 555 1234"}, LATER)
    assert (e.version, e.updated_at, e.phone) == (2, LATER, "+15551234")
    assert e.deactivate(LATER) and not e.deactivate(LATER) and e.version == 3 and not e.active
    assert e.activate(LATER) and e.version == 4 and e.active
    with pytest.raises(InvalidInput) as exc:
        e.apply({"active": False}, LATER)
    assert _field(exc) == "active"


def test_a_refused_change_leaves_the_entry_as_it_was():
    c = new_entry(Company, id="c1", now=NOW, name="Acme", domains=["acme.example"])
    with pytest.raises(InvalidInput):
        c.apply({"name": "Acme 2", "domains": ["not a domain"]}, LATER)
    assert c.name == "Acme" and c.domains == ("acme.example",) and c.version == 1


def test_every_entry_publishes_its_own_changed_event():
    assert DIRECTORY_EVENTS == (
        "company.changed",
        "contact.changed",
        "service_object.changed",
        "employee.changed",
        "group.changed",
    )


def test_timestamps_must_be_aware():
    with pytest.raises(InvalidInput) as e:
        Employee(id="e1", name="Ann", email="ann@relay.example", created_at=datetime(2026, 1, 1), updated_at=NOW)
    assert _field(e) == "created_at"
