"""Attachment bytes, outside the database: content-addressed files under
<data_dir>/attachments/<sha256[:2]>/<sha256>.

An upload is written to a temporary file in the same directory tree while it
arrives (hashed and counted on the way, refused the moment it passes the size
limit), and moved into place with an atomic rename only once the comment that
carries it is accepted. The same bytes uploaded twice are stored once.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import filetype

from relay_tickets.domain.comments import clean_filename
from relaykit.errors import NotFound, PayloadTooLarge

_HEAD = 8192
_KEY = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{64}$")
OCTET_STREAM = "application/octet-stream"
# Declared types believed when the bytes have no signature: none of them is rendered
# as active content by a browser (text/html, SVG and XML are, and are never believed).
HARMLESS_DECLARED = frozenset(
    {
        "text/plain",
        "text/csv",
        "text/markdown",
        "text/calendar",
        "text/x-log",
        "application/json",
        "message/rfc822",
    }
)


def choose_content_type(head: bytes, declared: str | None) -> str:
    """The type the bytes show (their signature), else the declared one if harmless."""
    sniffed = filetype.guess_mime(head) if head else None
    if sniffed:
        return sniffed
    declared = (declared or "").split(";", 1)[0].strip().lower()
    return declared if declared in HARMLESS_DECLARED else OCTET_STREAM


@dataclass(frozen=True)
class StoredBlob:
    key: str
    sha256: str
    size: int


class Upload:
    """One file arriving: a write-only stream that counts, hashes and refuses past `limit`."""

    def __init__(self, root: Path, *, field: str, filename: str | None, declared_type: str | None, limit: int) -> None:
        self.field = field
        self.filename = clean_filename(filename)
        self.given_filename = filename or ""
        self.declared_type = declared_type
        self.limit = limit
        self.size = 0
        self._root = root
        self._hash = hashlib.sha256()
        self._head = bytearray()
        incoming = root / ".incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=incoming, prefix="upload-")
        self._file: BinaryIO | None = os.fdopen(fd, "wb")
        self._tmp: Path | None = Path(name)

    # -- the stream the multipart parser writes to -------------------------------------
    def write(self, data: bytes) -> int:
        if self.size + len(data) > self.limit:
            self.discard()
            raise PayloadTooLarge(
                f"{self.filename!r} is larger than the {self.limit} bytes an attachment may have",
                field=self.field,
                limit=self.limit,
            )
        if self._file is None:
            raise ValueError("the upload was discarded")
        self._file.write(data)
        self._hash.update(data)
        if len(self._head) < _HEAD:
            self._head += data[: _HEAD - len(self._head)]
        self.size += len(data)
        return len(data)

    def seek(self, *_args) -> int:
        # The parser rewinds a finished file for whoever reads it next; nobody does.
        return 0

    def read(self, *_args) -> bytes:
        raise OSError("an upload is read from the store once it is kept")

    # -- what it became ------------------------------------------------------------------
    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    @property
    def head(self) -> bytes:
        """The first bytes, which tell what the file is."""
        return bytes(self._head)

    @property
    def content_type(self) -> str:
        return choose_content_type(self.head, self.declared_type)

    @property
    def pending(self) -> bool:
        return self._tmp is not None

    def keep(self) -> StoredBlob:
        """Move the bytes to their content address (atomically; already there: drop ours)."""
        if self._file is None or self._tmp is None:
            raise ValueError("the upload was already kept or discarded")
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._file = None
        digest = self.sha256
        key = f"{digest[:2]}/{digest}"
        target = self._root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            self._tmp.unlink(missing_ok=True)
        else:
            os.replace(self._tmp, target)
        self._tmp = None
        return StoredBlob(key, digest, self.size)

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._tmp is not None:
            with contextlib.suppress(OSError):
                self._tmp.unlink()
            self._tmp = None

    def close(self) -> None:
        # The parser's FileStorage may close its stream; the bytes stay until kept or discarded.
        pass


class AttachmentStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def for_runtime(cls, runtime) -> AttachmentStore:
        return cls(Path(runtime.settings.data_dir) / "attachments")

    def receive(self, *, field: str, filename: str | None, declared_type: str | None, limit: int) -> Upload:
        return Upload(self.root, field=field, filename=filename, declared_type=declared_type, limit=limit)

    def path(self, key: str) -> Path:
        if not _KEY.match(key or ""):
            raise ValueError(f"not a storage key: {key!r}")
        path = self.root / key
        if not path.is_file():
            raise NotFound("the attachment's content is missing from the store", field="attachment_id")
        return path
