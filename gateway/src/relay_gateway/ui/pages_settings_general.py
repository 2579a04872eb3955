"""General settings (administrators): the desk settings of the tickets service (default
comment publicity, the reopen window, the auto-close timeout) and the branding the UI
wears (name, colour, logo).

The branding is read from `/settings/desk` and kept for BRAND_TTL seconds per process
(every page shows it); a change made here is seen at once. It is read as the person
signed in, so a page without one (the sign-in page) shows what was last read, or
Relay's own. The colour reaches the pages as a stylesheet (`/static-brand.css`; no
inline style is allowed) and the logo as an image route, both addressed by a digest of
what they hold so browsers may keep them.
"""

from __future__ import annotations

import base64
import colorsys
import hashlib
import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from flask import Response, abort, redirect, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from relay_gateway.ui import web
from relay_gateway.ui.client import ServiceDown, ServiceProblem
from relay_gateway.ui.pages_settings_common import checked, notice, number, problem_for, text
from relay_gateway.ui.web import ADMINS, _, api, bp, current_session, page, render
from relaykit.http import public

log = logging.getLogger(__name__)

BRAND_TTL = 30.0
DEFAULT_NAME = "Relay"
DEFAULT_COLOUR = "#1f5fbf"
LOGO_MAX_BYTES = 200 * 1024
LOGO_TYPES = ("image/png", "image/jpeg", "image/webp")
GENERAL_FIELDS = (
    "default_comment_public",
    "reopen_window_days",
    "auto_close_hours",
    "brand_name",
    "brand_colour",
    "brand_logo",
)
_COLOUR = re.compile(r"#[0-9a-f]{6}")
_LOGO = re.compile(r"data:(image/(?:png|jpeg|webp));base64,([A-Za-z0-9+/]*={0,2})")


@dataclass(frozen=True)
class Brand:
    name: str
    colour: str
    logo_type: str | None = None
    logo: bytes | None = None

    @property
    def logo_digest(self) -> str | None:
        return hashlib.sha256(self.logo).hexdigest()[:16] if self.logo else None

    def for_pages(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "colour": self.colour,
            "css_url": url_for("ui.brand_css", v=self.colour.lstrip("#")),
            "logo_url": url_for("ui.brand_logo", v=self.logo_digest) if self.logo else None,
        }


DEFAULT = Brand(DEFAULT_NAME, DEFAULT_COLOUR)


def sniff(data: bytes) -> str | None:
    """The image type the bytes are (the logo types only)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def brand_from_desk(desk: dict[str, Any]) -> Brand:
    """The branding in the desk settings; anything malformed falls back to Relay's own."""
    name = desk.get("brand_name")
    name = name.strip()[:60] if isinstance(name, str) and name.strip() else DEFAULT_NAME
    colour = desk.get("brand_colour")
    colour = colour.lower() if isinstance(colour, str) and _COLOUR.fullmatch(colour.lower()) else DEFAULT_COLOUR
    logo_type, logo = None, None
    found = _LOGO.fullmatch(desk.get("brand_logo") or "")
    if found:
        try:
            data = base64.b64decode(found.group(2), validate=True)
        except ValueError:
            data = b""
        # Served only what its bytes are, and only as one of the raster types.
        if 0 < len(data) <= LOGO_MAX_BYTES and sniff(data) == found.group(1):
            logo_type, logo = found.group(1), data
    return Brand(name, colour, logo_type, logo)


class BrandCache:
    def __init__(self, ttl: float = BRAND_TTL) -> None:
        self.ttl = ttl
        self._brand: Brand | None = None
        self._at = 0.0
        self._lock = threading.Lock()

    def current(self) -> Brand:
        brand, fresh = self._brand, time.monotonic() - self._at < self.ttl
        if fresh and brand is not None:
            return brand
        if current_session() is None:
            return brand or DEFAULT
        with self._lock:
            if self._brand is not None and time.monotonic() - self._at < self.ttl:
                return self._brand
            # Whatever happens, the next try waits a while: a page never waits on a slow service twice.
            self._at = time.monotonic()
        try:
            brand = brand_from_desk(api().get("tickets", "/settings/desk"))
        except (ServiceDown, ServiceProblem) as err:
            log.info("branding not read", extra={"error": str(err)})
            return self._brand or DEFAULT
        self._brand = brand
        return brand

    def known(self) -> Brand:
        """What was last read, without reading (the stylesheet and logo routes)."""
        return self._brand or DEFAULT

    def set(self, brand: Brand) -> None:
        self._brand, self._at = brand, time.monotonic()


BRANDS = BrandCache()


def current_brand() -> dict[str, Any]:
    return BRANDS.current().for_pages()


# -- the colour as a stylesheet -----------------------------------------------------------------------
def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast_with_white(rgb: tuple[float, float, float]) -> float:
    return 1.05 / (_luminance(rgb) + 0.05)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(c * 255):02x}" for c in rgb)


