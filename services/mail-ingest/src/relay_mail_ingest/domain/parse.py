"""Raw RFC 822 bytes to a `ParsedMessage`: the one place where real-world MIME is read.

The parser never raises. What it could not read cleanly is said in the flags (see
`message.FLAGS`) and the stdlib's complaints are kept in `defects`.
"""

from __future__ import annotations

import binascii
import codecs
import dataclasses
import email.utils
import mimetypes
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.parser import BytesHeaderParser, BytesParser
from email.policy import compat32

import charset_normalizer
import nh3

from relay_mail_ingest.domain.message import Address, Attachment, ParsedMessage

MAX_DEPTH = 30
MAX_PARTS = 500
# Header values beyond this are cut: nothing downstream needs more, and regexes stay cheap.
MAX_HEADER_CHARS = 64 * 1024
# charset_normalizer is slow on megabytes; a sample decides as well as the whole.
_DETECT_SAMPLE = 64 * 1024

_FORWARD_LINE = "---------- Forwarded message ----------"

# Declared names mapped to the codec real senders mean (supersets: mail labelled gb2312 or
# iso-8859-1 routinely carries gb18030 or windows-1252 characters).
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "euc-cn": "gb18030",
    "cp936": "gb18030",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ksc5601": "cp949",
    "euc-kr": "cp949",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "x-mac-cyrillic": "mac-cyrillic",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "csiso2022jp": "iso2022_jp_ext",
    "big5": "big5hkscs",
    "x-unknown": "",
    "unknown-8bit": "",
    "unknown": "",
    "default": "",
    "x-user-defined": "",
}
# A declared single-byte charset "decodes" anything; valid UTF-8 under such a label is
# almost always a mislabelled UTF-8 message.
_SINGLE_BYTE_PREFIXES = ("iso-8859", "iso8859", "windows-", "cp1", "koi8", "latin", "us-ascii", "ascii")

