"""A small kustomize, for the tests: exactly the features deploy/k8s uses, nothing more.

There is no kustomize or kubectl binary where the tests run, so this renders an
overlay the way `kustomize build` would, for the subset below, and refuses anything
else loudly (an unknown key, a patch form it does not implement, a list it does not
know how to merge) instead of guessing.

Supported, per kustomization:
- `resources`: YAML files (several documents each) and directories holding a kustomization;
- `generatorOptions.disableNameSuffixHash: true` (required when there are generators:
  hashed names would need every reference rewritten, which this does not do);
- `configMapGenerator` / `secretGenerator`: `name`, `literals`, `envs` (KEY=VALUE
  lines, `#` comments), Secret `type`;
- `patches`: strategic-merge patches, one document each, from `path` or inline
  `patch`, matched to their resource by apiVersion group, kind and name (no `target`);
  maps merge deeply, `null` deletes, lists merge by their Kubernetes merge key
  (containers, initContainers, volumes, env by `name`; volumeMounts by `mountPath`),
  a few known atomic lists (args, command, HPA metrics) are replaced; any other list
  present on both sides is an error;
- `namespace` (namespaced kinds only), `labels` (`pairs`, `includeTemplates`; not
  `includeSelectors`), `images` (`name`, `newName`, `newTag`, `digest`).

Transformers run in kustomize's order: patches, namespace, labels, images.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
SUPPORTED_KEYS = {
    "apiVersion",
    "kind",
    "resources",
    "namespace",
    "labels",
    "images",
    "patches",
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
}
CLUSTER_SCOPED = {"Namespace"}
NAMESPACED = {
    "ConfigMap",
    "Secret",
    "Service",
    "Deployment",
    "StatefulSet",
    "Job",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
}
POD_TEMPLATE_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "volumes": "name",
    "env": "name",
    "volumeMounts": "mountPath",
}
ATOMIC_LISTS = {"args", "command", "metrics"}


class KustomizeError(Exception):
    pass


def render(path: Path | str, *, substitute: Mapping[str, Path | str] | None = None) -> list[dict[str, Any]]:
    """`kustomize build path`. `substitute` maps a generator's file path (relative to
    its kustomization, e.g. "secrets.env") to a file to read instead when the
    original does not exist, so an overlay can be rendered with its example secrets."""
    return _build(Path(path).resolve(), {k: Path(v) for k, v in (substitute or {}).items()}, ())


def _kustomization_file(directory: Path) -> Path:
    for name in KUSTOMIZATION_FILES:
        if (directory / name).is_file():
            return directory / name
    raise KustomizeError(f"{directory}: no kustomization file")


def _load_yaml_docs(path: Path) -> list[dict[str, Any]]:
    try:
        docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    except OSError as e:
        raise KustomizeError(f"{path}: {e}") from None
    for d in docs:
        if not isinstance(d, dict) or "kind" not in d or "metadata" not in d:
            raise KustomizeError(f"{path}: not a Kubernetes object: {str(d)[:80]}")
        if d["kind"].endswith("List"):
            raise KustomizeError(f"{path}: List objects are not supported")
    return docs


def _build(directory: Path, substitute: dict[str, Path], seen: tuple[Path, ...]) -> list[dict[str, Any]]:
    if directory in seen:
        raise KustomizeError(f"cycle: {' -> '.join(map(str, (*seen, directory)))}")
    kfile = _kustomization_file(directory)
    k = yaml.safe_load(kfile.read_text()) or {}
    unknown = set(k) - SUPPORTED_KEYS
    if unknown:
        raise KustomizeError(f"{kfile}: unsupported kustomization keys {sorted(unknown)}")
    if k.get("kind", "Kustomization") != "Kustomization":
        raise KustomizeError(f"{kfile}: kind {k['kind']!r} is not supported")

    objects: list[dict[str, Any]] = []
    for entry in k.get("resources", []):
        if "://" in entry or entry.startswith("github.com/"):
            raise KustomizeError(f"{kfile}: remote resource {entry!r} is not supported")
        target = (directory / entry).resolve()
        if target.is_dir():
            objects += _build(target, substitute, (*seen, directory))
        elif target.is_file():
            objects += _load_yaml_docs(target)
        else:
            raise KustomizeError(f"{kfile}: resource {entry!r} does not exist")

    objects += _generate(k, directory, kfile, substitute)
    _check_unique(objects, kfile)

    for patch in _patches(k, directory, kfile):
        _apply_patch(objects, patch, kfile)
    if "namespace" in k:
        for obj in objects:
            _set_namespace(obj, k["namespace"], kfile)
    for label in k.get("labels", []):
        _apply_labels(objects, label, kfile)
    for image in k.get("images", []):
        _apply_image(objects, image, kfile)
    return objects


def _check_unique(objects: list[dict[str, Any]], kfile: Path) -> None:
    ids = set()
    for obj in objects:
        rid = (obj["apiVersion"], obj["kind"], obj["metadata"].get("namespace"), obj["metadata"]["name"])
        if rid in ids:
            raise KustomizeError(f"{kfile}: {rid} defined twice")
        ids.add(rid)


# Generators


def _generate(k: dict[str, Any], directory: Path, kfile: Path, substitute: dict[str, Path]) -> list[dict[str, Any]]:
    generators = [("ConfigMap", g) for g in k.get("configMapGenerator", [])]
    generators += [("Secret", g) for g in k.get("secretGenerator", [])]
    options = k.get("generatorOptions", {})
    if set(options) - {"disableNameSuffixHash"}:
        raise KustomizeError(f"{kfile}: unsupported generatorOptions {sorted(set(options))}")
    if generators and options.get("disableNameSuffixHash") is not True:
        raise KustomizeError(f"{kfile}: generators need generatorOptions.disableNameSuffixHash: true here")
    out = []
    for kind, g in generators:
        allowed = {"name", "literals", "envs"} | ({"type"} if kind == "Secret" else set())
        if set(g) - allowed:
            raise KustomizeError(f"{kfile}: unsupported {kind} generator keys {sorted(set(g) - allowed)}")
        data: dict[str, str] = {}
        for literal in g.get("literals", []):
            key, sep, value = literal.partition("=")
            if not sep or not key:
                raise KustomizeError(f"{kfile}: literal {literal!r} is not KEY=VALUE")
            _put(data, key, value, kfile)
        for env in g.get("envs", []):
            for key, value in _read_env_file(directory, env, substitute, kfile):
                _put(data, key, value, kfile)
        obj: dict[str, Any] = {"apiVersion": "v1", "kind": kind, "metadata": {"name": g["name"]}}
        if kind == "Secret":
            obj["type"] = g.get("type", "Opaque")
            obj["data"] = {key: base64.b64encode(v.encode()).decode() for key, v in data.items()}
        else:
            obj["data"] = data
        out.append(obj)
    return out


def _put(data: dict[str, str], key: str, value: str, kfile: Path) -> None:
    if key in data:
        raise KustomizeError(f"{kfile}: key {key!r} given twice")
    data[key] = value


def _read_env_file(directory: Path, name: str, substitute: dict[str, Path], kfile: Path) -> list[tuple[str, str]]:
    path = directory / name
    if not path.is_file():
        if name not in substitute:
            raise KustomizeError(f"{kfile}: env file {name!r} does not exist ({path})")
        path = substitute[name]
    pairs = []
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            # kustomize would read KEY from its own environment: not reproducible, refused.
            raise KustomizeError(f"{path}:{number}: not KEY=VALUE")
        pairs.append((key, value))
    return pairs


# Patches


def _patches(k: dict[str, Any], directory: Path, kfile: Path) -> list[dict[str, Any]]:
    out = []
    for entry in k.get("patches", []):
        if not isinstance(entry, dict) or set(entry) - {"path", "patch"} or len(entry) != 1:
            raise KustomizeError(f"{kfile}: only `path:` or `patch:` strategic-merge patches are supported: {entry}")
        if "path" in entry:
            docs = _load_yaml_docs(directory / entry["path"]) if (directory / entry["path"]).is_file() else None
            if docs is None:
                raise KustomizeError(f"{kfile}: patch file {entry['path']!r} does not exist")
        else:
            docs = [d for d in yaml.safe_load_all(entry["patch"]) if d is not None]
        if len(docs) != 1 or not isinstance(docs[0], dict):
            raise KustomizeError(f"{kfile}: a patch must be exactly one object: {entry}")
        out.append(docs[0])
    return out


def _group(api_version: str) -> str:
    return api_version.rpartition("/")[0] if "/" in api_version else ""


def _apply_patch(objects: list[dict[str, Any]], patch: dict[str, Any], kfile: Path) -> None:
    name = patch.get("metadata", {}).get("name")
    matches = [
        o
        for o in objects
        if o["kind"] == patch.get("kind")
        and o["metadata"]["name"] == name
        and _group(o["apiVersion"]) == _group(patch.get("apiVersion", ""))
    ]
    if len(matches) != 1:
        raise KustomizeError(f"{kfile}: patch {patch.get('kind')}/{name} matches {len(matches)} resources")
    strategic_merge(matches[0], patch, (patch["kind"], name))


def strategic_merge(target: dict[str, Any], patch: dict[str, Any], where: tuple[str, ...] = ()) -> None:
    for key, value in patch.items():
        here = (*where, key)
        if key.startswith("$"):
            raise KustomizeError(f"{'.'.join(here)}: patch directives are not supported")
        if value is None:
            target.pop(key, None)
        elif key not in target or target[key] is None:
            target[key] = copy.deepcopy(value)
        elif isinstance(value, dict) and isinstance(target[key], dict):
            strategic_merge(target[key], value, here)
        elif isinstance(value, list) and isinstance(target[key], list):
            if key in MERGE_KEYS:
                _merge_list(target[key], value, MERGE_KEYS[key], here)
            elif key in ATOMIC_LISTS:
                target[key] = copy.deepcopy(value)
            else:
                raise KustomizeError(f"{'.'.join(here)}: don't know how kustomize merges this list")
        elif type(value) is not type(target[key]) and (
            isinstance(value, dict | list) or isinstance(target[key], dict | list)
        ):
            raise KustomizeError(f"{'.'.join(here)}: patch changes the shape of the field")
        else:
            target[key] = copy.deepcopy(value)


def _merge_list(target: list[Any], patch: list[Any], merge_key: str, where: tuple[str, ...]) -> None:
    for item in patch:
        if not isinstance(item, dict) or merge_key not in item:
            raise KustomizeError(f"{'.'.join(where)}: every item needs its merge key {merge_key!r}")
        existing = [t for t in target if isinstance(t, dict) and t.get(merge_key) == item[merge_key]]
        if existing:
            strategic_merge(existing[0], item, (*where, str(item[merge_key])))
        else:
            target.append(copy.deepcopy(item))


# Namespace, labels, images


def _set_namespace(obj: dict[str, Any], namespace: str, kfile: Path) -> None:
    if obj["kind"] in CLUSTER_SCOPED:
        return
    if obj["kind"] not in NAMESPACED:
        raise KustomizeError(f"{kfile}: don't know whether {obj['kind']} is namespaced")
    obj["metadata"]["namespace"] = namespace


def _apply_labels(objects: list[dict[str, Any]], label: dict[str, Any], kfile: Path) -> None:
    if set(label) - {"pairs", "includeSelectors", "includeTemplates"}:
        raise KustomizeError(f"{kfile}: unsupported labels keys {sorted(label)}")
    if label.get("includeSelectors"):
        raise KustomizeError(f"{kfile}: labels.includeSelectors is not supported")
    pairs = {str(k): str(v) for k, v in label["pairs"].items()}
    for obj in objects:
        obj["metadata"].setdefault("labels", {}).update(pairs)
        if label.get("includeTemplates") and obj["kind"] in POD_TEMPLATE_KINDS:
            template = obj.setdefault("spec", {}).setdefault("template", {})
            template.setdefault("metadata", {}).setdefault("labels", {}).update(pairs)


def _split_image(image: str) -> tuple[str, str]:
    """("name", "rest") where rest is ":tag", "@digest" or ""."""
    if "@" in image:
        name, _, digest = image.partition("@")
        return name, "@" + digest
    slash = image.rfind("/")
    colon = image.rfind(":")
    if colon > slash:
        return image[:colon], image[colon:]
    return image, ""


def _apply_image(objects: list[dict[str, Any]], image: dict[str, Any], kfile: Path) -> None:
    if set(image) - {"name", "newName", "newTag", "digest"}:
        raise KustomizeError(f"{kfile}: unsupported images keys {sorted(image)}")

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("containers", "initContainers") and isinstance(value, list):
                    for container in value:
                        _retag(container, image)
                visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    for obj in objects:
        visit(obj.get("spec"))


def _retag(container: dict[str, Any], image: dict[str, Any]) -> None:
    name, rest = _split_image(container.get("image", ""))
    if name != image["name"]:
        return
    if "digest" in image:
        rest = "@" + image["digest"]
    elif "newTag" in image:
        rest = ":" + str(image["newTag"])
    container["image"] = image.get("newName", name) + rest
