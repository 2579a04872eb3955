"""The SMTP mail sink, driven by smtplib as a real client would, and read() on the
files it keeps (and on files nobody should have to parse)."""

from __future__ import annotations

import shutil
import smtplib
import ssl
import subprocess
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from relaykit import mail_sink
from relaykit.mail_sink import SmtpSink, messages, read

RECIPIENTS = mail_sink.RECIPIENTS_HEADER


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[SmtpSink]:
    with SmtpSink(tmp_path) as running:
        yield running


def client(sink: SmtpSink) -> smtplib.SMTP:
    return smtplib.SMTP(sink.host, sink.port, local_hostname="tests.local", timeout=10)


def only_message(data_dir: Path) -> Path:
    found = messages(data_dir)
    assert len(found) == 1, found
    return found[0]


def test_port_zero_binds_a_free_port_and_the_files_go_beside_deliver(sink, tmp_path):
    assert sink.port > 0
    assert sink.running
    assert sink.folder == tmp_path / mail_sink.FOLDER


def test_a_plain_message_is_kept_with_its_envelope(sink, tmp_path):
    msg = EmailMessage()
    msg["From"] = "Relay <relay@example.com>"
    msg["To"] = "Anna <anna@example.com>"
    msg["Subject"] = "Ticket #12 updated"
    msg["Date"] = "Mon, 01 Jan 2024 10:00:00 +0000"
    msg["Message-ID"] = "<abc@example.com>"
    msg.set_content("Hello Anna,\nyour ticket moved.\n")
    with client(sink) as smtp:
        refused = smtp.send_message(msg)
    assert refused == {}

    # 250 came after the file was written: it is there the moment sendmail returns.
    path = only_message(tmp_path)
    assert not list(sink.folder.glob(".*.tmp"))
    assert path.read_bytes().startswith(f"{RECIPIENTS}: anna@example.com\r\n".encode())
    summary = read(path)
    assert summary["file"] == path.name
    assert summary["message_id"] == "<abc@example.com>"
    assert summary["from"] == "Relay <relay@example.com>"
    assert summary["to"] == ["Anna <anna@example.com>"]
    assert summary["cc"] == []
    assert summary["recipients"] == ["anna@example.com"]
    assert summary["subject"] == "Ticket #12 updated"
    assert summary["date"] == "Mon, 01 Jan 2024 10:00:00 +0000"
    assert summary["text"] == "Hello Anna,\nyour ticket moved.\n"
    assert summary["html"] is None
    assert summary["attachments"] == []
    assert ("Subject", "Ticket #12 updated") in summary["headers"]
    assert summary["headers"][0] == (RECIPIENTS, "anna@example.com")
    assert sink.connections == 1


def test_multipart_with_html_and_an_attachment(sink, tmp_path):
    msg = EmailMessage()
    msg["From"] = "relay@example.com"
    msg["To"] = "anna@example.com"
    msg["Subject"] = "Report"
    msg.set_content("Plain version\n")
    html = '<p>HTML <b>version</b></p><script>alert("kept as sent")</script>\n'
    msg.add_alternative(html, subtype="html")
    msg.add_attachment(b"%PDF-1.4 not really", maintype="application", subtype="pdf", filename="report.pdf")
    msg.add_attachment("a,b\n1,2\n", subtype="csv", filename="data.csv")
    with client(sink) as smtp:
        smtp.send_message(msg)

    summary = read(only_message(tmp_path))
    assert summary["text"] == "Plain version\n"
    # Raw, not sanitised: sanitising is the viewer's job.
    assert summary["html"] == html.replace("\n", "\r\n")
    assert summary["attachments"] == ["report.pdf", "data.csv"]
    assert summary["defects"] == []


def test_eight_bit_utf8_subject_body_and_address_with_smtputf8(sink, tmp_path):
    subject = "Grüße aus Zürich, 世界 ✉"
    body = "Ça marche: naïve café, 日本語のテキスト.\n"
    to = "用户@例子.test"
    with client(sink) as smtp:
        smtp.ehlo()
        if not smtp.has_extn("smtputf8"):
            pytest.skip("the server does not offer SMTPUTF8")
        msg = EmailMessage(policy=policy.SMTPUTF8)
        msg["From"] = "Jörg <jörg@example.com>"
        msg["To"] = to
        msg["Subject"] = subject
        msg.set_content(body, cte="8bit")
        raw = msg.as_bytes()
        assert subject.encode() in raw  # really 8-bit, not RFC 2047 words
        smtp.sendmail("jörg@example.com", [to], raw, mail_options=["SMTPUTF8", "BODY=8BITMIME"])

    path = only_message(tmp_path)
    assert subject.encode() in path.read_bytes()
    summary = read(path)
    assert summary["subject"] == subject
    assert summary["from"] == "Jörg <jörg@example.com>"
    assert summary["to"] == [to]
    assert summary["recipients"] == [to]
    assert summary["text"] == body


