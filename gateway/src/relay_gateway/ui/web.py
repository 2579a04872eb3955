"""The frame every page of the agents' UI plugs into: the blueprint, who is signed in,
role checks, CSRF, the security headers of a page, errors shown as pages (or, to htmx,
as a message in the page), the navigation and the template globals.

A page module declares its routes on `bp` with `@page(...)`:

    @bp.get("/tickets/<int:number>")
    @page(roles=STAFF)
    def ticket_card(number):
        ticket = api().get("tickets", f"/tickets/{number}")
        return render("tickets/card.html", ticket=ticket)

and its place in the navigation with `nav_item(...)`. State-changing requests
(POST, PUT, PATCH, DELETE) carry the session's CSRF token: forms as the hidden field
`csrf_token` (`{{ csrf_field() }}`), htmx requests as the `X-CSRF-Token` header that
static/relay.js adds from the page's meta tag.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, g, redirect, render_template, request, send_from_directory, url_for
from markupsafe import Markup, escape

from relay_gateway.ui import i18n
from relay_gateway.ui.client import ServiceClient, ServiceDown, ServiceProblem
from relay_gateway.ui.sessions import COOKIE, WebSession
from relaykit.errors import Forbidden, RelayError
from relaykit.http import public
from relaykit.identity import ADMINISTRATOR, LEAD_SPECIALIST, SPECIALIST, STAFF, Identity

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
STATIC = HERE / "static"
bp = Blueprint("ui", __name__, template_folder="templates")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
# Pages load only their own scripts and styles: no inline script, no eval, nothing
# from elsewhere; forms post only here and nobody may frame a page.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
ADMINS = frozenset({ADMINISTRATOR})
LEADS = frozenset({ADMINISTRATOR, LEAD_SPECIALIST})
__all__ = ["ADMINS", "LEADS", "SPECIALIST", "STAFF", "api", "bp", "nav_item", "page", "render", "user"]


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    roles: frozenset[str]
    order: int
    section: str  # the first path segment the item stands for (marks it current)


NAV: list[NavItem] = []


def nav_item(label: str, endpoint: str, *, roles: Iterable[str] = STAFF, order: int = 50, section: str = "") -> None:
    NAV[:] = sorted(
        [*(n for n in NAV if n.endpoint != endpoint), NavItem(label, endpoint, frozenset(roles), order, section)],
        key=lambda n: n.order,
    )


# -- who is signed in ------------------------------------------------------------------------
def ui() -> Any:
    """The UI's services (accounts, sessions, upstreams, settings), set by install()."""
    from flask import current_app

    return current_app.extensions["relay.ui"]


def current_session() -> WebSession | None:
    if "ui_session" not in g:
        g.ui_session = ui().sessions.load(request.cookies.get(COOKIE))
    return g.ui_session


def user() -> WebSession:
    s = current_session()
    if s is None:
        raise Forbidden("not signed in")
    return s


def identity_of(s: WebSession) -> Identity:
    e = s.employee
    return Identity(subject=e.id, role=e.role, name=e.name, channel="agent")


def api() -> ServiceClient:
    """The services, called as the person signed in."""
    if "ui_api" not in g:
        g.ui_api = api_as(identity_of(user()))
    return g.ui_api


def api_as(identity: Identity) -> ServiceClient:
    """The services, called as `identity` (a page without a session acting for a link's
    holder or as the system)."""
    u = ui()
    return ServiceClient(u.upstreams, u.settings.identity_secret, u.settings.identity_ttl, identity)


def language() -> str:
    if "ui_language" not in g:
        s = current_session()
        chosen = ui().accounts.language(s.employee.id) if s else None
        g.ui_language = chosen if chosen in i18n.LANGUAGES else i18n.from_browser()
    return g.ui_language


