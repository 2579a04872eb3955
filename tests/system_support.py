"""Starting Relay the way a user does, as processes, and watching it."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

RELAY = [sys.executable, "-m", "relaykit.cli"]


def _probe() -> socket.socket:
    # As the servers bind (SO_REUSEADDR): a port whose old connections linger in
    # TIME_WAIT is free to them, and must count as free here.
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    return s


def free_port() -> int:
    with _probe() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_port_block(size: int) -> int:
    """A base port with `size` free ports above it (best effort)."""
    for _ in range(50):
        base = free_port()
        if base + size > 65000:
            continue
        ok = True
        for p in range(base, base + size):
            with _probe() as s:
                try:
                    s.bind(("127.0.0.1", p))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError("no free port block")


class Process:
    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log_path = log
        self.log = log.open("w")
        self.proc = subprocess.Popen(
            args,
            # Metrics on any free port: the all-in-one's default (its port + 1) may be the
            # port another test's process is about to take.
            env=os.environ | {"PYTHONUNBUFFERED": "1", "RELAY_METRICS_PORT": "0"} | env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text()

    def wait_http(self, url: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"exited with {self.proc.returncode}:\n{self.output()[-4000:]}")
            try:
                if requests.get(url, timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{url} did not answer in {timeout}s:\n{self.output()[-4000:]}")

    def interrupt(self, timeout: float = 30.0) -> int:
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            raise

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.log.close()


@pytest.fixture
def spawn(tmp_path):  # re-exported by conftest.py
    started: list[Process] = []

    def start(args: list[str], env: dict[str, str], name: str = "relay") -> Process:
        p = Process(args, env, tmp_path / f"{name}.log")
        started.append(p)
        return p

    yield start
    for p in started:
        p.kill()
