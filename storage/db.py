"""Opening the SQLite store: one connection per unit of work.

A sqlite-utils :class:`~sqlite_utils.Database` cannot cross threads, and Bolt
listeners and APScheduler jobs run on thread pools, so every unit of work opens its
own connection with :func:`connect` (cheap: a file open and three pragmas).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

__all__ = ["connect", "create", "hold_open", "immediate", "update_statistics"]

BUSY_TIMEOUT_MS = 5_000


def create(path: str | Path) -> Database:
    """Create the database file if needed (mode 0600), migrate it, update its statistics,
    and return a connection.

    Called once at start-up; later units of work use :func:`connect`.
    """
    from storage.migrations import migrate  # migrations use immediate() from here

    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
        os.chmod(path, 0o600)
    db = connect(path)
    with db.ensure_autocommit_on():
        db.execute("PRAGMA journal_mode=WAL")
    migrate(db)
    update_statistics(db)
    return db


def connect(path: str | Path) -> Database:
    """Open a connection with a busy timeout and foreign keys on.

    >>> db = connect(":memory:")
    """
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=True)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    return Database(conn, execute_plugins=False)


def hold_open(path: str | Path) -> sqlite3.Connection:
    """A connection that stays open while the process runs, and is never used.

    With it open, a unit of work's connection is never the last one closed (the last
    close checkpoints the write-ahead log and syncs the file), and a new one never
    rebuilds the log's index: a small write and read went from 1.5 ms to 0.4 ms. Close
    it when the process stops. It may be closed from any thread.

    >>> hold_open(":memory:").close()
    """
    conn = sqlite3.connect(str(path), check_same_thread=False)
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # open the file now
    return conn


def update_statistics(db: Database) -> None:
    """Measure the tables for SQLite's query planner (``ANALYZE``).

    Without statistics SQLite guesses its plans, and at 100,000 reflections it read a
    member's App Home through the wrong index (23 ms instead of under 1 ms). Run at
    start-up and once a day by the scheduler; about 130 ms at 100,000 actions and
    reflections.

    >>> update_statistics(connect(":memory:"))
    """
    with db.ensure_autocommit_on():
        db.execute("ANALYZE")


@contextmanager
def immediate(db: Database) -> Iterator[Database]:
    """A write transaction taken at once (``BEGIN IMMEDIATE``), for read-then-write.

    Two processes that both read and then write would otherwise both read the old
    row; with the write lock taken first, the second waits for the first.
    """
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("COMMIT")
