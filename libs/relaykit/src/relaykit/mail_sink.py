"""The local mail sink: mail that would be sent is written as .eml files under the data
directory (`var/mail-sink/`) and logged, so the all-in-one mode works with no SMTP
server and a person can read what was "sent". The notify service's real delivery
replaces it where SMTP is configured.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

log = logging.getLogger(__name__)

FOLDER = "mail-sink"


def deliver(data_dir: Path, to: str, subject: str, text: str, sender: str = "relay@localhost") -> Path:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain="relay.local")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    folder = Path(data_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(bytes(msg))
    log.info("mail kept in the local sink", extra={"to": to, "subject": subject, "file": str(path)})
    return path


def messages(data_dir: Path, limit: int = 100) -> list[Path]:
    folder = Path(data_dir) / FOLDER
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.eml"), reverse=True)[:limit]
