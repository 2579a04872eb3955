"""Who may sign in to the web UI, and with what: argon2 password hashes for employees
of the gateway's directory copy, lockout after repeated failures, and signed,
expiring, single-use links to set a password (invitations and resets alike).

The employee's email, name, role and whether they are active come from the directory
copy (the tickets service owns them); this module only keeps the credentials.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from relay_gateway import directory
from relay_gateway.tables import accounts
from relaykit.db import Database
from relaykit.errors import InvalidInput

log = logging.getLogger(__name__)

PASSWORD_MIN = 10
PASSWORD_MAX = 200
# A hash of a password nobody has, verified for unknown emails so that a wrong email
# takes as long as a wrong password (no account enumeration by timing).
_hasher = PasswordHasher()
_DUMMY = _hasher.hash("relay: no such account")


@dataclass(frozen=True)
class Policy:
    failures: int = 5  # consecutive failures that lock an account
    lock_minutes: int = 15
    link_hours: int = 24  # how long a set-password link works

    @classmethod
    def from_extra(cls, extra: dict[str, str]) -> Policy:
        return cls(
            failures=int(extra.get("GATEWAY_LOCKOUT_FAILURES", cls.failures)),
            lock_minutes=int(extra.get("GATEWAY_LOCKOUT_MINUTES", cls.lock_minutes)),
            link_hours=int(extra.get("GATEWAY_PASSWORD_LINK_HOURS", cls.link_hours)),
        )


class SignInRefused(Exception):
    """Why a sign-in failed, in words the person may read."""

    def __init__(self, message: str, *, locked: bool = False) -> None:
        super().__init__(message)
        self.locked = locked


WRONG = "The email or the password is wrong."


def check_password_rules(password: str, field: str = "password") -> None:
    if len(password) < PASSWORD_MIN:
        raise InvalidInput(f"a password needs at least {PASSWORD_MIN} characters", field=field)
    if len(password) > PASSWORD_MAX:
        raise InvalidInput(f"a password has at most {PASSWORD_MAX} characters", field=field)
    if not password.strip():
        raise InvalidInput("a password cannot be only blanks", field=field)


class Accounts:
    def __init__(self, db: Database, secret: str, policy: Policy | None = None) -> None:
        self.db = db
        self.policy = policy or Policy()
        self._link_key = hashlib.sha256(b"relay password link\0" + secret.encode()).digest()

    # -- signing in ----------------------------------------------------------------------
    def sign_in(self, email: str, password: str, now: datetime | None = None) -> directory.Employee:
        now = now or datetime.now(UTC)
        refused: SignInRefused | None = None
        # The failure count must commit with the refusal: decide inside, raise after.
        with self.db.session() as s:
            person = directory.employee_by_email(s, email) if email.strip() else None
            row = self._row(s, person.id) if person else None
            if person is None or row is None or not row.password_hash:
                _verify(_DUMMY, password)
                refused = SignInRefused(WRONG)
            elif row.locked_until is not None and row.locked_until > now:
                refused = SignInRefused(self._locked_message(row.locked_until, now), locked=True)
            elif not _verify(row.password_hash, password):
                failures = (row.failed_signins or 0) + 1
                values: dict = {"failed_signins": failures}
                refused = SignInRefused(WRONG)
                if failures >= self.policy.failures:
                    until = now + timedelta(minutes=self.policy.lock_minutes)
                    values = {"failed_signins": 0, "locked_until": until}
                    refused = SignInRefused(self._locked_message(until, now), locked=True)
                    log.warning("account locked", extra={"employee_id": person.id, "failures": failures})
                s.execute(update(accounts).where(accounts.c.employee_id == person.id).values(**values))
            elif not person.active:
                # Only someone who knows the password learns this.
                refused = SignInRefused("This account is deactivated. Ask an administrator.")
            else:
                values = {"failed_signins": 0, "locked_until": None}
                if _hasher.check_needs_rehash(row.password_hash):
                    values["password_hash"] = _hasher.hash(password)
                s.execute(update(accounts).where(accounts.c.employee_id == person.id).values(**values))
        if refused is not None:
            raise refused
        return person

    def _locked_message(self, until: datetime, now: datetime) -> str:
        minutes = max(1, int((until - now).total_seconds() + 59) // 60)
        return (
            f"Too many failed sign-ins: this account is locked for {minutes} more minute(s). "
            "Reset your password by email, or ask an administrator."
        )

    # -- passwords -----------------------------------------------------------------------
    def set_password(self, employee_id: str, password: str, now: datetime | None = None) -> None:
        check_password_rules(password)
        now = now or datetime.now(UTC)
        values = {
            "password_hash": _hasher.hash(password),
            "password_changed_at": now,
            "failed_signins": 0,
            "locked_until": None,
        }
        with self.db.session() as s:
            self._ensure(s, employee_id)
            s.execute(update(accounts).where(accounts.c.employee_id == employee_id).values(**values))

    def change_password(self, employee_id: str, current: str, new: str) -> None:
        with self.db.sessions() as s:
            row = self._row(s, employee_id)
        if row is None or not row.password_hash or not _verify(row.password_hash, current):
            raise InvalidInput("the current password is wrong", field="current_password")
        if current == new:
            raise InvalidInput("the new password is the same as the current one", field="new_password")
        check_password_rules(new, "new_password")
        self.set_password(employee_id, new)

    def has_password(self, employee_id: str) -> bool:
        with self.db.sessions() as s:
            row = self._row(s, employee_id)
        return bool(row and row.password_hash)

    def mark_invited(self, employee_id: str) -> None:
        with self.db.session() as s:
            self._ensure(s, employee_id)
            s.execute(
                update(accounts).where(accounts.c.employee_id == employee_id).values(invited_at=datetime.now(UTC))
            )

    # -- language ------------------------------------------------------------------------
    def language(self, employee_id: str) -> str | None:
        with self.db.sessions() as s:
            row = self._row(s, employee_id)
        return row.language if row else None

    def set_language(self, employee_id: str, language: str | None) -> None:
        with self.db.session() as s:
            self._ensure(s, employee_id)
            s.execute(update(accounts).where(accounts.c.employee_id == employee_id).values(language=language))

    # -- set-password links (invitation and reset) --------------------------------------
    def link_token(self, employee_id: str, now: float | None = None) -> str:
        """A token for a link that sets the password once: it names the password it
        replaces (its change time), so it stops working when any password is set."""
        expires = int((now or time.time()) + self.policy.link_hours * 3600)
        with self.db.sessions() as s:
            row = self._row(s, employee_id)
        stamp = _stamp(row.password_changed_at if row else None)
        payload = f"{employee_id}.{expires}"
        return f"{payload}.{self._mac(payload, stamp)}"

    def redeem_link(self, token: str, password: str, now: float | None = None) -> str:
        employee_id = self.check_link(token, now)
        self.set_password(employee_id, password)
        return employee_id

    def check_link(self, token: str, now: float | None = None) -> str:
        """The employee a link is for; InvalidInput when it is forged, used or expired."""
        employee_id, _, rest = (token or "").partition(".")
        expires, _, mac = rest.partition(".")
        bad = InvalidInput("this link is not valid (any more); ask for a new one", field="token")
        if not employee_id or not expires.isdigit() or not mac:
            raise bad
        with self.db.sessions() as s:
            row = self._row(s, employee_id)
            person = directory.employee(s, employee_id)
        stamp = _stamp(row.password_changed_at if row else None)
        if not hmac.compare_digest(mac, self._mac(f"{employee_id}.{expires}", stamp)):
            raise bad
        if int(expires) < (now or time.time()):
            raise InvalidInput("this link has expired; ask for a new one", field="token")
        if person is None or not person.active:
            raise bad
        return employee_id

    def _mac(self, payload: str, stamp: str) -> str:
        return hmac.new(self._link_key, f"{payload}|{stamp}".encode(), hashlib.sha256).hexdigest()[:43]

    # -- rows ----------------------------------------------------------------------------
    @staticmethod
    def _row(s: Session, employee_id: str):
        return s.execute(select(accounts).where(accounts.c.employee_id == employee_id)).first()

    @staticmethod
    def _ensure(s: Session, employee_id: str) -> None:
        if s.scalar(select(accounts.c.employee_id).where(accounts.c.employee_id == employee_id)) is None:
            s.execute(insert(accounts).values(employee_id=employee_id, failed_signins=0))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _stamp(changed_at: datetime | None) -> str:
    return changed_at.isoformat() if changed_at else "never"
