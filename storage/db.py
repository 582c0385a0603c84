"""Opening the SQLite store, and the one way to write to it.

A sqlite-utils :class:`~sqlite_utils.Database` cannot cross threads, and Bolt
listeners and APScheduler jobs run on thread pools, so every unit of work opens its
own connection with :func:`connect` (cheap: a file open and a few pragmas).

Every write goes through :func:`immediate`. A connection from :func:`connect` is in
autocommit mode (Python's ``sqlite3`` opens no transaction of its own) and read-only
(``PRAGMA query_only``) until :func:`immediate` has taken the write lock with ``BEGIN
IMMEDIATE``; a write anywhere else fails at once with "attempt to write a readonly
database". Why: a transaction that starts deferred (sqlite-utils' ``insert`` and
``update`` open one with ``BEGIN``) and reads before it writes holds a snapshot; in WAL
mode, if another connection wrote meanwhile, its first write fails with "database is
locked" at once, without waiting the busy timeout. Of fifty simultaneous commands, fifteen
failed that way. With the lock taken first, a writer waits its turn (up to
:data:`BUSY_TIMEOUT_MS`) and, should even that run out, tries again
(:data:`WRITE_ATTEMPTS` in all) before giving up.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

__all__ = [
    "BUSY_TIMEOUT_MS",
    "WRITE_ATTEMPTS",
    "connect",
    "create",
    "hold_open",
    "immediate",
    "private_directory",
    "update_statistics",
]

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5_000
"""How long a connection waits for a lock before SQLite says "database is locked"."""

WRITE_ATTEMPTS = 6
"""How many times :func:`immediate` waits the busy timeout for the write lock (30 s in all)."""


def create(path: str | Path) -> Database:
    """Create the database file if needed (mode 0600, in directories of mode 0700), migrate
    it, update its statistics, and return a connection.

    Called once at start-up; later units of work use :func:`connect`.
    """
    from storage.migrations import migrate  # migrations use immediate() from here

    path = Path(path)
    if str(path) != ":memory:":
        private_directory(path.parent)
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
        os.chmod(path, 0o600)
    db = connect(path)
    db.execute("PRAGMA journal_mode=WAL")  # not a write: allowed while read-only
    migrate(db)
    update_statistics(db)
    return db


def connect(path: str | Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Database:
    """Open a connection: autocommit, a busy timeout, foreign keys on, read-only until
    :func:`immediate` takes the write lock.

    >>> db = connect(":memory:")
    >>> db.execute("CREATE TABLE t (x)")
    Traceback (most recent call last):
    ...
    sqlite3.OperationalError: attempt to write a readonly database
    >>> with immediate(db):
    ...     _ = db.execute("CREATE TABLE t (x)")
    """
    conn = sqlite3.connect(
        str(path), timeout=busy_timeout_ms / 1000, isolation_level=None, check_same_thread=True
    )
    conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA query_only=ON")
    return Database(conn, execute_plugins=False)


def _is_busy(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _begin_immediate(db: Database) -> None:
    """``BEGIN IMMEDIATE``, waiting the busy timeout up to :data:`WRITE_ATTEMPTS` times."""
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            db.conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if not _is_busy(error) or attempt == WRITE_ATTEMPTS:
                raise
            log.warning(
                "the database stayed locked through the busy timeout; waiting again "
                "(attempt %d of %d)",
                attempt + 1,
                WRITE_ATTEMPTS,
            )


@contextmanager
def immediate(db: Database) -> Iterator[Database]:
    """The one write transaction: the write lock taken first (``BEGIN IMMEDIATE``), every
    write and the reads that decide them inside it, committed at the end of the block or
    rolled back if it raises.

    Nested inside another, it is a savepoint of the outer transaction. Two processes that
    both read and then write can no longer both read the old row: the second waits.

    >>> with immediate(db):
    ...     _ = db.execute("DELETE FROM slack_events")
    """
    if db.conn.in_transaction:  # inside another unit's transaction: a savepoint of it
        with db.atomic():
            yield db
        return
    db.conn.execute("PRAGMA query_only=OFF")
    try:
        _begin_immediate(db)
        try:
            yield db
        except BaseException:
            db.conn.execute("ROLLBACK")
            raise
        db.conn.execute("COMMIT")
    finally:
        if db.conn.in_transaction:  # COMMIT itself failed
            db.conn.execute("ROLLBACK")
        db.conn.execute("PRAGMA query_only=ON")


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
    with immediate(db):
        db.execute("ANALYZE")


def private_directory(path: str | Path) -> Path:
    """Make sure directory ``path`` exists; those of it and its parents that are created
    here are readable by their owner only (0700, whatever the umask). Existing ones are
    left as they are.

    >>> private_directory(".") == Path(".")
    True
    """
    path = Path(path)
    missing = []
    for directory in (path, *path.parents):
        if directory.exists():
            break
        missing.append(directory)
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=0o700)
        except FileExistsError:  # another process made it meanwhile: theirs
            continue
        os.chmod(directory, 0o700)
    return path
