"""Which X-Forwarded-* headers a process believes.

Any client can send `X-Forwarded-Prefix: //evil.example/x`; believed, it becomes the
root of every URL the service generates (Location headers, links in bodies). So the
headers are believed only from a party that proves who it is:

- a service (`SignedForwarded`) believes them on requests that carry an identity the
  gateway signed, and removes them from every other request;
- the gateway (`TrustedProxies`) believes them only from the proxy addresses in
  `RELAY_TRUSTED_PROXIES` (a Kubernetes ingress), checks every value, and removes them
  all before its app runs: it sets its own when it forwards.

`Forwarded` (RFC 7239) and `X-Real-IP` are removed too; no Relay process reads them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from typing import TYPE_CHECKING, Any

from werkzeug.middleware.proxy_fix import ProxyFix

from relaykit import identity
from relaykit.errors import NotAuthenticated

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# Where SignedForwarded leaves the verified identity (or the reason it failed), so the
# authenticator does not verify the signature a second time. WSGI servers put client
# headers only under HTTP_* keys: a client cannot set this one.
IDENTITY_KEY = "relay.identity"

_IDENTITY_HEADER = "HTTP_" + identity.HEADER.upper().replace("-", "_")
_ALSO_STRIPPED = frozenset({"HTTP_FORWARDED", "HTTP_X_REAL_IP"})
_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?")
# One or more non-empty segments: never `//host`, never a backslash or a scheme.
_PREFIX = re.compile(r"(?:/[A-Za-z0-9._~!$&'()*+,;=:@%-]+){1,20}/?")


def strip_forwarded(environ: WSGIEnvironment) -> None:
    for key in [k for k in environ if k.startswith("HTTP_X_FORWARDED_") or k in _ALSO_STRIPPED]:
        del environ[key]


class SignedForwarded:
    """A service's policy: forwarded headers count only on requests the gateway signed
    (the HMAC that proves the caller's identity proves the headers came with it)."""

    def __init__(self, app: WSGIApplication, secret: str) -> None:
        self.app = app
        self.secret = secret
        # The gateway sends exactly one value of each header.
        self.believing = ProxyFix(app, x_for=1, x_proto=1, x_host=1, x_prefix=1)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        try:
            environ[IDENTITY_KEY] = identity.verify(environ.get(_IDENTITY_HEADER), self.secret)
        except NotAuthenticated as refused:
            environ[IDENTITY_KEY] = refused
            strip_forwarded(environ)
            return self.app(environ, start_response)
        return self.believing(environ, start_response)


class StripForwarded:
    """The policy of an app that trusts no proxy: every forwarded header is dropped."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        strip_forwarded(environ)
        return self.app(environ, start_response)


def parse_networks(values: Iterable[str]) -> tuple[IPv4Network | IPv6Network, ...]:
    """`10.0.0.0/8`, `192.168.1.7` (one address), `fd00::/8`; a typo stops the process."""
    try:
        return tuple(ip_network(v.strip(), strict=False) for v in values if v.strip())
    except ValueError as e:
        raise ValueError(f"RELAY_TRUSTED_PROXIES: {e}") from None


def _last(value: str | None) -> str:
    # The value the nearest proxy (the trusted one) wrote is the last.
    return value.rsplit(",", 1)[-1].strip() if value else ""


class TrustedProxies:
    """The gateway's policy: believe X-Forwarded-For/-Proto/-Host/-Prefix only when the
    peer is a configured proxy, take each value only if it is well-formed, then drop
    them all (the forward route sets its own for the services)."""

    def __init__(self, app: WSGIApplication, networks: Iterable[str]) -> None:
        self.app = app
        self.networks = parse_networks(networks)

    def trusts(self, address: str) -> bool:
        try:
            ip = ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.networks)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if self.networks and self.trusts(environ.get("REMOTE_ADDR", "")):
            self._believe(environ)
        strip_forwarded(environ)
        return self.app(environ, start_response)

    def _believe(self, environ: dict[str, Any]) -> None:
        # The client is the rightmost address no trusted proxy owns: whatever a client
        # wrote further left is its own claim, which the proxies only passed along.
        client = environ["REMOTE_ADDR"]
        for hop in reversed(environ.get("HTTP_X_FORWARDED_FOR", "").split(",")):
            hop = hop.strip()
            try:
                ip_address(hop)
            except ValueError:
                break
            client = hop
            if not self.trusts(hop):
                break
        environ["REMOTE_ADDR"] = client
        proto = _last(environ.get("HTTP_X_FORWARDED_PROTO")).lower()
        if proto in ("http", "https"):
            environ["wsgi.url_scheme"] = proto
        host = _last(environ.get("HTTP_X_FORWARDED_HOST"))
        if host and _HOST.fullmatch(host):
            environ["HTTP_HOST"] = host
        prefix = _last(environ.get("HTTP_X_FORWARDED_PREFIX"))
        if prefix and len(prefix) <= 200 and _PREFIX.fullmatch(prefix):
            environ["SCRIPT_NAME"] = prefix.rstrip("/")
