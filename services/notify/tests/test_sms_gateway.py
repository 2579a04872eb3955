import base64
import json
import sys
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from relay_notify.adapters.sms import TEST_TEXT, SmsGatewayConfig, normalise_number, render, send, test_connection

# http_receivers.py (the local HTTP server) lives beside the tests.
sys.path.insert(0, str(Path(__file__).parent))
from http_receivers import running_receiver

NUMBER = "+4915112345678"
TRICKY = 'Ticket #42 "Printer" & more: 50% done\nback\\slash é = {to}'


@pytest.fixture
def gateway():
    with running_receiver() as r:
        yield r


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+4915112345678", "+4915112345678"),
        ("+49 151 1234-5678", "+4915112345678"),
        ("(030) 123.456.78", "03012345678"),
        ("1234567", "1234567"),
        ("+123456789012345", "+123456789012345"),
        ("123456", None),
        ("+1234567890123456", None),
        ("++4915112345678", None),
        ("49+15112345678", None),
        ("+49 151 CALLME", None),
        ("٤٩١٥١١٢٣٤٥٦٧٨", None),  # Arabic-Indic digits: \d would accept them, gateways do not
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_normalise_number(raw, expected):
    assert normalise_number(raw) == expected


def test_url_template_get(gateway):
    config = SmsGatewayConfig(url_template=gateway.url("/send?to={to}&msg={text}&key=k1"), method="GET")
    result = send(config, "+49 151 12345678", TRICKY)

    assert result.ok, result
    assert result.status == 200
    [request] = gateway.requests
    assert request.method == "GET"
    assert request.body == b""
    assert request.query == {"to": [NUMBER], "msg": [TRICKY], "key": ["k1"]}
    assert request.headers["User-Agent"] == "Relay-SMS/1"


def test_json_body_post(gateway):
    config = SmsGatewayConfig(
        url_template=gateway.url("/api/messages"),
        body_template='{"recipient": "{to}", "message": {"body": "{text}"}, "flash": false}',
        headers={"Content-Type": "application/json"},
    )
    result = send(config, NUMBER, TRICKY)

    assert result.ok, result
    [request] = gateway.requests
    assert request.method == "POST"
    assert request.path == "/api/messages"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == {"recipient": NUMBER, "message": {"body": TRICKY}, "flash": False}


def test_json_detection_uses_the_media_type():
    config = SmsGatewayConfig(
        url_template="http://127.0.0.1/x",
        body_template='{"text": "{text}"}',
        headers={"content-type": "application/vnd.gateway+json; charset=utf-8"},
    )
    _, headers, body = render(config, NUMBER, 'say "hi"')
    assert json.loads(body) == {"text": 'say "hi"'}
    assert "Content-Type" not in headers  # the configured header is kept as written, not doubled


def test_form_body_by_default(gateway):
    config = SmsGatewayConfig(url_template=gateway.url("/sms"), body_template="from=Relay&to={to}&text={text}")
    assert send(config, NUMBER, TRICKY).ok

    [request] = gateway.requests
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.body.decode()) == {"from": ["Relay"], "to": [NUMBER], "text": [TRICKY]}


def test_placeholders_in_the_message_are_not_expanded(gateway):
    config = SmsGatewayConfig(url_template=gateway.url("/sms"), body_template="to={to}&text={text}")
    assert send(config, NUMBER, "{text} and {to}").ok
    assert parse_qs(gateway.requests[0].body.decode())["text"] == ["{text} and {to}"]


def test_basic_auth(gateway):
    config = SmsGatewayConfig(url_template=gateway.url("/sms?to={to}"), username="relay", password="s3cr:et")
    assert send(config, NUMBER, "hi").ok
    expected = base64.b64encode(b"relay:s3cr:et").decode()
    assert gateway.requests[0].headers["Authorization"] == f"Basic {expected}"