_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,75})\?([bBqQ])\?([^?]*?)\?=")
_MSGID = re.compile(r"<[^<>\s]{1,998}>")
_BOUNDARY_LINE = re.compile(rb"^--([^\s]{1,200}?)(?:--)?[ \t]*\r?$", re.MULTILINE)
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9._:-]{1,40})""", re.IGNORECASE)
_STUB_TEXT = re.compile(
    r"html|browser|does not support|doesn't support|view (this|the) (e-?mail|message)|online version",
    re.IGNORECASE,
)
_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')

_SIGNATURE_TYPES = {"application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature"}
_SMIME_TYPES = {"application/pkcs7-mime", "application/x-pkcs7-mime"}
_TNEF_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}
_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "text/plain": ".txt",
    "text/html": ".html",
    "text/calendar": ".ics",
    "application/octet-stream": ".bin",
    "message/rfc822": ".eml",
    "message/delivery-status": ".txt",
    "text/rfc822-headers": ".txt",
    "application/pgp-signature": ".asc",
    "application/pkcs7-signature": ".p7s",
    "application/x-pkcs7-signature": ".p7s",
    "application/pkcs7-mime": ".p7m",
    "application/x-pkcs7-mime": ".p7m",
}

_SANITIZE_TAGS = set(nh3.ALLOWED_TAGS) | {"img", "font", "center"}
_SANITIZE_ATTRIBUTES = {k: set(v) for k, v in nh3.ALLOWED_ATTRIBUTES.items()}
_SANITIZE_ATTRIBUTES.setdefault("img", set()).update({"src", "alt", "width", "height", "title"})
_SANITIZE_ATTRIBUTES.setdefault("font", set()).update({"color", "face", "size"})
_SANITIZE_SCHEMES = set(nh3.ALLOWED_URL_SCHEMES) | {"cid"}
# A <title> or <head> left as bare text would show up above the message.
_DROP_CONTENT_TAGS = {"script", "style", "title", "head"}


@dataclass
class _State:
    """What the walk over the MIME tree has found so far."""

    max_part_bytes: int
    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    defects: list[str] = field(default_factory=list)
    part_count: int = 0
    body_charsets: list[str] = field(default_factory=list)

    def child(self) -> _State:
        # Alternatives are read separately before one is chosen; the counters are shared
        # through the parent when merged.
        return _State(max_part_bytes=self.max_part_bytes, part_count=self.part_count)

    def merge_meta(self, other: _State) -> None:
        self.flags |= other.flags
        self.defects.extend(other.defects)
        self.part_count = max(self.part_count, other.part_count)
        self.body_charsets.extend(other.body_charsets)


def parse_message(raw: bytes, *, max_part_bytes: int = 25 * 1024 * 1024) -> ParsedMessage:
    """Parse one raw message (RFC 822/MIME bytes) into a `ParsedMessage`.

    Never raises. Input that is not a mail message at all (empty, no header could be read,
    or the stdlib parser itself gave up) gives an empty message flagged ``unparsable``.
    Otherwise every header is decoded (RFC 2047, raw 8-bit with a detected charset), the
    body text is chosen (text/plain preferred unless it is a stub of the HTML; HTML-only
    mail is converted with `html_to_text`), the HTML is sanitised with nh3 keeping
    ``cid:`` images, and everything else becomes an `Attachment`: inline images of
    multipart/related, forwarded message/rfc822 parts (also appended to the text),
    winmail.dat contents, calendar invites, signatures.

    ``max_part_bytes`` cuts any single decoded part at that size (flag ``truncated``).
    Structure beyond `MAX_DEPTH` levels or `MAX_PARTS` parts is dropped (flag ``malformed``).
    """
    try:
        return _parse(raw, max_part_bytes)
    except Exception:
        # The last net (RecursionError included): whatever slipped through the careful code
        # below must not stop intake.
        return _unparsable()


def _unparsable() -> ParsedMessage:
    return ParsedMessage(
        message_id=None,
        in_reply_to=None,
        references=(),
        sender=None,
        reply_to=(),
        to=(),
        cc=(),
        subject="",
        date=None,
        text="",
        html=None,
        attachments=(),
        headers=(),
        flags=frozenset({"unparsable"}),
    )


def _parse(raw: bytes, max_part_bytes: int) -> ParsedMessage:
    if not isinstance(raw, bytes | bytearray | memoryview):
        return _unparsable()
    raw = bytes(raw)
    if not raw.strip():
        return _unparsable()
    state = _State(max_part_bytes=max(1, max_part_bytes))
    try:
        msg = BytesParser(policy=compat32).parsebytes(raw)
    except Exception:
        # Nesting deep enough to exhaust the stdlib's recursion: keep at least the headers.
        try:
            msg = BytesHeaderParser(policy=compat32).parsebytes(raw)
            state.flags.add("malformed")
            state.defects.append("ParserFailure")
        except Exception:
            return _unparsable()
    if not msg.keys():
        return _unparsable()

    _walk(msg, 0, state, in_related=False)
    state.defects.extend(type(d).__name__ for d in msg.defects)

    headers = _decode_headers(msg, state)
    first = _first_headers(headers)

    sender_list = _addresses(first.get("from", ""))
    sender = next((a for a in sender_list if "@" in a.address), None)
    if sender is None:
        state.flags.add("no_sender")

    html = "\n".join(state.htmls) if state.htmls else None
    plain = _join_texts(state.texts)
    text = plain
    if html is not None and _is_stub(plain, html):
        text = _html_text(html)
        state.flags.add("html_only")
    sanitized = _sanitize(html) if html is not None else None
    if not text.strip():
        text = ""
        state.flags.add("no_body")

    attachments = _mark_inline(state.attachments, sanitized or "")
    defects = tuple(dict.fromkeys(d for d in state.defects if d))
    if defects:
        state.flags.add("malformed")

    return ParsedMessage(
        message_id=_first_msgid(first.get("message-id", "")),
        in_reply_to=_first_msgid(first.get("in-reply-to", "")),
        references=_msgids(first.get("references", "")),
        sender=sender,
        reply_to=tuple(_addresses(first.get("reply-to", ""))),
        to=tuple(_addresses(", ".join(v for k, v in headers if k.lower() == "to"))),
        cc=tuple(_addresses(", ".join(v for k, v in headers if k.lower() == "cc"))),
        subject=_one_line(first.get("subject", "")),
        date=_date(first.get("date", "")),
        text=text,
        html=sanitized,
        attachments=tuple(attachments),
        headers=headers,
        flags=frozenset(state.flags),
        defects=defects,
    )


# --------------------------------------------------------------------------- MIME walk


def _walk(part: Message, depth: int, state: _State, *, in_related: bool, in_report: bool = False) -> None:
    state.part_count += 1
    if depth > MAX_DEPTH or state.part_count > MAX_PARTS:
        state.flags.add("malformed")
        state.defects.append("TooDeep" if depth > MAX_DEPTH else "TooManyParts")
        return
    ctype = _content_type(part)
    maintype = ctype.split("/", 1)[0]

    if maintype == "multipart":
        if not part.is_multipart() or not isinstance(part.get_payload(), list):
            _recover_multipart(part, depth, state, in_related=in_related)
            return
        children = [c for c in part.get_payload() if isinstance(c, Message)]
        _collect_defects(part, state)
        if ctype == "multipart/alternative":
            _alternative(children, depth, state, in_related=in_related)
            return
        if ctype == "multipart/signed":
            state.flags.add("signed")
        elif ctype == "multipart/encrypted":
            state.flags.add("encrypted")
        related = in_related or ctype == "multipart/related"
        report = in_report or ctype == "multipart/report"
        for child in children:
            _walk(child, depth + 1, state, in_related=related, in_report=report)
        return

    if ctype == "message/rfc822" or (
        maintype == "message" and part.is_multipart() and ctype != "message/delivery-status"
    ):
        _collect_defects(part, state)
        _enclosed(part, depth, state, in_report=in_report)
        return

    if ctype == "message/delivery-status":
        _collect_defects(part, state)
        _attach(part, state, ctype, _delivery_status_bytes(part), default_name="delivery-status.txt")
        return

    data = _payload(part, state)
    _collect_defects(part, state)
    filename = _filename(part)
    disposition = _disposition(part)

    if ctype in _TNEF_TYPES or (filename or "").lower() == "winmail.dat":
        _tnef(part, data, state, filename)
        return
    if ctype in _SMIME_TYPES:
        smime_type = str(part.get_param("smime-type", "") or "").lower()
        state.flags.add("signed" if smime_type == "signed-data" else "encrypted")
        _attach(part, state, ctype, data, name=filename, default_name="smime.p7m")
        return
    if ctype == "text/calendar":
        _attach(part, state, ctype, data, name=filename, default_name="invite.ics")
        return
    if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
        text = _decode_text(data, part, state, is_html=ctype == "text/html")
        if ctype == "text/html":
            state.htmls.append(text)
        else:
            if str(part.get_param("format", "") or "").lower() == "flowed":
                text = _unflow(text, str(part.get_param("delsp", "") or "").lower() == "yes")
            state.texts.append(text)
        return
    _attach(part, state, ctype, data, name=filename, inline_hint=in_related)


def _alternative(children: list[Message], depth: int, state: _State, *, in_related: bool) -> None:
    """Read each alternative on its own, then keep one text and one HTML."""
    subs: list[_State] = []
    for child in children:
        sub = state.child()
        _walk(child, depth + 1, sub, in_related=in_related)
        state.part_count = sub.part_count
        subs.append(sub)
    plain_sub = next((s for s in subs if s.texts and not s.htmls), None) or next((s for s in subs if s.texts), None)
    html_sub = next((s for s in reversed(subs) if s.htmls), None)
    for sub in subs:
        state.merge_meta(sub)
        state.attachments.extend(sub.attachments)
    if plain_sub is not None:
        state.texts.append(_join_texts(plain_sub.texts))
    if html_sub is not None:
        html = "\n".join(html_sub.htmls)
        state.htmls.append(html)
        if plain_sub is None or _is_stub(_join_texts(plain_sub.texts), html):
            # The alternative's own text must not be lost when a later part adds plain text.
            if plain_sub is not None:
                state.texts.pop()
            state.texts.append(_html_text(html))
            state.flags.add("html_only")


def _recover_multipart(part: Message, depth: int, state: _State, *, in_related: bool) -> None:
    """A multipart whose boundary is missing or wrong: guess it from the body's "--x" lines."""
    state.flags.add("malformed")
    _collect_defects(part, state)
    body = _raw_payload_bytes(part)
    counts = Counter(m.group(1) for m in _BOUNDARY_LINE.finditer(body[: 4 * 1024 * 1024]))
    boundary = next((b for b, _ in counts.most_common() if not b.startswith(b"-" * 10) or len(set(b)) > 1), None)
    if boundary is not None:
        try:
            header = b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\r\n\r\n'
            recovered = BytesParser(policy=compat32).parsebytes(header + body)
            if recovered.is_multipart():
                for child in recovered.get_payload():
                    if isinstance(child, Message):
                        _walk(child, depth + 1, state, in_related=in_related)
                return
        except Exception:
            pass
    state.defects.append("BoundaryNotRecovered")
    state.texts.append(_decode_text(_cut(body, state), part, state, is_html=False))


