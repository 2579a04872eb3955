"""Demo tickets for the all-in-one mode, loaded once into an empty database: a desk
that looks used, with clients, responsibles, statuses, comments and time spent."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from relay_tickets.adapters.references import References
from relay_tickets.adapters.tables.directory import groups
from relay_tickets.adapters.tables.tickets import tickets
from relay_tickets.demo_directory import DEMO_ENGINEER_ID, DEMO_LEAD_ID, DEMO_SPECIALIST_ID
from relay_tickets.domain.access import Viewer
from relay_tickets.domain.parties import CONTACT as CONTACT_REF
from relay_tickets.domain.parties import EMPLOYEE, GROUP, Party
from relay_tickets.domain.ticket import ContactRef
from relay_tickets.service_layer import activity
from relay_tickets.service_layer import tickets as use
from relaykit.demo import DEMO_ADMIN_ID
from relaykit.identity import ADMINISTRATOR, CONTACT, LEAD_SPECIALIST, SPECIALIST, SYSTEM, Identity
from relaykit.service import Runtime

# subject, description, channel, contact email, type, priority, responsible, status, comments
DEMO_TICKETS = [
    (
        "Printer on the 2nd floor jams on every page",
        "It started after the toner change this morning.",
        "email",
        "wile@acme.example",
        "incident",
        "high",
        ("group", "Field engineers"),
        "opened",
        [("agent", "Fiona will come by after lunch with a new fuser.", True)],
    ),
    (
        "VPN drops every 10 minutes",
        "Windows 11 laptop, office Wi-Fi and home both.",
        "portal",
        "runner@acme.example",
        "incident",
        "normal",
        ("employee", DEMO_SPECIALIST_ID),
        "resolved",
        [("agent", "Updated the VPN client to 7.2; the timeouts are gone on our side. Can you confirm?", True)],
    ),
    (
        "New employee starts Monday: laptop and accounts",
        "Anna Petrova, accounting.",
        "agent",
        "hank@globex.example",
        "service_request",
        "normal",
        ("group", "First line"),
        "opened",
        [],
    ),
    (
        "Invoice #4471 shows the wrong VAT rate",
        "",
        "email",
        "peter@initech.example",
        "service_request",
        "low",
        None,
        "opened",
        [],
    ),
    (
        "Cannot open the shared calendar",
        "Error 0x800CCC0E in Outlook.",
        "api",
        "runner@acme.example",
        "incident",
        "normal",
        ("employee", DEMO_SPECIALIST_ID),
        "postponed",
        [("agent", "Waiting for Microsoft's fix, due next week.", False)],
    ),
    (
        "Server room air conditioning alarm",
        "The alarm went off twice tonight.",
        "agent",
        None,
        "internal_task",
        "critical",
        ("employee", DEMO_ENGINEER_ID),
        "opened",
        [("agent", "Checked: the filter is clogged. Ordered a new one.", False)],
    ),
    (
        "Please add a second monitor for reception",
        "",
        "portal",
        "pat.private@mail.example",
        "service_request",
        "low",
        None,
        "closed",
        [],
    ),
]


def _group_id(runtime: Runtime, name: str) -> str | None:
    with runtime.db.sessions() as s:
        return s.scalar(select(groups.c.id).where(groups.c.name == name))


def load(runtime: Runtime) -> None:
    with runtime.db.sessions() as s:
        if s.scalar(select(func.count()).select_from(tickets)):
            return
    admin = Viewer(Identity(DEMO_ADMIN_ID, ADMINISTRATOR, name="Alex Admin", channel="agent"))
    with runtime.db.sessions() as s:
        sams = References(s).staff_scope(DEMO_SPECIALIST_ID)
    sam = Viewer(Identity(DEMO_SPECIALIST_ID, SPECIALIST, name="Sam Specialist", channel="agent"), staff=sams)
    # Sam (a specialist in First line) sees only his and First line's tickets: Lena, a
    # lead, works the others, so that the demo shows him some tickets and not others.
    lena = Viewer(Identity(DEMO_LEAD_ID, LEAD_SPECIALIST, name="Lena Lead", channel="agent"))
    system = Viewer(Identity("demo", SYSTEM, name="Demo data"))
    now = runtime.clock.now()
    for subject, description, channel, email, type_, priority, responsible, status, comments in DEMO_TICKETS:
        contact = company_id = None
        if email:
            with runtime.db.sessions() as s:
                ref = References(s).contact_by_email(email)
            if ref is not None:
                contact, company_id = ContactRef(CONTACT_REF, ref.id), ref.company_id
        party = None
        if responsible:
            kind, key = responsible
            party = Party(EMPLOYEE, key) if kind == "employee" else Party(GROUP, _group_id(runtime, key))
        ticket, _ = use.create_ticket(
            runtime,
            use.CreateTicket(
                subject=subject,
                description=description,
                channel=channel,
                type=type_,
                priority=priority,
                contact=contact,
                company_id=company_id,
                responsible=party,
                planned_resolution_at=now + timedelta(days=2) if priority == "critical" else None,
            ),
            system if channel in ("email", "api", "portal") else admin,
        )
        agent = sam if sam.can_see(ticket) else lena
        for _who, body, public in comments:
            activity.add_comment(runtime, ticket.number, activity.AddComment(body=body, public=public), agent)
        if status == "postponed":
            use.change_status(runtime, ticket.number, "postponed", agent, until=now + timedelta(days=5))
        elif status in ("resolved", "closed"):
            use.change_status(runtime, ticket.number, "resolved", agent)
            if status == "closed" and contact is not None:
                with runtime.db.sessions() as s:
                    scope = References(s).contact_scope(contact.id)
                customer = Viewer(Identity(contact.id, CONTACT, organization=company_id, channel="portal"), scope)
                use.change_status(runtime, ticket.number, "closed", customer)
