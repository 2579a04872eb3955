import json
import random
import shutil
import socket
import ssl
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from relay_notify.adapters import webhooks
from relay_notify.adapters.webhooks import (
    MAX_BACKOFF,
    MAX_FAILURE_STREAK,
    RETRY_SCHEDULE,
    SIGNATURE_HEADER,
    VERIFY_SNIPPET,
    UnsafeUrl,
    backoff,
    check_url,
    deliver,
    guarded_session,
    sign,
    verify,
)

# http_receivers.py (the local HTTP server) lives beside the tests.
sys.path.insert(0, str(Path(__file__).parent))
from http_receivers import FakeDns, closed_port, running_receiver

SECRET = "whsec_test"
BODY = json.dumps({"type": "ticket.created", "ticket": {"id": 42, "subject": "Printer on fire"}}).encode()
PUBLIC_IP = "93.184.216.34"


@pytest.fixture
def receiver():
    with running_receiver() as r:
        yield r


@pytest.fixture
def dns(monkeypatch):
    """Install answers for made-up names; other names (127.0.0.1 and such) resolve for real."""

    def install(answers: dict[str, list[str]]) -> FakeDns:
        fake = FakeDns(socket.getaddrinfo, answers)
        monkeypatch.setattr(socket, "getaddrinfo", fake)
        return fake

    return install


@pytest.fixture
def loopback_counts_as_public(monkeypatch):
    """Lets production-mode code reach the local receiver, to see the guarded path succeed."""
    real = webhooks.address_problem
    monkeypatch.setattr(webhooks, "address_problem", lambda a: None if a == "127.0.0.1" else real(a))


def post(url: str, **kwargs) -> webhooks.Result:
    return deliver(url, SECRET, "ticket.created", "dlv-1", BODY, **kwargs)


# --- signatures ---------------------------------------------------------------------


def test_signature_verifies_with_the_secret_only():
    now = 1_790_000_000
    header = sign(SECRET, now, BODY)
    assert header.startswith(f"t={now},v1=")
    assert verify(SECRET, header, BODY, now=now)
    assert not verify("another secret", header, BODY, now=now)
    assert not verify(SECRET, header, BODY + b" ", now=now)
    assert not verify(SECRET, header, BODY.replace(b"42", b"43"), now=now)


def test_signature_timestamp_tolerance():
    now = 1_790_000_000
    header = sign(SECRET, now, BODY)
    assert verify(SECRET, header, BODY, now=now + 300)
    assert not verify(SECRET, header, BODY, now=now + 301)
    assert not verify(SECRET, header, BODY, now=now - 301)  # from the future
    assert verify(SECRET, header, BODY, now=now + 3000, tolerance=3600)
    assert verify(SECRET, header, BODY, now=datetime.fromtimestamp(now + 10, UTC))


def test_a_new_timestamp_cannot_be_put_on_an_old_signature():
    now = 1_790_000_000
    old = sign(SECRET, now - 3600, BODY)
    replayed = old.replace(f"t={now - 3600}", f"t={now}")
    assert not verify(SECRET, replayed, BODY, now=now)


@pytest.mark.parametrize(
    "header",
    [None, "", "garbage", "t=abc,v1=00", "v1=00", "t=1790000000", "t=1790000000,t=1790000000,v1=x", "t=-5,v1=x"],
)
def test_malformed_signature_headers_do_not_verify(header):
    assert not verify(SECRET, header, BODY, now=1_790_000_000)


def test_any_matching_v1_verifies_and_unknown_fields_are_ignored():
    now = 1_790_000_000
    good = sign(SECRET, now, BODY).split(",")[1]
    assert verify(SECRET, f"t={now},v1={'0' * 64},{good},v2=future", BODY, now=now)
    assert verify(SECRET, f"t={now}, v0=whatever, {good}", BODY, now=now)


