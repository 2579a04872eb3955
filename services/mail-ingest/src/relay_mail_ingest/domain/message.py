"""What the parser makes of a raw message (`parse.parse_message`): everything the later
steps decide on, already decoded, and the flags that say what could not be read cleanly."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# Flags a parsed message may carry (the parser never raises; it says what went wrong).
FLAGS = {
    "charset_guessed": "a part declared no charset, or a wrong one: it was detected",
    "header_charset_guessed": "a header had raw 8-bit bytes: their charset was detected",
    "malformed": "the MIME structure is broken (the parser recorded defects)",
    "no_sender": "no usable From address",
    "no_body": "no text could be found",
    "html_only": "the text was made from the HTML part",
    "truncated": "a part was cut at the size limit",
    "unparsable": "the message could not be parsed at all: only the raw bytes are kept",
    "signed": "S/MIME or PGP signed",
    "encrypted": "S/MIME or PGP encrypted: the content is not readable",
}


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes
    content_id: str | None = None  # without the angle brackets
    inline: bool = False  # an image the HTML shows in place (cid:)


@dataclass(frozen=True)
class Address:
    address: str  # as written, lower-cased domain
    name: str = ""


@dataclass(frozen=True)
class ParsedMessage:
    message_id: str | None  # with the angle brackets, as in the header
    in_reply_to: str | None
    references: tuple[str, ...]
    sender: Address | None  # From
    reply_to: tuple[Address, ...]
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    subject: str
    date: datetime | None
    text: str  # the chosen body as plain text (never None; "" when there is none)
    html: str | None  # the HTML body, sanitised (nh3), cid: references kept
    attachments: tuple[Attachment, ...]
    headers: tuple[tuple[str, str], ...]  # every header, decoded to text, in order
    flags: frozenset[str] = field(default_factory=frozenset)
    defects: tuple[str, ...] = ()  # what the stdlib parser complained of, for the record

    def header(self, name: str) -> str | None:
        """The first header of that name (case-insensitive), decoded."""
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)

    def all_headers(self, name: str) -> list[str]:
        lowered = name.lower()
        return [v for k, v in self.headers if k.lower() == lowered]
