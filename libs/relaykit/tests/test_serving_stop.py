"""A long answer (an event stream) ends as soon as gunicorn is told to stop: without
serving.on_stop the worker would wait out its graceful timeout (10 s) for it."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import time

import requests

from relaykit import serving

APP = textwrap.dedent(
    """
    import sys, threading
    from relaykit import serving

    def app(environ, start_response):
        done = threading.Event()
        serving.on_stop(done.set)
        start_response("200 OK", [("Content-Type", "text/event-stream")])

        def body():
            yield b"data: hello\\n\\n"
            while not done.wait(0.2):
                yield b": beat\\n\\n"
            yield b"event: bye\\ndata: {}\\n\\n"

        return body()

    serving.gunicorn_serve(lambda: app, "127.0.0.1:" + sys.argv[1], threads=2)
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_stream_ends_at_once_when_gunicorn_stops(tmp_path):
    script = tmp_path / "stream_app.py"
    script.write_text(APP)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, str(script), str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/", stream=True, timeout=5)
                break
            except requests.ConnectionError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read().decode()[-2000:]
                time.sleep(0.2)
        lines = response.iter_lines()
        assert next(lines) == b"data: hello"
        started = time.monotonic()
        proc.terminate()
        rest = list(lines)
        assert b"event: bye" in rest
        assert proc.wait(10) == 0
        assert time.monotonic() - started < 5
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_on_stop_runs_each_callback_once_and_at_once_after_the_stop(monkeypatch):
    monkeypatch.setattr(serving, "_stop_callbacks", [])
    monkeypatch.setattr(serving, "_stopped", type(serving._stopped)())
    calls: list[str] = []
    serving.on_stop(lambda: calls.append("a"))
    serving.on_stop(lambda: 1 / 0)  # a failing one does not stop the others
    serving.on_stop(lambda: calls.append("b"))
    serving.stop()
    serving.stop()
    assert calls == ["a", "b"]
    serving.on_stop(lambda: calls.append("late"))
    assert calls == ["a", "b", "late"]


def test_web_threads_the_environment_wins_over_a_services_default(monkeypatch):
    monkeypatch.delenv("RELAY_WEB_THREADS", raising=False)
    assert serving.web_threads() == serving.DEFAULT_WEB_THREADS
    assert serving.web_threads(256) == 256
    monkeypatch.setenv("RELAY_WEB_THREADS", "24")
    assert serving.web_threads(256) == 24
