"""Russian texts of the SLA settings pages (the English text is the key, see ui.i18n)."""

from __future__ import annotations

RU: dict[str, str] = {
    # weekdays
    "Monday": "Понедельник",
    "Tuesday": "Вторник",
    "Wednesday": "Среда",
    "Thursday": "Четверг",
    "Friday": "Пятница",
    "Saturday": "Суббота",
    "Sunday": "Воскресенье",
    "Mon": "Пн",
    "Tue": "Вт",
    "Wed": "Ср",
    "Thu": "Чт",
    "Fri": "Пт",
    "Sat": "Сб",
    "Sun": "Вс",
    # durations and short words
    "{h} h": "{h} ч",
    "{h} h {m} min": "{h} ч {m} мин",
    "{m} min": "{m} мин",
    "h": "ч",
    "min": "мин",
    "hours": "часы",
    "minutes": "минуты",
    "no target": "без срока",
    "24x7": "24x7",
    "day off": "выходной",
    "Day off": "Выходной",
    "no working hours": "нет рабочих часов",
    "none": "нет",
    "open around the clock": "круглосуточно",
    "every hour counts": "считается каждый час",
    "per weekday, below": "по дням недели, ниже",
    "every day": "каждый день",
    "default": "по умолчанию",
    "enabled": "включено",
    "disabled": "выключено",
    "line {n}: {line}": "строка {n}: {line}",
    # navigation and common
    "SLA calendars": "Календари SLA",
    "SLA rules": "Правила SLA",
    "Actions": "Действия",
    "Name": "Название",
    "Name (optional)": "Название (необязательно)",
    "Time zone": "Часовой пояс",
    "Working hours": "Рабочие часы",
    "Exception days": "Особые дни",
    "Used by rules": "Используется в правилах",
    "Edit": "Изменить",
    "Delete": "Удалить",
    "Remove": "Убрать",
    "Save": "Сохранить",
    "Cancel": "Отмена",
    "Date": "Дата",
    "Hours": "Часы",
    # calendars list
    "New calendar": "Новый календарь",
    "A calendar says when the desk works: SLA times count only its working hours.": (
        "Календарь задаёт, когда работает служба поддержки: сроки SLA считаются только в его рабочие часы."
    ),
    "There are no calendars yet.": "Календарей пока нет.",
    "Delete the calendar “{name}”?": "Удалить календарь «{name}»?",
    "The calendar is created.": "Календарь создан.",
    "The calendar is deleted.": "Календарь удалён.",
    "The working hours are saved.": "Рабочие часы сохранены.",
    # calendar editor
    "Working hours of “{name}”": "Рабочие часы: «{name}»",
    "An IANA name such as Europe/Moscow or Europe/Berlin.": "Название IANA, например Europe/Moscow или Europe/Berlin.",
    "Open 24x7 (every hour counts)": "Круглосуточно, 24x7 (считается каждый час)",
    "With 24x7 on, the weekday hours below are kept but not used.": (
        "В режиме 24x7 часы по дням недели сохраняются, но не используются."
    ),
    "Working hours per weekday": "Рабочие часы по дням недели",
    "Times as HH:MM, to the minute; 24:00 is the end of the day. Several intervals a day are allowed; "
    "a day without intervals is a day off.": (
        "Время в виде ЧЧ:ММ, с точностью до минуты; 24:00 — конец дня. В день можно задать несколько "
        "интервалов; день без интервалов — выходной."
    ),
    "{day}, interval {n}: from": "{day}, интервал {n}: с",
    "{day}, interval {n}: to": "{day}, интервал {n}: до",
    "{day}, interval {n}": "{day}, интервал {n}",
    "Add interval": "Добавить интервал",
    "Create the calendar": "Создать календарь",
    # calendar page
    "Edit name and hours": "Изменить название и часы",
    "Working week": "Рабочая неделя",
    "Times are local to {zone}; exception days below take the place of their weekday.": (
        "Время местное ({zone}); особые дни ниже заменяют свой день недели."
    ),
    "Holidays, shortened days and working weekend days: a listed day has its own hours instead of its weekday's.": (
        "Праздники, сокращённые дни и рабочие выходные: у дня из списка свои часы вместо часов его дня недели."
    ),
    "Coming exception days": "Предстоящие особые дни",
    "Past exception days": "Прошедшие особые дни",
    "No exception days ahead.": "Впереди особых дней нет.",
    "Past days ({n})": "Прошедшие дни ({n})",
    "Add an exception day": "Добавить особый день",
    "That day": "Этот день",
    "is a day off": "выходной",
    "has these working hours:": "рабочий, с такими часами:",
    "Working hours of that day": "Рабочие часы этого дня",
    "e.g. 10:00-15:00, or 09:00-13:00, 14:00-16:00": "например 10:00-15:00 или 09:00-13:00, 14:00-16:00",
    "Add the day": "Добавить день",
    "Choose the date.": "Выберите дату.",
    "Write the hours as 10:00-15:00, several separated by commas.": (
        "Укажите часы в виде 10:00-15:00, несколько — через запятую."
    ),
    "The exception day is saved.": "Особый день сохранён.",
    "The exception day is removed.": "Особый день удалён.",
    "Import public holidays": "Загрузить государственные праздники",
    "A country's public holidays of a year become days off; days already listed keep their hours.": (
        "Праздники страны за год станут выходными; дни, которые уже есть в списке, сохранят свои часы."
    ),
    "Country": "Страна",
    "ISO code, e.g. RU, DE, US": "Код ISO, например RU, DE, US",
    "Year": "Год",
    "Region (optional)": "Регион (необязательно)",
    "e.g. BY for Bavaria": "например BY — Бавария",
    "Import": "Загрузить",
    "Give the year as a number, e.g. {year}.": "Укажите год числом, например {year}.",
    "The public holidays are added as days off.": "Праздники добавлены как выходные.",
    "Paste a list or choose a file": "Вставить список или выбрать файл",
    "Days off, one a line": "Выходные дни, по одному в строке",
    "A date (YYYY-MM-DD or DD.MM.YYYY) and a name; a CSV with the date first, or an iCalendar (.ics) file, "
    "works too.": (
        "Дата (ГГГГ-ММ-ДД или ДД.ММ.ГГГГ) и название; подойдёт и CSV с датой в первом столбце, и файл iCalendar (.ics)."
    ),
    "File (.ics, .csv or .txt)": "Файл (.ics, .csv или .txt)",
    "Add as days off": "Добавить как выходные",
    "These lines are not dates: {lines}": "Эти строки не распознаны как даты: {lines}",
    "Paste at least one date, or choose a file.": "Вставьте хотя бы одну дату или выберите файл.",
    "At most {n} days at once.": "Не больше {n} дней за раз.",
    "The listed days are added as days off.": "Дни из списка добавлены как выходные.",
    "Try it": "Проверить",
    "When does a time of N working hours, started at a moment, run out on this calendar?": (
        "Когда истечёт срок в N рабочих часов, начатый в заданный момент, по этому календарю?"
    ),
    "Start ({zone})": "Начало ({zone})",
    "Working hours to add": "Рабочих часов",
    "Compute the deadline": "Рассчитать срок",
    "Deadline:": "Срок:",
    "Choose the date and time to count from.": "Выберите дату и время начала отсчёта.",
    "Give the working hours as a number, e.g. 8 or 1.5.": "Укажите рабочие часы числом, например 8 или 1,5.",
    "Delete the calendar": "Удалить календарь",
    "Rules use this calendar; change them first.": "Календарь используется в правилах; сначала измените их.",
    # rules list
    "New rule": "Новое правило",
    "Rules are tried from the top: the first enabled rule whose conditions all hold gives a ticket its "
    "calendar and times. The default rule closes the list.": (
        "Правила проверяются сверху вниз: первое включённое правило, все условия которого выполнены, задаёт "
        "заявке календарь и сроки. Список замыкает правило по умолчанию."
    ),
    "Every ticket no rule above takes.": "Все заявки, которые не подошли под правила выше.",
    "Every ticket (no conditions).": "Все заявки (условий нет).",
    "When": "Когда",
    "Calendar": "Календарь",
    "reaction": "реакция",
    "resolution": "решение",
    "warning at": "предупреждение при",
    "Move up": "Выше",
    "Move down": "Ниже",
    "Disable": "Выключить",
    "Enable": "Включить",
    "Delete the rule “{name}”?": "Удалить правило «{name}»?",
    "Type: {v}": "Тип: {v}",
    "Priority: {v}": "Приоритет: {v}",
    "Client category: {v}": "Категория клиента: {v}",
    "Company: {v}": "Компания: {v}",
    "Registered inside the working hours of {c}": "Зарегистрирована в рабочие часы календаря «{c}»",
    "Registered outside the working hours of {c}": "Зарегистрирована вне рабочих часов календаря «{c}»",
    "Registered {days}, {f}–{t} ({zone})": "Зарегистрирована: {days}, {f}–{t} ({zone})",
    "“{name}” is now number {n}.": "«{name}» теперь на месте {n}.",
    "“{name}” is enabled.": "«{name}» включено.",
    "“{name}” is disabled.": "«{name}» выключено.",
    "Only a rule other than the default moves up or down.": "Правило по умолчанию не перемещается.",
    "The rule is created.": "Правило создано.",
    "The rule is saved.": "Правило сохранено.",
    "The rule is deleted.": "Правило удалено.",
    # rule form
    "New SLA rule": "Новое правило SLA",
    "Rule “{name}”": "Правило «{name}»",
    "The tickets service does not answer: types, priorities and companies show as their keys.": (
        "Сервис заявок не отвечает: типы, приоритеты и компании показаны своими ключами."
    ),
    "The default rule applies to every ticket no other rule takes: it has no conditions and is always on.": (
        "Правило по умолчанию применяется ко всем заявкам, которые не взяло другое правило: у него нет условий, "
        "и оно всегда включено."
    ),
    "Enabled": "Включено",
    "Conditions": "Условия",
    "All the conditions given must hold; a group left empty matches every ticket.": (
        "Должны выполняться все заданные условия; пустая группа подходит любой заявке."
    ),
    "Ticket type": "Тип заявки",
    "Priority": "Приоритет",
    "Client category": "Категория клиента",
    "Client (company)": "Клиент (компания)",
    "Only the companies shown; more are on the list than fit.": "Показаны не все компании: их больше, чем помещается.",
    "Find in the list": "Найти в списке",
    "Nothing to choose from.": "Выбрать не из чего.",
    "Registration time": "Время регистрации",
    "any time": "любое",
    "inside a calendar's working hours": "в рабочие часы календаря",
    "outside a calendar's working hours": "вне рабочих часов календаря",
    "within a weekly window": "в заданные дни и часы недели",
    "Calendar of the working hours": "Календарь рабочих часов",
    "Days (none: every day)": "Дни (не выбраны — каждый день)",
    "From": "С",
    "To": "До",
    "HH:MM, default 00:00": "ЧЧ:ММ, по умолчанию 00:00",
    "before From: the next day": "раньше «С» — следующего дня",
    "default UTC": "по умолчанию UTC",
    "Then": "Результат",
    "Calendar the times count in": "Календарь, по которому считаются сроки",
    "Reaction time": "Время реакции",
    "Resolution time": "Время решения",
    "working time; empty: no target": "рабочее время; пусто — без срока",
    "Warn at (percent of the time)": "Предупреждать при (процент срока)",
    "e.g. 75, or 50, 90; empty: no warning": "например 75 или 50, 90; пусто — без предупреждения",
    "Create the rule": "Создать правило",
    "Choose client categories from the list.": "Выберите категории клиентов из списка.",
    "Choose the calendar the times count in.": "Выберите календарь, по которому считаются сроки.",
    "Choose the calendar whose working hours are meant.": "Выберите календарь, рабочие часы которого имеются в виду.",
    "Give hours and minutes as numbers.": "Укажите часы и минуты числами.",
    "Give the shares as percentages, e.g. 75 or 50, 90.": "Укажите доли в процентах, например 75 или 50, 90.",
}