def test_verify_snippet_verifies_a_real_signature():
    assert len(VERIFY_SNIPPET.strip().splitlines()) <= 10
    namespace: dict = {}
    exec(VERIFY_SNIPPET, namespace)
    snippet_verify = namespace["verify"]
    header = sign(SECRET, int(time.time()), BODY)
    assert snippet_verify(SECRET, header, BODY) is True
    assert snippet_verify("wrong", header, BODY) is False
    assert snippet_verify(SECRET, header, BODY + b"x") is False
    assert snippet_verify(SECRET, sign(SECRET, int(time.time()) - 600, BODY), BODY) is False
    assert snippet_verify(SECRET, "t=abc,v1=00", BODY) is False


# --- delivery -----------------------------------------------------------------------


def test_delivery_posts_the_signed_event(receiver):
    result = deliver(receiver.url(), SECRET, "ticket.created", "dlv-7", BODY)

    assert result.ok, result
    assert result.status == 200
    assert result.error is None
    assert result.response_excerpt == "ok"
    assert result.elapsed_ms > 0
    [request] = receiver.requests
    assert request.method == "POST"
    assert request.path == "/hook"
    assert request.body == BODY
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == "Relay-Webhooks/1"
    assert request.headers["X-Relay-Event"] == "ticket.created"
    assert request.headers["X-Relay-Delivery"] == "dlv-7"
    assert verify(SECRET, request.headers[SIGNATURE_HEADER], request.body)
    assert not verify("wrong", request.headers[SIGNATURE_HEADER], request.body)


def test_signature_uses_the_given_time(receiver):
    at = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert post(receiver.url(), now=at).ok
    header = receiver.requests[0].headers[SIGNATURE_HEADER]
    assert header.startswith(f"t={int(at.timestamp())},")
    assert verify(SECRET, header, BODY, now=at + timedelta(seconds=5))
    assert not verify(SECRET, header, BODY, now=at + timedelta(minutes=6))


def test_any_2xx_is_success(receiver):
    receiver.respond(204, b"")
    assert post(receiver.url()).ok


def test_retries_carry_the_same_delivery_id(receiver):
    receiver.fail(2)
    results = [post(receiver.url()) for _ in range(3)]
    assert [(r.ok, r.status) for r in results] == [(False, 500), (False, 500), (True, 200)]
    assert results[0].error == "HTTP 500"
    assert results[0].response_excerpt == "receiver failure"
    assert {r.headers["X-Relay-Delivery"] for r in receiver.requests} == {"dlv-1"}


def test_server_error_is_a_failure_with_status_and_a_capped_excerpt(receiver):
    receiver.respond(500, b"x" * 5000)
    result = post(receiver.url())
    assert not result.ok
    assert result.status == 500
    assert "500" in result.error
    assert result.response_excerpt == "x" * 500


def test_client_error_is_a_failure(receiver):
    receiver.respond(410, b"gone")
    result = post(receiver.url())
    assert (result.ok, result.status, result.error) == (False, 410, "HTTP 410")


def test_a_timeout_is_a_failure(receiver):
    receiver.slow(5)
    result = post(receiver.url(), timeout=0.3)
    assert not result.ok
    assert result.status is None
    assert "timed out" in result.error
    assert result.elapsed_ms < 3000


def test_redirects_are_not_followed(receiver):
    receiver.redirect(receiver.url("/elsewhere"))
    result = post(receiver.url())
    assert not result.ok
    assert result.status == 302
    assert "redirect" in result.error
    assert "/elsewhere" in result.error
    assert [r.path for r in receiver.requests] == ["/hook"]


def test_connection_refused_is_a_failure():
    result = post(f"http://127.0.0.1:{closed_port()}/hook")
    assert not result.ok
    assert result.status is None
    assert "connection failed" in result.error


def test_unresolvable_host_is_a_failure(dns):
    dns({})
    result = post("http://nowhere.example.test/hook")
    assert not result.ok
    assert "resolve" in result.error


def test_bad_header_values_do_not_raise(receiver):
    result = deliver(receiver.url(), SECRET, "ticket.created\r\nX-Evil: 1", "dlv-1", BODY)
    assert not result.ok
    assert result.error
    assert receiver.requests == []


# --- the SSRF guard -----------------------------------------------------------------

