"""Demo staff and clients for the all-in-one mode, loaded once into an empty directory.

Everything goes through the service layer, so the demo also publishes the
`*.changed` events a real directory would. The administrator's id is fixed
(DEMO_ADMIN_ID) so a demo token can name them.
"""

from __future__ import annotations

from relay_tickets.domain.directory import COMPANY, SUPERVISED, Company, Contact, Employee, Group, ServiceObject
from relay_tickets.domain.parties import EMPLOYEE, GROUP, SYSTEM_ACTOR, Party
from relay_tickets.service_layer.directory import Directory
from relaykit import demo as relaykit_demo
from relaykit.identity import ADMINISTRATOR, LEAD_SPECIALIST, SPECIALIST
from relaykit.service import Runtime

__all__ = ["DEMO_ADMIN_ID", "DEMO_EMPLOYEE_IDS", "load_directory"]

DEMO_ADMIN_ID = relaykit_demo.DEMO_ADMIN_ID
DEMO_LEAD_ID = "00000000-0000-4000-8000-00000000a002"
DEMO_SPECIALIST_ID = relaykit_demo.DEMO_SPECIALIST_ID
DEMO_ENGINEER_ID = "00000000-0000-4000-8000-00000000a004"
DEMO_EMPLOYEE_IDS = (DEMO_ADMIN_ID, DEMO_LEAD_ID, DEMO_SPECIALIST_ID, DEMO_ENGINEER_ID)

EMPLOYEES = (
    (DEMO_ADMIN_ID, "Alex Admin", "admin@relay.example", ADMINISTRATOR, "+1 555 0100 001"),
    (DEMO_LEAD_ID, "Lena Lead", "lena.lead@relay.example", LEAD_SPECIALIST, "+1 555 0100 002"),
    (DEMO_SPECIALIST_ID, "Sam Specialist", "sam@relay.example", SPECIALIST, None),
    (DEMO_ENGINEER_ID, "Fiona Field", "fiona@relay.example", SPECIALIST, "+1 555 0100 004"),
)


def load_directory(runtime: Runtime) -> bool:
    """Create the demo directory unless there already are employees; True if it did."""
    directory = Directory(runtime.db, runtime.outbox)
    with directory.transaction() as (_, repo):
        if repo.count(Employee):
            return False
        category = {name: repo.category_id_by_name(name) for name in ("Client", "Partner", "VIP client")}

    def create(cls, values, id_=None):
        return directory.create(cls, values, SYSTEM_ACTOR, id=id_)

    for id_, name, email, role, phone in EMPLOYEES:
        create(Employee, {"name": name, "email": email, "role": role, "phone": phone}, id_)
    lead, specialist, engineer = (Party(EMPLOYEE, i) for i in DEMO_EMPLOYEE_IDS[1:])

    first_line = create(
        Group,
        {
            "name": "First line",
            "members": [DEMO_LEAD_ID, DEMO_SPECIALIST_ID],
            "notification_list": {"employees": [DEMO_LEAD_ID], "emails": ["first-line@relay.example"]},
        },
    )
    field_engineers = create(
        Group,
        {
            "name": "Field engineers",
            "members": [DEMO_ENGINEER_ID],
            "notification_list": {"employees": [DEMO_ENGINEER_ID, DEMO_LEAD_ID]},
        },
    )
    first_line_party = Party(GROUP, first_line.id)
    field_party = Party(GROUP, field_engineers.id)

    acme = create(
        Company,
        {
            "name": "Acme Manufacturing",
            "email": "office@acme.example",
            "phone": "+1 (555) 010-2000",
            "domains": ["acme.example", "acme-factory.example"],
            "category_id": category["Client"],
            "manager": first_line_party,
            "observers": [lead],
        },
    )
    globex = create(
        Company,
        {
            "name": "Globex Partners",
            "email": "it@globex.example",
            "domains": ["globex.example"],
            "category_id": category["Partner"],
            "manager": specialist,
        },
    )
    initech = create(
        Company,
        {
            "name": "Initech",
            "phone": "+1 555 010 3000",
            "domains": ["initech.example"],
            "category_id": category["VIP client"],
            "manager": lead,
            "observers": [first_line_party, specialist],
        },
    )

    hq = create(
        ServiceObject,
        {
            "company_id": acme.id,
            "name": "Acme head office, floor 2",
            "address": "1 Canyon Road, Phoenix",
            "manager": first_line_party,
        },
    )
    plant = create(
        ServiceObject,
        {
            "company_id": acme.id,
            "name": "Acme plant",
            "address": "77 Industrial Way, Tucson",
            "manager": engineer,
            "observers": [field_party],
        },
    )
    create(
        ServiceObject,
        {"company_id": initech.id, "name": "Initech server room", "address": "4120 Freidrich Lane, Austin"},
    )

    create(
        Contact,
        {
            "name": "Wile Coyote",
            "emails": ["wile@acme.example", "w.coyote@acme-factory.example"],
            "phones": ["+1 555 010 2001"],
            "company_id": acme.id,
            "portal_access": COMPANY,
            "copy_to": "office@acme.example",
        },
    )
    create(
        Contact,
        {
            "name": "Road Runner",
            "emails": ["runner@acme.example"],
            "company_id": acme.id,
            "portal_access": "service_objects",
            "service_object_ids": [hq.id, plant.id],
        },
    )
    create(
        Contact,
        {
            "name": "Hank Scorpio",
            "emails": ["hank@globex.example"],
            "phones": ["+1 555 010 4001"],
            "company_id": globex.id,
            "portal_access": SUPERVISED,
            "supervised_company_ids": [acme.id, initech.id],
            "manager": specialist,
        },
    )
    create(
        Contact,
        {"name": "Peter Gibbons", "emails": ["peter@initech.example"], "company_id": initech.id, "observers": [lead]},
    )
    # A private person: no company.
    create(Contact, {"name": "Pat Private", "emails": ["pat.private@mail.example"], "phones": ["555-0199"]})
    return True
