"""The one-click unsubscribe of non-essential notification mail (List-Unsubscribe), without
signing in. A person following the link sees what stops and confirms (a mail scanner that
fetches links must not unsubscribe anyone); a mail client's RFC 8058 one-click POST
(`List-Unsubscribe=One-Click`, no cookies) does it at once. The signed token, which names
the mail it came in, is the authority: notify checks it and records the address and the
kind of notification; the gateway only passes it on, as the system."""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, request, url_for

from relay_gateway.ui import i18n
from relay_gateway.ui.client import ServiceDown, ServiceProblem
from relay_gateway.ui.pages_auth import _check_pre_token, _pre_token, _with_pre_cookie
from relay_gateway.ui.pages_notify_settings import NOTIFICATION_LABELS
from relay_gateway.ui.pages_settings_common import notice, when
from relay_gateway.ui.web import ADMINS, _, api, api_as, bp, page, render, ui
from relaykit import mail_tokens
from relaykit.http import public
from relaykit.identity import SYSTEM, Identity


def _valid(token: str) -> bool:
    claim = mail_tokens.read_link_token(token[:200], ui().settings.identity_secret)
    return claim is not None and claim.action == "unsubscribe"


def _page(status: int = 200, **context) -> Response:
    return _with_pre_cookie(render("unsubscribe.html", status, **context))


@bp.get("/unsubscribe/<token>")
@public
def unsubscribe(token: str) -> Response:
    _pre_token()
    if not _valid(token):
        return _page(400, problem=_("This link is not valid any more."))
    return _page(token=token)


@bp.post("/unsubscribe/<token>")
@public
def unsubscribe_post(token: str) -> Response:
    _pre_token()
    one_click = request.form.get("List-Unsubscribe") == "One-Click"
    if not one_click:
        _check_pre_token()
    if not _valid(token):
        return _page(400, problem=_("This link is not valid any more."))
    client = api_as(Identity(subject="gateway-unsubscribe", role=SYSTEM))
    try:
        done = client.call("POST", "notify", "/unsubscribe", json_body={"token": token[:200]}).data
    except ServiceProblem as err:
        return _page(err.status, problem=_("This link is not valid any more."))
    except ServiceDown:
        return _page(503, problem=_("The desk is unavailable right now; try again soon."))
    message = _("{address} gets no more mail like this one.", address=done["address"])
    return _page(done=message)


# -- administrators: who unsubscribed from what, and sending it to them again ---------------------
@bp.get("/settings/notifications/unsubscribed")
@page(ADMINS)
def notify_unsubscribed() -> tuple[str, int]:
    address = request.args.get("address", "").strip()[:320]
    items: list[dict[str, Any]] | None
    try:
        items = api().get("notify", "/unsubscribes", params={"address": address} if len(address) >= 3 else {})["items"]
    except (ServiceDown, ServiceProblem):
        items = None
    labels = {key: _(label) for key, label in NOTIFICATION_LABELS.items()}
    return render("notify/unsubscribed.html", items=items, address=address, labels=labels, when=when, notice=notice())


@bp.post("/settings/notifications/unsubscribed/resubscribe")
@page(ADMINS)
def notify_resubscribe() -> Response | tuple[str, int]:
    body = {"address": request.form.get("address", "")[:320], "notification": request.form.get("notification", "")[:40]}
    try:
        api().post("notify", "/unsubscribes/resubscribe", json_body=body)
    except ServiceProblem as err:
        return render("error.html", err.status, title=_("Not found"), message=err.detail)
    return redirect(url_for("ui.notify_unsubscribed", done="saved"))


i18n.add(
    ru={
        "Unsubscribe": "Отписаться",
        "Stop mail like this one?": "Больше не присылать такие письма?",
        "Mail that matters (a new request registered, resolved, merged, or a mention of you) still comes.": (
            "Важные письма (заявка зарегистрирована, решена, объединена, вас упомянули) будут приходить по-прежнему."
        ),
        "{address} gets no more mail like this one.": "На адрес {address} такие письма больше не придут.",
        "Unsubscribed addresses": "Отписавшиеся адреса",
        "Addresses that followed the unsubscribe link of a mail: they get no more of that kind of mail.": (
            "Адреса, получатели которых перешли по ссылке отписки: такие письма им больше не приходят."
        ),
        "Nobody has unsubscribed.": "Никто не отписался.",
        "Since": "С",
        "Send it again": "Присылать снова",
    }
)
