"""Notification templates: what a notification says, in which words, inside which frame.

A notification is made of a `TemplateSet` (a subject, a text body and, optionally, an
HTML body) and the desk's `Design` (an HTML frame and a text frame with a content slot,
``{{ content }}``, where the body goes). Both are Jinja2 templates, compiled in the
sandbox, that see only the variables listed in `VARIABLES`. The shipped defaults live as
data files under ``shipped_templates/<language>/`` (``design.html``, ``design.txt``, and
``<audience>/<event>.subject|.txt|.html``); the service layer stores the desk's own
versions and hands them here.

Writing templates:

* Variables are groups with attributes (``{{ ticket.number }}``, ``{{ desk.name }}``) plus
  ``reply_separator``; the design templates also see ``content`` (the body) and
  ``subject`` (the rendered subject).
* A line holding only a block tag (``{% if ... %}``, ``{% endif %}``) leaves nothing in
  the output. A block tag at the end of a line with text swallows that line's newline:
  write ``+%}`` (``{% endif +%}``) to keep it.
* Subject and text are not escaped; the HTML parts are (``{{ ticket.subject }}`` cannot
  inject markup). ``comment.html`` and ``content`` are HTML already and print as such.
* Runs of blank lines in the text collapse to one; the final HTML is sanitised with nh3
  (email layout tags, inline styles limited to layout and typography properties, no
  scripts, no event handlers, http(s)/mailto/tel/cid links only, ``data:`` only for
  raster images) and put into a fixed document shell.

`validate` is meant for save time: it compiles every part and renders it against
`sample_context` in every language, so a typo (an unknown variable or attribute) is
refused with the part and line it is on. `render` is meant for the hot path: compiled
templates are cached by their source text, and every known variable the caller leaves
out is an empty string, so a template that passed `validate` renders.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import nh3
from jinja2 import StrictUndefined, Template, TemplateSyntaxError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import missing
from markupsafe import Markup, escape

__all__ = [
    "CUSTOMER_EVENTS",
    "DEFAULT_COLOUR",
    "DEFAULT_LANGUAGE",
    "EMPLOYEE_EVENTS",
    "KEYS",
    "LANGUAGES",
    "PARTS",
    "REPLYABLE",
    "SUBJECT_MAX",
    "VARIABLES",
    "Design",
    "Rendered",
    "TemplateError",
    "TemplateSet",
    "cache_info",
    "format_datetime",
    "render",
    "reply_separator",
    "sample_context",
    "shipped",
    "shipped_design",
    "text_to_html",
    "validate",
    "validate_design",
]

LANGUAGES = ("en", "ru")
DEFAULT_LANGUAGE = "en"

CUSTOMER, EMPLOYEE = "customer", "employee"
CUSTOMER_EVENTS = ("registered", "public_comment", "resolved", "closed", "merged", "status_changed")
EMPLOYEE_EVENTS = (
    "assigned",
    "customer_comment",
    "employee_comment",
    "mention",
    "status_changed",
    "sla_warning",
    "sla_breached",
    "created",
    "delivery_failed",
    "webhook_disabled",
)
# A key names the audience and the event: "customer.status_changed" and
# "employee.status_changed" are different letters to different people.
KEYS = tuple(f"{CUSTOMER}.{e}" for e in CUSTOMER_EVENTS) + tuple(f"{EMPLOYEE}.{e}" for e in EMPLOYEE_EVENTS)
# Notifications a reply to which becomes a comment: the caller gives them
# `reply_separator` (see `reply_separator()`), the others an empty string.
REPLYABLE = frozenset(KEYS) - {f"{EMPLOYEE}.delivery_failed", f"{EMPLOYEE}.webhook_disabled"}

SUBJECT_MAX = 250
DEFAULT_COLOUR = "#2563eb"
PARTS = ("subject", "text", "html", "design_html", "design_text")
CONTENT = "content"

VARIABLES: dict[str, str] = {
    "ticket.number": "The ticket's number (1042)",
    "ticket.subject": "The ticket's subject",
    "ticket.status": "The status code (new, in_progress, resolved, ...)",
    "ticket.status_name": "The status as shown to the recipient",
    "ticket.priority": "The priority code",
    "ticket.priority_name": "The priority as shown to the recipient",
    "ticket.type": "The ticket type code",
    "ticket.type_name": "The ticket type as shown to the recipient",
    "ticket.responsible": "Who is responsible: an employee's or a group's name",
    "ticket.contact": "The customer contact's name",
    "ticket.company": "The customer's company",
    "ticket.planned_reaction_at": "When the desk plans to react (date and time, or empty)",
    "ticket.planned_resolution_at": "When the desk plans to resolve the ticket (date and time, or empty)",
    "ticket.url": "The ticket's page for employees",
    "ticket.portal_url": "The ticket's page in the customer portal",
    "ticket.description": "The ticket's description, as text",
    "comment.text": "The comment, as text",
    "comment.html": "The comment, as (sanitised) HTML",
    "comment.author": "Who wrote the comment",
    "comment.public": "Whether the customer sees the comment (true/false)",
    "recipient.name": "The recipient's name (may be empty)",
    "recipient.email": "The recipient's address",
    "recipient.kind": "employee, contact or address (a bare email address)",
    "actor.name": "Who did what the notification is about (empty for the system)",
    "desk.name": "The desk's name",
    "desk.colour": "The brand colour, #rrggbb",
    "desk.logo_url": "The logo's URL (may be empty)",
    "desk.url": "The desk's address",
    "links.rate_good": "One-click link: the resolution was good (may be empty)",
    "links.rate_bad": "One-click link: the resolution was bad (may be empty)",
    "links.reopen": "One-click link: reopen the ticket (may be empty)",
    "links.unsubscribe": "The recipient's notification settings (may be empty)",
    "sla.clock": "Which SLA clock: reaction or resolution",
    "sla.due_at": "When the clock runs out (date and time)",
    "sla.percent": "How much of the clock's time is used, in per cent",
    "merged_into.number": "The number of the ticket this one was merged into",
    "merged_into.subject": "The subject of the ticket this one was merged into",
    "status.from_name": "The previous status",
    "status.to_name": "The new status",
    "failure.address": "Where a notification could not be delivered",
    "failure.reason": "Why it could not be delivered",
    "webhook.url": "The disabled webhook's URL",
    "webhook.failures": "How many deliveries in a row failed",
    "reply_separator": "The line above which a reply is written (empty for notifications one cannot reply to)",
    "content": "Design templates only: the notification's body",
    "subject": "Design templates only: the rendered subject",
}
_DESIGN_ONLY = ("content", "subject")


def _schema() -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    groups: dict[str, list[str]] = {}
    scalars: list[str] = []
    for name in VARIABLES:
        if name in _DESIGN_ONLY:
            continue
        group, dot, attribute = name.partition(".")
        if dot:
            groups.setdefault(group, []).append(attribute)
        else:
            scalars.append(name)
    return {g: tuple(a) for g, a in groups.items()}, tuple(scalars)


_GROUPS, _SCALARS = _schema()


@dataclass(frozen=True)
class TemplateSet:
    """One notification's templates; `html` None (or blank) means "the text, converted"."""

    subject: str
    text: str
    html: str | None = None


