"""The notify service's settings in the agents' UI.

- /settings/notifications (administrators): the switches table (which notification goes
  to whom by which channel, and the statuses the status-change notifications are limited
  to), the customers' settings, delivery and the desk as mail shows it; one form per
  settings key, each saved on its own.
- /settings/email-sms (administrators): the SMTP server and the SMS gateway, each with a
  test send. Secrets are write-only: the service says only whether one is saved, and a
  blank input keeps it.
- /notifications/preferences (every employee): my channels, copies of my own actions and
  the language of what I am sent.

The service decides what a valid value is: what it refuses comes back as a 422 and shows
next to the input it is about, with everything else as typed.
"""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, request, url_for

from relay_gateway.ui import i18n
from relay_gateway.ui.client import ServiceDown, ServiceProblem
from relay_gateway.ui.pages_settings_common import checked, notice, number, problem_for, text
from relay_gateway.ui.web import ADMINS, STAFF, _, api, bp, page, render, service_down

NOTIFY = "notify"
CHANNELS = ("email", "sms", "inapp")
COPY_MODES = ("always", "no_contact_email", "no_contact")
LANGUAGES = ("en", "ru")
SECURITY = ("none", "starttls", "tls")
SMS_METHODS = ("GET", "POST", "PUT")

# What each notification is about, as the switches table says it (the keys are notify's).
NOTIFICATION_LABELS = {
    "assigned": "A ticket is assigned to them or their group",
    "created": "A new ticket is registered",
    "customer_comment": "The customer replied",
    "employee_comment": "A colleague commented",
    "mention": "They are mentioned in a comment",
    "status_changed": "The ticket's status changed",
    "sla_warning": "An SLA deadline is near",
    "sla_breached": "An SLA deadline is missed",
    "registered": "Their request is registered",
    "public_comment": "A public reply to their request",
    "resolved": "Their request is resolved",
    "closed": "Their request is closed",
    "merged": "Their request is merged into another",
    "customer_status_changed": "The status of their request changed",
}
AUDIENCES = (("employee", "Employees"), ("customer", "Customers"))
CHANNEL_LABELS = {"email": "Email", "sms": "SMS", "inapp": "In the app"}
STATUS_NOTIFICATIONS = ("status_changed", "customer_status_changed")

# The forms of the notifications page: settings key -> the fields the service may name.
PARTS: dict[str, tuple[str, ...]] = {
    "switches": ("switches", "status_targets"),
    "customers": ("company_copy", "default_language", "time_zone"),
    "delivery": ("digest_seconds", "max_attempts", "production"),
    "desk": ("name", "colour", "logo_url", "url"),
}
SMTP_FIELDS = ("host", "port", "security", "username", "password", "from_address", "from_name", "pool_size")
SMS_FIELDS = (
    "enabled",
    "url_template",
    "method",
    "body_template",
    "headers",
    "username",
    "password",
    "token",
    "success_status",
    "success_contains",
    "employee_text",
    "contact_text",
)
PREFERENCE_FIELDS = ("channels", "own_actions", "language")


def _read(path: str) -> dict[str, Any] | None:
    """A settings document, or None when notify does not answer (the page says so)."""
    try:
        return api().get(NOTIFY, path)
    except ServiceDown:
        service_down(NOTIFY)
        return None


def _errors(err: ServiceProblem, fields: tuple[str, ...], prefix: str = "") -> tuple[dict[str, str], str | None]:
    errors, problem = problem_for(err, fields)
    return {prefix + k: v for k, v in errors.items()}, problem


# -- the notifications page ---------------------------------------------------------------------
def _statuses() -> list[dict[str, Any]]:
    try:
        found = api().get("tickets", "/settings/statuses")["items"]
    except (ServiceDown, ServiceProblem):
        service_down("tickets")
        return []
    return sorted(found, key=lambda s: s.get("position", 0))


