"""The new text of a reply (`visible_reply`): quoted history and signature removed.

Order of the cuts (the first that applies wins at each step):

1. Relay's own separator (`##- ... -##`, any language): everything from that line on.
2. For HTML-only mail, the quote containers of known clients are cut from the HTML
   (Gmail `gmail_quote`, `blockquote type="cite"`, Thunderbird `moz-cite-prefix`, Yahoo
   `yahoo_quoted`, Outlook `divRplyFwdMsg`/`appendonsend` and its border-top separator
   when a From: header block follows) before the HTML is turned into text.
3. The earliest quote start in the text: a quote header ("On ... wrote:" and its German,
   French, Spanish, Russian, ... forms, also wrapped over up to three lines), an
   "Original Message" line, a From/Sent/To/Subject header block in several languages (with
   the underscore or dash line above it), or a "date ... <address>:" line followed by
   quoted lines (Yandex, mail.ru, Android). A header block right after a "Forwarded
   message" line is a forward, not a quote. A quote at the very top (bottom posting) is
   skipped instead and the text after it kept.
4. Trailing `>` lines, then a quote header left dangling at the end.
5. A signature: a `-- ` line, a mailing-list footer under an underscore line, or a
   "Sent from my iPhone"-like last line.

If nothing would remain, the original text is returned (stripped): a message must never
be lost to the stripper.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from relay_mail_ingest.domain.html_text import html_to_text

__all__ = ["visible_reply"]

_SEPARATOR = re.compile(r"##-.*-##")

# Invisible marks Outlook/Windows Mail scatter through header lines.
_INVISIBLE = re.compile(r"[\u200b\u200e\u200f\u202a-\u202e\u2060\ufeff]")

_QUOTE_HEADERS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^[\s>]*On\b.{0,250}\b(wrote|writes|said)\s*:\s*$",
        r"^[\s>]*Am\b.{0,250}\bschrieb\b.{0,250}:\s*$",
        r"^[\s>]*Le\b.{0,250}\ba\s+[ée]crit\s*:\s*$",
        r"^[\s>]*El\b.{0,250}\bescribi[óo]\s*:\s*$",
        r"^[\s>]*Em\b.{0,250}\bescreveu\s*:\s*$",
        r"^[\s>]*Op\b.{0,250}\bschreef\b.{0,250}:\s*$",
        r"^[\s>]*Il\b.{0,250}\bha\s+scritto\s*:\s*$",
        r"^[\s>]*W\s+dniu\b.{0,250}\bnapisa[łl]\w*\s*:\s*$",
        r"^.{0,250}\b(написал|написала|написал\(а\)|пишет)\s*:\s*$",  # noqa: RUF001
        r"^.{0,250}\bschrieb\s+.{0,120}:\s*$",
    )
]
# "26.06.2014, 14:41, "Name" <a@b>:" (Yandex), "<date> от Name <a@b>:" (mail.ru),
# "2012/4/2 Name <a@b>": only a quote header when quoted lines follow or nothing does.
_ADDRESS_HEADER = re.compile(r"^[\s>]*(?=.*\d).{0,250}<?[\w.+-]+@[\w-]+(\.[\w-]+)+>?\)?\s*:?\s*$")
_ORIGINAL = re.compile(
    r"^[\s>]*-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|Исходное сообщение"
    r"|Mensaje original|Mensagem original|Oorspronkelijk bericht|Messaggio originale|Reply message)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_FORWARD = re.compile(
    r"(Forwarded message|Begin forwarded message|Пересылаемое сообщение|Переслан\w* сообщение"
    r"|Weitergeleitete Nachricht|Message transf[ée]r[ée]|Mensaje reenviado|Mensagem encaminhada)",
    re.IGNORECASE,
)
_RULE_LINE = re.compile(r"^\s*(_{8,}|-{8,})\s*$")
_FIELD = re.compile(r"^[\s>*]*(?P<name>[^\W\d_][^\W\d_ ]*(?: [^\W\d_]+)?)\s*\*?\s*:")
_FIELD_KINDS = {
    "from": "from", "от": "from", "von": "from", "de": "from", "van": "from", "da": "from", "od": "from",
    "sent": "date", "date": "date", "отправлено": "date", "дата": "date", "gesendet": "date",
    "datum": "date", "envoyé": "date", "enviado": "date", "enviada": "date", "fecha": "date", "data": "date",
    "to": "to", "кому": "to", "an": "to", "à": "to", "a": "to", "para": "to", "aan": "to", "pour": "to",
    "subject": "subject", "тема": "subject", "betreff": "subject", "objet": "subject", "sujet": "subject",
    "asunto": "subject", "assunto": "subject", "oggetto": "subject", "onderwerp": "subject",
    "cc": "cc", "копия": "cc", "kopie": "cc", "cci": "cc",
}  # fmt: skip
_MOBILE_SIGNATURE = re.compile(
    r"^\s*(Sent from my|Sent from Mail for|Sent with|Sent via|Get Outlook for|Отправлено с|Отправлено из"  # noqa: RUF001
    r"|Von meinem|Gesendet von meinem|Envoyé de mon|Envoyé depuis mon|Enviado desde mi|Enviado do meu)"
    r"\b[^,.;:!?]{0,40}(\([^)]*\))?\s*$",
    re.IGNORECASE,
)


def _clean(line: str) -> str:
    return _INVISIBLE.sub("", line).replace("\u00a0", " ")


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _blank(line: str) -> bool:
    return not _clean(line).strip()


def _field_kind(line: str) -> str | None:
    match = _FIELD.match(_clean(line))
    return _FIELD_KINDS.get(match.group("name").lower()) if match else None


def _header_block_end(lines: list[str], start: int) -> int | None:
    """End (exclusive) of a From/Sent/To/Subject block starting at `start`, or None."""
    kinds: set[str] = set()
    i, loose = start, 0
    while i < len(lines) and not _blank(lines[i]):
        kind = _field_kind(lines[i])
        if kind:
            kinds.add(kind)
            loose = 0
        elif i == start or loose:
            break  # a wrapped To: list may take one line, never two in a row
        else:
            loose += 1
        i += 1
    if ("from" in kinds and len(kinds) >= 3) or len(kinds) >= 4:
        return i
    return None


def _header_span(lines: list[str], i: int) -> int:
    """Number of lines (1-3) forming a quote header starting at `i`, or 0."""
    parts: list[str] = []
    for n in range(3):
        if i + n >= len(lines) or _blank(lines[i + n]):
            break
        parts.append(_clean(lines[i + n]).strip())
        joined = " ".join(parts)
        if len(joined) > 300 or (n and not re.search(r"\d", parts[0])):
            break  # a wrapped header starts with its date; prose above it must not join in
        if any(p.match(joined) for p in _QUOTE_HEADERS):
            return n + 1
    return 0


def _next_nonblank(lines: list[str], i: int) -> int:
    while i < len(lines) and _blank(lines[i]):
        i += 1
    return i


def _forwarded_above(lines: list[str], i: int) -> bool:
    seen = 0
    for j in range(i - 1, -1, -1):
        if _blank(lines[j]):
            continue
        if _FORWARD.search(lines[j]):
            return True
        seen += 1
        if seen >= 2:
            return False
    return False


def _quote_start(lines: list[str]) -> tuple[int, int] | None:
    """(first line of the quote, first line after its header), earliest first."""
    for i, raw in enumerate(lines):
        line = _clean(raw)
        if not line.strip() or _is_quoted(line):
            continue  # a quoted header ("> On ... wrote:") belongs to the trailing-quote rule
        span = _header_span(lines, i)
        if span:
            return i, i + span
        if _ORIGINAL.match(line):
            if _forwarded_above(lines, i):
                continue
            return i, i + 1
        if _field_kind(line) and not _forwarded_above(lines, i):
            end = _header_block_end(lines, i)
            if end is not None:
                start = i
                above = i - 1
                while above >= 0 and _blank(lines[above]):
                    above -= 1
                if above >= 0 and (_RULE_LINE.match(_clean(lines[above])) or _ORIGINAL.match(_clean(lines[above]))):
                    start = above
                return start, end
        if _ADDRESS_HEADER.match(line) and line.rstrip().endswith(":"):
            after = _next_nonblank(lines, i + 1)
            if after >= len(lines) or _is_quoted(lines[after]):
                return i, i + 1
    return None


def _strip_trailing_quote(lines: list[str]) -> list[str]:
    end = len(lines)
    while end and (_blank(lines[end - 1]) or _is_quoted(lines[end - 1])):
        end -= 1
    lines = lines[:end]
    # A header left dangling above the removed quote ("... wrote:", mail.ru's "... <a@b>:").
    if lines:
        last = len(lines) - 1
        for start in range(max(0, last - 2), last + 1):
            span = _header_span(lines, start)
            if span and start + span == last + 1:
                return lines[:start]
        line = _clean(lines[last])
        if _ADDRESS_HEADER.match(line) and line.rstrip().endswith(":"):
            return lines[:last]
    return lines


def _strip_signature(lines: list[str]) -> list[str]:
    for i, line in enumerate(lines):
        if line.rstrip() in ("--", "-- ") or line == "-- ":
            return lines[:i]
    # A mailing-list footer (mailman) under an underscore line at the end.
    for i in range(len(lines) - 1, max(-1, len(lines) - 8), -1):
        if re.match(r"^\s*_{10,}\s*$", lines[i]):
            return lines[:i]
    last = len(lines) - 1
    while last >= 0 and _blank(lines[last]):
        last -= 1
    if last >= 0 and _MOBILE_SIGNATURE.match(_clean(lines[last])):
        return lines[:last]
    return lines


def _strip_text(text: str, depth: int = 0) -> str:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for i, line in enumerate(lines):
        if _SEPARATOR.search(line):
            lines = lines[:i]
            break
    found = _quote_start(lines)
    if found is not None:
        start, after = found
        i = _next_nonblank(lines, after)
        inline = i < len(lines) and _is_quoted(lines[i])
        while i < len(lines) and (_is_quoted(lines[i]) or _blank(lines[i])):
            i += 1
        if depth < 3 and (_next_nonblank(lines, 0) >= start or (inline and i < len(lines))):
            # Bottom or inline posting: the sender's text continues below the '>' quote.
            before = "\n".join(lines[:start]).strip()
            below = _strip_text("\n".join(lines[i:]), depth + 1) if i < len(lines) else ""
            return "\n\n".join(part for part in (before, below) if part)
        lines = lines[:start]
    previous = None
    while previous != lines:
        previous = lines
        lines = _strip_signature(_strip_trailing_quote(lines))
    return "\n".join(lines).strip()


class _QuoteFinder(HTMLParser):
    """Offsets of the start tags that open a client's quote container."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sure: list[tuple[int, int]] = []
        self.maybe: list[tuple[int, int]] = []  # border-top separators: need a header block after

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k.lower(): (v or "") for k, v in attrs}
        classes = attr.get("class", "").lower().split()
        ident = attr.get("id", "").lower()
        style = attr.get("style", "").lower().replace(" ", "")
        if (
            any(c in ("gmail_quote", "gmail_quote_container", "moz-cite-prefix", "yahoo_quoted") for c in classes)
            or "outlookmessageheader" in classes
            or (tag == "blockquote" and attr.get("type", "").lower() == "cite")
            or ident.endswith(("divrplyfwdmsg", "appendonsend"))
            or ident in ("yahoo_quoted", "mail-editor-reference-message-container")
        ):
            self.sure.append(self.getpos())
        elif tag in ("div", "p") and "border-top" in style and "solid" in style:
            self.maybe.append(self.getpos())


