"""A copy of the database, taken while the bot runs, that only its owner can read.

SQLite's online backup API (:meth:`sqlite3.Connection.backup`) copies every page in one
read transaction, so the copy is the database as it was at one moment, even while
other connections write (in WAL mode they are not held up). The copy is written to a
private temporary file beside the target (created 0600 whatever the umask), checked,
switched to a rollback journal so it is one self-contained file, and only then given
its name: a failed or interrupted backup leaves no half-written file behind.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from storage.db import connect, private_directory

__all__ = ["Backup", "BackupError", "backup"]


class BackupError(Exception):
    """The backup was not made; the message says why, in one line."""


@dataclass(frozen=True)
class Backup:
    """What :func:`backup` wrote."""

    path: Path
    pages: int
    size: int
    mode: int


def backup(source: str | Path, target: str | Path, *, overwrite: bool = False) -> Backup:
    """Copy the database ``source`` to ``target`` (mode 0600), consistent while it is in use.

    An existing ``target`` is replaced only with ``overwrite``. Directories made for it
    are 0700.

    >>> import tempfile; folder = Path(tempfile.mkdtemp())
    >>> from storage.db import create; create(folder / "nudge.db").close()
    >>> made = backup(folder / "nudge.db", folder / "backups" / "nudge-1.db")
    >>> oct(made.mode), oct((folder / "backups").stat().st_mode & 0o777)
    ('0o600', '0o700')
    >>> import shutil; shutil.rmtree(folder)
    """
    source, target = Path(source), Path(target)
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    if target.exists() and target.is_dir():
        raise BackupError(f"{target} is a directory: name the backup file")
    if target.exists() and os.path.samefile(source, target):
        raise BackupError(f"{target} is the database itself")
    if target.exists() and not overwrite:
        raise BackupError(f"{target} exists; pass --force to replace it")
    private_directory(target.parent)
    handle, partial = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".partial", dir=target.parent
    )
    os.close(handle)
    partial_path = Path(partial)
    try:
        os.chmod(partial_path, 0o600)
        pages = _copy(source, partial_path)
        if overwrite:
            os.replace(partial_path, target)
        else:
            try:
                os.link(partial_path, target)  # fails if the target appeared meanwhile
            except FileExistsError:
                raise BackupError(f"{target} exists; pass --force to replace it") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial_path.unlink()
    stat = target.stat()
    return Backup(target, pages, stat.st_size, stat.st_mode & 0o777)


def _copy(source: Path, copy: Path) -> int:
    """Every page of ``source`` into ``copy`` in one step, then checked and made
    self-contained; returns how many pages were copied."""
    db = connect(source)
    try:
        out = sqlite3.connect(str(copy), isolation_level=None)
        try:
            db.conn.backup(out)
            out.execute("PRAGMA journal_mode=DELETE")  # the copy needs no -wal file beside it
            found = out.execute("PRAGMA quick_check").fetchone()[0]
            if found != "ok":
                raise BackupError(f"the copy failed its check: {found}")
            pages = out.execute("PRAGMA page_count").fetchone()[0]
        finally:
            out.close()
    finally:
        db.close()
    with open(copy, "rb+") as written:
        os.fsync(written.fileno())
    return pages
