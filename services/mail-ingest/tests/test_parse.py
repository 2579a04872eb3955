"""parse_message over hand-written fixtures in tests/mails/ (one per real-world shape)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from relay_mail_ingest.domain.message import ParsedMessage
from relay_mail_ingest.domain.parse import MAX_DEPTH, parse_message

MAILS = Path(__file__).resolve().parent / "mails"

PRINTER_RU = (
    "\u041f\u0440\u043e\u0431\u043b\u0435\u043c\u0430 \u0441 \u043f\u0440\u0438\u043d\u0442\u0435\u0440\u043e\u043c"
)
HELLO_RU = "\u0417\u0434\u0440\u0430\u0432\u0441\u0442\u0432\u0443\u0439\u0442\u0435"


def load(name: str, **kwargs: int) -> ParsedMessage:
    return parse_message((MAILS / name).read_bytes(), **kwargs)


def names(msg: ParsedMessage) -> list[str]:
    return [a.filename for a in msg.attachments]


def test_gmail_alternative_prefers_plain_and_keeps_threading_headers() -> None:
    msg = load("gmail_alternative.eml")
    assert msg.sender is not None
    assert msg.sender.address == "Anna.Schmidt@gmail.com"  # local part kept, domain lower-cased
    assert msg.sender.name == "Anna Schmidt"
    assert msg.subject == "Re: Printer on floor 3 is offline"
    assert msg.message_id == "<CAF=x1y2z3@mail.gmail.com>"
    assert msg.in_reply_to == "<ticket-1042.abc@relay.example>"
    assert msg.references == ("<orig-1@relay.example>", "<ticket-1042.abc@relay.example>")
    assert [a.address for a in msg.to] == ["support@relay.example", "john.doe@relay.example"]
    assert msg.to[1].name == "Doe, John"
    assert [a.address for a in msg.cc] == ["boss@relay.example"]
    assert msg.date == datetime(2023, 3, 14, 10, 15, 42, tzinfo=timezone(timedelta(hours=1)))
    assert "paper jam error \u2013 I checked twice" in msg.text
    assert "<div" not in msg.text
    assert msg.html is not None and "paper jam" in msg.html
    assert msg.attachments == ()
    assert msg.flags == frozenset()
    assert msg.header("x-missing") is None
    assert msg.header("SUBJECT") == msg.subject


def test_outlook_html_with_cid_image_keeps_inline_image_and_sanitises() -> None:
    msg = load("outlook_cid_image.eml")
    assert msg.sender is not None and msg.sender.address == "P.Miller@contoso.com"
    assert msg.sender.name == "Miller, Peter"
    assert msg.subject == "VPN client error screenshot"
    assert "VPN client shows the error below" in msg.text
    assert len(msg.attachments) == 1
    image = msg.attachments[0]
    assert (image.filename, image.content_type, image.inline) == ("image001.png", "image/png", True)
    assert image.content_id == "image001.png@01D95712.3A4B5C60"
    assert image.content.startswith(b"\x89PNG")
    assert msg.html is not None
    assert 'src="cid:image001.png@01D95712.3A4B5C60"' in msg.html
    assert "<script" not in msg.html and "alert" not in msg.html and "onerror" not in msg.html
    assert "MsoNormal{" not in msg.html
    assert msg.flags == frozenset()


def test_apple_mail_mixed_joins_text_parts_around_attachment() -> None:
    msg = load("apple_mail.eml")
    assert msg.sender is not None and msg.sender.address == "jane@icloud.com"
    assert msg.subject == "Invoice question"
    assert "The amount looks wrong." in msg.text
    assert "Best regards,\nJane" in msg.text
    assert names(msg) == ["invoice-2023-03.pdf"]
    assert msg.attachments[0].content_type == "application/pdf"
    assert msg.attachments[0].content.startswith(b"%PDF")
    assert msg.date is not None and msg.date.utcoffset() == timedelta(hours=-7)
    assert msg.flags == frozenset()


def test_thunderbird_format_flowed_is_unwrapped_and_log_attached() -> None:
    msg = load("thunderbird_flowed.eml")
    assert msg.sender is not None and msg.sender.address == "tom@mozilla-user.org"
    assert msg.subject == "Backup job failed again"
    assert "timeout after three hours. The log is attached." in msg.text
    assert "-- \nTom" in msg.text  # the signature separator is not a flowed line
    assert names(msg) == ["backup.log"]
    assert msg.attachments[0].content_type == "text/x-log"
    assert msg.flags == frozenset()


def test_koi8r_with_declaration() -> None:
    msg = load("koi8r_declared.eml")
    assert msg.sender is not None and msg.sender.address == "ivan@mail.ru"
    assert msg.sender.name == "\u0418\u0432\u0430\u043d \u041f\u0435\u0442\u0440\u043e\u0432"
    assert msg.subject == "\u041d\u0435 \u0440\u0430\u0431\u043e\u0442\u0430\u0435\u0442 \u0432\u0445\u043e\u0434"
    assert msg.text.startswith(HELLO_RU)
    assert msg.attachments == ()
    assert msg.flags == frozenset()


def test_koi8r_without_declaration_is_detected() -> None:
    msg = load("koi8r_undeclared.eml")
    assert msg.sender is not None and msg.sender.address == "ivan@mail.ru"
    assert msg.subject == "login problem"
    assert msg.text.startswith(HELLO_RU)
    assert msg.attachments == ()
    assert msg.flags == {"charset_guessed"}


def test_windows_1251_base64_with_declaration() -> None:
    msg = load("cp1251_declared.eml")
    assert msg.sender is not None and msg.sender.address == "olga@yandex.ru"
    assert msg.subject == "\u0417\u0430\u044f\u0432\u043a\u0430"
    assert msg.text.startswith(HELLO_RU)
    assert msg.attachments == ()
    assert msg.flags == frozenset()


def test_windows_1251_without_any_mime_headers_is_detected() -> None:
    msg = load("cp1251_undeclared.eml")
    assert msg.sender is not None and msg.sender.address == "olga@yandex.ru"
    assert msg.subject == "help"
    assert msg.text.startswith(HELLO_RU)
    assert "\ufffd" not in msg.text
    assert msg.attachments == ()
    assert msg.flags == {"charset_guessed"}


def test_iso_2022_jp_japanese() -> None:
    msg = load("iso2022jp.eml")
    assert msg.sender is not None and msg.sender.address == "yamada@example.co.jp"
    assert msg.sender.name == "\u5c71\u7530\u592a\u90ce"
    assert msg.subject == "\u8acb\u6c42\u66f8\u306b\u3064\u3044\u3066"
    assert "\u8acb\u6c42\u66f8\u306e\u4ef6" in msg.text
    assert msg.attachments == ()
    assert msg.flags == frozenset()


def test_charset_aliases_gb2312_and_ks_c_5601() -> None:
    msg = load("charset_aliases.eml")
    assert msg.sender is not None and msg.sender.address == "office@example.cn"
    assert msg.subject == "\u6253\u5370\u673a\u6545\u969c"
    assert "\u6253\u5370\u673a" in msg.text
    assert "\ud504\ub9b0\ud130" in msg.text  # the Korean part, joined after the Chinese one
    assert msg.attachments == ()
    assert msg.flags == frozenset()


def test_rfc2231_and_rfc2047_filenames_and_a_missing_one() -> None:
    msg = load("rfc2231_cyrillic_filename.eml")
    assert msg.sender is not None and msg.sender.address == "sergey@example.ru"
    assert msg.subject == "Report attached"
    assert msg.text == "See the attached report."
    assert names(msg) == [
        "\u041e\u0442\u0447\u0451\u0442 \u0437\u0430 \u043c\u0430\u0440\u0442.pdf",
        "\u0421\u0447\u0451\u0442.xlsx",
        "attachment-3.pdf",
    ]
    assert [a.content_type for a in msg.attachments] == [
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/pdf",
    ]
    assert msg.flags == frozenset()


def test_rfc2047_subject_split_inside_a_character() -> None:
    msg = load("rfc2047_split_subject.eml")
    assert msg.sender is not None and msg.sender.address == "juergen@example.de"
    assert msg.sender.name == "J\u00fcrgen M\u00fcller"
    assert msg.subject == "\u00dcberweisung f\u00fcr M\u00e4rz \u2013 R\u00fcckfrage"
    assert msg.text == "Bitte pr\u00fcfen."
    assert msg.attachments == ()
    assert msg.flags == frozenset()


def test_raw_8bit_headers_are_decoded_with_a_detected_charset() -> None:
    msg = load("raw_8bit_header.eml")
    assert msg.sender is not None and msg.sender.address == "petr@example.ru"
    assert msg.sender.name == "\u041f\u0451\u0442\u0440 \u0418\u0432\u0430\u043d\u043e\u0432"
    assert msg.subject == PRINTER_RU
    assert msg.text.startswith(HELLO_RU)
    assert msg.attachments == ()
    assert msg.flags == {"header_charset_guessed"}


def test_html_only_newsletter() -> None:
    msg = load("html_only_newsletter.eml")
    assert msg.sender is not None and msg.sender.address == "news@acme.example"
    assert msg.subject == "Our spring offers"
    assert "All garden tools are 20% off this week." in msg.text
    assert "<" not in msg.text.replace("(https", "")
    assert "tracking" not in msg.text and "color:red" not in msg.text
    assert msg.html is not None
    assert "<script" not in msg.html and "onclick" not in msg.html and "tracking" not in msg.html
    assert "Spring\n" not in msg.html.split("<h1>")[0]  # the <title> is not left as stray text
    assert 'href="https://acme.example/shop"' in msg.html
    assert msg.attachments == ()
    assert msg.flags == {"html_only"}


def test_stub_plain_alternative_uses_the_html() -> None:
    msg = load("stub_plain_alternative.eml")
    assert msg.sender is not None and msg.sender.address == "shop@store.example"
    assert msg.subject == "Your order has shipped"
    assert "Your order #5531 has shipped" in msg.text
    assert "HTML capable" not in msg.text
    assert msg.attachments == ()
    assert msg.flags == {"html_only"}


def test_forwarded_message_rfc822_is_attached_and_appended() -> None:
    msg = load("forwarded_rfc822.eml")
    assert msg.sender is not None and msg.sender.address == "bob@relay.example"
    assert msg.subject == "Fwd: Broken badge reader"
    assert msg.text.startswith("Please take care of this one.")
    assert "---------- Forwarded message ----------" in msg.text
    assert "From: Carol Client <carol@client.example>" in msg.text
    assert "Subject: Broken badge reader" in msg.text
    assert "Date: Mon, 27 Mar 2023 08:00:00 +0200" in msg.text
    assert "does not accept cards" in msg.text
    assert names(msg) == ["Broken badge reader.eml"]
    assert msg.attachments[0].content_type == "message/rfc822"
    assert b"Message-ID: <inner-1@client.example>" in msg.attachments[0].content
    assert msg.flags == frozenset()


def test_calendar_invite_is_an_attachment_not_the_body() -> None:
    msg = load("calendar_invite.eml")
    assert msg.sender is not None and msg.sender.address == "organizer@corp.example"
    assert msg.subject == "Invitation: Quarterly review"
    assert "quarterly review on 1 April" in msg.text
    assert "BEGIN:VCALENDAR" not in msg.text
    assert names(msg) == ["invite.ics"]
    assert msg.attachments[0].content_type == "text/calendar"
    assert b"SUMMARY:Quarterly review" in msg.attachments[0].content
    assert msg.flags == frozenset()


def test_smime_signed() -> None:
    msg = load("smime_signed.eml")
    assert msg.sender is not None and msg.sender.address == "secure@bank.example"
    assert msg.subject == "Signed statement"
    assert msg.text == "This statement is signed."
    assert names(msg) == ["smime.p7s"]
    assert msg.attachments[0].content_type == "application/pkcs7-signature"
    assert msg.flags == {"signed"}


def test_pgp_encrypted() -> None:
    msg = load("pgp_encrypted.eml")
    assert msg.sender is not None and msg.sender.address == "crypto@example.org"
    assert msg.subject == "Encrypted"
    assert msg.text == ""
    assert len(msg.attachments) == 2
    assert [a.content_type for a in msg.attachments] == ["application/pgp-encrypted", "application/octet-stream"]
    assert msg.flags == {"encrypted", "no_body"}


def test_bounce_multipart_report_keeps_report_parts_as_attachments() -> None:
    msg = load("bounce_report.eml")
    assert msg.sender is not None and msg.sender.address == "MAILER-DAEMON@mx.relay.example"
    assert msg.subject == "Undelivered Mail Returned to Sender"
    assert "550 5.1.1 User unknown" in msg.text
    assert "Forwarded message" not in msg.text
    assert names(msg) == ["delivery-status.txt", "[#1042] Your request.eml"]
    assert [a.content_type for a in msg.attachments] == ["message/delivery-status", "message/rfc822"]
    assert b"Status: 5.1.1" in msg.attachments[0].content
    assert msg.header("Auto-Submitted") == "auto-replied"
    assert msg.flags == frozenset()


def test_tnef_winmail_dat_is_unpacked() -> None:
    msg = load("winmail_tnef.eml")
    assert msg.sender is not None and msg.sender.address == "user@exchange.example"
    assert msg.subject == "Meeting agenda"
    assert msg.text == "Please see the attached agenda."
    assert names(msg) == ["agenda.txt"]
    assert msg.attachments[0].content == b"1. Budget\n2. Hiring\n"
    assert msg.attachments[0].content_type == "text/plain"
    assert msg.flags == frozenset()


def test_unreadable_winmail_dat_is_kept_as_is() -> None:
    msg = load("winmail_broken.eml")
    assert msg.sender is not None and msg.sender.address == "user@exchange.example"
    assert msg.subject == "Outlook rich text"
    assert msg.text == "See attached."
    assert names(msg) == ["winmail.dat"]
    assert msg.attachments[0].content_type == "application/ms-tnef"
    assert msg.flags == frozenset()


def test_missing_boundary_is_recovered_from_the_body() -> None:
    msg = load("missing_boundary.eml")
    assert msg.sender is not None and msg.sender.address == "broken@example.com"
    assert msg.subject == "Missing boundary parameter"
    assert "parts are here" in msg.text
    assert "--XYZ123" not in msg.text
    assert names(msg) == ["scan.pdf"]
    assert msg.attachments[0].content == b"%PDF-1.4\n"
    assert msg.flags == {"malformed"}
    assert "NoBoundaryInMultipartDefect" in msg.defects


def test_no_content_type_is_plain_text() -> None:
    msg = load("no_content_type.eml")
    assert msg.sender is not None and msg.sender.address == "old-client@example.net"
    assert msg.subject == "No content type at all"
    assert msg.text == "Plain old message without any MIME headers."
    assert msg.html is None
    assert msg.attachments == ()
    assert msg.flags == frozenset()


def test_truncated_base64_keeps_what_was_there() -> None:
    msg = load("truncated_base64.eml")
    assert msg.sender is not None and msg.sender.address == "cut@example.com"
    assert msg.subject == "Truncated attachment"
    assert msg.text == "The attachment got cut in transit."
    assert names(msg) == ["photo.png"]
    assert msg.attachments[0].content.startswith(b"\x89PNG")
    assert "malformed" in msg.flags
    assert "CloseBoundaryNotFoundDefect" in msg.defects


def test_wrong_charset_declaration_utf8_labelled_latin1() -> None:
    msg = load("wrong_charset.eml")
    assert msg.sender is not None and msg.sender.address == "wrong@example.fr"
    assert msg.subject == "Accents"
    assert msg.text == "Le caf\u00e9 est ferm\u00e9, d\u00e9j\u00e0 r\u00e9par\u00e9 ?"
    assert msg.attachments == ()
    assert msg.flags == {"charset_guessed"}


def test_unknown_charset_name() -> None:
    msg = load("unknown_charset.eml")
    assert msg.sender is not None and msg.sender.address == "odd@example.org"
    assert msg.subject == "Hello there"
    assert msg.text == "Gr\u00fc\u00dfe aus K\u00f6ln, die Stra\u00dfe ist gesperrt."
    assert msg.attachments == ()
    assert msg.flags == {"charset_guessed"}


def test_broken_encoded_words_and_bad_date() -> None:
    msg = load("broken_encoded_words.eml")
    assert msg.sender is not None and msg.sender.address == "broken@example.com"
    assert msg.sender.name == "Br\u00f6ken"
    assert msg.subject.startswith("Caf\u00e9 menu and ")  # adjacent words without a space
    assert msg.subject.endswith("=?utf-8?Q?unterminated")  # left as written, not dropped
    assert msg.date is None
    assert msg.text == "Body."
    assert msg.attachments == ()
    assert "unparsable" not in msg.flags


def test_deep_nesting_is_cut_at_the_depth_limit() -> None:
    msg = load("deep_nesting.eml")
    assert MAX_DEPTH < 40
    assert msg.sender is not None and msg.sender.address == "nest@example.com"
    assert msg.subject == "Deep"
    assert msg.attachments == ()
    assert {"malformed", "no_body"} <= msg.flags
    assert "TooDeep" in msg.defects


def test_empty_message_is_unparsable() -> None:
    msg = load("empty.eml")
    assert msg.sender is None
    assert msg.subject == "" and msg.text == "" and msg.html is None
    assert msg.attachments == () and msg.headers == ()
    assert msg.flags == {"unparsable"}


def test_binary_junk_is_unparsable() -> None:
    msg = load("binary_junk.eml")
    assert msg.sender is None
    assert msg.subject == ""
    assert msg.text == ""
    assert msg.attachments == ()
    assert msg.flags == {"unparsable"}


def test_part_over_the_size_limit_is_cut() -> None:
    msg = load("apple_mail.eml", max_part_bytes=10)
    assert msg.sender is not None and msg.sender.address == "jane@icloud.com"
    assert msg.subject == "Invoice question"
    assert names(msg) == ["invoice-2023-03.pdf"]
    assert len(msg.attachments[0].content) == 10
    assert len(msg.text) <= 30
    assert msg.flags == {"truncated"}


def test_huge_header_is_cut_and_message_still_read() -> None:
    raw = b"From: a@b.example\r\nSubject: " + b"x" * 300_000 + b"\r\nX-Note: ok\r\n\r\nBody\r\n"
    msg = parse_message(raw)
    assert msg.sender is not None and msg.sender.address == "a@b.example"
    assert 0 < len(msg.subject) <= 64 * 1024
    assert msg.header("X-Note") == "ok"
    assert msg.text == "Body"
    assert msg.attachments == ()
    assert msg.flags == {"truncated"}


def test_too_many_parts_is_malformed() -> None:
    parts = "".join(f"--p\r\nContent-Type: text/plain\r\n\r\npart {i}\r\n" for i in range(600))
    raw = f'From: a@b.example\r\nSubject: many\r\nContent-Type: multipart/mixed; boundary="p"\r\n\r\n{parts}--p--\r\n'
    msg = parse_message(raw.encode())
    assert msg.sender is not None and msg.subject == "many"
    assert "part 0" in msg.text
    assert "part 599" not in msg.text
    assert msg.attachments == ()
    assert "malformed" in msg.flags and "TooManyParts" in msg.defects


def test_no_from_header_is_flagged() -> None:
    msg = parse_message(b"To: support@relay.example\r\nSubject: anon\r\nDate: Mon, 3 Apr 2023 10:00:00\r\n\r\nHi\r\n")
    assert msg.sender is None
    assert msg.subject == "anon"
    assert msg.text == "Hi"
    assert msg.attachments == ()
    assert msg.date == datetime(2023, 4, 3, 10, 0, tzinfo=UTC)  # no zone given: taken as UTC
    assert msg.flags == {"no_sender"}


@pytest.mark.parametrize("value", [None, "not bytes", 123])
def test_non_bytes_input_never_raises(value: object) -> None:
    msg = parse_message(value)  # type: ignore[arg-type]
    assert msg.flags == {"unparsable"}
