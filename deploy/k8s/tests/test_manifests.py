"""The Kubernetes manifests and Dockerfiles, checked against each other and against the code.

Overlays are rendered by kustomize_lite (beside this file; no kustomize binary is
needed) and every object is validated against the Kubernetes OpenAPI schemas that
kubernetes-validate ships, offline. The production overlay is rendered with
secrets.env.example standing in for the operator's secrets.env.
"""

from __future__ import annotations

import base64
import copy
import functools
import importlib.util
import json
import re
import shlex
import sys
import tomllib
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml
from sqlalchemy import make_url

from relaykit.service import discover

HERE = Path(__file__).resolve().parent
K8S = HERE.parent
REPO = K8S.parents[1]
OVERLAYS = ("dev", "production")
SUBSTITUTES = {"production": {"secrets.env": K8S / "overlays/production/secrets.env.example"}}
IMAGE_PREFIX = "ghcr.io/relay-desk/relay-"
WORKLOADS = {"Deployment", "StatefulSet"}
# The settings the brief of these manifests names; the scan of the code must find them all.
DOCUMENTED_ENV = {
    "DATABASE_URL",
    "AMQP_URL",
    "RELAY_IDENTITY_SECRET",
    "RELAY_NAMESPACE",
    "RELAY_LOG_FORMAT",
    "RELAY_DATA_DIR",
    "RELAY_WEB_THREADS",
}
DOCKERFILE_DIRS = (
    "services/tickets",
    "services/sla",
    "services/routing",
    "services/notify",
    "services/mail-ingest",
    "services/portal",
    "gateway",
)


