from relay_mail_ingest.domain.reply import visible_reply


def test_relay_separator_english() -> None:
    text = "Thanks, fixed.\n\n##- Please type your reply above this line -##\n\nTicket #12 was updated"
    assert visible_reply(text) == "Thanks, fixed."


def test_relay_separator_russian() -> None:
    text = "Спасибо!\n##- \u041f\u043e\u0436\u0430\u043b\u0443\u0439\u0441\u0442\u0430, напишите ответ выше этой строки -##\nЗаявка"  # noqa: E501,RUF001
    assert visible_reply(text) == "Спасибо!"


def test_english_header_wrapped() -> None:
    text = "Yes.\n\nOn Tue, Sep 25, 2012 at 8:59 AM, Chris\n<c@example.com> wrote:\n\n> old"
    assert visible_reply(text) == "Yes."


def test_german_header() -> None:
    assert visible_reply("Danke.\n\nAm 01.02.2024 um 10:00 schrieb Max <m@x.de>:\n> alt") == "Danke."


def test_french_header() -> None:
    assert visible_reply("Merci.\n\nLe 1 févr. 2024 à 10:00, Jean <j@x.fr> a écrit :\n> ancien") == "Merci."


def test_spanish_header() -> None:
    assert visible_reply("Gracias.\n\nEl 1 feb 2024, a las 10:00, Ana <a@x.es> escribió:\n> viejo") == "Gracias."


def test_russian_header() -> None:
    assert visible_reply("Спасибо.\n\n1 февраля 2024 г., 10:00 Иван <i@x.ru> написал(а):\n> старое") == "Спасибо."  # noqa: RUF001


def test_outlook_original_message() -> None:
    assert visible_reply("Ok\n\n-----Original Message-----\nFrom: a@b.c\nSent: now\n\nold") == "Ok"


def test_outlook_block_with_underscores_in_german_and_russian() -> None:
    de = "Gut.\n________________________________\nVon: A <a@b.de>\nGesendet: Montag\nAn: B\nBetreff: X\n\nalt"
    ru = "Хорошо.\n\nОт: A <a@b.ru>\nОтправлено: 1 февраля\nКому: B\nТема: X\n\nстарое"  # noqa: RUF001
    fr = "Bien.\n\nDe : A\nEnvoyé : lundi\nÀ : B\nObjet : X\n\nvieux"
    assert visible_reply(de) == "Gut."
    assert visible_reply(ru) == "Хорошо."
    assert visible_reply(fr) == "Bien."


def test_forwarded_message_is_not_a_quote() -> None:
    text = "FYI\n\n---------- Forwarded message ---------\nFrom: A <a@b.c>\nDate: Mon\nSubject: X\nTo: B\n\nbody"
    assert "body" in visible_reply(text)


def test_signatures() -> None:
    assert visible_reply("Hi\n\n-- \nJohn\nACME") == "Hi"
    assert visible_reply("Hi\n\nSent from my iPhone") == "Hi"
    assert visible_reply("Hi\n\n\u041e\u0442\u043f\u0440\u0430\u0432\u043b\u0435\u043d\u043e с iPhone") == "Hi"  # noqa: RUF001
    assert visible_reply("Hi\n\nVon meinem iPhone gesendet") == "Hi"
    assert visible_reply("Hi\n\nEnvoyé de mon iPhone") == "Hi"
    assert visible_reply("Hi\n\nGet Outlook for iOS") == "Hi"


def test_trailing_quote_lines() -> None:
    assert visible_reply("New text\n\n> old\n> older") == "New text"


def test_everything_stripped_returns_original() -> None:
    assert visible_reply("> only a quote\n") == "> only a quote"


def test_html_gmail_quote() -> None:
    html = '<div>New</div><div class="gmail_quote">On Mon, A wrote:<blockquote>old</blockquote></div>'
    assert visible_reply("", html) == "New"