def _enclosed(part: Message, depth: int, state: _State, *, in_report: bool) -> None:
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload and isinstance(payload[0], Message) else None
    if inner is None:
        _attach(part, state, "message/rfc822", _raw_payload_bytes(part), default_name="forwarded-message.eml")
        return
    try:
        content = inner.as_bytes(policy=compat32)
    except Exception:
        content = _raw_payload_bytes(part)
    sub = state.child()
    _walk(inner, depth + 1, sub, in_related=False)
    state.merge_meta(sub)
    state.part_count = sub.part_count
    inner_headers = _first_headers(_decode_headers(inner, sub))
    subject = _one_line(inner_headers.get("subject", ""))
    _attach(part, state, "message/rfc822", content, name=_safe_filename(subject) + ".eml" if subject else None)
    if in_report:
        # A bounce's returned message is evidence, not conversation: attachment only.
        return
    inner_text = _join_texts(sub.texts)
    if sub.htmls and _is_stub(inner_text, "\n".join(sub.htmls)):
        inner_text = _html_text("\n".join(sub.htmls))
    lines = [_FORWARD_LINE]
    for label, key in (("From", "from"), ("Date", "date"), ("Subject", "subject"), ("To", "to")):
        if inner_headers.get(key):
            lines.append(f"{label}: {_one_line(inner_headers[key])}")
    state.texts.append("\n".join(lines) + "\n\n" + inner_text.strip())


