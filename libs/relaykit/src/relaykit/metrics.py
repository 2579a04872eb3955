"""The Prometheus metrics every service exposes on /metrics.

Defined once per process with a `service` label, so the all-in-one process
(every service in one registry) and a single-service process read alike.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

# The *_created series double the output and nobody graphs them.
disable_created_metrics()

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

http_request_seconds = Histogram(
    "relay_http_request_duration_seconds",
    "HTTP request latency by route and status",
    ["service", "method", "route", "status"],
    buckets=_LATENCY_BUCKETS,
)
events_published = Counter("relay_events_published_total", "Messages published from the outbox", ["service", "type"])
events_consumed = Counter(
    "relay_events_consumed_total",
    "Messages taken by a consumer, by outcome (handled, duplicate, stale, ignored)",
    ["service", "consumer", "type", "outcome"],
)
events_failed = Counter(
    "relay_events_failed_total", "Handler failures sent to a retry", ["service", "consumer", "type"]
)
events_dead_lettered = Counter(
    "relay_events_dead_lettered_total",
    "Messages moved to a dead-letter queue",
    ["service", "consumer", "type", "reason"],
)
outbox_backlog = Gauge("relay_outbox_backlog", "Outbox rows committed but not yet published", ["service"])
outbox_publish_lag_seconds = Histogram(
    "relay_outbox_publish_lag_seconds",
    "Time from outbox commit to broker confirm",
    ["service"],
    buckets=_LATENCY_BUCKETS,
)
handler_seconds = Histogram(
    "relay_handler_duration_seconds",
    "Consumer handler latency, including its transaction",
    ["service", "consumer", "type"],
    buckets=_LATENCY_BUCKETS,
)
rate_limited = Counter("relay_rate_limited_total", "Requests the gateway refused with 429, by limit", ["limit"])