def test_every_envelope_recipient_is_recorded_bcc_included(sink, tmp_path):
    raw = (
        b"From: relay@example.com\r\n"
        b"To: anna@example.com, Boris <boris@example.com>\r\n"
        b"Cc: carla@example.com\r\n"
        b"Subject: several\r\n"
        b"\r\n"
        b"hello all\r\n"
    )
    envelope = ["anna@example.com", "boris@example.com", "carla@example.com", "hidden@example.com"]
    with client(sink) as smtp:
        assert smtp.sendmail("relay@example.com", envelope, raw) == {}

    path = only_message(tmp_path)
    summary = read(path)
    assert summary["recipients"] == envelope
    assert summary["to"] == ["anna@example.com", "Boris <boris@example.com>"]
    assert summary["cc"] == ["carla@example.com"]
    assert "hidden@example.com" not in raw.decode()
    assert b"hidden@example.com" in path.read_bytes().split(b"\r\n\r\n")[0]


def test_the_reply_waits_for_the_file_to_be_synced(sink, tmp_path, monkeypatch):
    synced: list[int] = []
    real_fsync = mail_sink.os.fsync
    monkeypatch.setattr(mail_sink.os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd))[1])
    with client(sink) as smtp:
        smtp.sendmail("a@example.com", ["b@example.com"], b"Subject: x\r\n\r\nx\r\n")
        # The file and the folder both, before the 250 the client got.
        assert len(synced) == 2
        assert len(messages(tmp_path)) == 1


def test_a_message_that_cannot_be_stored_is_refused_temporarily(sink, tmp_path, monkeypatch):
    def broken(recipients, content):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sink, "_store", broken)
    with client(sink) as smtp, pytest.raises(smtplib.SMTPDataError) as refused:
        smtp.sendmail("a@example.com", ["b@example.com"], b"Subject: x\r\n\r\nx\r\n")
    assert refused.value.smtp_code == 451
    assert messages(tmp_path) == []


def test_a_restart_on_the_same_folder_keeps_the_files(tmp_path):
    first = SmtpSink(tmp_path).start()
    port = first.port
    with client(first) as smtp:
        smtp.sendmail("a@example.com", ["b@example.com"], b"Subject: one\r\n\r\n1\r\n")
    first.stop()
    # The same object binds the same port again.
    first.start()
    assert first.port == port
    with client(first) as smtp:
        smtp.sendmail("a@example.com", ["b@example.com"], b"Subject: two\r\n\r\n2\r\n")
    first.stop()
    with SmtpSink(tmp_path) as second:
        with client(second) as smtp:
            smtp.sendmail("a@example.com", ["b@example.com"], b"Subject: three\r\n\r\n3\r\n")
        assert [read(p)["subject"] for p in messages(tmp_path)] == ["three", "two", "one"]


def test_stop_is_idempotent_and_closes_connections(tmp_path):
    never_started = SmtpSink(tmp_path)
    never_started.stop()
    sink = SmtpSink(tmp_path).start()
    smtp = client(sink)
    sink.stop()
    sink.stop()
    assert not sink.running
    # The open client connection was closed with the server, not left hanging.
    with pytest.raises(smtplib.SMTPServerDisconnected):
        smtp.noop()
    smtp.close()
    with sink:
        pass
    sink.stop()


def test_messages_are_listed_newest_first(sink, tmp_path):
    with client(sink) as smtp:
        for n in range(12):
            smtp.sendmail("a@example.com", ["b@example.com"], f"Subject: message {n}\r\n\r\n{n}\r\n".encode())
    subjects = [read(p)["subject"] for p in messages(tmp_path)]
    assert subjects == [f"message {n}" for n in reversed(range(12))]
    assert [read(p)["subject"] for p in messages(tmp_path, limit=2)] == ["message 11", "message 10"]


def test_deliver_still_works_and_reads_back(sink, tmp_path):
    path = mail_sink.deliver(tmp_path, "anna@example.com", "Your password link", "Click: https://x/y\n")
    assert messages(tmp_path) == [path]
    summary = read(path)
    assert summary["subject"] == "Your password link"
    # No envelope was recorded: the addressed recipients stand in for it.
    assert summary["recipients"] == ["anna@example.com"]
    assert summary["text"] == "Click: https://x/y\n"
    assert summary["from"] == "relay@localhost"


