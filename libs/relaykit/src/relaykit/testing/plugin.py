"""pytest fixtures for Relay: real PostgreSQL and RabbitMQ, isolated per run and per test.

- Each test run (each xdist worker) gets its own RabbitMQ vhost and its own
  PostgreSQL databases, named after a run id; both are removed at the end.
- Each test gets a fresh database (`pg_url`) and a fresh namespace (exchange
  and queue prefix) on the run's vhost.
- With CI=true a missing server fails the test with the reason; elsewhere it skips.

Servers: RELAY_TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres),
RELAY_TEST_AMQP_URL (default amqp://guest:guest@127.0.0.1:5672/) and RELAY_TEST_REDIS_URL
(default redis://127.0.0.1:6379/0).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from urllib.parse import quote, urlsplit, urlunsplit

import pytest

from relaykit.testing.harness import Harness
from relaykit.testing.proxy import TcpProxy


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(what: str, reason: str) -> None:
    """Skip locally, fail loudly in CI: a missing dependency never passes silently there."""
    if _in_ci():
        pytest.fail(f"{what} is required (CI=true) but unavailable: {reason}", pytrace=False)
    pytest.skip(f"{what} unavailable: {reason}")


@pytest.fixture(scope="session")
def relay_run_id() -> str:
    base = os.environ.get("RELAY_TEST_RUN") or f"{time.strftime('%H%M%S')}{uuid.uuid4().hex[:6]}"
    return f"{base}_{os.environ.get('PYTEST_XDIST_WORKER', 'gw')}".lower()


# -- PostgreSQL ---------------------------------------------------------------
@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    from sqlalchemy import create_engine, text

    url = os.environ.get("RELAY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    try:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as e:
        require("PostgreSQL", f"{url}: {type(e).__name__}: {e}")
    yield url


@pytest.fixture(scope="session")
def pg_database_factory(postgres_server: str, relay_run_id: str) -> Iterator[Callable[[], str]]:
    from sqlalchemy import create_engine, make_url, text

    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    created: list[str] = []
    counter = itertools.count(1)

    def make() -> str:
        name = f"relaytest_{relay_run_id}_{next(counter)}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return make_url(postgres_server).set(database=name).render_as_string(hide_password=False)

    yield make
    with admin.connect() as conn:
        for name in created:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_url(pg_database_factory: Callable[[], str]) -> str:
    return pg_database_factory()


# -- RabbitMQ -------------------------------------------------------------------
def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="session")
def amqp_server() -> str:
    from kombu import Connection

    url = os.environ.get("RELAY_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    try:
        with Connection(url, connect_timeout=5) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as e:
        require("RabbitMQ", f"{url}: {type(e).__name__}: {e}")
    return url


@pytest.fixture(scope="session")
def amqp_vhost_url(amqp_server: str, relay_run_id: str) -> Iterator[str]:
    """A vhost of this run's own, when rabbitmqctl is at hand; else the server's vhost
    (tests still never collide: each uses its own namespace prefix)."""
    if shutil.which("rabbitmqctl") is None:
        yield amqp_server
        return
    vhost = f"relaytest_{relay_run_id}"
    parts = urlsplit(amqp_server)
    user = parts.username or "guest"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
    yield urlunsplit((parts.scheme, parts.netloc, "/" + quote(vhost, safe=""), "", ""))
    with contextlib.suppress(Exception):
        _rabbitmqctl("delete_vhost", vhost)


@pytest.fixture
def amqp_url(amqp_vhost_url: str) -> str:
    return amqp_vhost_url


@pytest.fixture
def bus_namespace() -> str:
    return f"t{uuid.uuid4().hex[:10]}."


# -- Redis ------------------------------------------------------------------------
@pytest.fixture(scope="session")
def redis_server() -> str:
    url = os.environ.get("RELAY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        client.close()
    except Exception as e:
        require("Redis", f"{url}: {type(e).__name__}: {e}")
    return url


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """The test Redis. Tests on it keep apart by their key prefix: give the runtime
    the `bus_namespace` (RELAY_NAMESPACE prefixes every key Relay writes)."""
    return redis_server


# -- tools ------------------------------------------------------------------------
@pytest.fixture
def tcp_proxy() -> Iterator[Callable[[str], tuple[TcpProxy, str]]]:
    """tcp_proxy(url) -> (proxy, the same url pointing through the proxy)."""
    proxies: list[TcpProxy] = []

    def make(url: str) -> tuple[TcpProxy, str]:
        parts = urlsplit(url)
        proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5672)
        proxies.append(proxy)
        netloc = parts.netloc.rsplit("@", 1)
        host = f"127.0.0.1:{proxy.port}"
        new_netloc = f"{netloc[0]}@{host}" if len(netloc) == 2 else host
        return proxy, urlunsplit((parts.scheme, new_netloc, parts.path, parts.query, parts.fragment))

    yield make
    for p in proxies:
        p.close()


@pytest.fixture
def harness(tmp_path) -> Iterator[Harness]:
    h = Harness(tmp_path)
    yield h
    h.close()
