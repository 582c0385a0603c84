"""``nudge backup PATH``: a consistent copy while the bot writes, readable by its owner only;
and every file and folder the bot makes is its owner's alone."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from storage.db import create, immediate
from tests.process import ROOT, BotProcess
from tests.test_writes import MEMBERS, wait_for_answers


def nudge_backup(*args: str, db: Path, cwd: Path) -> subprocess.CompletedProcess:
    """``nudge backup ARGS`` as its own process, with a umask that would give 0666 files."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "backup", *args],
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), "NUDGE_DB": str(db)},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        umask=0,
    )


def mode(path: Path) -> str:
    return oct(path.stat().st_mode & 0o777)


def count(path: Path, sql: str) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def test_a_backup_taken_while_the_bot_writes_is_whole_and_private(standin, people, tmp_path):
    sent = 150
    with BotProcess(standin, tmp_path) as bot:
        db = Path(bot.db_path)

        def write(first: int) -> None:  # three members typing, one command after another
            for n in range(first, sent, 3):
                bot.slack.command("/action", f"Backed up action {n} by Friday", MEMBERS[n % 4])

        writers = [threading.Thread(target=write, args=(first,)) for first in range(3)]
        for writer in writers:
            writer.start()
        while count(db, "SELECT count(*) FROM actions") < 20:
            time.sleep(0.02)
        done = nudge_backup("backups/nudge-backup.db", db=db, cwd=tmp_path)
        during = count(db, "SELECT count(*) FROM actions")
        for writer in writers:
            writer.join()
        wait_for_answers(standin, sent)
    copy = tmp_path / "backups" / "nudge-backup.db"
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"backed up {db} to backups/nudge-backup.db: ")
    assert "mode 600" in done.stdout
    assert mode(copy) == "0o600" and mode(copy.parent) == "0o700"
    assert count(copy, "PRAGMA integrity_check") == "ok"
    copied = count(copy, "SELECT count(*) FROM actions")
    # each action and its history were written in one transaction: the copy has both or neither
    assert copied == count(copy, "SELECT count(*) FROM action_events WHERE kind = 'created'")
    assert 20 <= copied <= during
    assert count(copy, "PRAGMA journal_mode") == "delete"  # one file, nothing beside it
    assert sorted(p.name for p in copy.parent.iterdir()) == ["nudge-backup.db"]
    print(
        f"\nbackup taken while the bot wrote: {copied} actions in the copy, each with its "
        f"history ({during} of {sent} stored when it finished)"
    )


def test_a_backup_never_replaces_a_file_unless_asked(tmp_path):
    db = tmp_path / "nudge.db"
    create(db).close()
    existing = tmp_path / "old-backup.db"
    existing.write_text("last week's backup")
    existing.chmod(0o644)
    done = nudge_backup(str(existing), db=db, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"nudge: no backup made: {existing} exists; pass --force to replace it\n"
    assert existing.read_text() == "last week's backup"
    done = nudge_backup(str(existing), "--force", db=db, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert mode(existing) == "0o600" and count(existing, "PRAGMA integrity_check") == "ok"
    done = nudge_backup(str(db), "--force", db=db, cwd=tmp_path)
    assert done.returncode == 2 and "is the database itself" in done.stderr
    done = nudge_backup("copy.db", db=tmp_path / "missing.db", cwd=tmp_path)
    assert done.returncode == 2 and "there is no database at" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nudge.db", "old-backup.db"]


def test_the_database_its_folders_and_its_log_files_are_the_owners_alone(tmp_path):
    """Whatever the umask: folders the bot creates 0700, the database and the write-ahead
    log and index beside it 0600. A folder that was already there is left as it was."""
    path = tmp_path / "data" / "nudge" / "nudge.db"
    tmp_path.chmod(0o755)
    before = os.umask(0)
    try:
        db = create(path)
        with immediate(db):
            db.execute("INSERT INTO slack_events VALUES ('T1', 'Ev1', '', 'x')")
        made = {p.name: mode(p) for p in (path.parent.parent, path.parent, *path.parent.iterdir())}
        db.close()
    finally:
        os.umask(before)
    assert made == {
        "data": "0o700",
        "nudge": "0o700",
        "nudge.db": "0o600",
        "nudge.db-wal": "0o600",
        "nudge.db-shm": "0o600",
    }
    assert mode(tmp_path) == "0o755"  # there before: untouched
