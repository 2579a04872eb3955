"""SQLAlchemy 2 engines and sessions for SQLite (all-in-one) and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)


def normalize_url(url: str) -> URL:
    """Accept the plain `postgresql://` form operators paste; we drive it with psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def is_postgres(url: str | URL) -> bool:
    return make_url(str(url) if isinstance(url, URL) else url).get_backend_name() == "postgresql"


def ensure_database(url: str) -> None:
    """Create the service's own database if missing (PostgreSQL), or its directory (SQLite)."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return
    if parsed.get_backend_name() != "postgresql":
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database})
            if not exists:
                log.info("creating database", extra={"database": parsed.database})
                try:
                    conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
                except ProgrammingError as e:
                    # Another replica created it between our check and our CREATE.
                    if "already exists" not in str(e):
                        raise
    finally:
        admin.dispose()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy emits BEGIN instead.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    # WAL lets the API threads read while the relay and consumers write.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


# Execution option of the connections of read-only sessions (Database.reading).
READ_ONLY = "relay_read_only"


class WriteInReadOnlySession(RuntimeError):
    """A read-only session tried to write: the code must use a writing session instead."""


def _sqlite_begin(conn) -> None:
    # Writers: IMMEDIATE. In WAL mode a transaction that read first and writes later
    # fails at once (no busy wait) if another writer committed meanwhile; taking the
    # write lock up front makes writers queue instead.
    # Readers: a plain (deferred) BEGIN, one consistent snapshot that never waits for
    # the write lock, so reads go on while a writer works.
    conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")


def _refuse_writes(conn, _cursor, statement, _parameters, context, _executemany) -> None:
    writes = context is not None and (context.isinsert or context.isupdate or context.isdelete)
    if writes and conn.get_execution_options().get(READ_ONLY):
        raise WriteInReadOnlySession(f"a read-only session may not write: {statement[:120]}")


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30}, pool_pre_ping=False)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        # The guard runs on every statement, so only where a write in a reading session
        # would misbehave (a deferred transaction that cannot take the write lock). The
        # same code runs on PostgreSQL, where the tests on SQLite have already held it.
        event.listen(engine, "before_cursor_execute", _refuse_writes)
    else:
        # No pre-ping: it costs a round trip on every checkout. A connection the server
        # dropped fails its request (a 503, see relaykit.app) and is discarded from the pool.
        engine = create_engine(parsed, pool_size=pool_size, max_overflow=pool_size * 2, pool_recycle=1800)
    return engine


class Database:
    """One service's database: its engine and two session factories, for writing
    (`sessions`, `session()`, units of work) and for reading (`readers`, `reading()`).

    The difference matters on SQLite: a writing transaction takes the database's one
    write lock when it begins and holds it to the end; a reading one takes none."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Same pool; the option makes its transactions begin deferred and refuse writes.
        self.readers = sessionmaker(self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: commits on success, rolls back on any exception."""
        with self.sessions() as s:
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only transaction (one snapshot): never waits for a writer, may not write."""
        with self.readers() as s:
            yield s

    def ping(self) -> None:
        with self.engine.execution_options(**{READ_ONLY: True}).connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


def upsert(session, table, values: dict, keys: list[str], update: list[str] | None = None) -> None:
    """INSERT, or UPDATE the row with the same `keys` (its other columns, or `update`),
    on PostgreSQL and SQLite alike."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(**values)
    columns = update if update is not None else [c for c in values if c not in keys]
    if columns:
        stmt = stmt.on_conflict_do_update(index_elements=keys, set_={c: stmt.excluded[c] for c in columns})
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=keys)
    session.execute(stmt)