def test_bearer_token(gateway):
    config = SmsGatewayConfig(url_template=gateway.url("/sms?to={to}"), token="tok-123", headers={"X-Api": "v2"})
    assert send(config, NUMBER, "hi").ok
    request = gateway.requests[0]
    assert request.headers["Authorization"] == "Bearer tok-123"
    assert request.headers["X-Api"] == "v2"


def test_success_contains(gateway):
    config = SmsGatewayConfig(url_template=gateway.url("/sms?to={to}"), success_contains="OK")
    gateway.respond(200, b"ERROR: no credit left")
    refused = send(config, NUMBER, "hi")
    gateway.respond(200, b"OK: queued as 881")
    accepted = send(config, NUMBER, "hi")

    assert not refused.ok
    assert refused.status == 200
    assert "'OK'" in refused.error
    assert refused.response_excerpt == "ERROR: no credit left"
    assert accepted.ok
    assert accepted.response_excerpt == "OK: queued as 881"


def test_success_contains_looks_past_the_excerpt(gateway):
    config = SmsGatewayConfig(url_template=gateway.url("/sms?to={to}"), success_contains="ACCEPTED")
    gateway.respond(200, b" " * 2000 + b"ACCEPTED")
    assert send(config, NUMBER, "hi").ok


@pytest.mark.parametrize("status", [400, 401, 404, 500, 503])
def test_gateway_errors_are_recorded(gateway, status):
    gateway.respond(status, b'{"error": "unauthorised or unavailable"}')
    result = send(SmsGatewayConfig(url_template=gateway.url("/sms?to={to}")), NUMBER, "hi")
    assert not result.ok
    assert result.status == status
    assert str(status) in result.error
    assert "unauthorised" in result.response_excerpt


def test_success_status_is_configurable(gateway):
    gateway.respond(202, b"queued")
    config = SmsGatewayConfig(url_template=gateway.url("/sms?to={to}"), success_status=[200])
    result = send(config, NUMBER, "hi")
    assert (result.ok, result.status) == (False, 202)


def test_redirect_is_not_followed(gateway):
    gateway.redirect(gateway.url("/other"))
    result = send(SmsGatewayConfig(url_template=gateway.url("/sms?to={to}")), NUMBER, "hi")
    assert not result.ok
    assert result.status == 302
    assert "redirect" in result.error
    assert len(gateway.requests) == 1


def test_timeout(gateway):
    gateway.slow(5)
    result = send(SmsGatewayConfig(url_template=gateway.url("/sms?to={to}"), timeout=0.3), NUMBER, "hi")
    assert not result.ok
    assert "timed out" in result.error


@pytest.mark.parametrize("raw", ["12", "call me", "", "+49 151 1234 5678 9012 34"])
def test_invalid_numbers_are_not_sent(gateway, raw):
    result = send(SmsGatewayConfig(url_template=gateway.url("/sms?to={to}")), raw, "hi")
    assert not result.ok
    assert result.status is None
    assert result.error.startswith("invalid number")
    assert gateway.requests == []


def test_gateway_url_is_checked_in_production(gateway):
    config = SmsGatewayConfig(url_template=gateway.url("/sms?to={to}"))
    result = send(config, NUMBER, "hi", production=True)
    assert not result.ok
    assert result.error.startswith("refused")
    assert gateway.requests == []


@pytest.mark.parametrize("template", ["file:///tmp/sms?{to}", "ftp://127.0.0.1/{to}", "http://u:p@127.0.0.1/{to}"])
def test_gateway_url_scheme_is_checked_outside_production(template):
    result = send(SmsGatewayConfig(url_template=template), NUMBER, "hi")
    assert not result.ok
    assert result.error.startswith("refused")


def test_test_connection_sends_a_test_text(gateway):
    config = SmsGatewayConfig(url_template=gateway.url("/sms"), body_template="to={to}&text={text}")
    result = test_connection(config, NUMBER)
    assert result.ok
    assert parse_qs(gateway.requests[0].body.decode()) == {"to": [NUMBER], "text": [TEST_TEXT]}
