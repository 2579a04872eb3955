"""Signing in and out, the person's own account (password, language), and setting a
password from a signed link (an invitation or a reset)."""

from __future__ import annotations

import hmac
import logging
import secrets

from flask import Response, g, redirect, request, url_for

from relay_gateway.tokens import token_hash
from relay_gateway.ui import i18n
from relay_gateway.ui.accounts import SignInRefused
from relay_gateway.ui.sessions import COOKIE
from relay_gateway.ui.web import CSRF_FIELD, STAFF, _, bp, current_session, page, render, safe_next, ui
from relaykit.errors import Forbidden, InvalidInput
from relaykit.http import public

log = logging.getLogger(__name__)

# Before there is a session, the sign-in forms are protected by a double-submit token:
# a random value in a cookie that the form must repeat (a cross-site form cannot read it).
PRE_COOKIE = "relay_presession"


def _set_cookie(response: Response, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="Lax", secure=request.is_secure, path="/")


def _pre_token() -> str:
    token = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(24)
    g.ui_signin_csrf = token
    return token


def _check_pre_token() -> None:
    cookie = request.cookies.get(PRE_COOKIE, "")
    sent = request.form.get(CSRF_FIELD, "")
    if not cookie or not sent or not hmac.compare_digest(cookie, sent):
        raise Forbidden(_("The form has expired; try again."), field="csrf_token")


def _with_pre_cookie(body: tuple[str, int]) -> Response:
    response = Response(body[0], status=body[1], mimetype="text/html")
    _set_cookie(response, PRE_COOKIE, g.ui_signin_csrf, max_age=3600)
    return response


@bp.get("/signin")
@public
def signin() -> Response:
    if current_session() is not None:
        return redirect(safe_next(request.args.get("next")))
    _pre_token()
    notice = _("Password is set; sign in.") if request.args.get("done") == "password" else None
    ended = _("Your session has ended; sign in again.") if request.args.get("ended") else None
    return _with_pre_cookie(render("auth/signin.html", next=request.args.get("next", ""), notice=notice or ended))


@bp.post("/signin")
@public
def signin_post() -> Response:
    _pre_token()
    _check_pre_token()
    u = ui()
    email = request.form.get("email", "").strip()[:320]
    password = request.form.get("password", "")[:400]
    address = request.remote_addr or ""
    # Per address and per account, as for API tokens; failures count toward the address's limit.
    u.limiter.check(address, token_hash("signin:" + email.lower()))
    try:
        person = u.accounts.sign_in(email, password)
    except SignInRefused as refused:
        u.limiter.failed(address)
        log.info("sign-in refused", extra={"address": address, "locked": refused.locked})
        body = render("auth/signin.html", 401, next=request.form.get("next", ""), error=_(str(refused)), email=email)
        return _with_pre_cookie(body)
    old = current_session()
    if old is not None:
        u.sessions.end(old.id_hash)
    cookie, _csrf = u.sessions.create(person.id, address, request.headers.get("User-Agent"))
    log.info("signed in", extra={"employee_id": person.id, "address": address})
    response = redirect(safe_next(request.form.get("next")))
    _set_cookie(response, COOKIE, cookie)
    response.delete_cookie(PRE_COOKIE, path="/")
    return response


@bp.post("/signout")
@page(STAFF)
def signout() -> Response:
    s = current_session()
    ui().sessions.end(s.id_hash)
    response = redirect(url_for("ui.signin"))
    response.delete_cookie(COOKIE, path="/")
    return response


@bp.get("/account")
@page(STAFF)
def account() -> tuple[str, int]:
    return render("auth/account.html", chosen=ui().accounts.language(current_session().employee.id) or "")


@bp.post("/account/language")
@page(STAFF)
def account_language() -> Response:
    chosen = request.form.get("language", "")
    ui().accounts.set_language(current_session().employee.id, chosen if chosen in i18n.LANGUAGES else None)
    return redirect(url_for("ui.account"))


@bp.post("/account/password")
@page(STAFF)
def account_password() -> tuple[str, int]:
    s = current_session()
    current, new, again = (request.form.get(k, "")[:400] for k in ("current_password", "new_password", "new_again"))
    errors: dict[str, str] = {}
    if new != again:
        errors["new_again"] = _("The passwords differ.")
    else:
        try:
            ui().accounts.change_password(s.employee.id, current, new)
        except InvalidInput as e:
            errors = {k: "; ".join(v) for k, v in e.errors.items()}
    if errors:
        return render("auth/account.html", 422, errors=errors, chosen=ui().accounts.language(s.employee.id) or "")
    ended = ui().sessions.end_all(s.employee.id, keep=s.id_hash)
    log.info("password changed", extra={"employee_id": s.employee.id, "sessions_ended": ended})
    notice = _("Your password is changed; other sessions are signed out.")
    return render("auth/account.html", notice=notice, chosen=ui().accounts.language(s.employee.id) or "")


@bp.get("/password/reset")
@public
def reset_request() -> Response:
    _pre_token()
    return _with_pre_cookie(render("auth/reset_request.html"))


@bp.post("/password/reset")
@public
def reset_request_post() -> Response:
    _pre_token()
    _check_pre_token()
    u = ui()
    email = request.form.get("email", "").strip()[:320]
    address = request.remote_addr or ""
    u.limiter.check(address, token_hash("reset:" + email.lower()))
    person = u.employee_by_email(email) if email else None
    if person is not None:
        u.send_password_link(person, purpose="reset")
    # The same answer whether or not the address is known.
    notice = _("If the address belongs to an account, a link to set a new password is on its way.")
    return _with_pre_cookie(render("auth/reset_request.html", notice=notice))


@bp.get("/password/set")
@public
def set_password() -> Response:
    _pre_token()
    token = request.args.get("token", "")[:300]
    error = None
    try:
        ui().accounts.check_link(token)
    except InvalidInput as e:
        error = str(e)
    return _with_pre_cookie(render("auth/set_password.html", 200 if not error else 400, token=token, link_error=error))


@bp.post("/password/set")
@public
def set_password_post() -> Response:
    _pre_token()
    _check_pre_token()
    token = request.form.get("token", "")[:300]
    new, again = request.form.get("new_password", "")[:400], request.form.get("new_again", "")[:400]
    errors: dict[str, str] = {}
    if new != again:
        errors["new_again"] = _("The passwords differ.")
    else:
        try:
            employee_id = ui().accounts.redeem_link(token, new)
        except InvalidInput as e:
            errors = {("new_password" if k == "password" else k): "; ".join(v) for k, v in e.errors.items()}
        else:
            ui().sessions.end_all(employee_id)
            return redirect(url_for("ui.signin", done="password"))
    link_error = errors.pop("token", None)
    return _with_pre_cookie(render("auth/set_password.html", 422, token=token, errors=errors, link_error=link_error))
