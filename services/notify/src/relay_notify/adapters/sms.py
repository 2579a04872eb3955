"""SMS through an HTTP gateway, described by configuration rather than by code.

Most SMS gateways take one HTTP request per message; they differ in URL, method,
body shape and authentication, all of which :class:`SmsGatewayConfig` describes.

Templates
---------
``url_template`` and ``body_template`` may contain ``{to}`` (the normalised number,
e.g. ``+4915112345678``) and ``{text}``. Nothing else in them is special, so JSON
braces need no escaping. Values are escaped for where they land:

* in the URL: percent-encoded (``+`` becomes ``%2B``);
* in the body, by the ``Content-Type`` given in ``headers``: for JSON
  (``application/json`` or any ``+json`` type) as the inside of a JSON string,
  so the template supplies the quotes, e.g. ``{"to": "{to}", "text": "{text}"}``;
  for any other type form-urlencoded, e.g. ``to={to}&text={text}``. Without a
  Content-Type header the body is sent as ``application/x-www-form-urlencoded``.

Authentication: ``token`` sends ``Authorization: Bearer <token>``; otherwise
``username`` (with ``password``) sends basic auth.

Success is an answer whose status is in ``success_status`` and, when
``success_contains`` is set, whose body contains that text (many gateways answer
200 with an error in the body). Delivery follows the webhook rules: the URL is
checked with :func:`~relay_notify.adapters.webhooks.check_url` (public addresses
only in production), redirects are not followed, and :func:`send` never raises.

A number :func:`normalise_number` refuses will never work: the caller should
check it first and treat it as a permanent failure rather than retry; ``send``
refuses it too, with an error starting "invalid number".
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus

import requests

from relay_notify.adapters.webhooks import Result, http_exchange

USER_AGENT = "Relay-SMS/1"
TEST_TEXT = "Relay: test message from the SMS gateway settings."

_FORM = "application/x-www-form-urlencoded"
# Separators people type inside phone numbers; anything else makes the number invalid.
_SEPARATORS = re.compile(r"[\s\-.()/]")
# [0-9], not \d: \d accepts other scripts' digits, which no gateway does.
_NUMBER = re.compile(r"\+?[0-9]{7,15}")


@dataclass
class SmsGatewayConfig:
    url_template: str
    method: str = "POST"
    body_template: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    username: str | None = None
    password: str | None = None
    token: str | None = None
    success_status: list[int] = field(default_factory=lambda: [200, 201, 202])
    success_contains: str | None = None
    timeout: float = 10.0


def normalise_number(raw: str | None) -> str | None:
    """``raw`` without separators if it is 7 to 15 digits with an optional leading +, else None."""
    if not isinstance(raw, str):
        return None
    number = _SEPARATORS.sub("", raw)
    return number if _NUMBER.fullmatch(number) else None


def _content_type(headers: dict[str, str]) -> str | None:
    for name, value in headers.items():
        if name.lower() == "content-type":
            return value
    return None


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def _fill(template: str, escape: Callable[[str], str], to: str, text: str) -> str:
    # One pass over the placeholders, so a {to} or {text} inside the message stays text.
    values = {"{to}": escape(to), "{text}": escape(text)}
    return re.sub(r"\{to\}|\{text\}", lambda m: values[m.group(0)], template)


def _json_inner(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]


def render(config: SmsGatewayConfig, to: str, text: str) -> tuple[str, dict[str, str], bytes | None]:
    """The URL, headers and body of the request that sends ``text`` to ``to``."""
    url = _fill(config.url_template, lambda v: quote(v, safe=""), to, text)
    headers = {"User-Agent": USER_AGENT, **config.headers}
    body: bytes | None = None
    if config.body_template is not None:
        content_type = _content_type(headers)
        if content_type is None:
            content_type = headers["Content-Type"] = _FORM
        escape = _json_inner if _is_json(content_type) else quote_plus
        body = _fill(config.body_template, escape, to, text).encode("utf-8")
    if config.token:
        headers["Authorization"] = f"Bearer {config.token}"
    return url, headers, body


def _refused(error: str) -> Result:
    return Result(ok=False, status=None, error=error, elapsed_ms=0.0, response_excerpt="")


def send(
    config: SmsGatewayConfig,
    to: str,
    text: str,
    *,
    production: bool = False,
    session: requests.Session | None = None,
) -> Result:
    """Send one SMS through the gateway. Never raises."""
    number = normalise_number(to)
    if number is None:
        return _refused(f"invalid number: {to!r}")
    try:
        url, headers, body = render(config, number, text)
    except Exception as e:  # a broken template is reported like any failed send
        return _refused(f"bad gateway configuration: {e}")
    auth = None
    if not config.token and config.username is not None:
        auth = (config.username, config.password or "")
    exchange = http_exchange(
        config.method.upper(),
        url,
        headers=headers,
        data=body,
        auth=auth,
        timeout=config.timeout,
        production=production,
        session=session,
    )
    error = exchange.error
    if error is None:
        if exchange.status not in config.success_status:
            error = f"gateway answered HTTP {exchange.status}"
            if exchange.status is not None and 300 <= exchange.status < 400:
                error += ": redirect not followed"
        elif config.success_contains is not None and config.success_contains not in exchange.text:
            error = f"gateway answered HTTP {exchange.status} without {config.success_contains!r}"
    return Result(
        ok=error is None,
        status=exchange.status,
        error=error,
        elapsed_ms=exchange.elapsed_ms,
        response_excerpt=exchange.excerpt,
    )


def test_connection(
    config: SmsGatewayConfig,
    to: str,
    *,
    production: bool = False,
    session: requests.Session | None = None,
) -> Result:
    """Send :data:`TEST_TEXT` to ``to``, for the settings page's "Send a test" button."""
    return send(config, to, TEST_TEXT, production=production, session=session)


# pytest would collect test_connection as a test when a test module imports it by name.
test_connection.__test__ = False  # type: ignore[attr-defined]
