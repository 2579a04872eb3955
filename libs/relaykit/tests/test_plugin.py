"""The test plugin's promise: in CI a missing server fails the run; elsewhere it skips."""

pytest_plugins = ["pytester"]

SUITE = """
def test_needs_the_broker(amqp_server):
    pass

def test_needs_the_database(postgres_server):
    pass
"""


def _run(pytester, monkeypatch, ci: str):
    monkeypatch.setenv("CI", ci)
    monkeypatch.setenv("RELAY_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:1//")
    monkeypatch.setenv("RELAY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:1/postgres")
    pytester.makepyfile(SUITE)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:xdist")


def test_missing_servers_fail_in_ci(pytester, monkeypatch):
    result = _run(pytester, monkeypatch, "true")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*RabbitMQ is required (CI=true) but unavailable*", "*PostgreSQL is required*"])


def test_missing_servers_skip_outside_ci(pytester, monkeypatch):
    result = _run(pytester, monkeypatch, "")
    result.assert_outcomes(skipped=2)