@dataclass(frozen=True)
class Design:
    """The frame of every email: both must hold the content slot, ``{{ content }}``."""

    html: str
    text: str


@dataclass(frozen=True)
class Rendered:
    """A rendered notification: a one-line subject, the text and a complete HTML document."""

    subject: str
    text: str
    html: str


class TemplateError(ValueError):
    """A template that does not compile or render: which part, on which line, and why."""

    def __init__(self, part: str, reason: str, line: int | None = None) -> None:
        super().__init__(part, reason, line)
        self.part = part
        self.reason = reason
        self.line = line

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.part}: {self.reason}"
        return f"{self.part}, line {self.line}: {self.reason}"


# --- the language data ------------------------------------------------------------------

_DATA = resources.files(__package__) / "shipped_templates"


def _language(language: str | None) -> str:
    """The shipped language `language` means ("ru-RU", "RU", "ru_RU": "ru"), else English."""
    code = (language or "").replace("_", "-").split("-")[0].lower()
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


@cache
def _read(*path: str) -> str:
    return _DATA.joinpath(*path).read_text(encoding="utf-8")


@cache
def _language_data(language: str) -> dict[str, Any]:
    return json.loads(_read(language, "language.json"))


def event_words(notification: str, language: str) -> str:
    """A notification in a few words (for an SMS), in `language`, else in English."""
    for lang in (_language(language), DEFAULT_LANGUAGE):
        if found := (_language_data(lang).get("sms_events") or {}).get(notification):
            return found
    return notification.replace("_", " ")


def reply_separator(language: str) -> str:
    """The line mail-ingest cuts a reply at, in `language`."""
    return _language_data(_language(language))["reply_separator"]


