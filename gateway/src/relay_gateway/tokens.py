"""API tokens: random secrets shown once, stored only as SHA-256 hashes.

A token is 32 random bytes, so a fast hash is enough: there is nothing to
brute-force that a slow hash would protect.

A token names who it acts for, and the directory decides whether they may:
- a staff token (administrator, lead_specialist, specialist) acts for an employee,
  who must be active in the gateway's copy of the directory; it acts with the lower
  of its own role and the employee's (administrator > lead_specialist > specialist);
- a contact token acts for a contact who is active and allowed into the portal; the
  organization is the contact's company in the directory, whatever the token says;
- a system token is a machine: it acts as itself (`token:<id>`), with no person.

Lookups are cached briefly: a revocation, or a directory change announced to
another process, takes effect within `CACHE_SECONDS`; one this process's own
consumer applies drops the cache at once.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from relay_gateway import directory
from relay_gateway.tables import api_tokens, metadata
from relaykit.db import Database
from relaykit.errors import InvalidInput, NotAuthenticated, NotFound
from relaykit.identity import CONTACT, ROLES, STAFF, SYSTEM, Identity

__all__ = ["CACHE_SECONDS", "PREFIX", "TokenInfo", "TokenStore", "api_tokens", "metadata", "token_store"]

log = logging.getLogger(__name__)

PREFIX = "rly_"
CACHE_SECONDS = 5.0
EXTENSION = "relay.tokens"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class TokenInfo:
    id: str
    name: str
    role: str
    subject: str
    organization: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    revoked_reason: str | None = None
    # Who the subject is in the gateway's copy of the directory (None: unknown there, or a machine).
    subject_name: str | None = None
    subject_active: bool | None = None


_NOT_HEARD = "is not in the directory (or the gateway has not yet heard of them)"


def resolve(session: Session, row: Any) -> Identity | str:
    """The identity a token row acts as now, or why it cannot act."""
    if row.role in STAFF:
        person = directory.employee(session, row.subject)
        if person is None:
            return f"the employee this API token acts for {_NOT_HEARD}"
        if not person.active:
            return "the employee this API token acts for is deactivated"
        role = directory.lower_role(row.role, person.role)
        return Identity(subject=row.subject, role=role, name=person.name, channel="api")
    if row.role == CONTACT:
        contact = directory.contact(session, row.subject)
        if contact is None:
            return f"the contact this API token acts for {_NOT_HEARD}"
        if not contact.active:
            return "the contact this API token acts for is deactivated"
        if not contact.may_use_portal:
            return "the contact this API token acts for has no portal access"
        return Identity(
            subject=row.subject, role=CONTACT, organization=contact.company_id, name=contact.name, channel="api"
        )
    if row.role == SYSTEM:
        return Identity(subject=row.subject, role=SYSTEM, name=row.name, channel="api")
    return f"the API token has an unknown role {row.role!r}"


class TokenStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        # digest -> (cached at, the identity or why the token cannot act)
        self._cache: dict[str, tuple[float, Identity | str]] = {}
        self._lock = threading.Lock()

    def create(
        self, name: str, role: str, subject: str | None = None, organization: str | None = None
    ) -> tuple[str, TokenInfo]:
        """Returns the plaintext token (shown once) and its record. The subject must be
        someone the gateway's copy of the directory knows, able to act in that role."""
        if role not in ROLES:
            raise InvalidInput(f"unknown role {role!r}; one of {', '.join(sorted(ROLES))}", field="role")
        if not name.strip():
            raise InvalidInput("a token needs a name", field="name")
        token = PREFIX + secrets.token_urlsafe(32)
        token_id = str(uuid.uuid4())
        now = datetime.now(UTC)
        with self.db.session() as s:
            subject, organization = self._check_subject(s, role, subject, organization, token_id)
            row = {
                "id": token_id,
                "name": name.strip(),
                "token_hash": token_hash(token),
                "role": role,
                "subject": subject,
                "organization": organization,
                "created_at": now,
            }
            s.execute(insert(api_tokens).values(**row))
        return token, TokenInfo(row["id"], row["name"], role, subject, organization, now, None, None)

    @staticmethod
    def _check_subject(
        s: Session, role: str, subject: str | None, organization: str | None, token_id: str
    ) -> tuple[str, str | None]:
        subject = (subject or "").strip() or None
        if role == SYSTEM:
            if subject is not None:
                raise InvalidInput("a system token acts as itself (token:<id>), not for a person", field="subject")
            if organization is not None:
                raise InvalidInput("only a contact token belongs to an organization", field="organization")
            return f"token:{token_id}", None
        if subject is None:
            kind = "contact" if role == CONTACT else "employee"
            raise InvalidInput(f"a {role} token acts for a {kind}: give the {kind}'s id", field="subject")
        if role in STAFF:
            if organization is not None:
                raise InvalidInput("only a contact token belongs to an organization", field="organization")
            person = directory.employee(s, subject)
            if person is None:
                raise InvalidInput(
                    f"the directory has no employee {subject} (or the gateway has not yet heard of them)",
                    field="subject",
                )
            if not person.active:
                raise InvalidInput(f"employee {subject} ({person.name}) is deactivated", field="subject")
            if directory.lower_role(role, person.role) != role:
                raise InvalidInput(
                    f"{person.name} is a {person.role} in the directory; a token cannot carry more ({role})",
                    field="role",
                )
            return subject, None
        person = directory.contact(s, subject)
        if person is None:
            raise InvalidInput(
                f"the directory has no contact {subject} (or the gateway has not yet heard of them)", field="subject"
            )
        if not person.may_use_portal:
            state = "deactivated" if not person.active else "without portal access"
            raise InvalidInput(f"contact {subject} ({person.name}) is {state}", field="subject")
        if organization is not None and organization != person.company_id:
            raise InvalidInput(
                f"contact {subject} belongs to {person.company_id or 'no company'} in the directory, "
                f"not {organization}; leave --organization out",
                field="organization",
            )
        return subject, person.company_id

    def list(self) -> list[TokenInfo]:
        with self.db.sessions() as s:
            rows = s.execute(select(api_tokens).order_by(api_tokens.c.created_at)).all()
            known = directory.names(
                s,
                {r.subject for r in rows if r.role in STAFF},
                {r.subject for r in rows if r.role == CONTACT},
            )
        out = []
        for r in rows:
            kind = "employee" if r.role in STAFF else "contact" if r.role == CONTACT else None
            name, active = known.get((kind, r.subject), (None, None)) if kind else (None, None)
            out.append(
                TokenInfo(
                    r.id,
                    r.name,
                    r.role,
                    r.subject,
                    r.organization,
                    r.created_at,
                    r.last_used_at,
                    r.revoked_at,
                    r.revoked_reason,
                    name,
                    active,
                )
            )
        return out

    def revoke(self, token_id: str) -> None:
        with self.db.session() as s:
            done = s.execute(
                update(api_tokens)
                .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC), revoked_reason="revoked")
            ).rowcount
        if not done:
            raise NotFound(f"no active token {token_id}", field="id")
        self.forget()

    def forget(self) -> None:
        """Drop every cached lookup (after a revocation or a directory change)."""
        with self._lock:
            self._cache.clear()

    def authenticate(self, token: str) -> Identity:
        digest = token_hash(token)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(digest)
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            result = hit[1]
        else:
            result = self._load(digest)
            with self._lock:
                if len(self._cache) > 10_000:
                    self._cache.clear()
                self._cache[digest] = (now, result)
        if isinstance(result, str):
            raise NotAuthenticated(result)
        return result

    def _load(self, digest: str) -> Identity | str:
        with self.db.session() as s:
            row = s.execute(select(api_tokens).where(api_tokens.c.token_hash == digest)).first()
            if row is None:
                return "the API token is unknown"
            if row.revoked_at is not None:
                # Only the token's holder can ask this, so saying why is no leak.
                reason = row.revoked_reason if row.revoked_reason not in (None, "revoked") else None
                return "the API token was revoked" + (f" ({reason})" if reason else "")
            s.execute(update(api_tokens).where(api_tokens.c.id == row.id).values(last_used_at=datetime.now(UTC)))
            result = resolve(s, row)
        if isinstance(result, str):
            log.info("token refused", extra={"token_id": row.id, "role": row.role, "reason": result})
        return result


def token_store(runtime: Any) -> TokenStore:
    """The one TokenStore of a gateway runtime: its app authenticates with it and its
    directory consumer drops its cache."""
    store = runtime.extensions.get(EXTENSION)
    if store is None:
        store = runtime.extensions.setdefault(EXTENSION, TokenStore(runtime.db))
    return store
