"""Where a service lives, and how a request gets there: in-process (all-in-one,
the service's WSGI app called directly) or over HTTP (distributed).

Both kinds hand the service the same request: the path as the client sent it (a
WSGI path is bytes read as Latin-1; over HTTP it is percent-encoded again), only
the headers the gateway chose (its own X-Forwarded-*, never the client's), and
both drop the service's Server and Date headers (the gateway's server sends its own).
"""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import quote

import urllib3
from flask import Response

from relaykit.errors import RelayError

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "content-encoding",
    "host",
    "server",
    "date",
}
# What stays as it is when a WSGI path or query goes back into a URL: reserved
# characters keep their meaning; anything else (non-ASCII, blanks) is escaped.
_PATH_SAFE = "/!$&'()*+,;=:@"
_QUERY_SAFE = "/?!$&'()*+,;=:@%"


class BadGateway(RelayError):
    status, title, slug = 502, "Bad gateway", "bad-gateway"


class GatewayTimeout(RelayError):
    status, title, slug = 504, "Gateway timeout", "gateway-timeout"


class WsgiUpstream:
    def __init__(self, name: str, app: Any) -> None:
        self.name = name
        self.app = app

    def forward(self, environ: dict[str, Any], path: str, headers: dict[str, str]) -> Response:
        """`path` is a WSGI path (Latin-1 characters standing for the bytes)."""
        env = dict(environ)
        # Where the service is mounted comes from X-Forwarded-Prefix, as over HTTP.
        env["SCRIPT_NAME"] = ""
        env["PATH_INFO"] = path
        # The client's headers and what the gateway's own middleware left in its environ.
        for key in [k for k in env if k.startswith(("HTTP_", "relay.", "werkzeug.proxy_fix"))]:
            del env[key]
        for key, value in headers.items():
            name = key.upper().replace("-", "_")
            if name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                env[name] = value
            else:
                env["HTTP_" + name] = value
        response = Response.from_app(self.app, env)
        for name in ("Server", "Date"):
            response.headers.pop(name, None)
        return response

    def get_json(self, path: str) -> Any:
        client = self.app.test_client()
        return client.get(path).get_json()


class HttpUpstream:
    """Forwarding over HTTP with a keep-alive connection pool (urllib3 directly: the
    gateway is on every request's path, and requests' conveniences cost CPU there)."""

    def __init__(self, name: str, base_url: str, timeout: float = 30.0) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.pool = urllib3.PoolManager(num_pools=4, maxsize=64, retries=False)
        self.timeout = urllib3.Timeout(connect=3.0, read=timeout)

    def forward(self, environ: dict[str, Any], path: str, headers: dict[str, str]) -> Response:
        """`path` is a WSGI path (Latin-1 characters standing for the bytes)."""
        query = quote(environ.get("QUERY_STRING", "").encode("latin-1"), safe=_QUERY_SAFE)
        url = self.base_url + quote(path.encode("latin-1"), safe=_PATH_SAFE) + (f"?{query}" if query else "")
        length = environ.get("CONTENT_LENGTH")
        body = environ["wsgi.input"].read(int(length)) if length else None
        try:
            upstream = self.pool.urlopen(
                environ["REQUEST_METHOD"], url, body=body, headers=headers, redirect=False, timeout=self.timeout
            )
        except urllib3.exceptions.NewConnectionError:  # a subclass of the timeout error, for old reasons
            raise BadGateway(f"the {self.name} service is unreachable") from None
        except urllib3.exceptions.TimeoutError:
            raise GatewayTimeout(f"the {self.name} service did not answer in time") from None
        except urllib3.exceptions.HTTPError:
            raise BadGateway(f"the {self.name} service is unreachable") from None
        out_headers = [(k, v) for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP]
        return Response(upstream.data, status=upstream.status, headers=out_headers)

    def get_json(self, path: str) -> Any:
        return json.loads(self.pool.request("GET", f"{self.base_url}{path}", timeout=self.timeout).data)


def from_environment() -> dict[str, HttpUpstream]:
    """`RELAY_UPSTREAM_<SERVICE>=http://host:port` for every service behind the gateway."""
    found = {}
    for key, value in os.environ.items():
        if key.startswith("RELAY_UPSTREAM_") and value:
            name = key.removeprefix("RELAY_UPSTREAM_").lower().replace("_", "-")
            found[name] = HttpUpstream(name, value)
    return found