def _(text: str, **values: object) -> str:
    return i18n.translate(language(), text, **values)


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def safe_next(target: str | None, default: str = "/") -> str:
    """Where to go after signing in: a path on this site only (no open redirect)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def check_csrf(expected: str) -> None:
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD) or ""
    if not sent or not hmac.compare_digest(sent, expected):
        raise Forbidden(
            "the form's security token is missing or stale; reload the page and try again", field="csrf_token"
        )
    origin = request.headers.get("Origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.host:
        raise Forbidden("the request came from another site", field="Origin")


def page(roles: Iterable[str] = STAFF) -> Callable[[Callable], Callable]:
    """A page of the UI: signed-in people of `roles` only; CSRF on every state change."""
    allowed = frozenset(roles)

    def decorate(fn: Callable) -> Callable:
        @wraps(fn)
        def view(*args: Any, **kwargs: Any) -> Any:
            s = current_session()
            if s is None:
                if is_htmx():
                    return Response(status=401, headers={"HX-Redirect": url_for("ui.signin", next=_here())})
                return redirect(url_for("ui.signin", next=_here()))
            if s.employee.role not in allowed:
                raise Forbidden(_("You may not open this page."))
            if request.method not in SAFE_METHODS:
                check_csrf(s.csrf_token)
            return fn(*args, **kwargs)

        view._relay_ui_roles = allowed  # type: ignore[attr-defined]
        return public(view)  # the kit's token check does not apply; the session check above does

    return decorate


def _here() -> str:
    """Where to come back to after signing in: the page, not the fragment or form post."""
    if request.method == "GET" and not is_htmx():
        return request.full_path.rstrip("?")
    return urlsplit(request.headers.get("HX-Current-URL", "/")).path or "/"


# -- rendering -------------------------------------------------------------------------------
def render(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(template, **context), status


def csrf_field() -> Markup:
    s = current_session()
    token = s.csrf_token if s else g.get("ui_signin_csrf", "")
    return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">')


_static_versions: dict[str, str] = {}


def static(path: str) -> str:
    """A static file's URL with its content hash, so it can be cached for long."""
    version = _static_versions.get(path)
    if version is None:
        version = hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:12]
        _static_versions[path] = version
    return url_for("ui.static_file", path=path, v=version)


@bp.app_template_global("nav")
def _nav() -> list[NavItem]:
    s = current_session()
    return [n for n in NAV if s and s.employee.role in n.roles]


@bp.context_processor
def _globals() -> dict[str, Any]:
    s = current_session()
    return {
        "_": i18n.translator(language()),
        "me": s.employee if s else None,
        "csrf_token": s.csrf_token if s else "",
        "csrf_field": csrf_field,
        "static": static,
        "lang": language(),
        "languages": i18n.LANGUAGE_NAMES,
        "banners": g.get("ui_banners", []),
        "section": request.path.strip("/").split("/")[0],
        "brand": ui().brand(),
    }


def service_down(service: str) -> None:
    """Note that a part of the page is missing because `service` did not answer."""
    g.setdefault("ui_banners", [])
    if service not in g.ui_banners:
        g.ui_banners.append(service)


@bp.get("/static/<path:path>")
@public
def static_file(path: str) -> Response:
    response = send_from_directory(STATIC, path, max_age=365 * 24 * 3600 if request.args.get("v") else 300)
    return response


# Endpoints whose answers may be kept by browsers (they set their own Cache-Control).
CACHEABLE_ENDPOINTS = {"ui.static_file"}


@bp.after_request
def _page_headers(response: Response) -> Response:
    # A route may set a stricter policy of its own (a file download adds sandbox).
    response.headers.setdefault("Content-Security-Policy", CSP)
    if request.endpoint not in CACHEABLE_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault("Vary", "Cookie")
    return response


# -- errors as pages -------------------------------------------------------------------------
def _error_page(status: int, title: str, detail: str) -> tuple[str, int, dict[str, str]]:
    if is_htmx():
        # Into the page's alert area, not in place of the part that asked.
        html = render_template("_alert.html", title=title, detail=detail, level="error")
        return html, status, {"HX-Retarget": "#alerts", "HX-Reswap": "innerHTML"}
    return render_template("error.html", status=status, title=title, detail=detail), status, {}


@bp.errorhandler(ServiceDown)
def _service_down(err: ServiceDown):
    log.warning("service unavailable for a page", extra={"upstream": err.service, "error": err.detail})
    service_down(err.service)
    return _error_page(
        503,
        _("Something went wrong"),
        f"{err.service} " + _("is unavailable right now; what it shows is missing. Try again in a moment."),
    )


@bp.errorhandler(ServiceProblem)
def _service_problem(err: ServiceProblem):
    title = _("Not found") if err.status == 404 else _("Something went wrong")
    return _error_page(err.status, title, err.detail)


@bp.errorhandler(RelayError)
def _relay_error(err: RelayError):
    if err.status >= 500:
        log.exception("page failed")
    return _error_page(err.status, err.title, str(err.detail if hasattr(err, "detail") else err))
