"""From the verified identity of an HTTP caller to the Viewer the service layer uses,
and the conditional-request headers (ETag / If-Match / Idempotency-Key)."""

from __future__ import annotations

import re

from flask import request

from relay_tickets.adapters.references import References
from relay_tickets.domain.access import Viewer
from relaykit import idempotency
from relaykit.errors import BadRequest, Forbidden
from relaykit.http import current_identity
from relaykit.identity import CONTACT, SPECIALIST

_ETAG = re.compile(r'^(?:W/)?"?(\d+)"?$')


def viewer(runtime) -> Viewer:
    ident = current_identity()
    if ident.role == SPECIALIST:
        with runtime.db.reading() as s:
            return Viewer(ident, staff=References(s).staff_scope(ident.subject))
    if ident.role != CONTACT:
        return Viewer(ident)
    with runtime.db.reading() as s:
        scope = References(s).contact_scope(ident.subject)
    if scope is None:
        raise Forbidden("this contact is unknown or inactive")
    return Viewer(ident, scope)


def if_match() -> int | None:
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    m = _ETAG.match(header.strip())
    if not m:
        raise BadRequest('If-Match is the ETag you read, e.g. "3"', field="If-Match")
    return int(m.group(1))


def etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


def idempotency_key() -> str | None:
    return idempotency.check_key(request.headers.get("Idempotency-Key"))