def _tnef(part: Message, data: bytes, state: _State, filename: str | None) -> None:
    try:
        from tnefparse import TNEF

        tnef = TNEF(data, do_checksum=False)
        found: list[Attachment] = []
        for att in tnef.attachments:
            content = att.data if isinstance(att.data, bytes) else bytes(att.data or b"")
            name = att.long_filename() or att.name
            name = name.decode("utf-8", "replace") if isinstance(name, bytes) else str(name or "")
            found.append(_make_attachment(state, _guess_type(name), _cut(content, state), name or None))
        body = tnef.body
        if isinstance(body, bytes):
            body = _decode_bytes(body, None, state)[0]
        html = tnef.htmlbody
        if isinstance(html, bytes):
            html = _decode_bytes(html, None, state)[0]
    except Exception:
        found, body, html = [], None, None
    if not found and not body and not html:
        _attach(part, state, "application/ms-tnef", data, name=filename, default_name="winmail.dat")
        return
    state.attachments.extend(found)
    if body and str(body).strip():
        state.texts.append(str(body).replace("\x00", ""))
    elif html and str(html).strip():
        state.htmls.append(str(html))


# --------------------------------------------------------------------------- parts


def _content_type(part: Message) -> str:
    try:
        ctype = part.get_content_type().lower()
    except Exception:
        return "text/plain"
    if ctype.count("/") != 1:
        return "text/plain"
    return ctype


def _disposition(part: Message) -> str:
    try:
        value = part.get("content-disposition")
        if value is None:
            return ""
        return str(value).split(";", 1)[0].strip().lower()
    except Exception:
        return ""


def _collect_defects(part: Message, state: _State) -> None:
    state.defects.extend(type(d).__name__ for d in getattr(part, "defects", ()))


def _raw_payload_bytes(part: Message) -> bytes:
    payload = part.get_payload()
    if isinstance(payload, str):
        return payload.encode("ascii", "surrogateescape")
    if isinstance(payload, list):
        chunks: list[bytes] = []
        for item in payload:
            try:
                chunks.append(item.as_bytes(policy=compat32) if isinstance(item, Message) else str(item).encode())
            except Exception:
                continue
        return b"\n".join(chunks)
    return b""


def _delivery_status_bytes(part: Message) -> bytes:
    payload = part.get_payload()
    if isinstance(payload, list):
        blocks = []
        for block in payload:
            if isinstance(block, Message):
                blocks.append("".join(f"{k}: {v}\n" for k, v in block.raw_items()).encode("utf-8", "surrogateescape"))
        return b"\n".join(blocks)
    return _raw_payload_bytes(part)