def _load_renderer():
    spec = importlib.util.spec_from_file_location("kustomize_lite", HERE / "kustomize_lite.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


kl = _load_renderer()
K8S_VERSION = kubernetes_validate.utils.latest_version()


@functools.cache
def _render(name: str) -> tuple[dict[str, Any], ...]:
    path = K8S / "base" if name == "base" else K8S / "overlays" / name
    return tuple(kl.render(path, substitute=SUBSTITUTES.get(name)))


def rendered(name: str) -> list[dict[str, Any]]:
    return copy.deepcopy(list(_render(name)))


def of_kind(objs: list[dict[str, Any]], *kinds: str) -> list[dict[str, Any]]:
    return [o for o in objs if o["kind"] in kinds]


def by_name(objs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [o for o in objs if o["kind"] == kind and o["metadata"]["name"] == name]
    assert found, f"no {kind}/{name}"
    return found[0]


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    return workload["spec"]["template"]["spec"]


def all_containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    return pod.get("initContainers", []) + pod["containers"]


def is_relay(container: dict[str, Any]) -> bool:
    return container["image"].startswith(IMAGE_PREFIX)


def image_service(container: dict[str, Any]) -> str:
    """ghcr.io/relay-desk/relay-tickets:0.1.0 -> tickets"""
    return re.split(r"[:@]", container["image"].removeprefix(IMAGE_PREFIX))[0]


def option(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args else None


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def secret_data(objs: list[dict[str, Any]], name: str) -> dict[str, str]:
    secret = by_name(objs, "Secret", name)
    return {k: base64.b64decode(v).decode() for k, v in secret.get("data", {}).items()}


def quantity(value: str | int, *, cpu: bool) -> float:
    s = str(value)
    if cpu:
        return float(s[:-1]) / 1000 if s.endswith("m") else float(s)
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "K": 1e3, "M": 1e6, "G": 1e9}
    for unit, factor in units.items():
        if s.endswith(unit):
            return float(s[: -len(unit)]) * factor
    return float(s)


# What the code knows


@functools.cache
def known_targets() -> dict[str, str]:
    """Every `relay run --target` the installed services accept -> its service (see relaykit.cli.run)."""
    targets = {}
    for name, spec in discover().items():
        if spec.edge and name == "gateway":
            targets["gateway"] = name
            if spec.consumers:  # its directory copy's consumer (relay run --target gateway-worker)
                targets["gateway-worker"] = name
            continue
        if spec.routes is not None or spec.app_factory is not None:
            targets[f"{name}-api"] = name
        if spec.consumers or spec.publishes or spec.background:
            targets[f"{name}-worker"] = name
    return targets


def _source_files() -> list[Path]:
    roots = {"relaykit"} | {ep.module.split(".")[0] for ep in entry_points(group="relay.services")}
    files = []
    for root in sorted(roots):
        spec = importlib.util.find_spec(root)
        files += sorted(Path(spec.origin).parent.rglob("*.py"))
    return files


@functools.cache
def known_env() -> tuple[frozenset[str], frozenset[str]]:
    """(exact names, prefixes) of environment variables the installed code reads."""
    exact, prefixes = set(), set()
    read = re.compile(r"""(?:_env|environ\.get|getenv|environ\[)\(?\s*["']([A-Z][A-Z0-9_]*)["']""")
    prefix = re.compile(r"""startswith\(\s*["']([A-Z][A-Z0-9_]*_)["']""")
    for path in _source_files():
        text = path.read_text()
        exact.update(read.findall(text))
        prefixes.update(prefix.findall(text))
    # Settings.from_env: `<SERVICE>_DATABASE_URL` overrides DATABASE_URL for one service.
    exact.update(f"{name.upper().replace('-', '_')}_DATABASE_URL" for name in discover())
    return frozenset(exact), frozenset(prefixes)


def is_known_env(name: str) -> bool:
    exact, prefixes = known_env()
    return name in exact or any(name.startswith(p) and len(name) > len(p) for p in prefixes)


def env_names(container: dict[str, Any], objs: list[dict[str, Any]]) -> set[str]:
    names = {e["name"] for e in container.get("env", [])}
    for source in container.get("envFrom", []):
        ref = source.get("configMapRef") or source.get("secretRef")
        kind = "ConfigMap" if "configMapRef" in source else "Secret"
        obj = by_name(objs, kind, ref["name"])
        names |= {source.get("prefix", "") + key for key in obj.get("data", {})}
    return names


def test_the_scan_of_the_code_finds_the_documented_settings():
    exact, prefixes = known_env()
    assert exact >= DOCUMENTED_ENV
    assert "RELAY_UPSTREAM_" in prefixes
    assert set(known_targets()) >= {"gateway", "gateway-worker", "tickets-api", "tickets-worker", "sla-worker"}


# Rendering and schemas


@pytest.mark.parametrize("name", ["base", *OVERLAYS])
def test_renders_and_every_object_matches_the_kubernetes_schema(name):
    objs = rendered(name)
    assert objs
    problems = []
    for obj in objs:
        try:
            kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as e:
            problems.append(f"{obj['kind']}/{obj['metadata']['name']}: {e.message} at {list(e.absolute_path)}")
    assert not problems, "\n".join(problems)
    for obj in objs:
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == "relay", obj["metadata"]
    assert [o["metadata"]["name"] for o in of_kind(objs, "Namespace")] == ["relay"]


def test_production_needs_the_operators_secrets_file():
    if (K8S / "overlays/production/secrets.env").exists():
        pytest.skip("secrets.env exists in this checkout")
    with pytest.raises(kl.KustomizeError, match=r"secrets\.env"):
        kl.render(K8S / "overlays/production")


@pytest.mark.parametrize("name", OVERLAYS)
def test_every_reference_to_a_config_map_or_secret_resolves(name):
    objs = rendered(name)
    for workload in of_kind(objs, *WORKLOADS):
        for c in all_containers(pod_spec(workload)):
            for source in c.get("envFrom", []):
                kind, ref = (
                    ("ConfigMap", source["configMapRef"])
                    if "configMapRef" in source
                    else ("Secret", source["secretRef"])
                )
                by_name(objs, kind, ref["name"])
            for e in c.get("env", []):
                src = e.get("valueFrom", {})
                for kind, field in (("Secret", "secretKeyRef"), ("ConfigMap", "configMapKeyRef")):
                    if field in src:
                        data = by_name(objs, kind, src[field]["name"]).get("data", {})
                        # An optional key (the gateway's RELAY_REDIS_URL) may be left out.
                        if not src[field].get("optional"):
                            assert src[field]["key"] in data, (workload["metadata"]["name"], c["name"], e["name"])


# Containers


@pytest.mark.parametrize("name", ["base", *OVERLAYS])
def test_every_container_has_resources_and_runs_unprivileged(name):
    objs = rendered(name)
    for workload in of_kind(objs, *WORKLOADS):
        pod = pod_spec(workload)
        where = workload["metadata"]["name"]
        assert pod["securityContext"]["runAsNonRoot"] is True, where
        assert pod["securityContext"]["runAsUser"] != 0, where
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", where
        assert pod.get("automountServiceAccountToken") is False, where
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for c in all_containers(pod):
            at = f"{where}/{c['name']}"
            res = c.get("resources", {})
            for kind in ("cpu", "memory"):
                request, limit = res.get("requests", {}).get(kind), res.get("limits", {}).get(kind)
                assert request and limit, f"{at}: {kind} request and limit"
                assert quantity(request, cpu=kind == "cpu") <= quantity(limit, cpu=kind == "cpu"), at
            sc = c.get("securityContext", {})
            assert sc.get("allowPrivilegeEscalation") is False, at
            assert sc.get("capabilities", {}).get("drop") == ["ALL"], at
            assert sc.get("runAsUser", pod["securityContext"]["runAsUser"]) != 0, at
            if is_relay(c):
                assert sc.get("readOnlyRootFilesystem") is True, at
                tmp = [m for m in c.get("volumeMounts", []) if m["mountPath"] == "/tmp"]
                assert tmp and "emptyDir" in volumes[tmp[0]["name"]], f"{at}: /tmp must be a writable emptyDir"


@pytest.mark.parametrize("name", ["base", *OVERLAYS])
def test_every_serving_container_has_liveness_and_readiness_probes(name):
    objs = rendered(name)
    for workload in of_kind(objs, *WORKLOADS):
        pod = pod_spec(workload)
        for c in pod["containers"]:
            at = f"{workload['metadata']['name']}/{c['name']}"
            assert c.get("ports"), f"{at}: declares no port"
            assert c.get("livenessProbe") and c.get("readinessProbe"), at
            if not is_relay(c):
                continue
            ports = {p["name"]: p["containerPort"] for p in c["ports"]}
            assert int(option(c["args"], "--port")) in ports.values(), at
            for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
                http = c[probe]["httpGet"]
                assert http["path"] == path, at
                port = ports.get(http["port"], http["port"])
                assert port == int(option(c["args"], "--port")), f"{at}: {probe} must hit the port relay serves"
            annotations = workload["spec"]["template"]["metadata"].get("annotations", {})
            assert annotations.get("prometheus.io/scrape") == "true", at
            assert int(annotations["prometheus.io/port"]) == metrics_port(c) == ports["metrics"], at
            assert annotations.get("prometheus.io/path") == "/metrics", at


def metrics_port(container: dict[str, Any]) -> int:
    """Where a relay container serves /metrics: a worker's one port, else --metrics-port."""
    target = option(container["args"], "--target")
    if target.endswith("-worker"):
        return int(option(container["args"], "--port"))
    return int(option(container["args"], "--metrics-port"))


@pytest.mark.parametrize("name", ["base", *OVERLAYS])
def test_metrics_are_scraped_on_a_port_no_service_publishes(name):
    """/metrics names every route, its timings and the process: the public apps have
    none, and the operations listener that has it is never behind a Service."""
    objs = rendered(name)
    published: list[tuple[dict[str, Any], int | str]] = []
    for s in of_kind(objs, "Service"):
        for port in s["spec"]["ports"]:
            published.append((s["spec"]["selector"], port.get("targetPort", port["port"])))
    serving = 0
    for workload in of_kind(objs, "Deployment"):
        labels = workload["spec"]["template"]["metadata"]["labels"]
        for c in pod_spec(workload)["containers"]:
            if not is_relay(c) or option(c["args"], "--target") is None:
                continue
            at = f"{workload['metadata']['name']}/{c['name']}"
            ops = metrics_port(c)
            if not option(c["args"], "--target").endswith("-worker"):
                serving += 1
                assert ops != int(option(c["args"], "--port")), f"{at}: metrics on the public port"
            for selector, target in published:
                if selects(selector, labels):
                    assert target not in ("metrics", ops), f"{at}: a Service publishes the metrics port"
    assert serving >= 3  # the gateway and every API


@pytest.mark.parametrize("name", OVERLAYS)
def test_every_relay_container_runs_a_real_target(name):
    objs = rendered(name)
    deployed = set()
    for workload in of_kind(objs, *WORKLOADS):
        for c in all_containers(pod_spec(workload)):
            if not is_relay(c):
                continue
            at = f"{workload['metadata']['name']}/{c['name']}"
            service, args = image_service(c), c["args"]
            assert c["command"] == ["relay"], at
            if args[0] == "run":
                target = option(args, "--target")
                assert target in known_targets(), f"{at}: unknown target {target!r}; real: {sorted(known_targets())}"
                assert known_targets()[target] == service, f"{at}: {target} is not in the relay-{service} image"
                assert option(args, "--host") == "0.0.0.0", at
                assert "--no-migrate" in args, f"{at}: the migrate initContainer migrates"
                assert c in pod_spec(workload)["containers"], at
                deployed.add(target)
            else:
                assert args[0] == "migrate" and args[1:] == [service], at
                assert service in discover(), at
                # It runs before the pod's service starts.
                assert c in pod_spec(workload).get("initContainers", []), at
        services = {image_service(c) for c in pod_spec(workload)["containers"] if is_relay(c)}
        for svc in services:
            migrations = [c for c in pod_spec(workload).get("initContainers", []) if c["args"] == ["migrate", svc]]
            assert migrations, f"{workload['metadata']['name']}: no migrate initContainer"
    assert deployed == set(known_targets()), "every target the code has runs in a Deployment, and only those"


@pytest.mark.parametrize("name", OVERLAYS)
def test_every_environment_variable_is_one_the_code_reads(name):
    objs = rendered(name)
    for workload in of_kind(objs, *WORKLOADS):
        for c in all_containers(pod_spec(workload)):
            if not is_relay(c):
                continue
            unknown = sorted(n for n in env_names(c, objs) if not is_known_env(n))
            assert not unknown, f"{workload['metadata']['name']}/{c['name']}: unknown settings {unknown}"


@pytest.mark.parametrize("name", OVERLAYS)
def test_the_gateway_reaches_every_api_through_its_service(name):
    objs = rendered(name)
    gateway = next(c for c in pod_spec(by_name(objs, "Deployment", "gateway"))["containers"] if is_relay(c))
    upstreams = {
        e["name"].removeprefix("RELAY_UPSTREAM_").lower().replace("_", "-"): e["value"]
        for e in gateway["env"]
        if e["name"].startswith("RELAY_UPSTREAM_")
    }
    apis = {known_targets()[t] for t in known_targets() if t.endswith("-api")}
    assert set(upstreams) == apis
    for service_name, url in upstreams.items():
        parts = urlsplit(url)
        service = by_name(objs, "Service", parts.hostname)
        assert parts.port in [p["port"] for p in service["spec"]["ports"]], url
        backends = [
            w
            for w in of_kind(objs, "Deployment")
            if selects(service["spec"]["selector"], w["spec"]["template"]["metadata"]["labels"])
        ]
        targets = {option(c["args"], "--target") for w in backends for c in pod_spec(w)["containers"]}
        assert targets == {f"{service_name}-api"}, url


# Objects that refer to each other


@pytest.mark.parametrize("name", OVERLAYS)
def test_every_deployment_has_a_disruption_budget(name):
    objs = rendered(name)
    pdbs = of_kind(objs, "PodDisruptionBudget")
    deployments = of_kind(objs, "Deployment")
    for d in deployments:
        labels = d["spec"]["template"]["metadata"]["labels"]
        assert any(selects(p["spec"]["selector"]["matchLabels"], labels) for p in pdbs), d["metadata"]["name"]
    for p in pdbs:
        selected = [
            d
            for d in deployments
            if selects(p["spec"]["selector"]["matchLabels"], d["spec"]["template"]["metadata"]["labels"])
        ]
        assert len(selected) == 1, p["metadata"]["name"]
        assert "maxUnavailable" in p["spec"], "maxUnavailable never blocks a drain of a single replica"


@pytest.mark.parametrize("name", OVERLAYS)
def test_every_autoscaler_targets_a_deployment_with_cpu_requests(name):
    objs = rendered(name)
    hpas = of_kind(objs, "HorizontalPodAutoscaler")
    assert {h["metadata"]["name"] for h in hpas} == {"gateway", "tickets-api", "sla-api", "notify-api"}
    for h in hpas:
        ref = h["spec"]["scaleTargetRef"]
        assert (ref["apiVersion"], ref["kind"]) == ("apps/v1", "Deployment")
        target = by_name(objs, "Deployment", ref["name"])
        assert 1 <= h["spec"]["minReplicas"] <= h["spec"]["maxReplicas"]
        assert h["spec"]["minReplicas"] == target["spec"]["replicas"], "start where the autoscaler starts"
        assert all(c["resources"]["requests"].get("cpu") for c in pod_spec(target)["containers"])


@pytest.mark.parametrize("name", OVERLAYS)
def test_every_service_selects_pods_that_serve_its_ports(name):
    objs = rendered(name)
    for s in of_kind(objs, "Service"):
        selector = s["spec"]["selector"]
        backends = [
            w for w in of_kind(objs, *WORKLOADS) if selects(selector, w["spec"]["template"]["metadata"]["labels"])
        ]
        assert len(backends) == 1, s["metadata"]["name"]
        ports = {(p.get("name"), p["containerPort"]) for c in pod_spec(backends[0])["containers"] for p in c["ports"]}
        for port in s["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            assert any(target in pair for pair in ports), f"{s['metadata']['name']}: targetPort {target}"
    for w in of_kind(objs, "Deployment", "StatefulSet"):
        selector = w["spec"]["selector"]["matchLabels"]
        assert selects(selector, w["spec"]["template"]["metadata"]["labels"]), w["metadata"]["name"]


# Overlay specifics


def test_dev_runs_one_replica_of_everything_with_its_own_postgres_and_rabbitmq():
    objs = rendered("dev")
    assert {w["spec"]["replicas"] for w in of_kind(objs, *WORKLOADS)} == {1}
    images = {c["image"] for w in of_kind(objs, "StatefulSet") for c in pod_spec(w)["containers"]}
    assert images == {"postgres:15", "rabbitmq:3.12-management"}

    relay, infra = secret_data(objs, "relay-secrets"), secret_data(objs, "relay-dev-infra")
    db = make_url(relay["DATABASE_URL"])
    assert (db.username, db.password) == (infra["POSTGRES_USER"], infra["POSTGRES_PASSWORD"])
    assert "{service}" in db.database, "each service gets its own database"
    amqp = urlsplit(relay["AMQP_URL"])
    assert (amqp.username, amqp.password) == (infra["RABBITMQ_DEFAULT_USER"], infra["RABBITMQ_DEFAULT_PASS"])
    for host, port in ((db.host, db.port), (amqp.hostname, amqp.port)):
        assert port in [p["port"] for p in by_name(objs, "Service", host)["spec"]["ports"]]


def test_production_is_bigger_pinned_and_takes_its_secrets_from_the_operator():
    dev, prod = rendered("dev"), rendered("production")
    for d in of_kind(prod, "Deployment"):
        assert d["spec"]["replicas"] >= 2
        small = by_name(dev, "Deployment", d["metadata"]["name"])
        big, little = pod_spec(d)["containers"][0]["resources"], pod_spec(small)["containers"][0]["resources"]
        assert quantity(big["limits"]["memory"], cpu=False) > quantity(little["limits"]["memory"], cpu=False)
        assert quantity(big["limits"]["cpu"], cpu=True) > quantity(little["limits"]["cpu"], cpu=True)
    for h in of_kind(prod, "HorizontalPodAutoscaler"):
        assert (
            h["spec"]["maxReplicas"]
            > by_name(dev, "HorizontalPodAutoscaler", h["metadata"]["name"])["spec"]["maxReplicas"]
        )
    for w in of_kind(prod, *WORKLOADS):
        for c in all_containers(pod_spec(w)):
            assert is_relay(c), "production runs no database or broker of its own"
            assert not c["image"].endswith(":latest"), c["image"]
    assert not of_kind(prod, "StatefulSet")
    assert set(secret_data(prod, "relay-secrets")) == {"DATABASE_URL", "AMQP_URL", "RELAY_IDENTITY_SECRET"}
    assert "secrets.env" in (K8S / "overlays/production/.gitignore").read_text().split()


# Dockerfiles


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    lines, current = [], ""
    for raw in path.read_text().splitlines():
        if raw.lstrip().startswith("#") and not current:
            continue
        current += raw.rstrip()
        if current.endswith("\\"):
            current = current[:-1] + " "
            continue
        if current.strip():
            instruction, _, rest = current.strip().partition(" ")
            lines.append((instruction.upper(), rest.strip()))
        current = ""
    return lines


def service_entry_points(directory: str) -> set[str]:
    project = tomllib.loads((REPO / directory / "pyproject.toml").read_text())["project"]
    return set(project.get("entry-points", {}).get("relay.services", {}))


BASE_DOCKERFILE = REPO / "deploy/docker/base.Dockerfile"


def _non_root(steps) -> None:
    user = [arg for ins, arg in steps if ins == "USER"][-1]
    assert user.split(":")[0].isdigit() and int(user.split(":")[0]) != 0, "a numeric non-root USER"


def _pip_installed(steps) -> list[str]:
    installed = []
    for ins, arg in steps:
        if ins == "RUN" and "pip install" in arg:
            assert "--no-cache-dir" in arg
            installed += [a.removeprefix("/src/") for a in shlex.split(arg) if a.startswith("/src/")]
    return installed


def test_the_base_image_holds_python_the_contracts_and_the_kit_and_runs_as_non_root():
    steps = dockerfile_instructions(BASE_DOCKERFILE)
    assert [arg for ins, arg in steps if ins == "FROM"] == ["python:3.11-slim"]
    assert [arg.split()[0] for ins, arg in steps if ins == "COPY"] == ["contracts", "libs/relaykit"]
    assert _pip_installed(steps) == ["contracts", "libs/relaykit"]
    _non_root(steps)
    assert json.loads(dict(steps)["ENTRYPOINT"]) == ["relay"]
    for ins, arg in steps:
        if ins == "ENV":
            for name in re.findall(r"(RELAY_[A-Z_]+)=", arg):
                assert is_known_env(name), name


@pytest.mark.parametrize("directory", DOCKERFILE_DIRS)
def test_each_service_image_adds_only_its_own_package_to_the_base(directory):
    path = REPO / directory / "Dockerfile"
    assert path.is_file()
    steps = dockerfile_instructions(path)
    base = next(arg for ins, arg in steps if ins == "ARG" and arg.startswith("BASE="))
    assert base.split("=", 1)[1].split(":")[0] == "ghcr.io/relay-desk/relay-base"
    assert [arg for ins, arg in steps if ins == "FROM"] == ["${BASE}"]
    assert [arg.split()[0] for ins, arg in steps if ins == "COPY"] == [directory]
    assert _pip_installed(steps) == [directory]
    packages = tomllib.loads((REPO / directory / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"]
    assert all((REPO / directory / p).is_dir() for p in packages["wheel"]["packages"])
    _non_root(steps)

    cmd = json.loads([arg for ins, arg in steps if ins == "CMD"][-1])
    names = service_entry_points(directory)
    targets = {t for t, svc in known_targets().items() if svc in names}
    if not targets:
        assert cmd == ["--help"], "a service without a target only shows the help"
        return
    assert cmd[0] == "run" and option(cmd, "--target") in targets
    exposed = {int(p) for ins, arg in steps if ins == "EXPOSE" for p in arg.split()}
    assert int(option(cmd, "--port")) in exposed


def test_every_image_the_manifests_use_has_its_dockerfile():
    for name in OVERLAYS:
        for workload in of_kind(rendered(name), *WORKLOADS):
            for c in all_containers(pod_spec(workload)):
                if is_relay(c):
                    service = image_service(c)
                    directory = next(d for d in DOCKERFILE_DIRS if d.rsplit("/", 1)[-1] == service)
                    assert service in service_entry_points(directory)
                    assert (REPO / directory / "Dockerfile").is_file()


def test_dockerignore_keeps_the_context_small_but_the_packages_in():
    patterns = {line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()}
    assert {".git", ".venv", "var"} <= patterns
    assert not patterns & {"contracts", "libs", "services", "gateway", "libs/relaykit"}


# The renderer itself


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


CONFIG = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: '1'}\n"
DEPLOYMENT = yaml.safe_dump(
    {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d"},
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "a", "image": "x/a", "args": ["1", "2"], "env": [{"name": "E", "value": "1"}]},
                        {"name": "b", "image": "x/b:1"},
                    ]
                }
            }
        },
    }
)


