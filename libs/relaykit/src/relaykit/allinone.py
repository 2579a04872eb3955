"""Every service in one process (`make run`): SQLite files under ./var, the embedded
bus (one more SQLite file there, relaykit.bus.embedded: a kill loses no message),
relays and consumers on threads, the gateway in front.

The same service code as the distributed mode; only the composition differs.
"""

from __future__ import annotations

import logging
import os
import signal
import threading

from relaykit import logs
from relaykit.runner import TaskRunner
from relaykit.service import Runtime, ServiceSpec, discover
from relaykit.settings import Settings

log = logging.getLogger(__name__)


def build(specs: dict[str, ServiceSpec] | None = None) -> tuple[dict[str, Runtime], Runtime]:
    """Runtimes for every service plus the gateway wired to them in-process."""
    specs = specs or discover()
    services = {n: Runtime(s, Settings.from_env(n)) for n, s in specs.items() if not s.edge}
    edges = [s for s in specs.values() if s.edge]
    if len(edges) != 1:
        raise RuntimeError(f"expected exactly one gateway, found {[s.name for s in edges]}")
    gateway = Runtime(edges[0], Settings.from_env(edges[0].name))
    gateway.upstreams = {n: rt.app for n, rt in services.items() if rt.spec.has_api}
    return services, gateway


def _ops_server(app, host: str, port: int):
    """The operations listener on `port` (`relay run` asks for its public port + 1, so a
    bookmarked metrics URL keeps working); any free port when that one is taken."""
    from relaykit.serving import background_server

    try:
        return background_server(app, host, port)
    except OSError:
        log.warning("metrics port taken; using a free one", extra={"port": port})
        return background_server(app, host, 0)


def run(
    host: str = "127.0.0.1", port: int = 8080, demo: bool = True, metrics: tuple[str, int] = ("127.0.0.1", 0)
) -> None:
    os.environ.setdefault("RELAY_LOG_FORMAT", "text")
    first = Settings.from_env("relay")
    logs.configure(first.log_level, first.log_format)
    services, gateway = build()
    for rt in [*services.values(), gateway]:
        rt.migrate()
    runner = TaskRunner()
    # The gateway has background work too: its consumer keeps the copy of who may sign in.
    for name, rt in [*services.items(), (gateway.spec.name, gateway)]:
        runner.start(rt.tasks(), owner=name)

    from relaykit import serving
    from relaykit.ops import create_ops_app
    from relaykit.serving import public_server

    server = public_server(gateway.app, host, port)
    # One registry holds every service's metrics; not on the public port (relaykit.ops).
    ops = _ops_server(create_ops_app(gateway), *metrics)
    lines = []
    if demo:
        for rt in [*services.values(), gateway]:
            if rt.spec.demo:
                rt.spec.demo(rt)
        lines = gateway.app.extensions.get("relay.banner", [])
    base = f"http://{host}:{port}"
    print(
        f"\nRelay is running (all-in-one: SQLite and the bus in {first.data_dir}/)\n"
        f"  gateway          {base}/\n"
        f"  API (OpenAPI)    {base}/api/openapi.json\n"
        f"  metrics          http://{metrics[0]}:{ops.port}/metrics   (operations port, not public)\n"
        + "".join(f"  {line.format(base=base)}\n" for line in lines)
        + "Press Ctrl-C to stop.\n",
        flush=True,
    )

    def _stop(*_: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()
        threading.Thread(target=serving.stop, daemon=True).start()

    signal.signal(signal.SIGTERM, _stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping...", flush=True)
        serving.stop()  # the gateway's event streams end
        runner.shutdown()
        for rt in [*services.values(), gateway]:
            rt.db.dispose()
