"""The one-click links of notification mail: rate a resolution (good / bad) or reopen
the request, without signing in. The link carries a signed, expiring token (relaykit
.mail_tokens) naming the action, the ticket and the contact it was sent to; the page asks
to confirm (a mail scanner that follows links must not rate or reopen anything) and then
acts as that contact, so the tickets service applies its own rules (only the contact,
only a resolved ticket, within the reopen window)."""

from __future__ import annotations

from flask import Response, request

from relay_gateway.ui import i18n
from relay_gateway.ui.client import ServiceDown, ServiceProblem
from relay_gateway.ui.pages_auth import _check_pre_token, _pre_token, _with_pre_cookie
from relay_gateway.ui.web import _, api_as, bp, render, ui
from relaykit import mail_tokens
from relaykit.http import public
from relaykit.identity import CONTACT, Identity

ACTIONS = {"rate_good": "good", "rate_bad": "bad", "reopen": None}


def _claim(token: str) -> mail_tokens.LinkClaim | None:
    claim = mail_tokens.read_link_token(token[:200], ui().settings.identity_secret)
    return claim if claim is not None and claim.action in ACTIONS else None


def _question(claim: mail_tokens.LinkClaim) -> str:
    if claim.action == "reopen":
        return _("Reopen your request #{number}?", number=claim.number)
    if claim.action == "rate_good":
        return _("Tell us that request #{number} was solved well?", number=claim.number)
    return _("Tell us that request #{number} was not solved well?", number=claim.number)


@bp.get("/feedback/<token>")
@public
def feedback(token: str) -> Response:
    _pre_token()
    claim = _claim(token)
    if claim is None:
        return _with_pre_cookie(render("feedback.html", 400, problem=_("This link is not valid any more.")))
    return _with_pre_cookie(render("feedback.html", claim=claim, question=_question(claim), token=token))


@bp.post("/feedback/<token>")
@public
def feedback_post(token: str) -> Response:
    _pre_token()
    _check_pre_token()
    claim = _claim(token)
    if claim is None:
        return _with_pre_cookie(render("feedback.html", 400, problem=_("This link is not valid any more.")))
    if claim.subject.startswith("company_"):
        problem = _("This mail went to your company's address: sign in to the portal to answer for the request.")
        return _with_pre_cookie(render("feedback.html", 403, problem=problem))
    client = api_as(Identity(subject=claim.subject, role=CONTACT))
    comment = request.form.get("comment", "").strip()[:2000] or None
    try:
        if claim.action == "reopen":
            client.call("POST", "tickets", f"/tickets/{claim.number}/status", json_body={"status": "opened"})
            if comment:
                client.call("POST", "tickets", f"/tickets/{claim.number}/comments", json_body={"body": comment})
            done = _("Your request #{number} is open again: we are on it.", number=claim.number)
        else:
            client.call("POST", "tickets", f"/tickets/{claim.number}/rating",
                        json_body={"rating": ACTIONS[claim.action], "comment": comment})  # fmt: skip
            done = _("Thank you: your rating of request #{number} is recorded.", number=claim.number)
    except ServiceProblem as err:
        detail = "; ".join(m for msgs in err.errors.values() for m in msgs) or err.detail
        return _with_pre_cookie(
            render("feedback.html", err.status, problem=_("That did not work: {detail}", detail=detail))
        )
    except ServiceDown:
        return _with_pre_cookie(
            render("feedback.html", 503, problem=_("The desk is unavailable right now; try again soon."))
        )
    return _with_pre_cookie(render("feedback.html", done=done))


i18n.add(
    ru={
        "Reopen your request #{number}?": "Открыть заявку №{number} снова?",
        "Tell us that request #{number} was solved well?": "Сообщить, что заявка №{number} решена хорошо?",
        "Tell us that request #{number} was not solved well?": "Сообщить, что заявка №{number} решена плохо?",
        "This link is not valid any more.": "Эта ссылка больше не действует.",
        "This mail went to your company's address: sign in to the portal to answer for the request.": (
            "Письмо пришло на адрес компании: войдите в портал, чтобы ответить по заявке."
        ),
        "Your request #{number} is open again: we are on it.": "Заявка №{number} снова открыта: мы занимаемся ею.",
        "Thank you: your rating of request #{number} is recorded.": "Спасибо: ваша оценка заявки №{number} записана.",
        "That did not work: {detail}": "Не получилось: {detail}",
        "The desk is unavailable right now; try again soon.": "Служба сейчас недоступна; попробуйте чуть позже.",
        "Confirm": "Подтвердить",
        "A comment (optional)": "Комментарий (необязательно)",
        "Feedback": "Отзыв",
    }
)
