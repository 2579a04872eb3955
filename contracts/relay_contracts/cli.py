"""relay-contracts: check schemas against their released copies, release new ones.

relay-contracts check     # what `make test` proves: no breaking change without a bump
relay-contracts release   # freeze the current schemas (refuses a breaking change)
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from relay_contracts.compat import breaking_changes
from relay_contracts.files import released_dir, schemas_dir


def compare(schemas: Path, released: Path) -> dict[str, list[str]]:
    """Relative schema path -> breaking changes against its released copy."""
    result: dict[str, list[str]] = {}
    for frozen in sorted(released.rglob("*.json")):
        rel = frozen.relative_to(released)
        current = schemas / rel
        if not current.exists():
            result[str(rel)] = ["released schema was deleted"]
            continue
        problems = breaking_changes(json.loads(frozen.read_text()), json.loads(current.read_text()))
        if problems:
            result[str(rel)] = problems
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="relay-contracts")
    parser.add_argument("command", choices=["check", "release"])
    args = parser.parse_args(argv)
    schemas, released = schemas_dir(), released_dir()
    broken = compare(schemas, released)
    for rel, problems in broken.items():
        print(f"BREAKING {rel}:")
        for p in problems:
            print(f"  {p}")
    if broken:
        print("A breaking change needs a new version file (<type>.v<N+1>.json).")
        return 1
    if args.command == "release":
        for path in sorted(schemas.rglob("*.json")):
            target = released / path.relative_to(schemas)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        print(f"released {sum(1 for _ in schemas.rglob('*.json'))} schemas into {released}")
    else:
        print("no breaking changes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
