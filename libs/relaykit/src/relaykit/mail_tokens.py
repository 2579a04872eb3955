"""Signed values that travel by mail: the Message-IDs notify writes (mail-ingest trusts a
reply that names one: it was ours, for that ticket) and the one-click links (rate, reopen)
a customer opens without signing in (the gateway checks them).

Both are HMAC-SHA256 with the deployment's identity secret, truncated: a Message-ID is
`<relay.N.NONCE.SIG@domain>`, a link token `action.N.subject.expires.SIG` (URL-safe).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass

_MID = re.compile(r"^<?relay\.(\d{1,18})\.([0-9a-f]{8,32})\.([0-9a-f]{20})@[^>\s]+>?$")
_TOKEN = re.compile(r"^([a-z_]{1,20})\.(\d{1,18})\.([A-Za-z0-9_-]{1,64})\.(\d{1,12})\.([0-9a-f]{32})$")


def _mac(secret: str, text: str, size: int) -> str:
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()[:size]


def message_id(number: int, secret: str, domain: str) -> str:
    """A new Message-ID for a mail about ticket `number`."""
    nonce = secrets.token_hex(8)
    return f"<relay.{number}.{nonce}.{_mac(secret, f'mid.{number}.{nonce}', 20)}@{domain}>"


def ticket_of_message_id(value: str, secret: str) -> int | None:
    """The ticket a Message-ID we signed was about; None for anyone else's."""
    m = _MID.match(value.strip())
    if not m:
        return None
    number, nonce, sig = m.groups()
    return int(number) if hmac.compare_digest(sig, _mac(secret, f"mid.{number}.{nonce}", 20)) else None


@dataclass(frozen=True)
class LinkClaim:
    action: str
    number: int
    subject: str  # who may act: a contact's id (or "company:<id>")
    expires: int


def link_token(action: str, number: int, subject: str, secret: str, *, ttl: int = 30 * 86400, now=None) -> str:
    expires = int((now or time.time()) + ttl)
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", subject)[:64] or "_"
    body = f"{action}.{number}.{safe}.{expires}"
    return f"{body}.{_mac(secret, 'link.' + body, 32)}"


def read_link_token(token: str, secret: str, *, now=None) -> LinkClaim | None:
    """The claim of a valid, unexpired token; None otherwise (forged, altered or old)."""
    m = _TOKEN.match(token or "")
    if not m:
        return None
    action, number, subject, expires, sig = m.groups()
    body = f"{action}.{number}.{subject}.{expires}"
    if not hmac.compare_digest(sig, _mac(secret, "link." + body, 32)):
        return None
    if int(expires) < (now or time.time()):
        return None
    return LinkClaim(action, int(number), subject, int(expires))
