"""The settings of the agents' UI (administrators only) and the API reference (all staff).

The pages live in their own modules, imported here:
- pages_settings_general: default comment publicity, reopen window, auto-close timeout,
  and the branding (name, colour, logo) every page wears;
- pages_settings_catalog: ticket types with their custom attributes, priorities, statuses;
- pages_settings_lifecycle: the transition tables of the default lifecycle and of a type;
- pages_settings_tokens: the gateway's API tokens;
- pages_settings_apiref: the merged OpenAPI document as a browsable page.
The SLA calendars and rules (pages_sla_*) join the settings' sub-navigation.
"""

from __future__ import annotations

from relay_gateway.ui import (  # noqa: F401  (their routes register on import)
    i18n,
    pages_settings_apiref,
    pages_settings_catalog,
    pages_settings_general,
    pages_settings_lifecycle,
    pages_settings_tokens,
)
from relay_gateway.ui.pages_settings_common import SubnavItem, subnav
from relay_gateway.ui.web import ADMINS, STAFF, bp, nav_item, page, render

nav_item("Settings", "ui.settings_home", roles=ADMINS, order=40, section="settings")
nav_item("API reference", "ui.api_reference", roles=STAFF, order=90, section="api-reference")


@bp.app_template_global("settings_subnav")
def _settings_subnav() -> list[SubnavItem]:
    return subnav()


@bp.get("/settings")
@page(ADMINS)
def settings_home() -> tuple[str, int]:
    return render("settings/home.html", sections=subnav())


