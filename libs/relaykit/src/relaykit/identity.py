"""Who is calling: the gateway signs the caller's identity into one header and
every service verifies the signature before doing anything else.

Header: `X-Relay-Identity: <base64url(json)>.<base64url(hmac-sha256)>`; the
JSON holds the subject, role, organisation and an expiry, so a captured header
is useless after a few minutes and a forged one never verifies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import asdict, dataclass

from relaykit.errors import NotAuthenticated

HEADER = "X-Relay-Identity"

ADMINISTRATOR = "administrator"
LEAD_SPECIALIST = "lead_specialist"
SPECIALIST = "specialist"
CONTACT = "contact"
SYSTEM = "system"
ROLES = frozenset({ADMINISTRATOR, LEAD_SPECIALIST, SPECIALIST, CONTACT, SYSTEM})
STAFF = frozenset({ADMINISTRATOR, LEAD_SPECIALIST, SPECIALIST})


@dataclass(frozen=True)
class Identity:
    subject: str
    role: str
    organization: str | None = None
    name: str | None = None
    # How the caller came in: api (a token), agent (the web UI), portal (a customer).
    channel: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, payload: str) -> str:
    return _b64(hmac.new(secret.encode(), payload.encode("ascii"), hashlib.sha256).digest())


def sign(identity: Identity, secret: str, ttl: int = 300, now: float | None = None) -> str:
    if identity.role not in ROLES:
        raise ValueError(f"unknown role {identity.role!r}")
    claims = asdict(identity) | {"exp": int((now or time.time()) + ttl)}
    payload = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{_mac(secret, payload)}"


def verify(header: str | None, secret: str, now: float | None = None) -> Identity:
    if not header:
        raise NotAuthenticated("this service only answers calls signed by the gateway")
    payload, _, signature = header.partition(".")
    if not signature or not hmac.compare_digest(signature, _mac(secret, payload)):
        raise NotAuthenticated("the identity signature does not verify")
    try:
        claims = json.loads(_unb64(payload))
        exp = int(claims.pop("exp"))
        identity = Identity(**claims)
    except (ValueError, TypeError, KeyError) as e:
        raise NotAuthenticated(f"the identity header is malformed: {e}") from None
    if exp < (now or time.time()):
        raise NotAuthenticated("the signed identity has expired")
    if identity.role not in ROLES:
        raise NotAuthenticated(f"unknown role {identity.role!r}")
    return identity
