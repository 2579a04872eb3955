"""Interface text in English and Russian. The English text is the key: a page says
`{{ _("Sign in") }}` and a Russian reader sees «Войти». A text missing from a
catalogue shows in English, never as a key.

Each page module may add its own texts with `add(ru={...})` next to the page, so a
page and its translations stay together.
"""

from __future__ import annotations

from flask import request

LANGUAGES = ("en", "ru")
LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}

_CATALOGUES: dict[str, dict[str, str]] = {"ru": {}}


def add(ru: dict[str, str]) -> None:
    _CATALOGUES["ru"].update(ru)


def translate(language: str, text: str, **values: object) -> str:
    found = _CATALOGUES.get(language, {}).get(text, text)
    return found.format(**values) if values else found


def translator(language: str):
    """`translate` bound to one language: what a page's templates call, thousands of
    times on a long list, so the catalogue is looked up once."""
    catalogue = _CATALOGUES.get(language, {})

    def t(text: str, **values: object) -> str:
        found = catalogue.get(text, text)
        return found.format(**values) if values else found

    return t


def from_browser() -> str:
    best = request.accept_languages.best_match(LANGUAGES)
    return best or "en"


add(
    ru={
        "Sign in": "Войти",
        "Sign out": "Выйти",
        "Email": "Эл. почта",
        "Password": "Пароль",
        "Forgot your password?": "Забыли пароль?",
        "Tickets": "Заявки",
        "Directory": "Справочники",
        "Settings": "Настройки",
        "API tokens": "API-токены",
        "API reference": "Справка по API",
        "My account": "Моя учётная запись",
        "Language": "Язык",
        "Save": "Сохранить",
        "Cancel": "Отмена",
        "Change password": "Сменить пароль",
        "Current password": "Текущий пароль",
        "New password": "Новый пароль",
        "Repeat the new password": "Повторите новый пароль",
        "The passwords differ.": "Пароли не совпадают.",
        "Your password is changed; other sessions are signed out.": "Пароль изменён; другие сеансы завершены.",
        "Reset password": "Сброс пароля",
        "Set a password": "Задать пароль",
        "Send the link": "Отправить ссылку",
        "If the address belongs to an account, a link to set a new password is on its way.": (
            "Если адрес принадлежит учётной записи, на него отправлена ссылка для нового пароля."
        ),
        "The email or the password is wrong.": "Неверный адрес или пароль.",
        "Your session has ended; sign in again.": "Сеанс завершён; войдите снова.",
        "You may not open this page.": "У вас нет доступа к этой странице.",
        "Not found": "Не найдено",
        "Something went wrong": "Что-то пошло не так",
        "is unavailable right now; what it shows is missing. Try again in a moment.": (
            "сейчас недоступен; его данные не показаны. Повторите попытку чуть позже."
        ),
        "Skip to content": "К содержимому",
        "Service desk": "Служба поддержки",
        "Signed in as": "Вы вошли как",
        "Password is set; sign in.": "Пароль задан; войдите.",
        "The form has expired; try again.": "Форма устарела; попробуйте ещё раз.",
        "administrator": "администратор",
        "lead_specialist": "ведущий специалист",
        "specialist": "специалист",
    }
)
