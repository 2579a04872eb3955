"""Notification templates (administrators): every notification's subject, text and HTML
per language, as the desk has them (the shipped ones until someone saves their own), the
design that frames them, an editor whose preview follows the typing, and the way back to
the shipped template.

Notify checks a template when it is saved or previewed and names the part, the line and
the reason when it cannot render; the editor shows that next to the part (on saving) or
in the preview pane (while typing), never as a page error.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import nh3
from flask import Response, redirect, request, url_for

from relay_gateway.ui import i18n
from relay_gateway.ui.client import ServiceDown, ServiceProblem
from relay_gateway.ui.pages_settings_common import notice, number, problem_for, text, when
from relay_gateway.ui.web import ADMINS, _, api, bp, page, render, service_down

DESIGN = "_design"  # notify's key of the frame around every HTML and text mail
PARTS = ("subject", "text", "html")
TEXT_LIMIT = 100_000
# Words for notify's keys; a key notify adds later shows as itself until it gets words here.
LABELS = {
    "customer.registered": "Customer: the ticket is registered",
    "customer.public_comment": "Customer: a reply from the desk",
    "customer.resolved": "Customer: the ticket is resolved",
    "customer.closed": "Customer: the ticket is closed",
    "customer.merged": "Customer: the ticket is merged into another",
    "customer.status_changed": "Customer: the status changed",
    "employee.assigned": "Employee: a ticket is assigned to you",
    "employee.customer_comment": "Employee: the customer replied",
    "employee.employee_comment": "Employee: a colleague commented",
    "employee.mention": "Employee: you are mentioned",
    "employee.status_changed": "Employee: the status changed",
    "employee.sla_warning": "Employee: an SLA deadline is near",
    "employee.sla_breached": "Employee: an SLA deadline is missed",
    "employee.created": "Employee: a new ticket in your group",
    "employee.delivery_failed": "Employee: a notification could not be delivered",
    "employee.webhook_disabled": "Employee: a webhook is disabled",
    DESIGN: "The design: the frame around every mail",
}
_NOTICES = {"reset": "The shipped template is back."}


def _label(key: str) -> str:
    return _(LABELS[key]) if key in LABELS else key


def _notice() -> str | None:
    own = _NOTICES.get(request.args.get("done", ""))
    return _(own) if own else notice()


def _not_found() -> tuple[str, int]:
    return render("error.html", 404, title=_("Not found"), detail=_("There is no such notification template."))


def _grouped(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per notification (in notify's order, the design last) with its languages."""
    rows: dict[str, dict[str, Any]] = {}
    for item in items:
        row = rows.setdefault(item["key"], {"key": item["key"], "label": _label(item["key"]), "languages": []})
        row["languages"].append(item)
    return sorted(rows.values(), key=lambda r: r["key"] == DESIGN)


@bp.get("/settings/notification-templates")
@page(ADMINS)
def notify_templates() -> tuple[str, int]:
    try:
        items = api().get("notify", "/templates")["items"]
    except (ServiceDown, ServiceProblem):
        service_down("notify")
        items = []
    return render("notify/templates.html", rows=_grouped(items), when=when, notice=_notice())


def _variables() -> dict[str, str]:
    try:
        return api().get("notify", "/templates/variables")["variables"]
    except (ServiceDown, ServiceProblem):
        return {}


def _editor(key: str, language: str, template: dict[str, Any], status: int = 200, **context: Any) -> tuple[str, int]:
    context.setdefault("form", {p: template.get(p) or "" for p in PARTS})
    return render(
        "notify/templates_edit.html",
        status,
        key=key,
        language=language,
        label=_label(key),
        tpl=template,
        is_design=key == DESIGN,
        variables=_variables(),
        when=when,
        notice=_notice(),
        **context,
    )


def _path(key: str, language: str) -> str:
    # Quoted: a key from the URL must not step out of /templates (`..`).
    return f"/templates/{quote(key[:60], safe='')}/{quote(language[:8], safe='')}"