def test_renderer_refuses_what_it_does_not_implement(tmp_path):
    write(tmp_path / "c.yaml", CONFIG)
    write(tmp_path / "kustomization.yaml", "resources: [c.yaml]\nnamePrefix: x-\n")
    with pytest.raises(kl.KustomizeError, match="namePrefix"):
        kl.render(tmp_path)
    write(tmp_path / "kustomization.yaml", "resources: [c.yaml]\nconfigMapGenerator: [{name: g, literals: [A=1]}]\n")
    with pytest.raises(kl.KustomizeError, match="disableNameSuffixHash"):
        kl.render(tmp_path)
    write(tmp_path / "p.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    write(
        tmp_path / "kustomization.yaml", "resources: [c.yaml]\npatches: [{path: p.yaml, target: {kind: ConfigMap}}]\n"
    )
    with pytest.raises(kl.KustomizeError, match="strategic-merge"):
        kl.render(tmp_path)


def test_renderer_merges_containers_by_name_and_sets_images_labels_namespace(tmp_path):
    write(tmp_path / "base/d.yaml", DEPLOYMENT)
    write(tmp_path / "base/kustomization.yaml", "resources: [d.yaml]\nimages: [{name: x/a, newTag: '2'}]\n")
    write(
        tmp_path / "overlay/p.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n"
        "      containers:\n      - {name: b, args: [z], env: [{name: F, value: '2'}]}\n"
        "      - {name: a, args: [y], env: [{name: E, value: '9'}]}\n",
    )
    write(
        tmp_path / "overlay/kustomization.yaml",
        "resources: [../base]\nnamespace: n\npatches: [{path: p.yaml}]\n"
        "labels: [{pairs: {l: v}, includeTemplates: true}]\nimages: [{name: x/b, newName: y/b, newTag: '3'}]\n",
    )
    [d] = kl.render(tmp_path / "overlay")
    a, b = d["spec"]["template"]["spec"]["containers"]
    assert (a["image"], a["args"], a["env"]) == ("x/a:2", ["y"], [{"name": "E", "value": "9"}])
    assert (b["image"], b["args"], b["env"]) == ("y/b:3", ["z"], [{"name": "F", "value": "2"}])
    assert d["metadata"]["namespace"] == "n"
    assert d["metadata"]["labels"] == {"l": "v"} == d["spec"]["template"]["metadata"]["labels"]


def test_renderer_refuses_lists_it_cannot_merge_and_missing_files(tmp_path):
    write(tmp_path / "d.yaml", DEPLOYMENT)
    write(
        tmp_path / "p.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n"
        "      containers:\n      - {name: a, ports: [{containerPort: 1}]}\n",
    )
    write(tmp_path / "kustomization.yaml", "resources: [d.yaml]\npatches: [{path: p.yaml}]\n")
    kl.render(tmp_path)  # ports only on one side: set
    write(tmp_path / "kustomization.yaml", "resources: [d.yaml]\npatches: [{path: p.yaml}, {path: p.yaml}]\n")
    with pytest.raises(kl.KustomizeError, match="ports"):
        kl.render(tmp_path)

    write(
        tmp_path / "kustomization.yaml",
        "generatorOptions: {disableNameSuffixHash: true}\nsecretGenerator: [{name: s, envs: [s.env]}]\n",
    )
    with pytest.raises(kl.KustomizeError, match=r"s\.env"):
        kl.render(tmp_path)
    example = write(tmp_path / "s.env.example", "# comment\nA=b=c\n\n")
    [secret] = kl.render(tmp_path, substitute={"s.env": example})
    assert base64.b64decode(secret["data"]["A"]).decode() == "b=c"
