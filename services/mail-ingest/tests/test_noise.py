from email.message import EmailMessage

import pytest

from relay_mail_ingest.domain.noise import classify


def _mail(subject: str = "Printer broken", sender: str = "ann@customer.example", **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "support@relay.example"
    msg["Subject"] = subject
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content("Hello, the printer is broken.")
    return msg


def test_ordinary_mail_is_a_persons() -> None:
    assert classify(_mail()).kind is None


def test_x_loop_naming_us() -> None:
    assert classify(_mail(X_Loop="relay")).kind == "loop"
    assert classify(_mail(X_Loop="someone-else")).kind is None


def test_auto_submitted() -> None:
    assert classify(_mail(Auto_Submitted="auto-replied")).kind == "auto_reply"
    assert classify(_mail(Auto_Submitted="no")).kind is None


def test_auto_response_suppress_alone_is_a_person() -> None:
    assert classify(_mail(X_Auto_Response_Suppress="All")).kind is None


def test_x_autoreply_and_precedence_auto_reply() -> None:
    assert classify(_mail(X_Autoreply="yes")).kind == "auto_reply"
    assert classify(_mail(Precedence="auto_reply")).kind == "auto_reply"


@pytest.mark.parametrize("value", ["bulk", "junk", "list"])
def test_precedence_bulk(value: str) -> None:
    assert classify(_mail(Precedence=value)).kind == "bulk"


def test_list_headers() -> None:
    assert classify(_mail(List_Id="<news.shop.example>")).kind == "bulk"
    assert classify(_mail(List_Unsubscribe="<mailto:u@shop.example>")).kind == "bulk"


@pytest.mark.parametrize(
    "subject",
    ["Out of Office: Printer", "Automatic reply: Printer", "Автоответ: Принтер", "Abwesenheitsnotiz: Drucker",
     "Réponse automatique : Imprimante", "Respuesta automática: Impresora"],
)  # fmt: skip
def test_vacation_subjects(subject: str) -> None:
    assert classify(_mail(subject)).kind == "auto_reply"


def test_mailer_daemon_bounce_with_failed_recipient() -> None:
    msg = _mail("Undelivered Mail Returned to Sender", "MAILER-DAEMON@mx.example", Return_Path="<>")
    msg.set_content("<gone@customer.example>: host said: 550 no such user")
    verdict = classify(msg)
    assert verdict.kind == "bounce"
    assert "gone@customer.example" in verdict.failed


def test_delivery_status_report() -> None:
    msg = EmailMessage()
    msg["From"] = "postmaster@mx.example"
    msg["Subject"] = "Delivery Status Notification (Failure)"
    msg.set_content("failed")
    report = EmailMessage()
    report.set_content(
        "Reporting-MTA: dns; mx.example\n\nFinal-Recipient: rfc822; lost@customer.example\nAction: failed\n"
    )
    msg.make_mixed()
    msg.attach(report)
    verdict = classify(msg)
    assert verdict.kind == "bounce"
