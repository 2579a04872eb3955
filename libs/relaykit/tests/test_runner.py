import threading
import time

from relaykit.runner import TaskRunner


class OneShot:
    name = "one-shot"

    def __init__(self) -> None:
        self.calls = 0

    def run(self, stop: threading.Event) -> None:
        self.calls += 1


class CrashesTwice:
    name = "crashes-twice"

    def __init__(self) -> None:
        self.calls = 0

    def run(self, stop: threading.Event) -> None:
        self.calls += 1
        if self.calls <= 2:
            raise RuntimeError("boom")
        stop.wait()


class IgnoresStop:
    name = "ignores-stop"

    def run(self, stop: threading.Event) -> None:
        time.sleep(30)


def test_a_task_that_returns_is_not_run_again():
    runner = TaskRunner()
    task = OneShot()
    runner.start([task])
    time.sleep(0.3)
    assert runner.shutdown(timeout=2) == []
    assert task.calls == 1


def test_a_crashed_task_is_restarted():
    runner = TaskRunner()
    task = CrashesTwice()
    runner.start([task])
    deadline = time.monotonic() + 10
    while task.calls < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert task.calls == 3
    assert runner.shutdown(timeout=2) == []


def test_shutdown_keeps_to_one_deadline_and_names_what_hung(capfd):
    runner = TaskRunner()
    runner.start([IgnoresStop(), IgnoresStop()], owner="svc")
    started = time.monotonic()
    assert runner.shutdown(timeout=0.5) == ["svc:ignores-stop", "svc:ignores-stop"]
    assert time.monotonic() - started < 2
    assert "test_runner.py" in capfd.readouterr().err  # where they hung, for whoever reads the log


def test_a_batch_loop_goes_on_at_once_while_batches_are_full_and_survives_a_failure():
    from relaykit.runner import BatchLoop

    class Drain(BatchLoop):
        name = "drain"
        interval = 30.0  # a pause would outlast the test
        batch = 10

        def __init__(self) -> None:
            self.left = [10, 10, "boom", 3]
            self.stop = threading.Event()

        def tick(self) -> int:
            item = self.left.pop(0)
            if item == "boom":
                self.interval = 0.01
                raise RuntimeError("the database went away")
            if not self.left:
                self.stop.set()
            return item

    loop = Drain()
    started = time.monotonic()
    loop.run(loop.stop)
    assert loop.left == [] and time.monotonic() - started < 5
