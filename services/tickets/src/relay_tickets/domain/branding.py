"""The desk's branding: the name, colour and logo the agents' UI shows in its top bar.

The logo is a small raster image kept as a `data:` URL in the desk settings. Only
PNG, JPEG and WebP are taken, told by their bytes as well as by the declared type
(the two must agree): SVG is refused because it is a document that can carry script,
and a file that only claims to be an image is refused because a browser might sniff
it into something else.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Any

from relaykit.errors import InvalidInput

NAME_MAX = 60
LOGO_MAX_BYTES = 200 * 1024
# The base64 text of the largest logo plus its `data:image/jpeg;base64,` prefix.
LOGO_MAX_CHARS = 4 * ((LOGO_MAX_BYTES + 2) // 3) + 32
LOGO_TYPES = ("image/png", "image/jpeg", "image/webp")
LOGO_KEY = "brand_logo"

_COLOUR = re.compile(r"#[0-9a-f]{6}")
_DATA_URL = re.compile(r"data:(image/[a-z]+);base64,([A-Za-z0-9+/]*={0,2})")


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def clean_colour(value: str) -> str:
    colour = value.lower()
    if not _COLOUR.fullmatch(colour):
        raise InvalidInput("a colour is written #rrggbb (six hexadecimal digits)", field="brand_colour")
    return colour


def clean_name(value: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise InvalidInput("must not be blank", field="brand_name")
    if len(name) > NAME_MAX:
        raise InvalidInput(f"at most {NAME_MAX} characters", field="brand_name")
    return name


def clean_logo(value: str | None) -> str | None:
    """The logo as stored (a canonical data URL), or None for no logo (also from "")."""
    if value is None or value == "":
        return None
    if len(value) > LOGO_MAX_CHARS:
        raise InvalidInput(f"the logo is larger than {LOGO_MAX_BYTES // 1024} KB", field=LOGO_KEY)
    found = _DATA_URL.fullmatch(value)
    if found is None:
        raise InvalidInput("the logo is a data: URL of a base64 image (data:image/png;base64,...)", field=LOGO_KEY)
    declared, text = found.groups()
    if declared not in LOGO_TYPES:
        raise InvalidInput(f"a logo is one of {', '.join(LOGO_TYPES)}, not {declared}", field=LOGO_KEY)
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("the logo's base64 is broken", field=LOGO_KEY) from None
    if len(data) > LOGO_MAX_BYTES:
        raise InvalidInput(f"the logo is larger than {LOGO_MAX_BYTES // 1024} KB", field=LOGO_KEY)
    actual = _sniff(data)
    if actual != declared:
        raise InvalidInput(f"the logo's bytes are not a {declared.split('/')[1].upper()} image", field=LOGO_KEY)
    return f"data:{declared};base64,{base64.b64encode(data).decode('ascii')}"


def logo_summary(value: Any) -> str | None:
    """What the history keeps of a logo: its type, size and digest, not the image."""
    if not isinstance(value, str) or "," not in value:
        return None
    head, text = value.split(",", 1)
    size = len(text) * 3 // 4 - text.count("=")
    digest = hashlib.sha256(text.encode("ascii", "replace")).hexdigest()[:16]
    return f"{head.removeprefix('data:').removesuffix(';base64')}, {size} bytes, sha256 {digest}"
