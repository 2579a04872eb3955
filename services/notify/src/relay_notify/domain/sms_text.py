"""The text of an SMS: a one-line template per audience (`sms.employee_text`,
`sms.contact_text` in the settings) with `{placeholders}`, short enough for two segments.

Not Jinja2: an SMS is a line, and `str.format` fields checked against a fixed set are all
a line needs; a template naming anything else (or an attribute, `{subject.x}`) is refused
when it is saved, never at send time.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

PLACEHOLDERS = {
    "number": "the ticket's number",
    "subject": "the ticket's subject",
    "event": "what happened, in a few words (\u201cassigned to you\u201d)",
    "status": "the ticket's status",
    "desk": "the desk's name",
}
MAX_LENGTH = 300  # two SMS segments of Unicode text, about


class BadSmsTemplate(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check(template: str) -> None:
    """Raises BadSmsTemplate naming the first field that is not a placeholder."""
    try:
        parts = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(template) if name is not None]
    except ValueError as err:  # an unmatched brace
        raise BadSmsTemplate(f"{err}; write {{{{ and }}}} for a literal brace") from None
    for name, spec, conv in parts:
        if name not in PLACEHOLDERS:
            known = ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
            raise BadSmsTemplate(f"unknown placeholder {{{name}}}: use {known}")
        if spec or conv:
            raise BadSmsTemplate(f"{{{name}}} takes no format (':' or '!')")


def render(template: str, values: Mapping[str, object], fallback: str) -> str:
    """The SMS text, one line, cut to MAX_LENGTH; `fallback` when the template is blank or
    (saved before this check existed) cannot render."""
    try:
        check(template)
        text = template.format_map({k: str(values.get(k) if values.get(k) is not None else "") for k in PLACEHOLDERS})
    except (BadSmsTemplate, ValueError):
        text = ""
    text = " ".join(text.split()) or " ".join(fallback.split())
    return text[:MAX_LENGTH]