UNSAFE_IN_PRODUCTION = [
    "file:///etc/passwd",
    "ftp://example.com/hook",
    "gopher://example.com/",
    "http://127.0.0.1/hook",
    "http://127.0.0.1:8080/hook",
    "http://10.0.0.5/hook",
    "http://172.16.3.4/hook",
    "http://192.168.1.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://0.0.0.0/",
    "http://100.64.0.1/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "http://[::1]/hook",
    "http://[::]/hook",
    "http://[fe80::1]/hook",
    "http://[fd00::1]/hook",
    "http://[ff02::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::ffff:10.0.0.5]/hook",
    "http://[::ffff:169.254.169.254]/hook",
    "http://[2002:7f00:1::]/hook",
    "http://[64:ff9b::a9fe:a9fe]/hook",
    "http://user:pw@example.com/hook",
    "http://user@example.com/hook",
    "https:///hook",
    "hook.example.com/path",
    "http://example.com:99999/",
    "http://localhost/hook",
    "http://internal.example.test/hook",
    "http://mixed.example.test/hook",
    "http://rebound6.example.test/hook",
    "http://nowhere.example.test/hook",
]


@pytest.mark.parametrize("url", UNSAFE_IN_PRODUCTION)
def test_unsafe_urls_are_refused_in_production(url, dns):
    dns(
        {
            "localhost": ["127.0.0.1"],
            "example.com": [PUBLIC_IP],
            "internal.example.test": ["10.0.0.5"],
            "mixed.example.test": [f"{PUBLIC_IP},192.168.0.10"],
            "rebound6.example.test": ["::ffff:127.0.0.1"],
        }
    )
    with pytest.raises(UnsafeUrl) as refused:
        check_url(url, production=True)
    assert refused.value.reason
    result = post(url, production=True)
    assert not result.ok
    assert result.status is None
    assert result.error.startswith("refused: ")


@pytest.mark.parametrize(
    "url", ["https://hooks.example.test/relay", "http://public.example.test:8080/x", f"http://{PUBLIC_IP}/"]
)
def test_public_urls_pass_in_production(url, dns):
    dns({"hooks.example.test": [PUBLIC_IP], "public.example.test": ["2606:4700::1111"]})
    check_url(url, production=True)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080/hook", "http://[::1]/", "http://10.0.0.5/", "https://localhost/", "HTTP://127.0.0.1/"],
)
def test_local_addresses_are_allowed_outside_production(url):
    check_url(url, production=False)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://127.0.0.1/", "http://user:pw@127.0.0.1/", "http:///x", "javascript:alert(1)"]
)
def test_scheme_host_and_credentials_are_checked_outside_production_too(url):
    with pytest.raises(UnsafeUrl):
        check_url(url, production=False)


def test_delivery_to_the_local_receiver_is_refused_in_production(receiver):
    result = post(receiver.url(), production=True)
    assert not result.ok
    assert "loopback" in result.error
    assert receiver.requests == []


def test_connect_time_resolution_is_checked(receiver, dns):
    # DNS rebinding: the name is public when checked, then points at the receiver.
    fake = dns({"hooks.example.test": [PUBLIC_IP, "127.0.0.1"]})

    result = post(receiver.url(host="hooks.example.test"), production=True)

    assert not result.ok
    assert result.status is None
    assert "refused" in result.error
    assert "127.0.0.1" in result.error
    # The first lookup (check_url's) was public: the refusal came from the second, at connect time.
    assert fake.lookups == ["hooks.example.test", "hooks.example.test"]
    assert receiver.requests == []


def test_connect_time_check_also_guards_a_reused_session(receiver, dns):
    dns({"hooks.example.test": [PUBLIC_IP, "127.0.0.1"]})
    with guarded_session() as session:
        result = post(receiver.url(host="hooks.example.test"), production=True, session=session)
    assert not result.ok
    assert "refused" in result.error
    assert receiver.requests == []


