"""Notify's settings, one JSON value per key, each with its defaults: the switches, the
customer rules, the desk (name, colours, links), delivery (digest, retries), the SMTP
server and the SMS gateway. Environment variables give the first values of a fresh
installation (`NOTIFY_SMTP_URL`, `NOTIFY_PUBLIC_URL`); what an administrator saves wins.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from relay_notify.adapters.orm import config, preferences
from relay_notify.domain.recipients import COPY_NO_CONTACT_EMAIL, Preferences
from relay_notify.domain.switches import Switches
from relaykit.db import upsert
from relaykit.errors import NotFound
from relaykit.service import Runtime

DEFAULTS: dict[str, dict[str, Any]] = {
    "switches": Switches().to_config(),
    "customers": {"company_copy": COPY_NO_CONTACT_EMAIL, "default_language": "en", "time_zone": "UTC"},
    "desk": {"name": "Relay", "colour": "#1f6feb", "logo_url": "", "url": "http://127.0.0.1:8080"},
    # digest_seconds: mails to one address about one ticket within this window after one
    # was sent go out together when it ends. max_attempts: tries of a temporary failure.
    "delivery": {"digest_seconds": 60, "max_attempts": 8, "production": False},
    # None: the local SMTP sink (var/mail-sink), which is what a fresh installation has.
    "smtp": {
        "host": "",
        "port": 25,
        "security": "none",
        "username": "",
        "password": "",
        "from_address": "support@relay.local",
        "from_name": "Relay support",
        "pool_size": 4,
    },
    "sms": {
        "enabled": False,
        "url_template": "",
        "method": "POST",
        "body_template": "",
        "headers": {},
        "username": "",
        "password": "",
        "token": "",
        "success_status": [200, 201, 202],
        "success_contains": "",
        "employee_text": "#{number} {subject}: {event}",
        "contact_text": "Your request #{number}: {event}",
    },
}
SECRET_FIELDS = {"smtp": ("password",), "sms": ("password", "token")}


def _env_defaults(runtime: Runtime) -> dict[str, dict[str, Any]]:
    """The defaults with the environment's values, worked out once per runtime."""
    found = runtime.extensions.get("notify.config_defaults")
    if found is None:
        found = runtime.extensions["notify.config_defaults"] = _from_env(runtime)
    return found


def _from_env(runtime: Runtime) -> dict[str, dict[str, Any]]:
    values = deepcopy(DEFAULTS)
    extra = runtime.settings.extra
    if url := extra.get("NOTIFY_SMTP_URL"):
        # smtp://user:pass@host:port, smtps:// for TLS, smtp+starttls:// for STARTTLS.
        parts = urlsplit(url)
        values["smtp"].update(
            host=parts.hostname or "",
            port=parts.port or (465 if parts.scheme == "smtps" else 25),
            security={"smtps": "tls", "smtp+starttls": "starttls"}.get(parts.scheme, "none"),
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
        )
    if sender := extra.get("NOTIFY_FROM_ADDRESS"):
        values["smtp"]["from_address"] = sender
    if public := extra.get("NOTIFY_PUBLIC_URL"):
        values["desk"]["url"] = public.rstrip("/")
    if extra.get("NOTIFY_PRODUCTION", "").lower() in ("1", "true", "yes"):
        values["delivery"]["production"] = True
    return values


def get(runtime: Runtime, session: Session, key: str) -> dict[str, Any]:
    if key not in DEFAULTS:
        raise NotFound(f"no settings named {key!r}")
    # Read once per transaction: a batch of events reads the same settings many times.
    cache = session.info.setdefault("notify.config", {})
    if key not in cache:
        saved = session.scalar(select(config.c.value).where(config.c.key == key))
        cache[key] = {**_env_defaults(runtime)[key], **(saved or {})}
    return dict(cache[key])


def put(runtime: Runtime, session: Session, key: str, value: dict[str, Any]) -> dict[str, Any]:
    value = dict(value)
    forget = set(value.pop("forget", None) or ())
    current = session.scalar(select(config.c.value).where(config.c.key == key))
    merged = {**(current or {}), **value}
    # A secret not sent again is kept: forms show secrets as blank. Removing one is asked
    # for by name (`forget`).
    for name in SECRET_FIELDS.get(key, ()):
        if name in forget:
            merged[name] = ""
        elif value.get(name) in (None, "") and current and current.get(name):
            merged[name] = current[name]
    upsert(session, config, {"key": key, "value": merged, "updated_at": runtime.clock.now()}, ["key"])
    session.info.get("notify.config", {}).pop(key, None)
    return get(runtime, session, key)


def public(key: str, value: dict[str, Any]) -> dict[str, Any]:
    """The value as the API shows it: secrets replaced by whether they are set."""
    shown = dict(value)
    for name in SECRET_FIELDS.get(key, ()):
        shown[name] = ""
        shown[f"{name}_set"] = bool(value.get(name))
    return shown


def switches(runtime: Runtime, session: Session) -> Switches:
    return Switches.from_config(get(runtime, session, "switches"))


def every_preference(session: Session, at_most: int = 2000) -> dict[str, Preferences] | None:
    """Everyone's saved preferences at once (a row per employee who changed theirs), or None
    when there are more than `at_most`: then `preferences_of` asks one at a time."""
    found = session.execute(select(preferences.c.employee_id, preferences.c.data).limit(at_most + 1)).all()
    if len(found) > at_most:
        return None
    return {employee_id: Preferences.from_data(data) for employee_id, data in found}


def preferences_of(session: Session, employee_id: str) -> Preferences:
    data = session.scalar(select(preferences.c.data).where(preferences.c.employee_id == employee_id))
    return Preferences.from_data(data)
