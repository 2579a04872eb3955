"""The local SMTP sink's mail, for the outbox page: what Relay "sent" where no SMTP
server is set (the all-in-one mode), headers, text and the HTML sanitised again."""

from __future__ import annotations

import re
from typing import Any

import nh3

from relaykit import mail_sink
from relaykit.errors import NotFound
from relaykit.service import Runtime

_NAME = re.compile(r"^[\w.-]{1,120}\.eml$")


def listing(runtime: Runtime, limit: int = 200) -> list[dict[str, Any]]:
    out = []
    for path in mail_sink.messages(runtime.settings.data_dir, limit):
        m = mail_sink.read(path)
        out.append(
            {
                "name": path.name,
                "message_id": m.get("message_id"),
                "subject": m.get("subject"),
                "to": ", ".join(m.get("to") or []) if isinstance(m.get("to"), list) else m.get("to"),
                "date": m.get("date"),
            }
        )
    return out


def message(runtime: Runtime, name: str) -> dict[str, Any]:
    folder = runtime.settings.data_dir / mail_sink.FOLDER
    path = folder / name
    if not _NAME.match(name) or not path.is_file():
        raise NotFound(f"no mail {name!r} in the outbox", field="name")
    m = mail_sink.read(path)
    to = m.get("to")
    return {
        "name": name,
        "message_id": m.get("message_id"),
        "subject": m.get("subject"),
        "to": ", ".join(to) if isinstance(to, list) else to,
        "date": m.get("date"),
        "sender": ", ".join(m["from"]) if isinstance(m.get("from"), list) else m.get("from"),
        "headers": [[k, v] for k, v in m.get("headers") or []],
        "text": m.get("text"),
        "html": nh3.clean(m["html"]) if m.get("html") else None,
        "attachments": list(m.get("attachments") or []),
    }