def _switch_rows(switches: dict[str, Any]) -> list[dict[str, Any]]:
    """A table per audience: its rows and the channels any of them has (customers have no in-app)."""
    tables = []
    for aud, label in AUDIENCES:
        rows = [
            {
                "notification": row["notification"],
                "label": _(NOTIFICATION_LABELS.get(row["notification"], row["notification"])),
                "channels": row.get("channels") or {},
            }
            for row in switches.get("switches") or ()
            if row.get("audience") == aud
        ]
        if rows:
            shown = [c for c in CHANNELS if any(c in r["channels"] for r in rows)]
            tables.append({"audience": aud, "label": _(label), "rows": rows, "channels": shown})
    return tables


def _merged(key: str, saved: dict[str, Any], typed: dict[str, Any]) -> dict[str, Any]:
    """What a refused form shows again: the saved document with what was typed over it."""
    if key != "switches":
        return saved | typed
    ticked = {row["notification"]: row["channels"] for row in typed.get("switches") or ()}
    rows = [row | {"channels": ticked.get(row["notification"], row["channels"])} for row in saved["switches"]]
    return {"switches": rows, "status_targets": typed.get("status_targets") or []}


def _settings_page(status: int = 200, failed: str = "", **typed: Any) -> tuple[str, int]:
    """The page; `failed` is the form the service refused, `typed` what was typed into it."""
    forms = {key: _read(f"/settings/{key}") for key in PARTS}
    for key in PARTS:
        if key in typed and forms[key] is not None:
            forms[key] = _merged(key, forms[key], typed[key])
    switches = forms["switches"]
    statuses = _statuses() if switches is not None else []
    targets = list((switches or {}).get("status_targets") or ())
    known = {s["key"] for s in statuses}
    # A target whose status is gone still shows, so saving does not drop it unseen.
    statuses += [{"key": k, "name": k, "gone": True} for k in targets if k not in known]
    return render(
        "notify/settings.html",
        status,
        forms=forms,
        tables=_switch_rows(switches) if switches else [],
        channel_labels={c: _(label) for c, label in CHANNEL_LABELS.items()},
        statuses=statuses,
        targets=set(targets),
        copy_modes=COPY_MODES,
        languages=LANGUAGES,
        failed=failed,
        errors=typed.get("errors") or {},
        problem=typed.get("problem"),
        notice=notice(),
    )


@bp.get("/settings/notifications")
@page(ADMINS)
def notify_settings() -> tuple[str, int]:
    return _settings_page()


def _switches_body() -> dict[str, Any] | None:
    current = _read("/settings/switches")
    if current is None:
        return None
    # Every row is sent, unticked ones as off: a checkbox left clear sends nothing.
    rows = [
        {
            "notification": row["notification"],
            "channels": {c: checked(f"sw.{row['notification']}.{c}") for c in row.get("channels") or {}},
        }
        for row in current.get("switches") or ()
    ]
    targets = [t[:40] for t in request.form.getlist("status_target") if t][:50]
    return {"switches": rows, "status_targets": targets}


def _part_body(part: str) -> dict[str, Any] | None:
    if part == "switches":
        return _switches_body()
    if part == "customers":
        return {
            "company_copy": text("company_copy", 40),
            "default_language": text("default_language", 8),
            "time_zone": text("time_zone", 64).strip(),
        }
    if part == "delivery":
        return {
            "digest_seconds": number("digest_seconds"),
            "max_attempts": number("max_attempts"),
            "production": checked("production"),
        }
    return {
        "name": text("name", 120).strip(),
        "colour": text("colour", 20).strip(),
        "logo_url": text("logo_url", 500).strip(),
        "url": text("url", 500).strip(),
    }