def format_datetime(value: datetime | None, language: str, zone: str) -> str:
    """`value` as the recipient reads it: in their time zone and language.

    English "December 5, 2026, 2:30 PM", Russian "5 декабря 2026, 14:30" (the month in the
    genitive). None gives "". A naive datetime is taken as UTC; an unknown zone as UTC.
    """
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        tz = ZoneInfo(zone) if zone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        tz = UTC
    local = value.astimezone(tz)
    data = _language_data(_language(language))
    return data["datetime_format"].format(
        day=local.day,
        month=data["months"][local.month - 1],
        year=local.year,
        hour=f"{local.hour:02d}",
        minute=f"{local.minute:02d}",
        hour12=(local.hour % 12) or 12,
        ampm="AM" if local.hour < 12 else "PM",
    )


# --- shipped templates ------------------------------------------------------------------


def _split_key(key: str) -> tuple[str, str]:
    if key not in KEYS:
        raise KeyError(f"no notification {key!r}; the keys are {', '.join(KEYS)}")
    audience, _, event = key.partition(".")
    return audience, event


def _optional(*path: str) -> str | None:
    try:
        return _read(*path)
    except FileNotFoundError:
        return None


@lru_cache(maxsize=256)
def shipped(key: str, language: str) -> TemplateSet:
    """The shipped templates of notification `key` in `language` (English for a language not shipped)."""
    audience, event = _split_key(key)
    lang = _language(language)
    return TemplateSet(
        subject=_read(lang, audience, f"{event}.subject").strip(),
        text=_read(lang, audience, f"{event}.txt"),
        html=_optional(lang, audience, f"{event}.html"),
    )


@lru_cache(maxsize=64)
def shipped_design(language: str) -> Design:
    """The shipped design (the frame of every email) in `language`."""
    lang = _language(language)
    return Design(html=_read(lang, "design.html"), text=_read(lang, "design.txt"))


def sample_context(language: str, key: str | None = None) -> dict[str, Any]:
    """A complete, realistic render context for previews and save-time validation (a fresh copy).

    With `key`, the sample fits that notification for a preview: an employee recipient for
    the employee letters, the customer's comment in ``customer_comment``, an empty
    `reply_separator` for a notification one cannot reply to. Every variable is there either way.
    """
    lang = _language(language)
    context = json.loads(_read(lang, "sample.json"))
    overrides = context.pop("overrides", {})
    if key is not None:
        for selector in (key.partition(".")[0], key):
            for group, values in overrides.get(selector, {}).items():
                context[group].update(values)
    context["reply_separator"] = "" if key is not None and key not in REPLYABLE else reply_separator(lang)
    return context


# --- the Jinja2 sandbox -----------------------------------------------------------------

_SEQUENCE_MAX = 100_000
_EXPONENT_MAX = 100


class _Group:
    """A variable group (`ticket`, `desk`, ...): attributes are its values, nothing else.

    Not a dict, so `ticket.items` or `ticket.get` is an unknown attribute, not a method.
    """

    __slots__ = ("_name", "_values")

    def __init__(self, name: str, values: dict[str, Any]) -> None:
        self._name = name
        self._values = values

    def __getattr__(self, attribute: str) -> Any:
        try:
            return self._values[attribute]
        except KeyError:
            raise AttributeError(attribute) from None

    def __getitem__(self, attribute: str) -> Any:
        return self._values[attribute]

    def __repr__(self) -> str:
        return f"<{self._name}>"


class _Undefined(StrictUndefined):
    """StrictUndefined that names the variable group: "'ticket' has no attribute 'numbr'"."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        if self._undefined_hint:
            return self._undefined_hint
        if self._undefined_obj is missing:
            return f"unknown variable {self._undefined_name!r}"
        if isinstance(self._undefined_obj, _Group):
            return f"{self._undefined_obj._name!r} has no attribute {self._undefined_name!r}"
        return super()._undefined_message


class _Environment(SandboxedEnvironment):
    """The sandbox, also refusing `*` and `**` results large enough to stall a worker."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(count, int) and len(seq) * count > _SEQUENCE_MAX:
                    raise SecurityError(f"a repeated sequence may be at most {_SEQUENCE_MAX} long")
        elif operator == "**" and isinstance(right, int | float) and abs(right) > _EXPONENT_MAX:
            raise SecurityError(f"an exponent may be at most {_EXPONENT_MAX}")
        return super().call_binop(context, operator, left, right)

    def getattr(self, obj: Any, attribute: str) -> Any:
        # The hot path: `ticket.number` is a dict lookup, none of the general checks (a
        # group holds data only; its private slots are refused like any private name).
        if type(obj) is _Group and attribute[:1] != "_":
            try:
                return obj._values[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)

    def unsafe_undefined(self, obj: Any, attribute: str) -> _Undefined:
        return self.undefined(
            f"access to attribute {attribute!r} is not allowed", obj=obj, name=attribute, exc=SecurityError
        )


