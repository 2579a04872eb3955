"""Settings from environment variables, with defaults that run with nothing installed.

| variable | default | meaning |
|---|---|---|
| `DATABASE_URL` | `sqlite:///{data_dir}/{service}.db` | SQLAlchemy URL; `{service}` is replaced by the service name (`-` becomes `_`), so one value gives each service its own database |
| `<SERVICE>_DATABASE_URL` | | overrides `DATABASE_URL` for one service, e.g. `TICKETS_DATABASE_URL` |
| `AMQP_URL` | `embedded+sqlite:///{data_dir}/bus.db` | kombu broker URL: `amqp://guest:guest@127.0.0.1:5672//` for RabbitMQ; the default is the embedded bus, a SQLite file that keeps every message until it is handled (relaykit.bus.embedded); `memory://` loses what is in flight when the process ends (tests) |
| `RELAY_NAMESPACE` | empty | prefix of the exchange and every queue name, so several installations (or test runs) share one broker |
| `RELAY_DATA_DIR` | `./var` | SQLite files and attachments in all-in-one mode |
| `RELAY_IDENTITY_SECRET` | `relay-dev-secret-change-me` | HMAC key the gateway signs caller identities with; services refuse other signatures |
| `RELAY_IDENTITY_TTL` | `300` | seconds a signed identity stays valid |
| `RELAY_MAX_BODY_BYTES` | `1048576` | larger request bodies get 413 |
| `RELAY_LOG_LEVEL` | `INFO` | |
| `RELAY_LOG_FORMAT` | `json` | `json` or `text` |
| `RELAY_ACCESS_LOG` | `0` | `1`: one log line per HTTP request from gunicorn |
| `RELAY_OUTBOX_BATCH` | `500` | outbox rows published per round |
| `RELAY_OUTBOX_IDLE_SECONDS` | `1.0` | longest nap of an idle outbox relay (it is woken at once by commits) |
| `RELAY_OUTBOX_RETENTION_HOURS` | `24` | published outbox rows are purged after this |
| `RELAY_INBOX_RETENTION_DAYS` | `30` | handled-message ids are forgotten after this; a redelivery older than that would be applied again |
| `RELAY_RETRY_DELAYS` | `1,5,30,120` | seconds before each retry of a failed message; after the last, the dead-letter queue |
| `RELAY_PREFETCH` | `64` | unacknowledged messages a consumer holds at once |
| **The edge** (gateway, forwarded headers, metrics) | | |
| `RELAY_TRUSTED_PROXIES` | empty | comma-separated addresses or CIDRs (`10.0.0.0/8`) of proxies in front of the gateway (a Kubernetes ingress) whose `X-Forwarded-For/-Proto/-Host/-Prefix` it believes; from anyone else they are dropped |
| `RELAY_RATE_LIMIT_TOKEN` | `200/10` | requests per seconds one API token may make (`count/seconds`; `off` for none); more get 429 with `Retry-After` |
| `RELAY_RATE_LIMIT_ADDRESS` | `600/10` | requests per seconds from one client address, whatever the token |
| `RELAY_RATE_LIMIT_AUTH_FAILURES` | `20/60` | unknown or revoked tokens one client address may present; beyond it every request from there gets 429 until the window has passed |
| `RELAY_REDIS_URL` | empty | `redis://host:6379/0`: rate-limit counts shared by every gateway replica (keys prefixed with `RELAY_NAMESPACE`); empty: counted in each process |
| `RELAY_METRICS_PORT` | `0`: all-in-one the public port + 1 (8081), else any free port | the operations listener (`/metrics`, `/healthz`, `/readyz`) of the all-in-one process, the gateway and each API; never published (a worker's is its `--port`) |
| `RELAY_METRICS_HOST` | the `--host` | the address it listens on |
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

DEV_IDENTITY_SECRET = "relay-dev-secret-change-me"
EMBEDDED_BUS_URL = "embedded+sqlite:///{data_dir}/bus.db"


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def service_database_url(template: str, service: str, data_dir: Path) -> str:
    # URL builders percent-encode the braces; accept the placeholder either way.
    for encoded, plain in (("%7Bservice%7D", "{service}"), ("%7Bdata_dir%7D", "{data_dir}")):
        template = template.replace(encoded, plain).replace(encoded.lower(), plain)
    return template.replace("{service}", service.replace("-", "_")).replace("{data_dir}", str(data_dir))


@dataclass(frozen=True)
class Settings:
    service: str
    database_url: str
    amqp_url: str = "memory://"
    namespace: str = ""
    data_dir: Path = Path("var")
    identity_secret: str = DEV_IDENTITY_SECRET
    identity_ttl: int = 300
    max_body_bytes: int = 1024 * 1024
    log_level: str = "INFO"
    log_format: str = "json"
    outbox_batch: int = 500
    outbox_idle_seconds: float = 1.0
    outbox_retention_hours: float = 24.0
    inbox_retention_days: float = 30.0
    retry_delays: tuple[float, ...] = (1.0, 5.0, 30.0, 120.0)
    prefetch: int = 64
    # The edge: relaykit.forwarded, relay_gateway.limits.
    trusted_proxies: tuple[str, ...] = ()
    rate_limit_token: str = "200/10"
    rate_limit_address: str = "600/10"
    rate_limit_auth_failures: str = "20/60"
    redis_url: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, service: str) -> Settings:
        data_dir = Path(_env("RELAY_DATA_DIR", "var"))
        prefix = service.upper().replace("-", "_")
        template = _env(f"{prefix}_DATABASE_URL", _env("DATABASE_URL", "sqlite:///{data_dir}/{service}.db"))
        return cls(
            service=service,
            database_url=service_database_url(template, service, data_dir),
            amqp_url=_env("AMQP_URL", EMBEDDED_BUS_URL).replace("{data_dir}", str(data_dir)),
            namespace=_env("RELAY_NAMESPACE", ""),
            data_dir=data_dir,
            identity_secret=_env("RELAY_IDENTITY_SECRET", DEV_IDENTITY_SECRET),
            identity_ttl=int(_env("RELAY_IDENTITY_TTL", "300")),
            max_body_bytes=int(_env("RELAY_MAX_BODY_BYTES", str(1024 * 1024))),
            log_level=_env("RELAY_LOG_LEVEL", "INFO"),
            log_format=_env("RELAY_LOG_FORMAT", "json"),
            outbox_batch=int(_env("RELAY_OUTBOX_BATCH", "500")),
            outbox_idle_seconds=float(_env("RELAY_OUTBOX_IDLE_SECONDS", "1.0")),
            outbox_retention_hours=float(_env("RELAY_OUTBOX_RETENTION_HOURS", "24")),
            inbox_retention_days=float(_env("RELAY_INBOX_RETENTION_DAYS", "30")),
            retry_delays=tuple(float(x) for x in _env("RELAY_RETRY_DELAYS", "1,5,30,120").split(",")),
            prefetch=int(_env("RELAY_PREFETCH", "64")),
            # The edge.
            trusted_proxies=tuple(p.strip() for p in _env("RELAY_TRUSTED_PROXIES", "").split(",") if p.strip()),
            rate_limit_token=_env("RELAY_RATE_LIMIT_TOKEN", "200/10"),
            rate_limit_address=_env("RELAY_RATE_LIMIT_ADDRESS", "600/10"),
            rate_limit_auth_failures=_env("RELAY_RATE_LIMIT_AUTH_FAILURES", "20/60"),
            redis_url=_env("RELAY_REDIS_URL", ""),
            extra={k: v for k, v in os.environ.items() if k.startswith(prefix + "_")},
        )

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)

    @property
    def uses_memory_bus(self) -> bool:
        return self.amqp_url.startswith("memory://")
