"""Readable plain text from the HTML of real mail (`html_to_text`).

Mail HTML is often broken (unclosed tags, stray end tags, Word markup), so this is a
tolerant event-driven walk over the stdlib `html.parser` rather than a tree builder: a
missing end tag can at worst merge two lines, never lose text or raise.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["html_to_text"]

# Content never meant to be read as text.
_SKIP = frozenset({"script", "style", "head", "title", "noscript", "template", "svg", "object", "xml"})
# Void elements have no end tag, so they must never enter the skip/quote counters.
_VOID = frozenset({"br", "img", "hr", "meta", "link", "input", "area", "base", "col", "embed", "source", "wbr"})
_BLOCK = frozenset(
    {
        "p", "div", "tr", "li", "ul", "ol", "dl", "dt", "dd", "table", "tbody", "thead", "tfoot",
        "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "address", "article", "aside",
        "section", "header", "footer", "nav", "center", "form", "fieldset", "figure", "figcaption",
        "main", "hr", "caption",
    }
)  # fmt: skip
_CELL = frozenset({"td", "th"})
_WS = re.compile(r"[ \t\r\f\v\u00a0\u200b\ufeff]+")


class _TextBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.current_depth = 0  # quote depth the current line started at
        self.skip: list[str] = []
        self.quote = 0
        self.pre = 0
        self.links: list[tuple[str, int]] = []  # (href, position in current line parts)
        self.cell_open = False

    # -- line handling -------------------------------------------------------------
    def _break(self) -> None:
        text = "".join(self.current)
        if self.pre:  # noqa: SIM108
            pieces = text.split("\n")
        else:
            pieces = [_WS.sub(" ", text.replace("\n", " ")).strip()]
        for piece in pieces:
            piece = _WS.sub(" ", piece).rstrip() if self.pre else piece
            self.lines.append(("> " * self.current_depth) + piece if piece else ("> " * self.current_depth).rstrip())
        self.current = []
        self.current_depth = self.quote
        self.cell_open = False

    def _soft_break(self) -> None:
        """A break that never creates an empty line by itself (block boundaries)."""
        if "".join(self.current).strip():
            self._break()
        else:
            self.current = []
            self.current_depth = self.quote

    def _write(self, text: str) -> None:
        if not "".join(self.current).strip():
            self.current_depth = self.quote
        self.current.append(text)

    # -- parser events ---------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip.append(tag)
            return
        if self.skip:
            return
        attr = {k.lower(): (v or "") for k, v in attrs}
        if tag == "br":
            self._break()
        elif tag == "p":
            self._soft_break()
            self._paragraph_gap()
        elif tag in _BLOCK:
            self._soft_break()
            if tag == "blockquote":
                self.quote += 1
                self.current_depth = self.quote
            elif tag == "pre":
                self.pre += 1
            elif tag == "li":
                self._write("- ")
            elif tag == "hr":
                self._break_hr()
        elif tag in _CELL:
            if self.cell_open and "".join(self.current).strip():
                self._write(" ")
            self.cell_open = True
        elif tag == "a":
            self.links.append((attr.get("href", "").strip(), len(self.current)))
        elif tag == "img":
            alt = attr.get("alt", "").strip()
            if alt:
                self._write(alt)

    def _paragraph_gap(self) -> None:
        # Paragraphs are separated by a blank line, like the mail clients show them.
        if self.lines and self.lines[-1].strip("> "):
            prefix = "> " * self.quote
            self.lines.append(prefix.rstrip() if self.lines[-1].startswith(prefix) else "")

    def _break_hr(self) -> None:
        self.current_depth = self.quote

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID or tag not in _SKIP:
            self.handle_starttag(tag, attrs)
            if tag not in _VOID:
                self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            if tag in self.skip:
                # Pop up to the matching start: an unclosed inner skip tag must not swallow the rest.
                while self.skip and self.skip.pop() != tag:
                    pass
            return
        if self.skip or tag in _VOID:
            return
        if tag == "a":
            if not self.links:
                return
            href, start = self.links.pop()
            text = _WS.sub(" ", "".join(self.current[start:])).strip()
            if href.lower().startswith(("http://", "https://")) and text and _norm_url(text) != _norm_url(href):
                self._write(f" ({href})")
            elif href.lower().startswith(("http://", "https://")) and not text:
                self._write(href)
        elif tag == "p":
            self._soft_break()
            self._paragraph_gap()
        elif tag in _BLOCK:
            self._soft_break()
            if tag == "blockquote" and self.quote:
                self.quote -= 1
                self.current_depth = self.quote
            elif tag == "pre" and self.pre:
                self.pre -= 1

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        self._write(data)

    def close(self) -> None:
        super().close()
        self._break()


def _norm_url(value: str) -> str:
    value = value.strip().lower().rstrip("/")
    for prefix in ("mailto:", "https://", "http://", "www."):
        value = value.removeprefix(prefix)
    return value


def _tidy(lines: list[str]) -> str:
    out: list[str] = []
    for line in lines:
        blank = not line.strip("> ").strip()
        if blank and (not out or not out[-1].strip("> ").strip()):
            continue  # at most one blank line in a row, none at the start
        out.append(line.rstrip())
    while out and not out[-1].strip("> ").strip():
        out.pop()
    return "\n".join(out)


def html_to_text(html: str) -> str:
    """Plain text of `html`: one line per block, `- ` for list items, `> ` for quotes."""
    if not html:
        return ""
    builder = _TextBuilder()
    try:
        builder.feed(html)
        builder.close()
    except Exception:  # html.parser is tolerant, but a crafted input must not lose the mail
        try:  # noqa: SIM105
            builder._break()
        except Exception:
            pass
        if not builder.lines:
            return _WS.sub(" ", re.sub(r"<[^>]*>", " ", html)).strip()
    return _tidy(builder.lines)
