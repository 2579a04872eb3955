"""Demo tickets for the all-in-one mode, loaded once into an empty database."""

from __future__ import annotations

from sqlalchemy import func, select

from relay_tickets.adapters.tables.tickets import tickets
from relay_tickets.domain.access import Viewer
from relay_tickets.service_layer import tickets as use
from relaykit.identity import SYSTEM, Identity
from relaykit.service import Runtime

DEMO_TICKETS = [
    ("Printer on the 2nd floor jams on every page", "It started after the toner change this morning.", "email"),
    ("VPN drops every 10 minutes", "Windows 11 laptop, office Wi-Fi and home both.", "portal"),
    ("New employee starts Monday: laptop and accounts", "Anna Petrova, accounting.", "agent"),
    ("Invoice #4471 shows the wrong VAT rate", "", "email"),
    ("Cannot open the shared calendar", "Error 0x800CCC0E in Outlook.", "api"),
]


def load(runtime: Runtime) -> None:
    with runtime.db.sessions() as s:
        if s.scalar(select(func.count()).select_from(tickets)):
            return
    viewer = Viewer(Identity("demo", SYSTEM, name="Demo data"))
    for subject, description, channel in DEMO_TICKETS:
        use.create_ticket(runtime, use.CreateTicket(subject=subject, description=description, channel=channel), viewer)