@bp.post("/settings/notifications")
@page(ADMINS)
def notify_settings_save() -> Response | tuple[str, int]:
    part = text("part", 20)
    if part not in PARTS:
        return _settings_page(400, problem=_("The form is not one of this page's."))
    body = _part_body(part)
    if body is None:
        return _settings_page(503)
    # A blank number is not sent: the service keeps what it has rather than refuse None.
    body = {k: v for k, v in body.items() if v is not None}
    try:
        api().put(NOTIFY, f"/settings/{part}", json_body=body)
    except ServiceDown:
        service_down(NOTIFY)
        return _settings_page(503, part, **{part: body})
    except ServiceProblem as err:
        errors, problem = _errors(err, PARTS[part])
        return _settings_page(422, part, errors=errors, problem=problem, **{part: body})
    return redirect(url_for("ui.notify_settings", done="saved", _anchor=part))


# -- email and SMS --------------------------------------------------------------------------------
def _channels_page(status: int = 200, failed: str = "", **context: Any) -> tuple[str, int]:
    smtp = context.pop("smtp", None) or _read("/settings/smtp")
    sms = context.pop("sms", None) or _read("/settings/sms")
    if sms is not None:
        sms = dict(sms)
        headers = sms.get("headers")
        if isinstance(headers, dict):
            sms["headers"] = "\n".join(f"{k}: {v}" for k, v in headers.items())
        codes = sms.get("success_status")
        if isinstance(codes, list):
            sms["success_status"] = ", ".join(str(c) for c in codes)
    return render(
        "notify/channels.html",
        status,
        smtp=smtp,
        sms=sms,
        security=SECURITY,
        methods=SMS_METHODS,
        failed=failed,
        errors=context.pop("errors", None) or {},
        problem=context.pop("problem", None),
        notice=notice(),
        **context,
    )


@bp.get("/settings/email-sms")
@page(ADMINS)
def notify_channels() -> tuple[str, int]:
    return _channels_page()


def _secret(body: dict[str, Any], name: str, field: str, limit: int) -> None:
    # Write-only: a blank input keeps the saved one, so the key is not sent at all; the
    # "remove" box asks notify to forget it.
    value = text(field, limit)
    if value:
        body[name] = value
    elif checked(f"{field}_forget"):
        body.setdefault("forget", []).append(name)


def _save(key: str, body: dict[str, Any], fields: tuple[str, ...], prefix: str, shown: dict[str, Any]):
    try:
        api().put(NOTIFY, f"/settings/{key}", json_body=body)
    except ServiceDown:
        service_down(NOTIFY)
        return _channels_page(503, key, **{key: shown})
    except ServiceProblem as err:
        errors, problem = _errors(err, fields, prefix)
        return _channels_page(422, key, errors=errors, problem=problem, **{key: shown})
    return redirect(url_for("ui.notify_channels", done="saved", _anchor=key))


@bp.post("/settings/email-sms/smtp")
@page(ADMINS)
def notify_channels_smtp() -> Response | tuple[str, int]:
    body: dict[str, Any] = {
        "host": text("host", 255).strip(),
        "port": number("port"),
        "security": text("security", 20),
        "username": text("username", 255),
        "from_address": text("from_address", 320).strip(),
        "from_name": text("from_name", 120),
        "pool_size": number("pool_size"),
    }
    body = {k: v for k, v in body.items() if v is not None}
    _secret(body, "password", "password", 255)
    shown = {k: v for k, v in body.items() if k not in ("password", "forget")} | _secrets_saved("smtp")
    return _save("smtp", body, SMTP_FIELDS, "", shown)


def _secrets_saved(key: str) -> dict[str, bool]:
    """Whether each secret is saved, for a form shown again after a refusal."""
    found = _read(f"/settings/{key}") or {}
    return {k: bool(v) for k, v in found.items() if k.endswith("_set")}


def _headers(raw: str) -> dict[str, str] | str:
    """`Name: value` lines as a dict, or the error for the field when a line is not one."""
    out: dict[str, str] = {}
    for line in raw.splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            return _("Each line is a header, as «Name: value».")
        out[name.strip()[:100]] = value.strip()[:1000]
    return out


def _codes(raw: str) -> list[int | str]:
    # What is not a whole number goes as typed: the service's 422 names it.
    out: list[int | str] = []
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if part:
            out.append(int(part) if part.isdigit() else part[:10])
    return out[:20]


