"""The transports the sender hands messages to, chosen from the settings: the desk's SMTP
server through a small pool, or, when none is set (a fresh installation, `make run`),
the local SMTP sink that keeps every mail under `var/mail-sink/` for the outbox page;
and the SMS gateway. One pool per distinct SMTP setting, kept for the process."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from relay_notify.adapters import sms as sms_gateway
from relay_notify.adapters.smtp import SmtpConfig, SmtpPool
from relaykit.mail_sink import SmtpSink
from relaykit.service import Runtime


@dataclass(frozen=True)
class Outcome:
    ok: bool
    permanent: bool = False
    error: str | None = None
    refused: dict[str, Any] = field(default_factory=dict)


class Transport:
    def __init__(self, pool: SmtpPool) -> None:
        self.pool = pool

    def send(self, message: Message, recipients: list[str]) -> Outcome:
        r = self.pool.send(message, recipients)
        if r.ok and r.refused:
            return Outcome(False, True, f"refused: {r.refused}", dict(r.refused))
        if r.ok:
            return Outcome(True)
        refused = dict(r.refused or {})
        error = r.error or f"SMTP {r.code}"
        if refused:
            # The server's own words ("550 5.1.1 no such user"): what the card, the delivery
            # log and the failing address show as the reason.
            error += ": " + "; ".join(f"{a}: {code} {reply}" for a, (code, reply) in refused.items())
        return Outcome(False, bool(r.permanent), error, refused)


_lock = threading.Lock()
_pools: dict[SmtpConfig, SmtpPool] = {}
_sinks: dict[str, SmtpSink] = {}


def local_sink(runtime: Runtime) -> SmtpSink:
    """This process's SMTP sink, started on first use on a free local port."""
    folder = str(runtime.settings.data_dir)
    with _lock:
        sink = _sinks.get(folder)
        if sink is None:
            sink = SmtpSink(runtime.settings.data_dir, host="127.0.0.1", port=0)
            sink.start()
            _sinks[folder] = sink
        return sink


def smtp_config(runtime: Runtime, smtp: dict[str, Any]) -> SmtpConfig:
    host, port, security = smtp.get("host") or "", int(smtp.get("port") or 25), smtp.get("security") or "none"
    if not host:
        host, port, security = "127.0.0.1", local_sink(runtime).port, "none"
    return SmtpConfig(
        host=host,
        port=port,
        security=security,
        username=smtp.get("username") or None,
        password=smtp.get("password") or None,
        from_address=smtp.get("from_address") or "support@relay.local",
        from_name=smtp.get("from_name") or "",
        pool_size=int(smtp.get("pool_size") or 4),
    )


def transport(runtime: Runtime, smtp: dict[str, Any]) -> Transport:
    cfg = smtp_config(runtime, smtp)
    with _lock:
        pool = _pools.get(cfg)
        if pool is None:
            pool = _pools[cfg] = SmtpPool(cfg)
    return Transport(pool)


def close_all() -> None:
    with _lock:
        for pool in _pools.values():
            pool.close()
        _pools.clear()
        for sink in _sinks.values():
            sink.stop()
        _sinks.clear()


def sms_config(sms: dict[str, Any]) -> sms_gateway.SmsGatewayConfig:
    return sms_gateway.SmsGatewayConfig(
        url_template=sms.get("url_template") or "",
        method=sms.get("method") or "POST",
        body_template=sms.get("body_template") or None,
        headers=dict(sms.get("headers") or {}),
        username=sms.get("username") or None,
        password=sms.get("password") or None,
        token=sms.get("token") or None,
        success_status=list(sms.get("success_status") or [200, 201, 202]),
        success_contains=sms.get("success_contains") or None,
    )


def send_sms(sms: dict[str, Any], to: str, text: str, *, production: bool) -> Outcome:
    if not sms.get("enabled") or not sms.get("url_template"):
        return Outcome(False, True, "the SMS gateway is not configured")
    if sms_gateway.normalise_number(to) is None:
        return Outcome(False, True, f"invalid number: {to}")
    r = sms_gateway.send(sms_config(sms), to, text, production=production)
    if r.ok:
        return Outcome(True)
    # A gateway that answered 4xx refuses this message for good; 5xx and timeouts pass.
    permanent = r.status is not None and 400 <= r.status < 500 and r.status not in (408, 429)
    return Outcome(False, permanent, r.error or f"HTTP {r.status}")
