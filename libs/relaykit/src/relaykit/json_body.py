"""JSON as the API accepts it, checked once for every route before any schema sees it.

Python's parser takes more than JSON allows and more than the databases hold: it
recurses once per level (a body nested ten thousand deep is a RecursionError), it
reads `NaN` and `Infinity`, it keeps lone UTF-16 surrogates ("\\ud800", which no
UTF-8 encoder, PostgreSQL or a log line can write), NUL characters (PostgreSQL text
cannot hold them) and integers of any size (SQLite's driver overflows past 64 bits).
`parse` refuses all of these with a problem naming where in the body it is
(`items.0.name`), so no route has to think of them.

Numbers: a number with a zero fraction (`1.0`, `2e3`) is that integer, as JSON Schema
counts it; integer fields then refuse only a real fraction (`1.5`), never truncating it.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from relaykit.errors import BadRequest, InvalidInput

MAX_DEPTH = 32
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# Floats up to 2**53 are exact integers; beyond it `1e300` is no integer a client meant.
_EXACT = 2**53
# Not a Unicode scalar value: no UTF-8 encoder, PostgreSQL or log line can write it.
_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_ERRORS = 20


class _Literal:
    """What the parser read where JSON has no number (NaN, Infinity) or where an integer
    has more digits than 64 bits hold; reported with its place in the walk."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _parse_int(text: str) -> int | _Literal:
    return int(text) if len(text) <= 20 else _Literal(text)


def text_problem(value: str) -> str | None:
    """Why a string may not be stored, or None."""
    if "\x00" in value:
        return "Must not contain NUL characters."
    if value.isascii() or _SURROGATE.search(value) is None:  # isascii() is a flag lookup
        return None
    return "Must be valid Unicode: a lone UTF-16 surrogate is not a character."


def _number_problem(value: Any) -> str | None:
    if isinstance(value, _Literal):
        if value.text.lstrip("-").isdigit():
            return "Integers are limited to 64 bits."
        return f"{value.text} is not a JSON number."
    if isinstance(value, int):
        return None if INT64_MIN <= value <= INT64_MAX else "Integers are limited to 64 bits."
    return None if math.isfinite(value) else "Numbers must be finite."


def _child(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def check(data: Any) -> Any:
    """Walk a parsed document without recursion: the errors by path, integral floats made ints."""
    errors: dict[str, list[str]] = {}
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack and len(errors) < _MAX_ERRORS:
        node, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BadRequest(f"the body nests deeper than {MAX_DEPTH} levels", field="body")
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            if isinstance(key, str) and (why := text_problem(key)) is not None:
                errors.setdefault(path or "body", []).append(f"A key: {why}")
                continue
            where = _child(path, key)
            if isinstance(value, str):
                if (why := text_problem(value)) is not None:
                    errors[where] = [why]
            elif isinstance(value, (dict, list)):
                stack.append((value, where, depth + 1))
            elif value is None or isinstance(value, bool):
                continue
            elif (why := _number_problem(value)) is not None:
                errors[where] = [why]
            elif isinstance(value, float) and value.is_integer() and abs(value) <= _EXACT:
                node[key] = int(value)
    if errors:
        name, messages = next(iter(errors.items()))
        raise InvalidInput(f"invalid body: {name}: {messages[0]}", errors=errors)
    return data


def parse(raw: bytes | str) -> Any:
    """The body as Python values, or BadRequest / InvalidInput naming what is wrong and where."""
    try:
        data = json.loads(raw, parse_int=_parse_int, parse_constant=_Literal)
    except RecursionError:
        raise BadRequest(f"the body nests deeper than {MAX_DEPTH} levels", field="body") from None
    except ValueError as e:
        raise BadRequest(f"the body is not valid JSON: {e}", field="body") from None
    if isinstance(data, (dict, list)):
        return check(data)
    if (why := text_problem(data) if isinstance(data, str) else None) is not None:
        raise InvalidInput(f"invalid body: {why}", field="body")
    if data is not None and not isinstance(data, (bool, str)) and (why := _number_problem(data)) is not None:
        raise InvalidInput(f"invalid body: {why}", field="body")
    return data
