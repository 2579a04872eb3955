"""Alembic, shared: one env.py (here) for every service.

A service keeps only its `migrations/versions/` (branch label = service name);
the kit's own tables (outbox, inbox, cursors) are a second branch, `relaykit`,
so `upgrade heads` brings both to date in one alembic_version table.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, text

from relaykit.db import Database

KIT_DIR = Path(__file__).resolve().parent / "kit_migrations"


def config(db: Database, versions: Path, metadata: MetaData | list[MetaData] | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(KIT_DIR))
    cfg.set_main_option("version_locations", f"{versions} {KIT_DIR / 'versions'}")
    cfg.set_main_option("path_separator", "space")
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    cfg.attributes["target_metadata"] = metadata
    return cfg


def include_object_for(metadatas: list[MetaData]):
    """Alembic's include_object hook: skip what a service keeps only in the database
    (`metadata.info["db_only"]`, e.g. PostgreSQL full-text columns)."""
    skip: set[str] = set()
    for md in metadatas:
        skip |= set(md.info.get("db_only", ()))

    def include(obj, name, type_, reflected, compare_to) -> bool:
        table = getattr(getattr(obj, "table", None), "name", None)
        return not (name in skip or (table and f"{table}.{name}" in skip))

    return include


def upgrade(db: Database, versions: Path, metadata: MetaData | None = None) -> None:
    """Bring the database to the newest revision of both branches.

    On PostgreSQL an advisory lock makes concurrent starters (several pods)
    take turns instead of racing each other's DDL.
    """
    with db.engine.connect() as conn:
        lock = zlib.crc32(b"relay-migrations")
        if db.is_postgres:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": lock})
            conn.commit()
        try:
            cfg = config(db, versions, metadata)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "heads")
            conn.commit()
        finally:
            if db.is_postgres:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock})
                conn.commit()


def revision(db: Database, versions: Path, metadata: MetaData, branch: str, message: str) -> None:
    from relaykit.kit_schema import metadata as kit_metadata

    # The kit's tables are compared too, so they do not show up as "removed";
    # changing them is the kit branch's business.
    cfg = config(db, versions, [metadata, kit_metadata])
    command.revision(cfg, message=message, autogenerate=True, head=f"{branch}@head", version_path=str(versions))
