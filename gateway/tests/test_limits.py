"""Rate limits at the gateway: per token, per address, and on failed authentications;
429 problem+json with Retry-After; counts shared by replicas through Redis."""

import pytest

from relay_gateway import limits
from relay_gateway.bootstrap import spec as gateway_spec
from relay_gateway.limits import Limit, MemoryCounts, RateLimiter
from relaykit import identity
from relaykit.errors import TooManyRequests
from relaykit.settings import Settings


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    """The limiter's clock stands still: counts never straddle a window edge mid-test."""
    clock = [1_000_000.5]
    monkeypatch.setattr(limits.time, "time", lambda: clock[0])
    return clock


def _gateway(harness, **settings):
    gw = harness.runtime(gateway_spec, **settings)
    gw.upstreams = {}
    return gw


def _token(gw):
    token, _ = gw.app.extensions["relay.tokens"].create("limited", identity.SYSTEM)
    return {"Authorization": f"Bearer {token}"}


def _from(address):
    return {"REMOTE_ADDR": address}


def _too_many(r, field=None):
    assert r.status_code == 429, r.get_data(as_text=True)
    assert r.headers["Content-Type"] == "application/problem+json"
    assert int(r.headers["Retry-After"]) >= 1
    assert r.headers["RateLimit-Remaining"] == "0" and int(r.headers["RateLimit-Limit"]) >= 1
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    body = r.get_json()
    assert body["status"] == 429 and body["detail"]
    if field:
        assert body["errors"][0]["field"] == field
    return body


# An authenticated path the gateway answers itself (no service behind it): 404 past the limits.
PATH = "/api/none/x"


def test_a_token_over_its_limit_gets_429_with_retry_after(harness):
    gw = _gateway(harness, rate_limit_token="5/60", rate_limit_address="off")
    client, alice, bob = gw.app.test_client(), _token(gw), _token(gw)
    answers = [client.get(PATH, headers=alice) for _ in range(5)]
    assert [r.status_code for r in answers] == [404] * 5
    assert [r.headers["RateLimit-Remaining"] for r in answers] == ["4", "3", "2", "1", "0"]
    body = _too_many(client.get(PATH, headers=alice))
    assert "this token" in body["detail"]
    assert client.get(PATH, headers=bob).status_code == 404  # another token has its own count


def test_an_address_over_its_limit_gets_429_whatever_the_token(harness):
    gw = _gateway(harness, rate_limit_token="off", rate_limit_address="6/60")
    client = gw.app.test_client()
    tokens = [_token(gw) for _ in range(3)]
    for i in range(6):
        assert client.get(PATH, headers=tokens[i % 3]).status_code == 404
    _too_many(client.get(PATH, headers=tokens[0]))
    _too_many(client.get("/api/openapi.json"))  # public paths count too
    _too_many(client.get(PATH))  # and callers without a token
    assert client.get(PATH, headers=tokens[0], environ_base=_from("192.0.2.7")).status_code == 404


def test_failed_authentications_lock_the_address_out_soon(harness):
    gw = _gateway(harness, rate_limit_auth_failures="3/60")
    client, good = gw.app.test_client(), _token(gw)
    for i in range(3):
        assert client.get(PATH, headers={"Authorization": f"Bearer rly_guess{i}"}).status_code == 401
    _too_many(client.get(PATH, headers={"Authorization": "Bearer rly_guess9"}), field="Authorization")
    # From that address even a good token waits: interleaving guesses would not help.
    _too_many(client.get(PATH, headers=good))
    assert client.get(PATH, headers=good, environ_base=_from("192.0.2.7")).status_code == 404
    # A request without any token is no failed guess (the address limit covers those).
    other = _from("192.0.2.8")
    for _ in range(5):
        assert client.get(PATH, environ_base=other).status_code == 401
    assert client.get(PATH, headers=good, environ_base=other).status_code == 404


def test_the_default_limits_stop_the_bursts_the_issue_measured(harness):
    """300 requests in 2.6 s with one token and 100 unknown tokens in 0.4 s all answered."""
    gw = _gateway(harness, rate_limit_token=Settings.rate_limit_token, rate_limit_address="off")
    client, token = gw.app.test_client(), _token(gw)
    statuses = [client.get(PATH, headers=token).status_code for _ in range(300)]
    assert statuses.count(429) >= 90 and statuses[:200] == [404] * 200
    guesses = [
        client.get(PATH, headers={"Authorization": f"Bearer rly_{i}"}, environ_base=_from("192.0.2.9")).status_code
        for i in range(100)
    ]
    assert guesses.count(401) == 20 and guesses.count(429) == 80


