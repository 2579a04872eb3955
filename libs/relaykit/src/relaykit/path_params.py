"""Path parameters with bounds, for every route of every service (the app factory
registers these as Flask's `int`, `string` and default converters).

An id that no row can have (past the 32-bit columns, negative, a NUL, a segment of a
thousand characters) never reaches the database: the converter lets the route match
and hands the view a `PathProblem`, which `relaykit.http.endpoint` answers with a 404
naming the parameter, as for an id that does not exist.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import BaseConverter

from relaykit.json_body import text_problem

INT32_MAX = 2**31 - 1
ID_MIN = 1
SEGMENT_MAX = 200


class PathProblem:
    """What a converter read that cannot name anything, and why."""

    __slots__ = ("reason", "text")

    def __init__(self, text: str, reason: str) -> None:
        self.text, self.reason = text, reason


class BoundedInt(BaseConverter):
    """A positive id that fits the 32-bit integer columns of PostgreSQL."""

    regex = r"-?\d+"
    weight = 50
    openapi = {"type": "integer", "minimum": ID_MIN, "maximum": INT32_MAX}

    def to_python(self, value: str) -> int | PathProblem:
        number = int(value) if len(value) <= 11 else None
        if number is None or not ID_MIN <= number <= INT32_MAX:
            return PathProblem(value[:40], f"must be a whole number from {ID_MIN} to {INT32_MAX}")
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))


class BoundedSegment(BaseConverter):
    """One path segment of at most SEGMENT_MAX characters, none of them NUL."""

    openapi = {"type": "string", "minLength": 1, "maxLength": SEGMENT_MAX}

    def to_python(self, value: str) -> str | PathProblem:
        if len(value) > SEGMENT_MAX:
            return PathProblem(value[:40], f"must be at most {SEGMENT_MAX} characters")
        why = text_problem(value)
        return value if why is None else PathProblem(ascii(value[:40]), why[0].lower() + why[1:].rstrip("."))


CONVERTERS: dict[str, type[BaseConverter]] = {"int": BoundedInt, "default": BoundedSegment, "string": BoundedSegment}


def first_problem(values: dict[str, Any]) -> tuple[str, PathProblem] | None:
    for name, value in values.items():
        if isinstance(value, PathProblem):
            return name, value
    return None
