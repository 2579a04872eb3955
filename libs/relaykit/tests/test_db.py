"""Reading and writing sessions (relaykit.db): on SQLite a writer holds the one write
lock for its whole transaction; a reader must not wait for it, nor take it."""

import threading

import pytest
from sqlalchemy import column, delete, insert, table, text, update

from relaykit.db import Database, WriteInReadOnlySession
from relaykit.uow import UnitOfWork


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path}/t.db")
    with database.session() as s:
        s.execute(text("CREATE TABLE t (n INTEGER)"))
        s.execute(text("INSERT INTO t VALUES (1)"))
    yield database
    database.dispose()


def test_a_reader_reads_its_snapshot_while_a_writer_holds_the_write_lock(db):
    with db.session() as writer:
        writer.execute(text("INSERT INTO t VALUES (2)"))  # the write lock is taken, not released
        seen = []
        reader = threading.Thread(target=lambda: seen.append(_count(db)))
        reader.start()
        reader.join(10)
        assert not reader.is_alive()  # it did not queue behind the writer
        assert seen == [1]  # and saw only what was committed
    assert _count(db) == 2


def _count(db: Database) -> int:
    with db.reading() as s:
        return s.scalar(text("SELECT count(*) FROM t"))


def test_a_second_writer_waits_for_the_first_instead_of_failing(db):
    done = []
    with db.session() as first:
        first.execute(text("INSERT INTO t VALUES (2)"))

        def second():
            with db.session() as s:
                s.execute(text("INSERT INTO t VALUES (3)"))
            done.append(True)

        t = threading.Thread(target=second)
        t.start()
        t.join(0.3)
        assert t.is_alive() and not done  # queued on the write lock
    t.join(10)
    assert done and _count(db) == 3


T = table("t", column("n"))


@pytest.mark.parametrize(
    "statement", [insert(T).values(n=9), update(T).values(n=9), delete(T)], ids=["insert", "update", "delete"]
)
def test_a_reading_session_refuses_to_write(db, statement):
    with pytest.raises(WriteInReadOnlySession), db.reading() as s:
        s.execute(statement)
    assert _count(db) == 1


def test_a_read_only_unit_of_work_cannot_commit(db):
    with UnitOfWork(db, outbox=None, read_only=True) as uow:
        assert uow.session.scalar(text("SELECT n FROM t")) == 1
        with pytest.raises(WriteInReadOnlySession):
            uow.commit()