@bp.post("/settings/email-sms/sms")
@page(ADMINS)
def notify_channels_sms() -> Response | tuple[str, int]:
    raw_headers = text("sms_headers", 20_000)
    body: dict[str, Any] = {
        "enabled": checked("sms_enabled"),
        "url_template": text("sms_url_template", 2000).strip(),
        "method": text("sms_method", 10),
        "body_template": text("sms_body_template", 4000),
        "username": text("sms_username", 255),
        "success_status": _codes(text("sms_success_status", 200)),
        "success_contains": text("sms_success_contains", 200),
        "employee_text": text("sms_employee_text", 500),
        "contact_text": text("sms_contact_text", 500),
    }
    _secret(body, "password", "sms_password", 255)
    _secret(body, "token", "sms_token", 1000)
    shown = {k: v for k, v in body.items() if k not in ("password", "token", "forget")} | _secrets_saved("sms")
    shown |= {"headers": raw_headers, "success_status": text("sms_success_status", 200)}
    headers = _headers(raw_headers)
    if isinstance(headers, str):
        return _channels_page(422, "sms", errors={"sms_headers": headers}, sms=shown)
    body["headers"] = headers
    return _save("sms", body, SMS_FIELDS, "sms_", shown)


def _test_send(key: str, field: str) -> tuple[str, int]:
    to = text(field, 320).strip()
    try:
        outcome = api().post(NOTIFY, f"/settings/{key}/test", json_body={"to": to})
    except ServiceDown:
        service_down(NOTIFY)
        return _channels_page(503, key, typed_to={field: to})
    except ServiceProblem as err:
        errors, problem = problem_for(err, ("to",))
        errors = {field: errors["to"]} if "to" in errors else {}
        return _channels_page(422, key, errors=errors, problem=problem, typed_to={field: to})
    return _channels_page(200, key, outcome={"kind": key, "to": to, **(outcome or {})}, typed_to={field: to})


@bp.post("/settings/email-sms/smtp/test")
@page(ADMINS)
def notify_channels_smtp_test() -> tuple[str, int]:
    return _test_send("smtp", "smtp_to")


@bp.post("/settings/email-sms/sms/test")
@page(ADMINS)
def notify_channels_sms_test() -> tuple[str, int]:
    return _test_send("sms", "sms_to")


# -- my preferences -------------------------------------------------------------------------------
def _preferences_page(status: int = 200, **context: Any) -> tuple[str, int]:
    prefs = context.pop("prefs", None) or _read("/preferences/me")
    return render(
        "notify/preferences.html",
        status,
        prefs=prefs,
        channels=CHANNELS,
        channel_labels={c: _(label) for c, label in CHANNEL_LABELS.items()},
        languages=LANGUAGES,
        errors=context.pop("errors", None) or {},
        problem=context.pop("problem", None),
        notice=notice(),
        section="notifications",
        **context,
    )


@bp.get("/notifications/preferences")
@page(STAFF)
def notify_preferences() -> tuple[str, int]:
    return _preferences_page()


@bp.post("/notifications/preferences")
@page(STAFF)
def notify_preferences_save() -> Response | tuple[str, int]:
    body = {
        "channels": {c: checked(f"channel_{c}") for c in CHANNELS},
        "own_actions": checked("own_actions"),
        "language": text("language", 8) or None,
    }
    try:
        api().put(NOTIFY, "/preferences/me", json_body=body)
    except ServiceDown:
        service_down(NOTIFY)
        return _preferences_page(503, prefs=body)
    except ServiceProblem as err:
        errors, problem = problem_for(err, PREFERENCE_FIELDS)
        return _preferences_page(422, prefs=body, errors=errors, problem=problem)
    return redirect(url_for("ui.notify_preferences", done="saved"))


