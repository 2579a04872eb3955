"""API tokens: random secrets shown once, stored only as SHA-256 hashes.

A token is 32 random bytes, so a fast hash is enough: there is nothing to
brute-force that a slow hash would protect. Lookups are cached briefly; a
revoked token stops working within `CACHE_SECONDS`.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Column, MetaData, String, Table, insert, select, update

from relaykit.db import Database
from relaykit.db_types import UtcDateTime
from relaykit.errors import InvalidInput, NotAuthenticated, NotFound
from relaykit.identity import ROLES, Identity

PREFIX = "rly_"
CACHE_SECONDS = 5.0

metadata = MetaData()

api_tokens = Table(
    "gateway_api_tokens",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("role", String(40), nullable=False),
    Column("subject", String(120), nullable=False),
    Column("organization", String(120), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_used_at", UtcDateTime, nullable=True),
    Column("revoked_at", UtcDateTime, nullable=True),
)


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


class TokenStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._cache: dict[str, tuple[float, Identity | None]] = {}
        self._lock = threading.Lock()

    def create(
        self, name: str, role: str, subject: str | None = None, organization: str | None = None
    ) -> tuple[str, TokenInfo]:
        """Returns the plaintext token (shown once) and its record."""
        if role not in ROLES:
            raise InvalidInput(f"unknown role {role!r}; one of {', '.join(sorted(ROLES))}", field="role")
        if not name.strip():
            raise InvalidInput("a token needs a name", field="name")
        token = PREFIX + secrets.token_urlsafe(32)
        token_id = str(uuid.uuid4())
        now = datetime.now(UTC)
        row = {
            "id": token_id,
            "name": name.strip(),
            "token_hash": token_hash(token),
            "role": role,
            "subject": subject or f"token:{token_id}",
            "organization": organization,
            "created_at": now,
        }
        with self.db.session() as s:
            s.execute(insert(api_tokens).values(**row))
        return token, TokenInfo(row["id"], row["name"], role, row["subject"], organization, now, None, None)

    def list(self) -> list[TokenInfo]:
        with self.db.sessions() as s:
            rows = s.execute(select(api_tokens).order_by(api_tokens.c.created_at)).all()
        return [
            TokenInfo(r.id, r.name, r.role, r.subject, r.organization, r.created_at, r.last_used_at, r.revoked_at)
            for r in rows
        ]

    def revoke(self, token_id: str) -> None:
        with self.db.session() as s:
            done = s.execute(
                update(api_tokens)
                .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            ).rowcount
        if not done:
            raise NotFound(f"no active token {token_id}", field="id")
        with self._lock:
            self._cache.clear()

    def authenticate(self, token: str) -> Identity:
        digest = token_hash(token)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(digest)
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            identity = hit[1]
        else:
            identity = self._load(digest)
            with self._lock:
                if len(self._cache) > 10_000:
                    self._cache.clear()
                self._cache[digest] = (now, identity)
        if identity is None:
            raise NotAuthenticated("the API token is unknown or revoked")
        return identity

    def _load(self, digest: str) -> Identity | None:
        with self.db.session() as s:
            row = s.execute(
                select(api_tokens).where(api_tokens.c.token_hash == digest, api_tokens.c.revoked_at.is_(None))
            ).first()
            if row is None:
                return None
            s.execute(update(api_tokens).where(api_tokens.c.id == row.id).values(last_used_at=datetime.now(UTC)))
        return Identity(subject=row.subject, role=row.role, organization=row.organization, name=row.name, channel="api")