_OPTIONS: dict[str, Any] = {
    "undefined": _Undefined,
    "trim_blocks": True,
    "lstrip_blocks": True,
    "keep_trailing_newline": False,
    "auto_reload": False,
}
_TEXT_ENV = _Environment(autoescape=False, **_OPTIONS)
_HTML_ENV = _Environment(autoescape=True, **_OPTIONS)


@lru_cache(maxsize=2048)
def _compile(source: str, html: bool) -> Template:
    return (_HTML_ENV if html else _TEXT_ENV).from_string(source)


def cache_info() -> Any:
    """The compiled-template cache's statistics (`functools.lru_cache` info: hits, misses, ...)."""
    return _compile.cache_info()


def _template(part: str, source: str, html: bool) -> Template:
    try:
        return _compile(source, html)
    except TemplateSyntaxError as e:
        raise TemplateError(part, e.message or "syntax error", e.lineno) from None
    except Exception as e:  # a compiler limit (deep nesting) and the like
        raise TemplateError(part, str(e) or type(e).__name__) from None


def _template_line(error: BaseException) -> int | None:
    line = None
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _render(part: str, template: Template, context: dict[str, Any]) -> str:
    try:
        return template.render(context)
    except Exception as e:
        raise TemplateError(part, str(e) or type(e).__name__, _template_line(e)) from None


# --- the context ------------------------------------------------------------------------

_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def _context(given: Mapping[str, Any]) -> dict[str, Any]:
    """The render context: every known variable, "" where the caller gave none (or None)."""
    context: dict[str, Any] = {}
    for group, attributes in _GROUPS.items():
        values = dict.fromkeys(attributes, "")
        supplied = given.get(group)
        if isinstance(supplied, Mapping):
            for attribute, value in supplied.items():
                values[attribute] = "" if value is None else value
        if group == "desk":
            colour = values["colour"]
            values["colour"] = (
                colour.lower() if isinstance(colour, str) and _COLOUR.fullmatch(colour) else DEFAULT_COLOUR
            )
        elif group == "comment":
            html = values["html"]
            if html:
                values["html"] = Markup(html)  # the tickets service stored it sanitised; cleaned again at the end
            elif values["text"]:
                values["html"] = Markup(text_to_html(str(values["text"])))
        context[group] = _Group(group, values)
    for name in _SCALARS:
        value = given.get(name)
        context[name] = "" if value is None else value
    return context


# --- text and HTML ----------------------------------------------------------------------

_URL = re.compile(r"\bhttps?://[^\s<>\"]+", re.IGNORECASE)
_URL_TAIL = ".,;:!?)]}'\u00bb\u201d\u2019"  # punctuation after a URL is not part of it
_PARAGRAPHS = re.compile(r"\n[ \t]*\n\s*")
_BLANK_RUNS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _linked(line: str) -> str:
    out: list[str] = []
    last = 0
    for found in _URL.finditer(line):
        url = found.group().rstrip(_URL_TAIL)
        start, end = found.start(), found.start() + len(url)
        out.append(str(escape(line[last:start])))
        href = escape(url)
        out.append(f'<a href="{href}">{href}</a>')
        last = end
    out.append(str(escape(line[last:])))
    return "".join(out)