def test_limits_are_read_from_settings_and_refuse_nonsense():
    assert Limit.parse("token", "200/10") == Limit("token", 200, 10.0)
    assert Limit.parse("token", "off") is None
    for bad in ("200", "x/10", "10/0", "-1/10", "5/100000"):
        with pytest.raises(ValueError, match="rate limit token"):
            Limit.parse("token", bad)
    limiter = RateLimiter.from_settings(Settings(service="gateway", database_url="sqlite://"))
    assert (limiter.token.count, limiter.address.count, limiter.failures.count) == (200, 600, 20)


def test_the_window_slides_and_retry_after_says_when_one_more_fits(frozen):
    clock = frozen
    clock[0] = 1000.0  # a window edge (1000 = 100 * 10)
    limiter = RateLimiter(Limit("token", 10, 10.0), None, None)
    for _ in range(10):
        limiter.check("a", "t")
    with pytest.raises(TooManyRequests) as refused:
        limiter.check("a", "t")
    # 11 in this window: in the next, the 11 weigh 11 * (1 - f); one more fits once that is <= 9.
    assert refused.value.retry_after == 12  # 10 + 10 * (1 - 9/11) = 11.8
    clock[0] = 1011.0  # 10% into the next window: 11 * 0.9 = 9.9 counted, one more is over 10
    with pytest.raises(TooManyRequests):
        limiter.check("a", "t")
    clock[0] = 1016.0  # 11 * 0.4 + 2 = 6.4 (the refused one counted): mostly slid out
    limiter.check("a", "t")
    clock[0] = 1040.0  # long after: nothing left
    assert limiter.check("a", "t").remaining == 9


def test_memory_counts_forget_old_windows():
    counts = MemoryCounts()
    counts.sweep_above = 10
    limit = Limit("address", 5, 1.0)
    for i in range(20):
        counts.count([(f"a:{i}", limit)], [], 100.0)
    counts.count([("a:late", limit)], [], 200.0)
    assert len(counts._counts) <= 11


@pytest.mark.integration
def test_replicas_share_their_counts_through_redis(harness, redis_url, bus_namespace):
    settings = {"rate_limit_token": "5/60", "redis_url": redis_url, "namespace": bus_namespace}
    first = _gateway(harness, **settings)
    token = _token(first)  # both replicas read the one tokens database
    second = _gateway(harness, **settings)
    a, b = first.app.test_client(), second.app.test_client()
    assert [a.get(PATH, headers=token).status_code for _ in range(3)] == [404] * 3
    assert [b.get(PATH, headers=token).status_code for _ in range(2)] == [404] * 2
    _too_many(b.get(PATH, headers=token))
    _too_many(a.get(PATH, headers=token))
    # Another namespace (installation, test run) on the same Redis counts apart.
    apart = _gateway(harness, **settings | {"namespace": bus_namespace + "other."})
    assert apart.app.test_client().get(PATH, headers=token).status_code == 404


@pytest.mark.integration
def test_failures_are_shared_through_redis_too(harness, redis_url, bus_namespace):
    settings = {"rate_limit_auth_failures": "2/60", "redis_url": redis_url, "namespace": bus_namespace}
    a, b = (_gateway(harness, **settings).app.test_client() for _ in range(2))
    assert a.get(PATH, headers={"Authorization": "Bearer rly_x"}).status_code == 401
    assert b.get(PATH, headers={"Authorization": "Bearer rly_y"}).status_code == 401
    _too_many(a.get(PATH, headers={"Authorization": "Bearer rly_z"}))


def test_without_redis_the_gateway_answers_and_counts_in_process(harness):
    # Nothing listens on port 1: the store fails over and the limit still holds.
    gw = _gateway(harness, rate_limit_token="3/60", redis_url="redis://127.0.0.1:1/0")
    client, token = gw.app.test_client(), _token(gw)
    assert [client.get(PATH, headers=token).status_code for _ in range(3)] == [404] * 3
    _too_many(client.get(PATH, headers=token))