i18n.add(
    ru={
        "One line with {number}, {subject}, {event}, {status} and {desk}; blank: the mail's subject.": (
            "Одна строка с {number}, {subject}, {event}, {status} и {desk}; пусто — тема письма."
        ),
        # the notifications page
        "Notification settings": "Настройки уведомлений",
        "Who hears of what": "Кто о чём узнаёт",
        "Each notification goes to its audience by the channels ticked here. An employee may turn a channel off for themselves in their own preferences.": (  # noqa: E501
            "Каждое уведомление уходит своим получателям по отмеченным здесь каналам. "
            "Сотрудник может отключить канал для себя в своих настройках."
        ),
        "Notification": "Уведомление",
        "Employees": "Сотрудники",
        "Customers": "Клиенты",
        "Email": "Эл. почта",
        "SMS": "SMS",
        "In the app": "В интерфейсе",
        "not available": "недоступно",
        "{what}: {channel}": "{what}: {channel}",
        "A ticket is assigned to them or their group": "Заявка назначена им или их группе",
        "A new ticket is registered": "Зарегистрирована новая заявка",
        "The customer replied": "Клиент ответил",
        "A colleague commented": "Коллега оставил комментарий",
        "They are mentioned in a comment": "Их упомянули в комментарии",
        "The ticket's status changed": "Изменился статус заявки",
        "An SLA deadline is near": "Приближается срок SLA",
        "An SLA deadline is missed": "Срок SLA нарушен",
        "Their request is registered": "Их обращение зарегистрировано",
        "A public reply to their request": "Публичный ответ на их обращение",
        "Their request is resolved": "Их обращение решено",
        "Their request is closed": "Их обращение закрыто",
        "Their request is merged into another": "Их обращение объединено с другим",
        "The status of their request changed": "Изменился статус их обращения",
        "Status changes are told of for these statuses": "О смене статуса сообщать для этих статусов",
        "None ticked: every status change is told of.": "Ничего не отмечено: сообщать о любой смене статуса.",
        "(no longer exists)": "(больше не существует)",
        "The statuses could not be read; the saved ones are kept.": (
            "Не удалось прочитать статусы; сохранённые остаются."
        ),
        "Save the switches": "Сохранить переключатели",
        "Customers' settings": "Настройки для клиентов",
        "The company gets a copy": "Компания получает копию",
        "always": "всегда",
        "when the contact has no email": "когда у контакта нет эл. почты",
        "when the ticket has no contact": "когда у заявки нет контакта",
        "The company's own address gets what the contact is sent.": (
            "На адрес самой компании уходит то же, что и контакту."
        ),
        "Default language": "Язык по умолчанию",
        "English": "Английский",
        "Russian": "Русский",
        "Time zone": "Часовой пояс",
        "As in the tz database, e.g. Europe/Moscow; times in mail are shown in it.": (
            "Как в базе tz, например Europe/Moscow; время в письмах показывается в нём."
        ),
        "Save the customers' settings": "Сохранить настройки для клиентов",
        "Delivery": "Доставка",
        "Digest window, seconds": "Окно сводки, секунды",
        "0 to 3600. Mails to one address about one ticket within this window go out together.": (
            "От 0 до 3600. Письма на один адрес об одной заявке в этом окне уходят вместе."
        ),
        "Attempts before giving up": "Попыток до отказа",
        "1 to 50 tries of a temporary failure.": "От 1 до 50 попыток при временном сбое.",
        "Production: refuse webhook and SMS addresses on private networks": (
            "Рабочий режим: отклонять адреса вебхуков и SMS в частных сетях"
        ),
        "Save the delivery settings": "Сохранить настройки доставки",
        "The desk in mail": "Служба в письмах",
        "Name of the desk": "Название службы",
        "Colour of the mail's header": "Цвет заголовка письма",
        "As #rrggbb, e.g. #1f6feb.": "В виде #rrggbb, например #1f6feb.",
        "Logo address (URL)": "Адрес логотипа (URL)",
        "Address of the desk": "Адрес службы",
        "Links in mail point here, e.g. https://desk.example.com.": (
            "Ссылки в письмах ведут сюда, например https://desk.example.com."
        ),
        "Save the desk settings": "Сохранить настройки службы",
        "The form is not one of this page's.": "Эта форма не относится к странице.",
        "The notify service is unavailable: these settings cannot be shown or saved right now.": (
            "Служба уведомлений недоступна: эти настройки сейчас нельзя показать или сохранить."
        ),
        # email and SMS
        "Email and SMS": "Почта и SMS",
        "SMTP server": "SMTP-сервер",
        "Host": "Сервер",
        "Blank: the local mail sink keeps the mail (see the outbox).": (
            "Пусто: письма хранит локальный приёмник (см. «Исходящие»)."
        ),
        "Port": "Порт",
        "Security": "Защита",
        "none": "нет",
        "STARTTLS": "STARTTLS",
        "TLS": "TLS",
        "User name": "Имя пользователя",
        "A password is saved; leave blank to keep it.": "Пароль сохранён; оставьте пустым, чтобы не менять.",
        "Remove the saved password": "Удалить сохранённый пароль",
        "Remove the saved token": "Удалить сохранённый токен",
        "No password is saved.": "Пароль не сохранён.",
        "A token is saved; leave blank to keep it.": "Токен сохранён; оставьте пустым, чтобы не менять.",
        "No token is saved.": "Токен не сохранён.",
        "Token": "Токен",
        "Sender's address": "Адрес отправителя",
        "Sender's name": "Имя отправителя",
        "Connections at once": "Одновременных соединений",
        "Save the SMTP settings": "Сохранить настройки SMTP",
        "Send a test mail": "Отправить тестовое письмо",
        "To": "Кому",
        "Send test mail": "Отправить тестовое письмо",
        "Sent through the saved settings: save them first.": (
            "Отправляется по сохранённым настройкам: сначала сохраните их."
        ),
        "The test mail to {to} is sent.": "Тестовое письмо на {to} отправлено.",
        "The test SMS to {to} is sent.": "Тестовое SMS на {to} отправлено.",
        "The test to {to} failed:": "Тест на {to} не удался:",
        "The failure is permanent: retrying will not help.": "Сбой постоянный: повтор не поможет.",
        "The failure is temporary: it may work later.": "Сбой временный: позже может получиться.",
        "SMS gateway": "SMS-шлюз",
        "Send SMS through the gateway": "Отправлять SMS через шлюз",
        "Address template": "Шаблон адреса",
        "{to} and {text} are replaced by the number and the message.": (
            "{to} и {text} заменяются номером и текстом сообщения."
        ),
        "Method": "Метод",
        "Body template": "Шаблон тела запроса",
        "One per line, as «Name: value».": "По одному на строку, в виде «Имя: значение».",
        "Each line is a header, as «Name: value».": "Каждая строка — заголовок, в виде «Имя: значение».",
        "Success statuses": "Статусы успеха",
        "HTTP statuses that mean sent, separated by commas, e.g. 200, 201.": (
            "HTTP-статусы, означающие «отправлено», через запятую, например 200, 201."
        ),
        "The answer contains": "Ответ содержит",
        "Blank: the status alone decides.": "Пусто: решает только статус.",
        "Text to employees": "Текст сотрудникам",
        "Text to contacts": "Текст контактам",
        "Save the SMS settings": "Сохранить настройки SMS",
        "Send a test SMS": "Отправить тестовое SMS",
        "Phone number": "Номер телефона",
        "Send test SMS": "Отправить тестовое SMS",
        # my preferences
        "My notification settings": "Мои настройки уведомлений",
        "My notifications": "Мои уведомления",
        "Tell me by": "Сообщать мне через",
        "What the desk sends employees is set by the administrators; here you turn channels off for yourself.": (
            "Что служба отправляет сотрудникам, задают администраторы; здесь вы отключаете каналы для себя."
        ),
        "Also tell me of what I did myself": "Сообщать и о моих собственных действиях",
        "Language of my notifications": "Язык моих уведомлений",
        "The desk's default": "Как в службе по умолчанию",
        "Save my settings": "Сохранить мои настройки",
    }
)
