"""The UI's way to the services: their public APIs, through the gateway's own upstream
clients, signed with the identity of the person signed in. The UI keeps no ticket data;
every page is what the services answer for that person.

    api = client_for(identity)
    ticket = api.get("tickets", "/tickets/42")
    api.post("tickets", "/tickets/42/comments", json={...})

A 4xx answer raises `ServiceProblem` (its `errors` map field -> messages, for the form to
show next to the field); a service that cannot be reached raises `ServiceDown` (the page
shows a banner).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from werkzeug.test import EnvironBuilder

from relaykit import correlation, identity
from relaykit.identity import Identity


class ServiceProblem(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.body = body
        self.detail = str(body.get("detail") or body.get("title") or f"HTTP {status}")
        self.errors: dict[str, list[str]] = {}
        raw = body.get("errors") or {}
        # The kit's problem bodies list errors as [{"field", "message"}]; a map field -> messages
        # is read too.
        pairs: list[tuple[str, Any]] = []
        if isinstance(raw, list):
            pairs = [(e.get("field") or "", e.get("message")) for e in raw if isinstance(e, dict)]
        elif isinstance(raw, dict):
            pairs = [(k, m) for k, v in raw.items() for m in (v if isinstance(v, list) else [v])]
        for name, message in pairs:
            self.errors.setdefault(str(name), []).append(str(message))
        super().__init__(self.detail)

    def field_messages(self) -> dict[str, str]:
        """field -> its messages joined: what the form macros show next to each field."""
        return {k: "; ".join(v) for k, v in self.errors.items()}

    def message_for(self, name: str) -> str | None:
        """The messages about a field (or a nested field under it), joined."""
        found = [m for k, msgs in self.errors.items() if k == name or k.startswith(name + ".") for m in msgs]
        return "; ".join(found) or None


class ServiceDown(Exception):
    def __init__(self, service: str, detail: str) -> None:
        self.service = service
        self.detail = detail
        super().__init__(f"{service}: {detail}")


@dataclass
class Reply:
    status: int
    data: Any
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def etag(self) -> str | None:
        return self.headers.get("ETag")


class ServiceClient:
    def __init__(self, upstreams: dict[str, Any], secret: str, ttl: int, caller: Identity) -> None:
        self.upstreams = upstreams
        self.secret = secret
        self.ttl = ttl
        self.caller = caller

    def available(self, service: str) -> bool:
        return service in self.upstreams

    def call(
        self,
        method: str,
        service: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        data: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        raw: bool = False,
    ) -> Reply:
        upstream = self.upstreams.get(service)
        if upstream is None:
            raise ServiceDown(service, "this installation has no such service")
        query = urlencode(_clean(params or {}), doseq=True)
        builder = EnvironBuilder(
            method=method,
            path=path,
            query_string=query,
            json=json_body if json_body is not None and data is None else None,
            data=data,
        )
        environ = builder.get_environ()
        sent = {
            identity.HEADER: identity.sign(self.caller, self.secret, self.ttl),
            correlation.HEADER: correlation.current_or_new(),
            "Accept": "application/json",
        }
        if environ.get("CONTENT_TYPE"):
            sent["Content-Type"] = environ["CONTENT_TYPE"]
        if environ.get("CONTENT_LENGTH"):
            sent["Content-Length"] = environ["CONTENT_LENGTH"]
        sent.update(headers or {})
        try:
            response = upstream.forward(environ, environ["PATH_INFO"], sent)
        except Exception as e:  # BadGateway, GatewayTimeout, connection errors
            status = getattr(e, "status", 502)
            raise ServiceDown(service, str(e) or f"HTTP {status}") from None
        body = response.get_data()
        out_headers = {k: v for k, v in response.headers.items()}
        if response.status_code >= 500:
            raise ServiceDown(service, f"answered {response.status_code}")
        if raw:
            return Reply(response.status_code, body, out_headers)
        parsed: Any = None
        if body:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
        if response.status_code >= 400:
            raise ServiceProblem(response.status_code, parsed if isinstance(parsed, dict) else {})
        return Reply(response.status_code, parsed, out_headers)

    def get(self, service: str, path: str, **kw: Any) -> Any:
        return self.call("GET", service, path, **kw).data

    def post(self, service: str, path: str, **kw: Any) -> Any:
        return self.call("POST", service, path, **kw).data

    def patch(self, service: str, path: str, **kw: Any) -> Any:
        return self.call("PATCH", service, path, **kw).data

    def put(self, service: str, path: str, **kw: Any) -> Any:
        return self.call("PUT", service, path, **kw).data

    def delete(self, service: str, path: str, **kw: Any) -> Any:
        return self.call("DELETE", service, path, **kw).data


def _clean(params: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in params.items():
        if v is None or v == "" or v == []:
            continue
        if isinstance(v, bool):
            v = "true" if v else "false"
        out[k] = v
    return out