def test_guarded_connection_keeps_the_host_name(receiver, dns, loopback_counts_as_public):
    dns({"hooks.example.test": ["127.0.0.1"]})
    with guarded_session() as session:
        for _ in range(2):
            assert post(receiver.url(host="hooks.example.test"), production=True, session=session).ok
    assert [r.headers["Host"] for r in receiver.requests] == [f"hooks.example.test:{receiver.port}"] * 2


def test_production_delivery_needs_a_guarded_session(receiver, dns, loopback_counts_as_public):
    import requests

    dns({"hooks.example.test": ["127.0.0.1"]})
    with requests.Session() as plain:
        result = post(receiver.url(host="hooks.example.test"), production=True, session=plain)
    assert not result.ok
    assert "guarded_session" in result.error
    assert receiver.requests == []


def test_production_delivery_does_not_use_a_proxy(receiver, dns):
    dns({"hooks.example.test": [PUBLIC_IP], "proxy.example.test": ["127.0.0.1"]})
    with guarded_session() as session:
        session.proxies = {"http": receiver.url("", host="proxy.example.test")}
        result = post("http://hooks.example.test/hook", production=True, session=session)
    assert not result.ok
    assert "proxy" in result.error
    assert receiver.requests == []


# --- TLS: the pinned address keeps SNI and certificate checks on the host name --------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a test certificate")
    where = tmp_path_factory.mktemp("tls")
    cert, key = where / "cert.pem", where / "key.pem"
    command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
    names = ["-subj", "/CN=hooks.example.test", "-addext", "subjectAltName=DNS:hooks.example.test"]
    subprocess.run([*command.split(), "-keyout", str(key), "-out", str(cert), *names], check=True, capture_output=True)
    return cert, key


@pytest.fixture
def tls_receiver(certificate):
    cert, key = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with running_receiver(tls=context) as r:
        yield r


def test_https_to_a_pinned_address_verifies_the_host_name(tls_receiver, certificate, dns, loopback_counts_as_public):
    dns({"hooks.example.test": ["127.0.0.1"], "other.example.test": ["127.0.0.1"]})
    with guarded_session() as session:
        session.verify = str(certificate[0])
        good = post(tls_receiver.url(host="hooks.example.test"), production=True, session=session)
        wrong_name = post(tls_receiver.url(host="other.example.test"), production=True, session=session)

    assert good.ok, good
    assert tls_receiver.requests[0].headers["Host"] == f"hooks.example.test:{tls_receiver.port}"
    assert not wrong_name.ok
    assert wrong_name.error.startswith("TLS error")
    assert "other.example.test" in wrong_name.error
    assert len(tls_receiver.requests) == 1


def test_an_untrusted_certificate_is_a_tls_error(tls_receiver):
    result = post(tls_receiver.url())
    assert not result.ok
    assert result.error.startswith("TLS error")
    assert "certificate" in result.error.lower()


# --- retry schedule -----------------------------------------------------------------


def test_backoff_follows_the_schedule_within_jitter():
    rng = random.Random(7)
    for attempt, base in enumerate(RETRY_SCHEDULE, start=1):
        for _ in range(50):
            delay = backoff(attempt, rng=rng)
            assert base * 0.8 <= delay <= min(base * 1.2, MAX_BACKOFF)
    assert RETRY_SCHEDULE[:3] == (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10))


def test_backoff_grows_and_is_capped_at_six_hours():
    assert MAX_BACKOFF.total_seconds() == 6 * 3600
    assert list(RETRY_SCHEDULE) == sorted(RETRY_SCHEDULE)
    for attempt in (len(RETRY_SCHEDULE) + 1, 20, 1000):
        delays = {backoff(attempt) for _ in range(20)}
        assert all(timedelta(hours=4.8) <= d <= MAX_BACKOFF for d in delays)


def test_backoff_jitters():
    assert len({backoff(3) for _ in range(20)}) > 1


def test_backoff_counts_from_one():
    with pytest.raises(ValueError):
        backoff(0)


def test_failure_streak_limit():
    assert MAX_FAILURE_STREAK == 20
    total = sum((backoff(n, rng=random.Random(n)) for n in range(1, MAX_FAILURE_STREAK)), timedelta())
    assert timedelta(days=2) < total < timedelta(days=5)