def _payload(part: Message, state: _State) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except (binascii.Error, ValueError, TypeError, LookupError):
        state.defects.append("UndecodablePayload")
        data = _raw_payload_bytes(part)
    except Exception:
        data = _raw_payload_bytes(part)
    if not isinstance(data, bytes):
        data = _raw_payload_bytes(part)
    return _cut(data, state)


def _cut(data: bytes, state: _State) -> bytes:
    if len(data) > state.max_part_bytes:
        state.flags.add("truncated")
        return data[: state.max_part_bytes]
    return data


def _filename(part: Message) -> str | None:
    try:
        name = _eight_bit_filename(part) or part.get_filename()
    except Exception:
        name = None
    if name is None:
        try:
            name = part.get_param("name")
            if isinstance(name, tuple):
                name = email.utils.collapse_rfc2231_value(name)
        except Exception:
            name = None
    if not name:
        return None
    raw = str(name).encode("utf-8", "surrogateescape")
    decoded, _ = _decode_header_bytes(raw, [])
    decoded = decoded.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _safe_filename(decoded)
    return cleaned or None


def _eight_bit_filename(part: Message) -> str | None:
    """A raw 8-bit filename: compat32 would hand it back as U+FFFD, so decode it first."""
    tmp = Message()
    for key, value in part.raw_items():
        if key.lower() in ("content-disposition", "content-type") and isinstance(value, str) and not value.isascii():
            tmp[key] = _decode_header_bytes(value.encode("ascii", "surrogateescape"), [])[0]
    if not tmp.keys():
        return None
    name = tmp.get_filename()
    return str(name) if name else None


def _safe_filename(name: str) -> str:
    cleaned = _UNSAFE_FILENAME.sub("_", name).strip(" ._")
    return cleaned[:150]


def _guess_type(name: str) -> str:
    guessed, _ = mimetypes.guess_type(name or "")
    return guessed or "application/octet-stream"


def _attach(
    part: Message,
    state: _State,
    ctype: str,
    data: bytes,
    *,
    name: str | None = None,
    default_name: str | None = None,
    inline_hint: bool = False,
) -> None:
    cid = None
    try:
        raw_cid = part.get("content-id")
        if raw_cid:
            cid = str(raw_cid).strip().strip("<>").strip() or None
    except Exception:
        cid = None
    inline = inline_hint and cid is not None and ctype.startswith("image/")
    state.attachments.append(_make_attachment(state, ctype, data, name or default_name, content_id=cid, inline=inline))


def _make_attachment(
    state: _State,
    ctype: str,
    data: bytes,
    name: str | None,
    *,
    content_id: str | None = None,
    inline: bool = False,
) -> Attachment:
    if not name:
        ext = _EXTENSIONS.get(ctype) or mimetypes.guess_extension(ctype) or ".bin"
        name = f"attachment-{len(state.attachments) + 1}{ext}"
    return Attachment(filename=name, content_type=ctype, content=data, content_id=content_id, inline=inline)


def _mark_inline(attachments: list[Attachment], html: str) -> list[Attachment]:
    """An image the HTML shows by cid: is inline whatever multipart it came in."""
    out = []
    for att in attachments:
        if not att.inline and att.content_id and f"cid:{att.content_id}" in html:
            att = dataclasses.replace(att, inline=True)
        out.append(att)
    return out


# --------------------------------------------------------------------------- text


def _decode_text(data: bytes, part: Message, state: _State, *, is_html: bool) -> str:
    try:
        declared = part.get_content_charset()
    except Exception:
        declared = None
    if declared is None and is_html:
        meta = _META_CHARSET.search(data[:4096])
        if meta:
            declared = meta.group(1).decode("ascii", "replace").lower()
    text, guessed = _decode_bytes(data, declared, state)
    if guessed:
        state.flags.add("charset_guessed")
    elif declared:
        state.body_charsets.append(declared)
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def _codec(name: str | None) -> str | None:
    """The Python codec for a declared charset name, or None when it means nothing."""
    if not name:
        return None
    cleaned = name.strip().strip("\"'").lower().split("*", 1)[0]
    if cleaned in _CHARSET_ALIASES:
        cleaned = _CHARSET_ALIASES[cleaned]
        if not cleaned:
            return None
    try:
        return codecs.lookup(cleaned).name
    except (LookupError, ValueError):
        return None


