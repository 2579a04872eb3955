"""Comments as values: their body (text, or HTML cut down to a safe subset), who may
read them, whom they mention, and the files attached to them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

import nh3

from relay_tickets.domain.parties import CONTACT, EMPLOYEE, Actor
from relaykit.errors import InvalidInput

TEXT, HTML = "text", "html"
FORMATS = (TEXT, HTML)
BODY_MAX = 100_000
FILENAME_MAX = 255

# What survives in an HTML body: formatting and links, nothing that runs, loads or
# positions anything (no img: a remote image tells the sender who read the mail and when).
ALLOWED_TAGS = frozenset(
    {
        "a", "b", "blockquote", "br", "code", "del", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
        "i", "ins", "kbd", "li", "ol", "p", "pre", "s", "span", "strike", "strong", "sub", "sup", "table",
        "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
_DROP_WITH_CONTENT = {"script", "style", "noscript", "template", "title", "textarea", "iframe", "object"}

_BLOCKS = {"p", "div", "br", "li", "tr", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table"}

# "@anna@example.com": an @ right before an address, not inside a word or another address.
_MENTION = re.compile(r"(?<![\w.@+-])@([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})")


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        url_relative="deny",
        strip_comments=True,
    )


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


@dataclass(frozen=True)
class CommentBody:
    format: str
    body: str  # what is stored and shown: the text, or the sanitised HTML
    text: str  # the plain-text rendering


def prepare_body(body: str, format: str = TEXT) -> CommentBody:
    if format not in FORMATS:
        raise InvalidInput(f"format is one of {', '.join(FORMATS)}", field="format")
    if len(body) > BODY_MAX:
        raise InvalidInput(f"a comment is at most {BODY_MAX} characters", field="body")
    if format == HTML:
        clean = sanitize_html(body)
        text = html_to_text(clean)
    else:
        clean = text = body.strip()
    if not text.strip():
        raise InvalidInput(
            "the comment is empty" + (" once unsafe HTML is removed" if format == HTML else ""), field="body"
        )
    return CommentBody(format, clean, text)


def decide_public(requested: bool | None, author: Actor, default: bool) -> bool:
    """Customers only ever write to the conversation they can read."""
    if author.is_contact:
        if requested is False:
            raise InvalidInput("a customer's comments are always public", field="public")
        return True
    return default if requested is None else requested


@dataclass(frozen=True, order=True)
class Mention:
    kind: str  # employee or contact
    id: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id}


def mentioned_emails(text: str) -> list[str]:
    """The addresses written as @address in the text, once each, in order."""
    seen: dict[str, None] = {}
    for m in _MENTION.finditer(text):
        seen.setdefault(m.group(1).rstrip(".").lower(), None)
    return list(seen)


def contact_mention_problem(ticket: Any, contact_id: str, public: bool) -> str | None:
    """Why this contact may not be mentioned on this comment (None: they may). A mention
    makes notify write to them, so they must be able to read what they are told about."""
    if not (ticket.contact_kind == CONTACT and ticket.contact_id == contact_id):
        return "only the ticket's own contact can be mentioned"
    if ticket.internal:
        return "customers are never told about internal tickets"
    if not public:
        return "a private comment cannot mention a customer, who could not read it"
    return None


def _shown(c: str) -> bool:
    # Control and format characters go: the bidirectional overrides and isolates among
    # them (U+202A..U+202E, U+2066..U+2069, U+200E/F, U+061C) would show "gpj.exe" as
    # "exe.jpg"; so do line and paragraph separators, which would break a header.
    category = unicodedata.category(c)
    return category[0] != "C" and category not in ("Zl", "Zp")


def clean_filename(name: str | None) -> str:
    """The last path segment, without control, format (bidirectional) or separator
    characters, at most FILENAME_MAX characters (the extension kept): a name to show and
    offer for download, never a path."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(c for c in name if _shown(c)).strip().strip(".").strip()
    if not name:
        return "attachment"
    if len(name) <= FILENAME_MAX:
        return name
    stem, dot, ext = name.rpartition(".")
    if dot and 0 < len(ext) <= 16:
        return stem[: FILENAME_MAX - len(ext) - 1] + "." + ext
    return name[:FILENAME_MAX]


@dataclass(frozen=True)
class AttachmentInfo:
    id: str
    filename: str
    content_type: str
    size: int
    sha256: str

    def to_event(self) -> dict[str, Any]:
        return {"id": self.id, "filename": self.filename, "content_type": self.content_type, "size": self.size}


@dataclass(frozen=True)
class Comment:
    id: str
    ticket_id: str
    body: CommentBody
    public: bool
    author: Actor
    mentions: tuple[Mention, ...]
    attachments: tuple[AttachmentInfo, ...]
    created_at: datetime

    @property
    def channel(self) -> str:
        return self.author.channel

    def on(self, ticket_id: str) -> Comment:
        return Comment(
            self.id, ticket_id, self.body, self.public, self.author, self.mentions, self.attachments, self.created_at
        )

    def to_event(self) -> dict[str, Any]:
        """The `comment` of ticket.comment_added (contracts/schemas/events/ticket.comment_added.v1.json)."""
        return {
            "id": self.id,
            "public": self.public,
            "body": self.body.body,
            "format": self.body.format,
            "text": self.body.text,
            "author": self.author.to_dict(),
            "channel": self.channel,
            "mentions": [m.to_dict() for m in self.mentions],
            "attachments": [a.to_event() for a in self.attachments],
            "created_at": self.created_at.isoformat(),
        }


MENTION_KINDS = (EMPLOYEE, CONTACT)