def text_to_html(text: str) -> str:
    """Plain text as HTML: escaped, blank lines make paragraphs, newlines breaks, URLs links."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return ""
    paragraphs = []
    for paragraph in _PARAGRAPHS.split(text):
        lines = "<br>\n".join(_linked(line) for line in paragraph.split("\n"))
        paragraphs.append(f'<p style="margin:0 0 16px">{lines}</p>')
    return "\n".join(paragraphs)


def _one_line(subject: str) -> str:
    subject = " ".join(_CONTROL.sub("", subject).split())
    if len(subject) > SUBJECT_MAX:
        subject = subject[: SUBJECT_MAX - 1].rstrip() + "…"
    return subject


def _tidy_text(text: str) -> str:
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _BLANK_RUNS.sub("\n\n", text).strip() + "\n"


# What survives in the final HTML: what an email layout needs (tables, inline styles,
# images), nothing that runs, and no URL but web, mail, phone, cid: and raster data: images.
_TAGS = {
    "a", "abbr", "b", "big", "blockquote", "br", "caption", "center", "cite", "code", "col", "colgroup", "dd",
    "del", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd",
    "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strike", "strong", "sub", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "u", "ul", "wbr",
}  # fmt: skip
_DROP_WITH_CONTENT = {
    "script", "style", "noscript", "template", "title", "textarea", "iframe", "object", "embed", "svg", "math",
    "select", "head",
}  # fmt: skip
_CELL = {"width", "height", "colspan", "rowspan", "valign", "bgcolor", "nowrap"}
_ATTRIBUTES = {
    "*": {"style", "title", "dir", "lang", "align"},
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height", "border"},
    "table": {"width", "height", "cellpadding", "cellspacing", "border", "bgcolor"},
    "tr": {"valign", "bgcolor"},
    "td": _CELL,
    "th": _CELL,
    "col": {"width", "span"},
    "colgroup": {"width", "span"},
    "font": {"color", "face", "size"},
    "ol": {"start", "type"},
    "ul": {"type"},
}
_ATTRIBUTE_VALUES = {
    "a": {"target": {"_blank"}},
    "table": {"role": {"presentation"}},
    "td": {"role": {"presentation"}},
}
_STYLE_PROPERTIES = {
    "background", "background-color", "border", "border-bottom", "border-bottom-color", "border-bottom-style",
    "border-bottom-width", "border-collapse", "border-color", "border-left", "border-left-color",
    "border-left-style", "border-left-width", "border-radius", "border-right", "border-right-color",
    "border-right-style", "border-right-width", "border-spacing", "border-style", "border-top",
    "border-top-color", "border-top-style", "border-top-width", "border-width", "color", "direction", "display",
    "font", "font-family", "font-size", "font-style", "font-variant", "font-weight", "height", "letter-spacing",
    "line-height", "list-style", "list-style-type", "margin", "margin-bottom", "margin-left", "margin-right",
    "margin-top", "max-width", "min-width", "overflow-wrap", "padding", "padding-bottom", "padding-left",
    "padding-right", "padding-top", "table-layout", "text-align", "text-decoration", "text-indent",
    "text-transform", "vertical-align", "white-space", "width", "word-break", "word-wrap",
}  # fmt: skip
_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid", "data"}
_DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*", re.IGNORECASE)
# A declaration that loads something or runs script (url(), IE's expression(), bindings)
# or hides it behind escapes is dropped; the property list above does the rest.
_CSS_REFUSED = re.compile(r"url\s*\(|expression|javascript|vbscript|behavior|binding|@import|\\|<|>", re.IGNORECASE)
_NUMBER = re.compile(r"\d{1,4}%?")
_COLOUR_VALUE = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{1,30}")
_FONT_FACE = re.compile(r"[\w ,'\"-]{1,200}")
_NUMERIC = {"width", "height", "border", "cellpadding", "cellspacing", "colspan", "rowspan", "span", "start", "size"}


def _clean_style(value: str) -> str | None:
    if _CSS_REFUSED.search(value) is None:
        return value
    declarations = [d for d in value.split(";") if d.strip() and not _CSS_REFUSED.search(d)]
    return ";".join(declarations) if declarations else None


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "style":
        return _clean_style(value)
    if attribute in ("href", "src"):
        if value[:5].lower() == "data:":
            return value if attribute == "src" and tag == "img" and _DATA_IMAGE.fullmatch(value) else None
        return value
    if attribute in _NUMERIC:
        return value if _NUMBER.fullmatch(value.strip()) else None
    if attribute in ("color", "bgcolor"):
        return value if _COLOUR_VALUE.fullmatch(value.strip()) else None
    if attribute == "face":
        return value if _FONT_FACE.fullmatch(value) else None
    return value


_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    clean_content_tags=_DROP_WITH_CONTENT,
    attributes=_ATTRIBUTES,
    tag_attribute_values=_ATTRIBUTE_VALUES,
    attribute_filter=_attribute_filter,
    filter_style_properties=_STYLE_PROPERTIES,
    url_schemes=_URL_SCHEMES,
    url_relative="deny",
    link_rel="noopener noreferrer",
    strip_comments=True,
)


def _document(subject: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(subject)}</title></head>\n"
        f'<body style="margin:0;padding:0">\n{body}\n</body></html>\n'
    )


# --- validating and rendering -----------------------------------------------------------


def _body_html(ts: TemplateSet) -> str | None:
    return ts.html if ts.html is not None and ts.html.strip() else None


_SLOT = "relaynotifycontentslot"


def validate_design(design: Design) -> None:
    """Refuse a design that does not compile, uses an unknown variable or has no content slot."""
    html = _template("design_html", design.html, True)
    text = _template("design_text", design.text, False)
    for language in LANGUAGES:
        context = _context(sample_context(language))
        context["subject"] = "Subject"
        context[CONTENT] = Markup(_SLOT)
        if _SLOT not in _CLEANER.clean(_render("design_html", html, context)):
            raise TemplateError("design_html", "the design has no content slot: put {{ content }} where the body goes")
        context[CONTENT] = _SLOT
        if _SLOT not in _render("design_text", text, context):
            raise TemplateError("design_text", "the design has no content slot: put {{ content }} where the body goes")


def validate(ts: TemplateSet, *, design: Design | None = None) -> None:
    """Refuse templates that would not render, before they are saved.

    Every part is compiled in the sandbox and rendered against `sample_context` in every
    language: a syntax error, an unknown variable or attribute, a refused (private)
    attribute, or a runtime error raises `TemplateError` naming the part and line. So does
    an empty subject or text, a subject that is not one line or is longer than
    `SUBJECT_MAX`, and (with `design`) a design without the content slot.
    """
    for part, source in (("subject", ts.subject), ("text", ts.text)):
        if not source.strip():
            raise TemplateError(part, "must not be empty")
    subject = _template("subject", ts.subject, False)
    text = _template("text", ts.text, False)
    html_source = _body_html(ts)
    html = _template("html", html_source, True) if html_source is not None else None
    for language in LANGUAGES:
        context = _context(sample_context(language))
        rendered = _render("subject", subject, context).strip()
        if "\n" in rendered or "\r" in rendered:
            raise TemplateError("subject", "a subject is one line: it renders with a line break")
        if not rendered:
            raise TemplateError("subject", "renders to an empty subject")
        length = len(" ".join(rendered.split()))
        if length > SUBJECT_MAX:
            raise TemplateError("subject", f"renders to {length} characters, at most {SUBJECT_MAX}")
        if not _render("text", text, context).strip():
            raise TemplateError("text", "renders to an empty text")
        if html is not None:
            _render("html", html, context)
    if design is not None:
        validate_design(design)


def render(ts: TemplateSet, design: Design, context: Mapping[str, Any], *, html: bool = True) -> Rendered:
    """Render one notification for one recipient.

    `context` holds the variable groups as dicts (``{"ticket": {"number": 1042, ...}, ...}``)
    with dates already formatted (`format_datetime`); a variable left out (or None) is an
    empty string. ``comment.html`` is taken as HTML (the tickets service sanitised it; the
    result is sanitised again); when empty it is made from ``comment.text``. ``desk.colour``
    other than #rrggbb becomes `DEFAULT_COLOUR`.

    The subject is one line (whitespace collapsed, cut at `SUBJECT_MAX`); the text is the
    design's text frame around the text body; the HTML is the design's HTML frame around
    the HTML body (or the text body converted, `text_to_html`), sanitised, in a document.
    Raises `TemplateError` if a template fails at run time. `html=False` (in-app and SMS,
    which show no HTML) leaves the HTML out: its rendering and sanitising were half the cost.
    """
    values = _context(context)
    subject = _one_line(_render("subject", _template("subject", ts.subject, False), values))
    text_body = _render("text", _template("text", ts.text, False), values).strip()
    if not html:
        values["subject"] = subject
        values[CONTENT] = text_body
        text = _tidy_text(_render("design_text", _template("design_text", design.text, False), values))
        return Rendered(subject=subject, text=text, html="")
    html_source = _body_html(ts)
    if html_source is None:
        body_html = text_to_html(text_body)
    else:
        body_html = _render("html", _template("html", html_source, True), values)
    values["subject"] = subject
    values[CONTENT] = text_body
    text = _tidy_text(_render("design_text", _template("design_text", design.text, False), values))
    values[CONTENT] = Markup(body_html)
    frame = _render("design_html", _template("design_html", design.html, True), values)
    return Rendered(subject=subject, text=text, html=_document(subject, _CLEANER.clean(frame)))
