"""What the notify service shows in the agents' UI: the bell in the header (the unread
count of my in-app feed, refreshed when a ticket changes and every few seconds), the feed
itself (open an item: it is marked read and the card opens), the outbox of the local mail
sink (administrators) and, on a ticket card, who was told what and how it went."""

from __future__ import annotations

from typing import Any

import nh3
from flask import Response, redirect, request, url_for

from relay_gateway.ui import i18n
from relay_gateway.ui.client import ServiceDown, ServiceProblem
from relay_gateway.ui.pages_settings_common import when
from relay_gateway.ui.web import ADMINS, STAFF, _, api, bp, nav_item, page, render

nav_item("Notifications", "ui.notify_feed", roles=STAFF, order=30, section="notifications")
nav_item("Outbox", "ui.notify_outbox", roles=ADMINS, order=45, section="outbox")


def _call(method: str, path: str, **kw: Any) -> Any:
    try:
        return api().call(method, "notify", path, **kw).data
    except ServiceDown:
        return None


@bp.get("/notifications/bell")
@page(STAFF)
def notify_bell() -> tuple[str, int]:
    found = _call("GET", "/feed/unread")
    return render("notify/_bell.html", unread=(found or {}).get("unread"))


@bp.get("/notifications")
@page(STAFF)
def notify_feed() -> tuple[str, int]:
    unread_only = request.args.get("unread") == "1"
    params = {"limit": 50, "unread": unread_only}
    if after := request.args.get("after", "")[:80]:
        params["after"] = after
    found = _call("GET", "/feed", params=params) or {"items": [], "unread": 0, "next": None}
    return render("notify/feed.html", feed=found, unread_only=unread_only, when=when, section="notifications")


@bp.post("/notifications/<item_id>/open")
@page(STAFF)
def notify_open(item_id: str) -> Response:
    try:
        item = api().post("notify", f"/feed/{item_id[:40]}/read")
    except (ServiceDown, ServiceProblem):
        return redirect(url_for("ui.notify_feed"))
    if item.get("ticket_number"):
        return redirect(url_for("ui.ticket_card", number=item["ticket_number"]))
    return redirect(url_for("ui.notify_feed"))


@bp.post("/notifications/read-all")
@page(STAFF)
def notify_read_all() -> Response:
    _call("POST", "/feed/read-all")
    return redirect(url_for("ui.notify_feed"))


@bp.get("/tickets/<int:number>/notifications")
@page(STAFF)
def notify_of_ticket(number: int) -> tuple[str, int]:
    try:
        found = api().get("notify", "/notifications", params={"ticket": number, "limit": 100})
    except ServiceDown:
        return render("notify/_ticket.html", items=None, down=True)
    except ServiceProblem:
        found = {"items": []}
    return render("notify/_ticket.html", items=found["items"], when=when, down=False)


@bp.get("/outbox")
@page(ADMINS)
def notify_outbox() -> tuple[str, int]:
    found = _call("GET", "/outbox") or {"items": []}
    return render("notify/outbox.html", items=found["items"], section="outbox")


@bp.get("/outbox/<name>")
@page(ADMINS)
def notify_outbox_message(name: str) -> tuple[str, int]:
    try:
        found = api().get("notify", f"/outbox/{name[:130]}")
    except (ServiceDown, ServiceProblem):
        return render("error.html", 404, title=_("Not found"), message=_("No such mail in the outbox."))
    # Sanitised by notify already; again here, where it becomes part of a page.
    if found.get("html"):
        found["html"] = nh3.clean(found["html"])
    return render("notify/outbox_message.html", m=found, section="outbox")


i18n.add(
    ru={
        "Notifications": "Уведомления",
        "Outbox": "Исходящие",
        "unread": "непрочитано",
        "{n} unread": "Непрочитанных: {n}",
        "Show all": "Показать все",
        "Show unread only": "Только непрочитанные",
        "Mark all read": "Отметить все прочитанными",
        "Older": "Раньше",
        "Nothing here yet: you hear of assignments, customers' replies, mentions and SLA warnings here.": (
            "Пока пусто: здесь появятся назначения, ответы клиентов, упоминания и предупреждения SLA."
        ),
        "Who was told": "Кому сообщили",
        "The notify service is unavailable right now.": "Служба уведомлений сейчас недоступна.",
        "No notifications yet.": "Уведомлений пока нет.",
        "When": "Когда",
        "To": "Кому",
        "Channel": "Канал",
        "What": "Что",
        "State": "Состояние",
        "email": "почта",
        "sms": "SMS",
        "inapp": "в интерфейсе",
        "sent": "отправлено",
        "pending": "ожидает",
        "failed": "не доставлено",
        "digested": "в сводке",
        "suppressed": "не отправлено",
        "Mail Relay sent while no SMTP server is set up: the local mail sink keeps it here.": (
            "Письма, которые Relay отправил без настроенного SMTP-сервера: их хранит локальный приёмник."
        ),
        "Date": "Дата",
        "Subject": "Тема",
        "(no subject)": "(без темы)",
        "No mail yet.": "Писем пока нет.",
        "Headers": "Заголовки",
        "As HTML": "HTML",
        "As text": "Текст",
        "Mail": "Письмо",
        "No such mail in the outbox.": "Такого письма нет.",
    }
)
