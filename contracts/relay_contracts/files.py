"""Where the schema files are: inside the package when installed from a wheel,
beside it in a source checkout (editable install)."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _first_existing(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"relay_contracts: {name} not found beside {_PACKAGE}")


def schemas_dir() -> Path:
    return _first_existing("schemas")


def released_dir() -> Path:
    return _first_existing("released")


def asyncapi_file() -> Path:
    return _first_existing("asyncapi.yaml")
