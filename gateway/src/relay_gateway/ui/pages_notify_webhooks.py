"""Webhooks (administrators): URLs subscribed to event types, kept by notify. A new
subscription's signing secret is shown once, on the answer to its creation (notify keeps
it and never gives it out again); a subscription is edited, disabled and enabled again,
deleted, and its delivery log shows every attempt, each delivery sent again on request.

Notify decides which URLs it accepts (http(s) only; in production nothing on private
networks): its refusal names the field and shows next to it.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from flask import Response, redirect, request, url_for

from relay_gateway.ui import i18n
from relay_gateway.ui.client import ServiceDown, ServiceProblem
from relay_gateway.ui.pages_settings_common import notice, problem_for, text, when
from relay_gateway.ui.web import ADMINS, _, api, bp, page, render, service_down

FIELDS = ("url", "event_types", "description")
ID_LIMIT = 40
_NOTICES = {
    "disabled": "The webhook is disabled: nothing is sent to it.",
    "enabled": "The webhook is enabled again.",
    "resent": "The delivery is sent again.",
}
_STATE_PILLS = {"sent": "pill-ok", "pending": "pill-warn", "failed": "pill-bad"}


def _notice() -> str | None:
    own = _NOTICES.get(request.args.get("done", ""))
    return _(own) if own else notice()


def _event_types(raw: str) -> list[str]:
    """One per line or separated by commas, as people paste them."""
    return [t.strip() for t in re.split(r"[,\n]", raw) if t.strip()][:50]


def _form() -> dict[str, str]:
    return {
        "url": text("url", 2000).strip(),
        "event_types": text("event_types", 5000),
        "description": text("description", 200),
    }


def _body(form: dict[str, str]) -> dict[str, Any]:
    return {"url": form["url"], "event_types": _event_types(form["event_types"]), "description": form["description"]}


def _not_found() -> tuple[str, int]:
    return render("error.html", 404, title=_("Not found"), detail=_("There is no such webhook."))


def _list_page(status: int = 200, **context: Any) -> tuple[str, int]:
    try:
        items = api().get("notify", "/webhooks")["items"]
    except (ServiceDown, ServiceProblem):
        service_down("notify")
        items = []
    context.setdefault("form", {"url": "", "event_types": "", "description": ""})
    return render("notify/webhooks.html", status, items=items, when=when, notice=_notice(), **context)


@bp.get("/settings/webhooks")
@page(ADMINS)
def notify_webhooks() -> tuple[str, int]:
    return _list_page()


@bp.post("/settings/webhooks")
@page(ADMINS)
def notify_webhook_create() -> tuple[str, int]:
    form = _form()
    try:
        created = api().post("notify", "/webhooks", json_body=_body(form))
    except ServiceDown:
        return _list_page(503, form=form, problem=_("The notify service is unavailable right now."))
    except ServiceProblem as err:
        errors, problem = problem_for(err, FIELDS)
        return _list_page(422, form=form, errors=errors, problem=problem)
    # The secret is in this answer only (no-store, never in a URL); notify does not give it out again.
    return _list_page(201, created=created, secret=created.get("signing_secret"))


def _path(webhook_id: str) -> str:
    # Quoted: an id from the URL must not step out of /webhooks (`..`).
    return f"/webhooks/{quote(webhook_id[:ID_LIMIT], safe='')}"


def _webhook(webhook_id: str) -> dict[str, Any] | None:
    try:
        return api().get("notify", _path(webhook_id))
    except ServiceProblem as err:
        if err.status == 404:
            return None
        raise


def _deliveries(webhook_id: str) -> list[dict[str, Any]] | None:
    try:
        items = api().get("notify", f"{_path(webhook_id)}/deliveries")["items"]
    except (ServiceDown, ServiceProblem):
        service_down("notify")
        return None
    for d in items:
        d["pill"] = _STATE_PILLS.get(d.get("state"), "")
    return items


def _detail_page(hook: dict[str, Any], status: int = 200, **context: Any) -> tuple[str, int]:
    context.setdefault(
        "form",
        {
            "url": hook.get("url", ""),
            "event_types": "\n".join(hook.get("event_types") or ()),
            "description": hook.get("description") or "",
        },
    )
    return render(
        "notify/webhooks_edit.html",
        status,
        hook=hook,
        deliveries=_deliveries(hook["id"]),
        when=when,
        elapsed=_elapsed,
        notice=_notice(),
        **context,
    )


def _elapsed(ms: float | None) -> str:
    if ms is None:
        return ""
    return _("{n} ms", n=round(ms)) if ms < 10_000 else _("{n} s", n=round(ms / 1000, 1))


@bp.get("/settings/webhooks/<webhook_id>")
@page(ADMINS)
def notify_webhook(webhook_id: str) -> tuple[str, int]:
    hook = _webhook(webhook_id)
    if hook is None:
        return _not_found()
    return _detail_page(hook)


@bp.post("/settings/webhooks/<webhook_id>")
@page(ADMINS)
def notify_webhook_update(webhook_id: str) -> Response | tuple[str, int]:
    form = _form()
    try:
        api().patch("notify", _path(webhook_id), json_body=_body(form))
    except ServiceProblem as err:
        hook = _webhook(webhook_id)
        if hook is None:
            return _not_found()
        errors, problem = problem_for(err, FIELDS)
        return _detail_page(hook, 422, form=form, errors=errors, problem=problem)
    return redirect(url_for("ui.notify_webhook", webhook_id=webhook_id, done="saved"))


@bp.post("/settings/webhooks/<webhook_id>/active")
@page(ADMINS)
def notify_webhook_active(webhook_id: str) -> Response | tuple[str, int]:
    active = text("active", 10) == "true"
    try:
        api().patch("notify", _path(webhook_id), json_body={"active": active})
    except ServiceProblem as err:
        if err.status == 404:
            return _not_found()
        raise
    return redirect(url_for("ui.notify_webhook", webhook_id=webhook_id, done="enabled" if active else "disabled"))


@bp.post("/settings/webhooks/<webhook_id>/delete")
@page(ADMINS)
def notify_webhook_delete(webhook_id: str) -> Response | tuple[str, int]:
    try:
        api().delete("notify", _path(webhook_id))
    except ServiceProblem as err:
        if err.status == 404:
            return _not_found()
        raise
    return redirect(url_for("ui.notify_webhooks", done="deleted"))


@bp.post("/settings/webhooks/<webhook_id>/deliveries/<delivery_id>/resend")
@page(ADMINS)
def notify_webhook_resend(webhook_id: str, delivery_id: str) -> Response | tuple[str, int]:
    try:
        api().post("notify", f"{_path(webhook_id)}/deliveries/{quote(delivery_id[:ID_LIMIT], safe='')}/resend")
    except ServiceProblem as err:
        if err.status == 404:
            return render("error.html", 404, title=_("Not found"), detail=_("There is no such delivery."))
        raise
    return redirect(url_for("ui.notify_webhook", webhook_id=webhook_id, done="resent"))


i18n.add(
    ru={
        "Webhooks": "Вебхуки",
        "A webhook sends events to a URL as they happen: a POST of the event, signed with the webhook's secret"
        " (the X-Relay-Signature header; the README's Webhooks section shows how to check it).": (
            "Вебхук отправляет события на URL, как только они происходят: POST с событием, подписанный секретом"
            " вебхука (заголовок X-Relay-Signature; как его проверить, показано в разделе Webhooks файла README)."
        ),
        "The webhook is disabled: nothing is sent to it.": "Вебхук отключён: ему ничего не отправляется.",
        "The webhook is enabled again.": "Вебхук снова включён.",
        "The delivery is sent again.": "Доставка отправлена повторно.",
        "There is no such webhook.": "Такого вебхука нет.",
        "There is no such delivery.": "Такой доставки нет.",
        "{n} ms": "{n} мс",
        "{n} s": "{n} с",
        "The webhook is created. Copy its signing secret now: it is shown only this once.": (
            "Вебхук создан. Скопируйте секрет подписи сейчас: он показывается только один раз."
        ),
        "The signing secret": "Секрет подписи",
        "Copy": "Копировать",
        "Copied.": "Скопировано.",
        "URL": "URL",
        "Event types": "Типы событий",
        "Description": "Описание",
        "State": "Состояние",
        "Failures in a row": "Сбоев подряд",
        "active": "действует",
        "Disabled": "Отключён",
        "No webhooks yet.": "Вебхуков пока нет.",
        "Add a webhook": "Добавить вебхук",
        "One per line or separated by commas: ticket.created, ticket.# (every ticket event), # (everything).": (
            "По одному в строке или через запятую: ticket.created, ticket.# (все события заявок), # (все)."
        ),
        "Create": "Создать",
        "Webhook": "Вебхук",
        "Edit": "Изменить",
        "Save": "Сохранить",
        "Disable the webhook": "Отключить вебхук",
        "Enable again": "Включить снова",
        "Disable the webhook? Nothing is sent to it until it is enabled again.": (
            "Отключить вебхук? Ему ничего не будет отправляться, пока его снова не включат."
        ),
        "Delete the webhook": "Удалить вебхук",
        "Delete the webhook and its delivery log? This cannot be undone.": (
            "Удалить вебхук и его журнал доставок? Это нельзя отменить."
        ),
        "Disabled: {reason}": "Отключён: {reason}",
        "Deliveries": "Доставки",
        "Newest first. Reload the page to see new ones.": "Сначала новые. Обновите страницу, чтобы увидеть новые.",
        "No deliveries yet.": "Доставок пока нет.",
        "The delivery log is unavailable right now.": "Журнал доставок сейчас недоступен.",
        "Event": "Событие",
        "Attempts": "Попытки",
        "Last answer": "Последний ответ",
        "Time taken": "Заняло",
        "Queued": "Поставлена в очередь",
        "Delivered": "Доставлена",
        "Next attempt": "Следующая попытка",
        "Send again": "Отправить снова",
        "Attempts log ({n})": "Журнал попыток ({n})",
        "HTTP status": "Код HTTP",
        "Error": "Ошибка",
        "Active": "Активен",
    }
)
