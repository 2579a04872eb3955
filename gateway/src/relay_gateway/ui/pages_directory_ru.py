"""Russian texts of the directory pages (the English text is the key)."""

from __future__ import annotations

from relay_gateway.ui import i18n

i18n.add(
    ru={
        # lists and navigation
        "Directory lists": "Разделы справочников",
        "Companies": "Компании",
        "Contacts": "Контакты",
        "Service objects": "Объекты обслуживания",
        "Employees": "Сотрудники",
        "Groups": "Группы",
        "New company": "Новая компания",
        "New contact": "Новый контакт",
        "New service object": "Новый объект обслуживания",
        "New group": "Новая группа",
        "Invite an employee": "Пригласить сотрудника",
        "Search by name": "Поиск по названию",
        "Search by name or email": "Поиск по имени или адресу",
        "Search": "Найти",
        "Show": "Показать",
        "Active": "Активные",
        "Inactive": "Неактивные",
        "All": "Все",
        "Any role": "Любая роль",
        "Of the company": "Компании",
        "show all": "показать все",
        "Nothing found.": "Ничего не найдено.",
        "Pages": "Страницы",
        "First page": "Первая страница",
        "Next page": "Следующая страница",
        "Name": "Название",
        "Full name": "Имя",
        "Email": "Эл. почта",
        "Emails": "Адреса эл. почты",
        "Phone": "Телефон",
        "Phones": "Телефоны",
        "Domains": "Домены",
        "Category": "Категория",
        "Company": "Компания",
        "Address": "Адрес",
        "Role": "Роль",
        "Members": "Участники",
        "Status": "Состояние",
        "active": "действует",
        "inactive": "не действует",
        "private person": "частное лицо",
        "(not visible to you)": "(недоступно вам)",
        # cards
        "Edit": "Изменить",
        "Deactivate": "Деактивировать",
        "Activate": "Активировать",
        "Deactivate “{name}”?": "Деактивировать «{name}»?",
        "Activate “{name}” again?": "Снова активировать «{name}»?",
        "They are signed out at once and cannot sign in.": "Его сеансы сразу завершатся, войти он не сможет.",
        "History": "История",
        "Created": "Дата создания",
        "Changed": "Дата изменения",
        "version": "версия",
        "Manager": "Менеджер",
        "Observers": "Наблюдатели",
        "group": "группа",
        "Copy to": "Копия на адрес",
        "Portal access": "Доступ в портале",
        "Supervised companies": "Курируемые компании",
        "All contacts of the company": "Все контакты компании",
        "All service objects of the company": "Все объекты обслуживания компании",
        "No contacts.": "Контактов нет.",
        "No service objects.": "Объектов обслуживания нет.",
        "Tickets": "Заявки",
        "No tickets.": "Заявок нет.",
        "The ticket list is not available here.": "Список заявок здесь недоступен.",
        "Number": "Номер",
        "Subject": "Тема",
        "Priority": "Приоритет",
        "Updated": "Обновлена",
        "Signing in": "Вход в систему",
        "has a password": "пароль задан",
        "no password yet": "пароля пока нет",
        "invited {at}": "приглашён {at}",
        "Send the invitation": "Отправить приглашение",
        "Send the invitation again": "Отправить приглашение ещё раз",
        "Send a password reset link": "Отправить ссылку для сброса пароля",
        "Notified employees": "Оповещаемые сотрудники",
        "Notified addresses": "Оповещаемые адреса",
        "Their own tickets": "Свои заявки",
        "Their company's tickets": "Заявки своей компании",
        "The tickets of their service objects": "Заявки своих объектов обслуживания",
        "The tickets of the companies they supervise": "Заявки курируемых компаний",
        # history
        "Changes, oldest first": "Изменения, сначала старые",
        "When": "Когда",
        "Who": "Кто",
        "Field": "Поле",
        "Was": "Было",
        "Became": "Стало",
        "No changes recorded.": "Изменений не записано.",
        "Later changes": "Более поздние изменения",
        "yes": "да",
        "no": "нет",
        # forms
        "Create": "Создать",
        "Invite": "Пригласить",
        "Save": "Сохранить",
        "Cancel": "Отмена",
        "Some fields need attention; see the messages next to them.": (
            "Некоторые поля заполнены неверно; см. сообщения рядом с ними."
        ),
        "Line {n}: ": "Строка {n}: ",
        "Refused: {detail}": "Отказано: {detail}",
        "One a line.": "По одному в строке.",
        "One a line; the first is the main address.": "По одному в строке; первый адрес — основной.",
        "One a line. Mail from unknown senders at these domains belongs to this company.": (
            "По одному в строке. Письма незнакомых отправителей с этих доменов относятся к этой компании."
        ),
        "— none —": "— нет —",
        "— nobody —": "— никто —",
        "— choose —": "— выберите —",
        "— a private person —": "— частное лицо —",
        "Observers (copied onto new tickets)": "Наблюдатели (копируются в новые заявки)",
        "Find a company by name": "Найти компанию по названию",
        "Find by name…": "Поиск по названию…",
        "Nothing to choose from.": "Выбирать не из чего.",
        "Whose tickets the contact sees in the portal.": "Чьи заявки контакт видит в портале.",
        "Supervised companies (with portal access “supervised”)": "Курируемые компании (при доступе «курируемые»)",
        "An address that gets a copy of the replies.": "Адрес, на который приходит копия ответов.",
        "The invitation to set a password is mailed to this address; the employee signs in with it.": (
            "На этот адрес придёт приглашение задать пароль; с ним сотрудник входит в систему."
        ),
        "Employees notified of the group's tickets": "Сотрудники, оповещаемые о заявках группы",
        "Addresses notified of the group's tickets": "Адреса, оповещаемые о заявках группы",
        "Only an administrator adds or changes employees and groups.": (
            "Добавлять и изменять сотрудников и группы может только администратор."
        ),
        "Someone changed this entry meanwhile; here it is as it is now. Try again if you still mean it.": (
            "Кто-то уже изменил эту запись; вот она в текущем виде. Повторите, если всё ещё нужно."
        ),
        "Someone changed this entry while you were editing it. Your changes are kept below over "
        "the entry as it is now; check them and save again to apply them.": (
            "Кто-то изменил эту запись, пока вы её редактировали. Ваши изменения сохранены ниже поверх "
            "текущего состояния записи; проверьте их и сохраните ещё раз."
        ),
        # notices
        "The entry is created.": "Запись создана.",
        "The entry is created. You will see it once one of your tickets points at it.": (
            "Запись создана. Она станет видна вам, когда на неё сошлётся одна из ваших заявок."
        ),
        "The changes are saved.": "Изменения сохранены.",
        "Nothing was changed.": "Ничего не изменилось.",
        "The entry is deactivated.": "Запись деактивирована.",
        "The entry is activated again.": "Запись снова активна.",
        "The invitation is sent to {email}.": "Приглашение отправлено на {email}.",
        "The employee is created; the invitation could not be sent yet. Send it with the button below in a moment.": (
            "Сотрудник создан, но приглашение пока не отправлено. Отправьте его кнопкой ниже через минуту."
        ),
        "A link to set a new password is sent to {email}.": "Ссылка для нового пароля отправлена на {email}.",
        "The gateway does not know this employee yet; try again in a moment.": (
            "Шлюз ещё не знает этого сотрудника; попробуйте чуть позже."
        ),
        "The employee is deactivated; activate them first.": "Сотрудник деактивирован; сначала активируйте его.",
    }
)