def _template(key: str, language: str) -> dict[str, Any] | None:
    """The template as notify has it; None when it knows no such key or language."""
    try:
        return api().get("notify", _path(key, language))
    except ServiceProblem as err:
        if err.status == 404:
            return None
        raise


def _form() -> dict[str, str]:
    return {p: text(p, TEXT_LIMIT) for p in PARTS}


def _body(form: dict[str, str]) -> dict[str, Any]:
    # A blank HTML part means "text only": notify then builds the HTML from the text.
    return {"subject": form["subject"], "text": form["text"], "html": form["html"] or None}


def _refusal(err: ServiceProblem) -> dict[str, Any] | None:
    """The part, line and reason of a template notify cannot render, when that is the problem."""
    part = next((f for f in err.errors if f in PARTS), None)
    if part is None or not err.body.get("reason"):
        return None
    return {"part": part, "line": err.body.get("line"), "reason": str(err.body["reason"])}


def _where(refusal: dict[str, Any]) -> str:
    if refusal["line"] is None:
        return refusal["reason"]
    return _("Line {line}: {reason}", line=refusal["line"], reason=refusal["reason"])


@bp.get("/settings/notification-templates/<key>/<language>")
@page(ADMINS)
def notify_template(key: str, language: str) -> tuple[str, int]:
    template = _template(key, language)
    if template is None:
        return _not_found()
    return _editor(key, language, template)


@bp.post("/settings/notification-templates/<key>/<language>")
@page(ADMINS)
def notify_template_save(key: str, language: str) -> Response | tuple[str, int]:
    form = _form()
    try:
        api().call("PUT", "notify", _path(key, language), json_body=_body(form))
    except ServiceDown:
        template = {"key": key, "language": language, "customised": False}
        return _editor(
            key, language, template, 503, form=form, problem=_("The notify service is unavailable right now.")
        )
    except ServiceProblem as err:
        if err.status == 404:
            return _not_found()
        template = _template(key, language) or {"key": key, "language": language}
        refusal = _refusal(err)
        if refusal:
            errors, problem = {refusal["part"]: _where(refusal)}, None
        else:
            errors, problem = problem_for(err, PARTS)
        return _editor(key, language, template, 422, form=form, errors=errors, problem=problem)
    return redirect(url_for("ui.notify_template", key=key, language=language, done="saved"))


@bp.post("/settings/notification-templates/<key>/<language>/reset")
@page(ADMINS)
def notify_template_reset(key: str, language: str) -> Response | tuple[str, int]:
    try:
        api().call("DELETE", "notify", _path(key, language))
    except ServiceProblem as err:
        if err.status == 404:
            return _not_found()
        raise
    return redirect(url_for("ui.notify_template", key=key, language=language, done="reset"))


@bp.post("/settings/notification-templates/<key>/<language>/preview")
@page(ADMINS)
def notify_template_preview(key: str, language: str) -> tuple[str, int]:
    """The preview pane's content: always 200, so htmx swaps a refusal in like a rendering."""
    body = _body(_form())
    ticket = number("ticket")
    if ticket is not None:
        body["ticket"] = ticket
    try:
        rendered = api().post("notify", f"{_path(key, language)}/preview", json_body=body)
    except ServiceDown:
        return render("notify/_template_preview.html", problem=_("The notify service is unavailable right now."))
    except ServiceProblem as err:
        refusal = _refusal(err)
        if refusal:
            return render("notify/_template_preview.html", refusal=refusal, part_label=_part_label(refusal["part"]))
        return render("notify/_template_preview.html", problem=err.message_for("ticket") or err.detail)
    # Sanitised by notify already; again here, where it becomes part of a page.
    html = nh3.clean(rendered["html"]) if rendered.get("html") else ""
    return render("notify/_template_preview.html", rendered=rendered, html=html, ticket=ticket)


def _part_label(part: str) -> str:
    return {"subject": _("Subject"), "text": _("Text"), "html": _("HTML")}[part]