i18n.add(
    ru={
        # sections and navigation
        "Settings sections": "Разделы настроек",
        "General": "Общие",
        "Ticket types": "Типы заявок",
        "Priorities": "Приоритеты",
        "Statuses": "Статусы",
        "Default lifecycle": "Жизненный цикл по умолчанию",
        "SLA calendars": "Календари SLA",
        "SLA rules": "Правила SLA",
        "Choose what to set up.": "Выберите, что настроить.",
        # notices
        "Created.": "Создано.",
        "Saved.": "Сохранено.",
        "Deleted.": "Удалено.",
        "Tickets hold values for it, so it is deactivated instead of deleted.": (
            "В заявках есть его значения, поэтому он отключён, а не удалён."
        ),
        "The type follows the default lifecycle again.": "Тип снова следует жизненному циклу по умолчанию.",
        "The token is revoked: it no longer works.": "Токен отозван и больше не действует.",
        # shared words
        "yes": "да",
        "no": "нет",
        "Key": "Ключ",
        "Name": "Название",
        "Position": "Позиция",
        "Active": "Активен",
        "Default": "По умолчанию",
        "Edit": "Изменить",
        "Delete": "Удалить",
        "Save": "Сохранить",
        "Back": "Назад",
        "open": "открытый",
        "closed": "закрытый",
        "Lowercase letters, digits and _; it never changes.": (
            "Строчные латинские буквы, цифры и _; ключ не меняется."
        ),
        "The key never changes.": "Ключ не меняется.",
        "Smaller comes first.": "Меньшие идут первыми.",
        "When it stops being the default, this one takes its place": (
            "Когда он перестанет быть основным, его место займёт"
        ),
        "(choose)": "(выберите)",
        "Delete it? This cannot be undone.": "Удалить? Это нельзя отменить.",
        # ticket types
        "Add a ticket type": "Добавить тип заявки",
        "Internal": "Внутренний",
        "Internal: customers never see tickets of this type.": "Внутренний: клиенты не видят заявки этого типа.",
        "Lifecycle": "Жизненный цикл",
        "its own": "свой",
        "the default": "по умолчанию",
        "Ticket type": "Тип заявки",
        "Default type of new tickets": "Тип новых заявок по умолчанию",
        "Custom attributes": "Дополнительные атрибуты",
        "Add an attribute": "Добавить атрибут",
        "No custom attributes yet.": "Дополнительных атрибутов пока нет.",
        "Delete the type": "Удалить тип",
        "Only a type no ticket has can be deleted; deactivate it otherwise.": (
            "Удалить можно только тип, которого нет ни у одной заявки; иначе отключите его."
        ),
        "Edit the lifecycle": "Изменить жизненный цикл",
        # attributes
        "Attribute": "Атрибут",
        "New attribute of {type}": "Новый атрибут типа «{type}»",
        "Attribute of {type}": "Атрибут типа «{type}»",
        "Kind": "Вид",
        "text": "текст",
        "number": "число",
        "date": "дата",
        "list": "список",
        "Values of the list": "Значения списка",
        "One value a line.": "По одному значению в строке.",
        "Required": "Обязательный",
        "Visible to": "Кто видит",
        "Staff roles that see it (none ticked: all staff)": "Роли сотрудников, которые его видят (ни одной: все)",
        "all staff": "все сотрудники",
        "Visible to customers (contacts)": "Виден клиентам (контактам)",
        "customers": "клиенты",
        "Drop list values that tickets still hold": "Удалить значения списка, которые ещё есть в заявках",
        "Delete the attribute": "Удалить атрибут",
        "If tickets hold values for it, it is deactivated instead.": (
            "Если в заявках есть его значения, он будет отключён, а не удалён."
        ),
        "Create": "Создать",
        # priorities
        "Add a priority": "Добавить приоритет",
        "Priority": "Приоритет",
        "Colour": "Цвет",
        "Default priority of new tickets": "Приоритет новых заявок по умолчанию",
        "Delete the priority": "Удалить приоритет",
        # statuses
        "Add a status": "Добавить статус",
        "Status": "Статус",
        "Pauses the SLA clock": "Останавливает часы SLA",
        "Built-in": "Встроенный",
        "A built-in status keeps its kind and cannot be deleted.": (
            "Встроенный статус сохраняет свой вид, и его нельзя удалить."
        ),
        "Open tickets wait for work; closed ones are done.": "Открытые заявки ждут работы; закрытые завершены.",
        "Delete the status": "Удалить статус",
        "Pauses SLA": "Пауза SLA",
        # lifecycles
        "Lifecycle of {type}": "Жизненный цикл типа «{type}»",
        "From \\ to": "Из \\ в",
        "Tick the moves allowed: a row is the status a ticket is in, a column the status it may go to.": (
            "Отметьте разрешённые переходы: строка — статус, в котором заявка, "
            "столбец — статус, в который она может перейти."
        ),
        "from {a} to {b}": "из «{a}» в «{b}»",
        "This type follows the default lifecycle; saving gives it its own.": (
            "Этот тип следует жизненному циклу по умолчанию; после сохранения у него будет свой."
        ),
        "This type has its own lifecycle.": "У этого типа свой жизненный цикл.",
        "Back to the default lifecycle": "Вернуть жизненный цикл по умолчанию",
        "Types without a lifecycle of their own follow this one.": (
            "Ему следуют типы без собственного жизненного цикла."
        ),
        "Save the lifecycle": "Сохранить жизненный цикл",
        "Statuses (to)": "Статусы (в)",
        "Allowed moves": "Разрешённые переходы",
        # general
        "General settings": "Общие настройки",
        "Comments": "Комментарии",
        "New comments are": "Новые комментарии по умолчанию",
        "public (the customer sees them)": "публичные (клиент их видит)",
        "private (staff only)": "внутренние (только сотрудники)",
        "Reopen window, days": "Окно повторного открытия, дней",
        "A customer's reply reopens a closed ticket within this many days; later it opens a new one.": (
            "Ответ клиента в течение стольких дней открывает закрытую заявку снова; позже — создаёт новую."
        ),
        "Auto-close after, hours": "Автозакрытие через, часов",
        "A resolved ticket closes itself after this many hours.": (
            "Решённая заявка закрывается сама через столько часов."
        ),
        "Branding": "Оформление",
        "Name of the desk": "Название службы",
        "Shown in the top bar and the window title.": "Показывается в верхней панели и в заголовке окна.",
        "Colour of the top bar": "Цвет верхней панели",
        "A colour too light for white text is darkened to stay readable.": (
            "Слишком светлый для белого текста цвет затемняется, чтобы текст оставался читаемым."
        ),
        "Logo": "Логотип",
        "The current logo": "Текущий логотип",
        "No logo.": "Логотипа нет.",
        "A {types} image of at most {kb} KB; shown beside the name.": (
            "Изображение {types} не больше {kb} КБ; показывается рядом с названием."
        ),
        "Remove the logo": "Убрать логотип",
        "The logo may be at most {kb} KB.": "Логотип может быть не больше {kb} КБ.",
        "The logo must be a PNG, JPEG or WebP image.": "Логотип должен быть изображением PNG, JPEG или WebP.",
        "Save the settings": "Сохранить настройки",
        # tokens
        "API tokens are for machines and integrations: each acts as a system, or for an employee or a contact.": (
            "API-токены — для программ и интеграций: токен действует как система либо от имени сотрудника или контакта."
        ),
        "Role": "Роль",
        "Acts for": "От имени",
        "Created": "Создан",
        "Last used": "Последнее использование",
        "State": "Состояние",
        "never": "никогда",
        "active": "действует",
        "revoked {at}": "отозван {at}",
        "does not work: the person is deactivated": "не действует: человек отключён",
        "does not work: the person is unknown": "не действует: человек неизвестен",
        "Revoke": "Отозвать",
        "Revoke the token {name}? Programs using it stop working at once.": (
            "Отозвать токен «{name}»? Программы, которые им пользуются, сразу перестанут работать."
        ),
        "No tokens yet.": "Токенов пока нет.",
        "Create a token": "Создать токен",
        "the system itself (a machine)": "сама система (программа)",
        "Employee or contact": "Сотрудник или контакт",
        "(nobody: a system token)": "(никто: системный токен)",
        "Employees": "Сотрудники",
        "Contacts": "Контакты",
        "…or their id": "…или его идентификатор",
        "For someone not in the list above.": "Для того, кого нет в списке выше.",
        "The token {name} is created. Copy it now: it is shown only this once.": (
            "Токен «{name}» создан. Скопируйте его сейчас: он показывается только один раз."
        ),
        "The new token": "Новый токен",
        "Copy": "Копировать",
        "Copied.": "Скопировано.",
        "This token is already revoked or does not exist.": "Этот токен уже отозван или не существует.",
        "system": "система",
        "contact": "контакт",
        "machine": "программа",
        # API reference
        "Every operation of the API behind the gateway. Authenticate with an API token.": (
            "Все операции API за шлюзом. Аутентификация — API-токеном."
        ),
        "The document itself (JSON)": "Сам документ (JSON)",
        "Find an operation": "Найти операцию",
        "Method, path, words of its summary": "Метод, путь, слова из описания",
        "{n} operations": "Операций: {n}",
        "Nothing matches.": "Ничего не найдено.",
        "Who may call it": "Кто может вызывать",
        "Parameters": "Параметры",
        "In": "Где",
        "Type": "Тип",
        "Description": "Описание",
        "Limits": "Ограничения",
        "Request body": "Тело запроса",
        "Field": "Поле",
        "Answers": "Ответы",
        "Code": "Код",
        "Schemas": "Схемы",
        "Loading…": "Загрузка…",
        "No fields.": "Полей нет.",
        "No such operation.": "Такой операции нет.",
        "No such schema.": "Такой схемы нет.",
        "required": "обязательный",
        "Contents": "Содержание",
    }
)
