"""Exchange and queue names and declarations, in one place for publishers and consumers.

For a consumer `<service>.<consumer>` there are:
- the work queue, bound to `relay.events` with the message types it handles;
- one delay queue per retry delay (`<queue>.retry.<N>s`), whose TTL dead-letters
  messages back into the work queue;
- the dead-letter queue `<queue>.dead`, where the reason travels in headers.
Names carry the installation's namespace prefix (RELAY_NAMESPACE).
"""

from __future__ import annotations

from collections.abc import Iterable

from kombu import Exchange, Queue, binding

from relay_contracts import ConsumerBinding

EXCHANGE = "relay.events"


def _fmt_delay(seconds: float) -> str:
    return f"{seconds:g}s"


class Topology:
    def __init__(self, namespace: str = "", retry_delays: Iterable[float] = (), *, delay_queues: bool = True):
        self.namespace = namespace
        self.retry_delays = tuple(retry_delays)
        # kombu's memory transport has no TTL dead-lettering; the consumer then delays in-process.
        self.delay_queues = delay_queues
        self.exchange = Exchange(namespace + EXCHANGE, type="topic", durable=True)

    def queue_name(self, service: str, consumer: str) -> str:
        return f"{self.namespace}{service}.{consumer}"

    def dead_queue_name(self, queue: str) -> str:
        return f"{queue}.dead"

    def retry_queue_name(self, queue: str, attempt: int) -> str:
        return f"{queue}.retry.{_fmt_delay(self.retry_delays[attempt - 1])}"

    def work_queue(self, b: ConsumerBinding) -> Queue:
        name = self.queue_name(b.service, b.consumer)
        return Queue(
            name,
            bindings=[binding(self.exchange, routing_key=key) for key in b.routing_keys],
            durable=True,
        )

    def side_queues(self, b: ConsumerBinding) -> list[Queue]:
        work = self.queue_name(b.service, b.consumer)
        queues = [Queue(self.dead_queue_name(work), durable=True)]
        if self.delay_queues:
            for attempt, delay in enumerate(self.retry_delays, start=1):
                queues.append(
                    Queue(
                        self.retry_queue_name(work, attempt),
                        durable=True,
                        queue_arguments={
                            "x-message-ttl": int(delay * 1000),
                            "x-dead-letter-exchange": "",
                            "x-dead-letter-routing-key": work,
                        },
                    )
                )
        return queues

    def declare(self, channel, bindings: Iterable[ConsumerBinding]) -> None:
        """Declare the exchange and, for each binding, its work, retry and dead queues."""
        self.exchange(channel).declare()
        for b in bindings:
            self.work_queue(b)(channel).declare()
            for q in self.side_queues(b):
                q(channel).declare()

    def all_queue_names(self, bindings: Iterable[ConsumerBinding]) -> list[str]:
        names = []
        for b in bindings:
            names.append(self.queue_name(b.service, b.consumer))
            names += [q.name for q in self.side_queues(b)]
        return names