i18n.add(
    ru={
        "Notification templates": "Шаблоны уведомлений",
        "Customer: the ticket is registered": "Клиенту: заявка зарегистрирована",
        "Customer: a reply from the desk": "Клиенту: ответ службы поддержки",
        "Customer: the ticket is resolved": "Клиенту: заявка решена",
        "Customer: the ticket is closed": "Клиенту: заявка закрыта",
        "Customer: the ticket is merged into another": "Клиенту: заявка объединена с другой",
        "Customer: the status changed": "Клиенту: статус изменился",
        "Employee: a ticket is assigned to you": "Сотруднику: вам назначена заявка",
        "Employee: the customer replied": "Сотруднику: клиент ответил",
        "Employee: a colleague commented": "Сотруднику: комментарий коллеги",
        "Employee: you are mentioned": "Сотруднику: вас упомянули",
        "Employee: the status changed": "Сотруднику: статус изменился",
        "Employee: an SLA deadline is near": "Сотруднику: срок SLA скоро истечёт",
        "Employee: an SLA deadline is missed": "Сотруднику: срок SLA нарушен",
        "Employee: a new ticket in your group": "Сотруднику: новая заявка в вашей группе",
        "Employee: a notification could not be delivered": "Сотруднику: уведомление не доставлено",
        "Employee: a webhook is disabled": "Сотруднику: вебхук отключён",
        "The design: the frame around every mail": "Оформление: рамка вокруг каждого письма",
        "The shipped template is back.": "Вернулся исходный шаблон.",
        "There is no such notification template.": "Такого шаблона уведомления нет.",
        "Line {line}: {reason}": "Строка {line}: {reason}",
        "Text": "Текст",
        "HTML": "HTML",
        "What Relay sends, per notification and language. A template you save replaces the shipped one;"
        " you can always go back to it.": (
            "Что отправляет Relay — для каждого уведомления и языка. Сохранённый шаблон заменяет исходный;"
            " к исходному всегда можно вернуться."
        ),
        "Notification": "Уведомление",
        "customised": "изменён",
        "shipped": "исходный",
        "changed {at}": "изменён {at}",
        "No templates: the notify service did not answer.": "Шаблонов нет: служба уведомлений не ответила.",
        "Edit the template": "Изменить шаблон",
        "Language: {language}": "Язык: {language}",
        "This is the shipped template.": "Это исходный шаблон.",
        "This template is customised: it replaces the shipped one.": "Шаблон изменён: он заменяет исходный.",
        "Templates are Jinja2: {{ ticket.number }} puts in a value, {% if … %}…{% endif %} a condition.": (
            "Шаблоны пишутся на Jinja2: {{ ticket.number }} подставляет значение, {% if … %}…{% endif %} — условие."
        ),
        "The HTML part": "HTML-часть",
        "Blank: the mail is built from the text.": "Пусто — письмо собирается из текста.",
        "The design has no subject: the notification it frames has one.": (
            "У оформления нет темы: она есть у уведомления, которое оно обрамляет."
        ),
        "{{ content }} marks where the notification goes, in the HTML and in the text.": (
            "{{ content }} отмечает, куда встаёт уведомление, — и в HTML, и в тексте."
        ),
        "Preview": "Предпросмотр",
        "Preview on ticket #": "Предпросмотр на заявке №",
        "Blank: sample values.": "Пусто — образец значений.",
        "The preview follows what you type.": "Предпросмотр обновляется по мере ввода.",
        "The design is previewed around a notification: open one of them.": (
            "Оформление видно в предпросмотре уведомления: откройте любое из них."
        ),
        "Variables": "Переменные",
        "No variables: the notify service did not answer.": "Переменных нет: служба уведомлений не ответила.",
        "Back to the shipped template": "Вернуть исходный шаблон",
        "Go back to the shipped template? Your version is deleted.": (
            "Вернуть исходный шаблон? Ваша версия будет удалена."
        ),
        "The template cannot render.": "Шаблон не может быть отрисован.",
        "{part}, line {line}": "{part}, строка {line}",
        "On ticket #{number}": "На заявке №{number}",
        "On sample values": "На образце значений",
        "(no HTML part)": "(нет HTML-части)",
    }
)