def _darkened(rgb: tuple[float, float, float], contrast: float) -> tuple[float, float, float]:
    """The colour, darker (same hue and saturation) until white text on it has `contrast`."""
    h, lightness, s = colorsys.rgb_to_hls(*rgb)
    while _contrast_with_white(colorsys.hls_to_rgb(h, lightness, s)) < contrast and lightness > 0:
        lightness = max(0.0, lightness - 0.01)
    return colorsys.hls_to_rgb(h, lightness, s)


def brand_colours(colour: str) -> tuple[str, str]:
    """(--brand, --brand-dark) from the chosen colour, dark enough for white text on them and
    for links on white to pass WCAG AA whatever colour was chosen (the top bar's highlighted
    item lightens --brand-dark, so it keeps a margin)."""
    rgb = tuple(int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    brand = _darkened(rgb, 4.6)  # type: ignore[arg-type]
    dark = _darkened(tuple(c * 0.78 for c in brand), 6.5)  # type: ignore[arg-type]
    return _hex(brand), _hex(dark)


@bp.get("/static-brand.css")
@public
def brand_css() -> Response:
    wanted = request.args.get("v", "")
    colour = "#" + wanted if _COLOUR.fullmatch("#" + wanted) else BRANDS.known().colour
    brand, dark = brand_colours(colour)
    css = f":root {{ --brand: {brand}; --brand-dark: {dark}; }}\n"
    response = Response(css, mimetype="text/css")
    # The colour is in the address, so what it answers never changes.
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@bp.get("/brand-logo")
@public
def brand_logo() -> Response:
    brand = BRANDS.known()
    if brand.logo is None or brand.logo_type not in LOGO_TYPES:
        abort(404)
    response = Response(brand.logo, mimetype=brand.logo_type)
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.headers["ETag"] = f'"{brand.logo_digest}"'
    return response


web.CACHEABLE_ENDPOINTS.update({"ui.brand_css", "ui.brand_logo"})


# -- the page -----------------------------------------------------------------------------------------
def _general(status: int = 200, **context: Any) -> tuple[str, int]:
    desk = api().get("tickets", "/settings/desk")
    context.setdefault("form", desk)
    brand = brand_from_desk(desk)
    BRANDS.set(brand)  # read just now: the top bar and the preview show it
    return render(
        "settings/general.html",
        status,
        desk=desk,
        has_logo=brand.logo is not None,
        logo_types=", ".join(t.split("/")[1].upper() for t in LOGO_TYPES),
        logo_kb=LOGO_MAX_BYTES // 1024,
        notice=notice(),
        **context,
    )


@bp.get("/settings/general")
@page(ADMINS)
def settings_general() -> tuple[str, int]:
    return _general()


def _logo_upload() -> tuple[str | None, str | None]:
    """(the data: URL of the uploaded logo, or an error for its field); (None, None): none sent."""
    try:
        upload = request.files.get("logo")
    except RequestEntityTooLarge:
        return None, _("The logo may be at most {kb} KB.", kb=LOGO_MAX_BYTES // 1024)
    if upload is None or not upload.filename:
        return None, None
    data = upload.stream.read(LOGO_MAX_BYTES + 1)
    if len(data) > LOGO_MAX_BYTES:
        return None, _("The logo may be at most {kb} KB.", kb=LOGO_MAX_BYTES // 1024)
    kind = sniff(data)
    if kind is None:
        return None, _("The logo must be a PNG, JPEG or WebP image.")
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}", None


@bp.post("/settings/general")
@page(ADMINS)
def settings_general_save() -> Response | tuple[str, int]:
    try:
        form_data = request.form
    except RequestEntityTooLarge:
        form_data = None
    body: dict[str, Any] = {}
    if form_data is not None:
        body = {
            "default_comment_public": text("default_comment_public", 10) == "public",
            "reopen_window_days": number("reopen_window_days"),
            "auto_close_hours": number("auto_close_hours"),
            "brand_name": text("brand_name", 200),
            "brand_colour": text("brand_colour", 20).strip().lower(),
        }
    logo, logo_error = _logo_upload()
    if logo_error:
        return _general(422, form=body, errors={"brand_logo": logo_error})
    if logo is not None:
        body["brand_logo"] = logo
    elif checked("remove_logo"):
        body["brand_logo"] = None
    body = {k: v for k, v in body.items() if v is not None or k == "brand_logo"}
    try:
        desk = api().patch("tickets", "/settings/desk", json_body=body)
    except ServiceProblem as err:
        errors, problem = problem_for(err, GENERAL_FIELDS)
        return _general(422, form=body, errors=errors, problem=problem)
    BRANDS.set(brand_from_desk(desk))
    return redirect(url_for("ui.settings_general", done="saved"))
