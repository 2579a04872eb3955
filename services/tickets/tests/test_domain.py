from datetime import UTC, datetime

import pytest

from relay_contracts import validate
from relay_tickets.domain.events import TicketCreated
from relay_tickets.domain.ticket import OPENED, Ticket
from relaykit.bus import new_message
from relaykit.errors import InvalidInput

NOW = datetime(2026, 11, 23, 9, 15, tzinfo=UTC)


def _register(**kw):
    args = {
        "id": "5d1e8a8e-2b5f-4c3e-9a57-4b0c2f7e9a11",
        "number": 7,
        "subject": "Printer jammed",
        "description": "",
        "channel": "email",
        "now": NOW,
    } | kw
    return Ticket.register(**args)


def test_a_new_ticket_is_opened_and_raises_ticket_created():
    ticket = _register(subject="  Printer jammed  ")
    assert ticket.status == OPENED and ticket.version == 1 and ticket.subject == "Printer jammed"
    (event,) = ticket.events
    assert isinstance(event, TicketCreated)
    assert (event.aggregate_id, event.sequence) == (ticket.id, 1)
    assert event.data()["ticket"]["number"] == 7


def test_the_event_satisfies_its_contract():
    event = _register().events[0]
    message = new_message(
        event.type,
        event.data(),
        producer="tickets",
        aggregate_type=event.aggregate_type,
        aggregate_id=event.aggregate_id,
        sequence=event.sequence,
    )
    validate(message.to_dict())


@pytest.mark.parametrize(
    ("kw", "field"),
    [({"subject": "   "}, "subject"), ({"subject": "x" * 251}, "subject"), ({"channel": "fax"}, "channel")],
)
def test_invalid_tickets_are_refused_naming_the_field(kw, field):
    with pytest.raises(InvalidInput) as e:
        _register(**kw)
    assert field in e.value.errors