def _offset(html: str, pos: tuple[int, int]) -> int:
    line, col = pos
    offset = 0
    for _ in range(line - 1):
        offset = html.index("\n", offset) + 1
    return offset + col


def _cut_html(html: str) -> str:
    finder = _QuoteFinder()
    try:
        finder.feed(html)
        finder.close()
    except Exception:
        return html
    candidates = sorted([(p, True) for p in finder.sure] + [(p, False) for p in finder.maybe])
    for pos, sure in candidates:
        try:
            offset = _offset(html, pos)
        except ValueError:
            continue
        rest = html_to_text(html[offset : offset + 20000]).split("\n")
        first = _next_nonblank(rest, 0)
        head = rest[first : first + 3]
        if any(_FORWARD.search(line) for line in head):
            continue  # Gmail wraps forwarded messages in the same container
        if not sure and (first >= len(rest) or _header_block_end(rest, first) is None):
            continue
        if html_to_text(html[:offset]).strip():
            return html[:offset]
    return html


def visible_reply(text: str, html: str | None = None) -> str:
    """The text the sender wrote in this reply, without quoted history or signature."""
    try:
        if not (text or "").strip() and html:
            source = html_to_text(html)
            stripped = _strip_text(html_to_text(_cut_html(html)))
        else:
            source = text or ""
            stripped = _strip_text(source)
    except Exception:  # a stripper bug must not lose the message
        return (text or "").strip() or (html_to_text(html).strip() if html else "")
    return stripped or source.strip()
