"""Demo SLA settings for `make run`: a Berlin office calendar with German public
holidays and shortened Christmas/New Year's Eves, and rules for VIP clients,
critical tickets and tickets registered outside working hours.

Loaded once: a desk that already has the Berlin calendar is left as it is.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert, select

from relay_sla.adapters.orm import calendars, rules
from relay_sla.service_layer import admin
from relay_sla.service_layer.book import book
from relaykit.service import Runtime

BERLIN = "Berlin office"
VIP_CATEGORY_ID = 3  # "VIP client", the tickets service's third default category
WORKING_DAY = [["09:00", "13:00"], ["14:00", "18:00"]]


def load(runtime: Runtime) -> None:
    with runtime.db.sessions() as s:
        if s.scalar(select(calendars.c.id).where(calendars.c.name == BERLIN)) is not None:
            return
    year = runtime.clock.now().year
    week = {day: WORKING_DAY for day in ("mon", "tue", "wed", "thu", "fri")}
    short_days = [
        {"date": date(y, 12, d).isoformat(), "intervals": [["09:00", "13:00"]], "name": name}
        for y in (year, year + 1)
        for d, name in ((24, "Christmas Eve"), (31, "New Year's Eve"))
    ]
    calendar = admin.create_calendar(
        runtime,
        {"name": BERLIN, "definition": {"timezone": "Europe/Berlin", "week": week, "exceptions": short_days}},
    )
    for y in (year, year + 1):
        admin.add_holidays(runtime, calendar["id"], {"country": "DE", "year": y, "subdivision": "BE"})
    now = runtime.clock.now()
    berlin = calendar["id"]
    demo_rules = [
        ("VIP clients, around the clock", {"client_categories": [VIP_CATEGORY_ID]}, 2, 30, 4 * 60),
        ("Critical tickets", {"priorities": ["critical"]}, berlin, 60, 8 * 60),
        (
            "Registered outside office hours",
            {"registered": {"calendar_id": berlin, "inside": False}},
            berlin,
            120,
            16 * 60,
        ),
    ]
    with runtime.db.sessions() as s:
        for position, (name, conditions, calendar_id, reaction, resolution) in enumerate(demo_rules, start=1):
            s.execute(
                insert(rules).values(
                    name=name,
                    position=position * 10,
                    enabled=True,
                    is_default=False,
                    conditions=conditions,
                    calendar_id=calendar_id,
                    reaction_minutes=reaction,
                    resolution_minutes=resolution,
                    warn_fractions=[0.75],
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
            )
        s.commit()
    book(runtime).forget_rules()
