"""JSON log lines, each with the service and the current correlation id."""

from __future__ import annotations

import json
import logging
import os
import sys
import time

from relaykit import correlation

# The service this process runs (one per process when distributed); a record may name
# its own with extra={"service": ...}, as the all-in-one process does.
_process_service: str | None = None

_RESERVED = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


def _extras(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in record.__dict__.items() if k not in _RESERVED and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "service": _process_service,
            "correlation_id": correlation.current(),
        }
        line.update(_extras(record))
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        cid = correlation.current()
        base = super().format(record)
        extras = " ".join(f"{k}={v}" for k, v in _extras(record).items())
        return " ".join(part for part in (base, extras, f"[cid={cid}]" if cid else "") if part)


def dict_config(level: str = "INFO", fmt: str = "json") -> dict:
    """The same setup as a logging dict, for servers that configure logging themselves
    (gunicorn): its own lines come out in Relay's format too."""
    formatter = (
        {"()": JsonFormatter}
        if fmt == "json"
        else {
            "()": TextFormatter,
            "format": "%(asctime)s %(levelname)s %(name)s: %(message)s",
        }
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": level.upper(), "handlers": ["relay"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
            # Request metrics already say what access lines would; RELAY_ACCESS_LOG=1 turns them on.
            "gunicorn.access": {
                "level": "INFO" if os.environ.get("RELAY_ACCESS_LOG") == "1" else "WARNING",
                "handlers": [],
                "propagate": True,
            },
        },
        "handlers": {"relay": {"class": "logging.StreamHandler", "formatter": "relay", "stream": "ext://sys.stderr"}},
        "formatters": {"relay": formatter},
    }


def configure(level: str = "INFO", fmt: str = "json", service: str | None = None) -> None:
    """Idempotent: the all-in-one process configures once for every service."""
    global _process_service
    if service:
        _process_service = service
    root = logging.getLogger()
    if getattr(root, "_relay_configured", False):
        return
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("amqp", "kombu", "werkzeug", "alembic.runtime.migration"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    root._relay_configured = True  # type: ignore[attr-defined]
