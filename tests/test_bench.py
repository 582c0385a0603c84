"""``python -m bench --small`` runs to the end and prints the table (a smoke test: no timings)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_benchmark_runs_to_the_end_at_small_sizes():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NUDGE_"))}
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--small"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = done.stdout
    assert "| measurement | size |" in table
    for row in (
        "floor: Bolt app that only acks, default runner",
        "true floor: Bolt app that only acks, process_before_response",
        "answer `/action <title> by Friday`",
        "answer `/action list`",
        "answer `/reflect search`",
        "answer `app_home_opened`",
        "Web API calls each",
        "cores used: bot",
        "start-up",
        "digest built",
        "reminders due in the same minute",
        "sustained mixed commands",
    ):
        assert row in table, row
    assert "Measured on" in table and "Python" in table


def test_the_many_workspaces_benchmark_runs_to_the_end_at_small_sizes():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NUDGE_"))}
    done = subprocess.run(
        [sys.executable, "-m", "bench.workspaces", "--small"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for row in (
        "install through OAuth",
        "reminders due in the same minute, across workspaces",
        "sustained commands across workspaces",
        "resident memory after serving every workspace",
    ):
        assert row in done.stdout, row
    assert "each sent once, with its own workspace's token" in done.stdout