def _decode_bytes(data: bytes, declared: str | None, state: _State | None) -> tuple[str, bool]:
    """Decode a body: declared charset if it reads cleanly, else detected, else UTF-8 lossy.

    Returns the text and whether the charset had to be guessed.
    """
    if not data:
        return "", False
    is_ascii = data.isascii()
    codec = _codec(declared)
    if codec is not None and not data.isascii():
        single_byte = (declared or "").strip().strip("\"'").lower().startswith(_SINGLE_BYTE_PREFIXES)
        if single_byte and _is_utf8(data):
            return data.decode("utf-8"), True
    if codec is not None:
        try:
            return data.decode(codec), False
        except (UnicodeDecodeError, LookupError):
            pass
        except Exception:
            pass
    if is_ascii:
        return data.decode("ascii"), declared is not None and codec is None and not _is_ascii_name(declared)
    if _is_utf8(data):
        return data.decode("utf-8"), True
    detected = _detect(data)
    if detected:
        try:
            return data.decode(detected, errors="replace"), True
        except Exception:
            pass
    return data.decode("utf-8", errors="replace"), True


def _is_ascii_name(name: str) -> bool:
    return name.strip().lower() in {"us-ascii", "ascii", "unknown-8bit", "x-unknown"}


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _detect(data: bytes) -> str | None:
    try:
        best = charset_normalizer.from_bytes(data[:_DETECT_SAMPLE]).best()
    except Exception:
        return None
    return best.encoding if best is not None else None


def _join_texts(texts: list[str]) -> str:
    return "\n\n".join(t.strip("\n") for t in texts if t and t.strip())


def _is_stub(plain: str, html: str) -> bool:
    """Whether the text/plain alternative is a placeholder for the HTML."""
    stripped = plain.strip()
    if not stripped:
        return True
    if len(stripped) >= 200:
        return False
    html_len = len(_html_text(html).strip())
    if len(stripped) < 100 and _STUB_TEXT.search(stripped) and html_len > len(stripped):
        return True
    return html_len > 5 * len(stripped) + 100


def _html_text(html: str) -> str:
    try:
        from relay_mail_ingest.domain.html_text import html_to_text

        return html_to_text(html)
    except Exception:
        # html_to_text is the converter; this only keeps intake going if it ever fails.
        try:
            return nh3.clean(html, tags=set(), clean_content_tags={"script", "style", "head", "title"})
        except Exception:
            return ""


def _sanitize(html: str) -> str:
    try:
        return nh3.clean(
            html,
            tags=_SANITIZE_TAGS,
            attributes=_SANITIZE_ATTRIBUTES,
            url_schemes=_SANITIZE_SCHEMES,
            clean_content_tags=_DROP_CONTENT_TAGS,
        )
    except Exception:
        return ""


def _unflow(text: str, delsp: bool) -> str:
    """RFC 3676 format=flowed: a line ending in a space continues on the next one."""
    out: list[str] = []
    buffer = ""
    for line in text.split("\n"):
        if line.endswith(" ") and line != "-- ":
            buffer += line[:-1] if delsp else line
            continue
        out.append(buffer + line)
        buffer = ""
    if buffer:
        out.append(buffer)
    return "\n".join(out)


# --------------------------------------------------------------------------- headers


def _decode_headers(msg: Message, state: _State) -> tuple[tuple[str, str], ...]:
    raw_items = list(msg.raw_items())
    values = []
    for name, value in raw_items:
        raw = str(value).encode("ascii", "surrogateescape") if isinstance(value, str) else str(value).encode()
        if len(raw) > MAX_HEADER_CHARS:
            raw = raw[:MAX_HEADER_CHARS]
            state.flags.add("truncated")
        values.append((str(name), raw))
    hints = [c for c in state.body_charsets if _codec(c)]
    out = []
    for name, raw in values:
        text, guessed = _decode_header_bytes(raw, hints)
        if guessed:
            state.flags.add("header_charset_guessed")
        clean_name = name.encode("ascii", "surrogateescape").decode("utf-8", "replace").strip()
        out.append((clean_name, text))
    return tuple(out)


