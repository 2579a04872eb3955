"""Browser sessions: a random id in a signed, HttpOnly, SameSite=Lax cookie, and a
server-side record (only the id's SHA-256) that signing out, a revocation or the
employee's deactivation ends for good: a copied cookie is worth nothing afterwards.

A new id is made at every sign-in (no session fixation); the CSRF token belongs to
the session record, so it changes with it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select, update

from relay_gateway import directory
from relay_gateway.tables import sessions
from relaykit.db import Database

COOKIE = "relay_session"
# Touching last_seen_at on every request would be a write per page; once a minute is enough
# for an idle timeout counted in hours.
_TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionPolicy:
    idle_hours: float = 8.0
    max_days: float = 7.0

    @classmethod
    def from_extra(cls, extra: dict[str, str]) -> SessionPolicy:
        return cls(
            idle_hours=float(extra.get("GATEWAY_SESSION_IDLE_HOURS", cls.idle_hours)),
            max_days=float(extra.get("GATEWAY_SESSION_MAX_DAYS", cls.max_days)),
        )


@dataclass(frozen=True)
class WebSession:
    id_hash: str
    employee: directory.Employee
    csrf_token: str
    created_at: datetime


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class SessionStore:
    def __init__(self, db: Database, secret: str, policy: SessionPolicy | None = None) -> None:
        self.db = db
        self.policy = policy or SessionPolicy()
        self._key = hashlib.sha256(b"relay session cookie\0" + secret.encode()).digest()

    def _sign(self, session_id: str) -> str:
        return hmac.new(self._key, session_id.encode(), hashlib.sha256).hexdigest()[:32]

    def create(self, employee_id: str, address: str | None, user_agent: str | None) -> tuple[str, str]:
        """A new session: (the cookie value, its CSRF token)."""
        session_id = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with self.db.session() as s:
            s.execute(
                insert(sessions).values(
                    id_hash=_digest(session_id),
                    employee_id=employee_id,
                    csrf_token=csrf,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=now + timedelta(days=self.policy.max_days),
                    address=(address or "")[:64] or None,
                    user_agent=(user_agent or "")[:300] or None,
                )
            )
            # Ended sessions are of no use after a day; keep the table small.
            s.execute(delete(sessions).where(sessions.c.expires_at < now - timedelta(days=1)))
        return f"{session_id}.{self._sign(session_id)}", csrf

    def load(self, cookie: str | None, *, touch: bool = True) -> WebSession | None:
        """The live session a cookie names, or None (forged, unknown, ended, idle too
        long, or its employee deactivated or gone from the directory copy). `touch=False`
        for what the page does by itself (live updates), which must not keep an idle
        session alive."""
        if not cookie:
            return None
        session_id, _, signature = cookie.partition(".")
        if not session_id or not signature or not hmac.compare_digest(signature, self._sign(session_id)):
            return None
        now = datetime.now(UTC)
        id_hash = _digest(session_id)
        with self.db.reading() as s:
            row = s.execute(select(sessions).where(sessions.c.id_hash == id_hash)).first()
            if row is None or row.revoked_at is not None or row.expires_at <= now:
                return None
            if row.last_seen_at + timedelta(hours=self.policy.idle_hours) <= now:
                return None
            person = directory.employee(s, row.employee_id)
        if person is None or not person.active:
            return None
        if touch and now - row.last_seen_at > _TOUCH_EVERY:
            with self.db.session() as s:
                s.execute(update(sessions).where(sessions.c.id_hash == id_hash).values(last_seen_at=now))
        return WebSession(id_hash, person, row.csrf_token, row.created_at)

    def end(self, id_hash: str) -> None:
        with self.db.session() as s:
            s.execute(
                update(sessions)
                .where(sessions.c.id_hash == id_hash, sessions.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            )

    def end_all(self, employee_id: str, keep: str | None = None) -> int:
        """End every session of an employee (a password change ends the others)."""
        with self.db.session() as s:
            stmt = update(sessions).where(sessions.c.employee_id == employee_id, sessions.c.revoked_at.is_(None))
            if keep:
                stmt = stmt.where(sessions.c.id_hash != keep)
            return s.execute(stmt.values(revoked_at=datetime.now(UTC))).rowcount
