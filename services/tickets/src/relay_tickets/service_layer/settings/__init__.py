"""Use cases of the settings administration: ticket types and their lifecycles,
statuses, priorities, custom attributes, client categories, desk settings.

    catalog       ticket types, priorities, client categories
    lifecycles    lifecycles and the statuses they join
    attributes    custom attributes of a ticket type
    desk          desk settings and what the portal offers
    transactions  how every read and every change runs
    checks        what all entries obey: names, keys, the one default, removal

Each change is one transaction, serialised with every other settings change (the
rules below are checked by reading, then writing), and drops this process's cached
configuration after the commit so the next ticket command here obeys it at once.

The rules, beyond the values' own shapes:
- Exactly one default among the active types, and among the active priorities:
  making one the default takes it from the others; the default loses that role
  (unset, or deactivated) only by naming its successor in `new_default`; the last
  active one stays active.
- A lifecycle never strands an open ticket: every open-kind status a ticket of the
  types it governs can be in, because tickets are in it now or because the lifecycle
  leads there, must lead somewhere. Closed-kind statuses may be final. A dead end the
  graph itself creates is bad input (422); one only today's tickets reveal is a
  conflict (409, with the count per status), as is the same check when a custom
  status turns open or a type goes back to the default lifecycle.
- Anything tickets (or companies, or lifecycles) use is deactivated, not deleted;
  deleting it is a 409 with the count. Attributes deactivate themselves instead.
- 422 for a value wrong in itself or naming what does not exist; 409 for a change
  the current data forbids; each names its field.
"""