def test_auth_is_off_by_default(sink):
    with client(sink) as smtp:
        smtp.ehlo()
        assert not smtp.has_extn("auth")
        assert not smtp.has_extn("starttls")


# Plain-text AUTH is what a local sink without TLS offers; aiosmtpd warns about it.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_auth_when_users_are_given(tmp_path):
    with SmtpSink(tmp_path, users={"relay": "s3cret"}) as sink:
        with client(sink) as smtp:
            with pytest.raises(smtplib.SMTPSenderRefused) as refused:
                smtp.sendmail("a@example.com", ["b@example.com"], b"Subject: x\r\n\r\nx\r\n")
            assert refused.value.smtp_code == 530
        with client(sink) as smtp, pytest.raises(smtplib.SMTPAuthenticationError):
            smtp.login("relay", "wrong")
        with client(sink) as smtp:
            smtp.login("relay", "s3cret")
            smtp.sendmail("a@example.com", ["b@example.com"], b"Subject: x\r\n\r\nx\r\n")
    assert len(messages(tmp_path)) == 1


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1, made by the openssl tool
    (the `cryptography` package is not a dependency)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed: no certificate for the TLS test")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def test_starttls_is_offered_only_with_a_context(tmp_path):
    cert, key = make_certificate(tmp_path)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    client_ctx = ssl.create_default_context(cafile=str(cert))
    with SmtpSink(tmp_path, tls_context=server_ctx) as sink, client(sink) as smtp:
        smtp.starttls(context=client_ctx)
        smtp.sendmail("a@example.com", ["b@example.com"], b"Subject: secret\r\n\r\nx\r\n")
    assert read(only_message(tmp_path))["subject"] == "secret"


MALFORMED = {
    "empty": b"",
    "garbage": bytes(range(256)) * 4,
    "no headers": b"just some words\nand more\n",
    "no blank line": b"Subject: cut short",
    "bad boundary": (
        b'Subject: broken\r\nContent-Type: multipart/mixed; boundary="nope"\r\n\r\n--other\r\n'
        b"Content-Type: text/plain\r\n\r\ninside\r\n"
    ),
    "unknown charset": (
        b"Subject: =?x-unknown?q?odd?=\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\n\xe9t\xe9\r\n"
    ),
    "bad base64": b"Subject: b64\r\nContent-Transfer-Encoding: base64\r\n\r\n@@@not base64!!!\r\n",
    "broken addresses": b'From: <<<@@>\r\nTo: ,,,"unterminated\r\nCc: @\r\nDate: yesterday-ish\r\n\r\nbody\r\n',
    "latin-1 headers": b"Subject: caf\xe9\r\nFrom: J\xf6rg <j@example.com>\r\n\r\nbody\r\n",
    "deep nesting": b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (n, n) for n in range(60)
    ),
    "message attached": (
        b'Subject: fwd\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\n'
        b"Content-Type: text/plain\r\n\r\nsee below\r\n--B\r\nContent-Type: message/rfc822\r\n\r\n"
        b"Subject: the original\r\n\r\noriginal text\r\n--B--\r\n"
    ),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_read_never_raises_on_a_malformed_file(tmp_path, name):
    path = tmp_path / "odd.eml"
    path.write_bytes(MALFORMED[name])
    summary = read(path)
    assert set(summary) >= {
        "message_id", "from", "to", "cc", "recipients", "subject", "date", "headers", "text", "html", "attachments",
    }  # fmt: skip
    assert all(isinstance(pair, tuple) and len(pair) == 2 for pair in summary["headers"])
    assert summary["text"] is None or isinstance(summary["text"], str)


def test_read_of_odd_files_keeps_what_can_be_kept(tmp_path):
    def summary(name: str) -> dict:
        path = tmp_path / f"{name}.eml"
        path.write_bytes(MALFORMED[name])
        return read(path)

    assert summary("no headers")["text"] is not None
    assert "inside" in (summary("bad boundary")["text"] or "")
    assert "t" in summary("unknown charset")["text"]
    assert summary("latin-1 headers")["subject"].startswith("caf")
    forwarded = summary("message attached")
    # The line break before a boundary belongs to the boundary.
    assert forwarded["text"] == "see below"
    assert forwarded["attachments"] == ["the original.eml"]


def test_read_of_a_missing_file_raises_oserror(tmp_path):
    with pytest.raises(OSError):
        read(tmp_path / "gone.eml")