def _first_headers(headers: tuple[tuple[str, str], ...]) -> dict[str, str]:
    first: dict[str, str] = {}
    for name, value in headers:
        first.setdefault(name.lower(), value)
    return first


def _decode_header_bytes(raw: bytes, hints: list[str]) -> tuple[str, bool]:
    """Unfold, decode raw 8-bit bytes, then RFC 2047 words. Returns (text, charset_guessed)."""
    raw = re.sub(rb"\r?\n(?=[ \t])", b"", raw).replace(b"\r", b"").replace(b"\n", b" ")
    guessed = False
    if raw.isascii():
        text = raw.decode("ascii")
    elif _is_utf8(raw):
        # RFC 6532 allows UTF-8 headers: that is declared enough.
        text = raw.decode("utf-8")
    else:
        guessed = True
        text = ""
        lossy = raw.decode("utf-8", errors="replace")
        if lossy.count("\ufffd") <= 2:
            # UTF-8 cut inside the last character (long headers are truncated by some MTAs).
            text = lossy
        for hint in hints if not text else ():
            codec = _codec(hint)
            if codec and codec not in ("cp1252", "latin-1", "iso8859-1"):
                try:
                    text = raw.decode(codec)
                    break
                except (UnicodeDecodeError, LookupError):
                    continue
        if not text:
            detected = _detect(raw) if len(raw) >= 8 else None
            text = raw.decode(detected or "cp1252", errors="replace")
    return _decode_encoded_words(text).replace("\x00", "").strip(), guessed


def _decode_encoded_words(text: str) -> str:
    """RFC 2047, tolerantly: words split mid-character, bad padding, unknown charsets."""
    if "=?" not in text:
        return text
    out: list[str] = []
    pending: list[tuple[str, bytes]] = []
    pos = 0

    def flush() -> None:
        # Adjacent words of one charset are joined as bytes first: senders split a
        # multi-byte character across two words.
        index = 0
        while index < len(pending):
            charset, data = pending[index]
            index += 1
            while index < len(pending) and pending[index][0] == charset:
                data += pending[index][1]
                index += 1
            out.append(_decode_word_bytes(data, charset))
        pending.clear()

    for match in _ENCODED_WORD.finditer(text):
        between = text[pos : match.start()]
        if between and (between.strip() or not pending):
            flush()
            out.append(between)
        charset, encoding, payload = match.group(1), match.group(2).lower(), match.group(3)
        pending.append((charset.lower(), _word_bytes(encoding, payload)))
        pos = match.end()
    flush()
    out.append(text[pos:])
    return "".join(out)


def _word_bytes(encoding: str, payload: str) -> bytes:
    if encoding == "q":
        data = payload.replace("_", " ").encode("ascii", "replace")
        return re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), data)
    cleaned = re.sub(r"[^A-Za-z0-9+/]", "", payload)
    cleaned = cleaned[: len(cleaned) - len(cleaned) % 4] if len(cleaned) % 4 == 1 else cleaned
    try:
        return binascii.a2b_base64(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        return payload.encode("ascii", "replace")


def _decode_word_bytes(data: bytes, charset: str) -> str:
    codec = _codec(charset)
    if codec is not None:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            pass
    if _is_utf8(data):
        return data.decode("utf-8")
    detected = _detect(data) if len(data) >= 8 else None
    try:
        return data.decode(detected or codec or "utf-8", errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _addresses(value: str) -> list[Address]:
    if not value or not value.strip():
        return []
    try:
        pairs = email.utils.getaddresses([value])
    except Exception:
        return []
    result = []
    for name, addr in pairs:
        addr = addr.strip().strip("<>").strip()
        if not addr:
            continue
        if "@" in addr:
            local, _, domain = addr.rpartition("@")
            addr = f"{local}@{domain.lower()}"
        result.append(Address(address=addr, name=_one_line(name)))
    return result


def _first_msgid(value: str) -> str | None:
    ids = _msgids(value)
    return ids[0] if ids else None


def _msgids(value: str) -> tuple[str, ...]:
    if not value or not value.strip():
        return ()
    found = _MSGID.findall(value)
    if found:
        return tuple(found)
    # Some senders drop the brackets; the ids are then the whitespace-separated words.
    return tuple(f"<{word.strip('<>')}>" for word in value.split() if "@" in word)


def _date(value: str) -> datetime | None:
    if not value or not value.strip():
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    except Exception:
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
