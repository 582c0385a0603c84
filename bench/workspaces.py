"""``python -m bench.workspaces [--small]``: one process serving many workspaces (OAuth).

The bot runs as its own process (``nudge run --http`` with ``SLACK_CLIENT_ID`` set) against
the Slack stand-in in this process. Each workspace is installed through the real OAuth flow
(the install page, Slack's consent, the redirect with its code and state), then:

- start-up: the process restarted with every workspace installed, to serving, and its RSS;
- reminders: ``due_per_team`` one-off reminders in every workspace, all due at the same
  moment, each sent with its own workspace's token (checked) and exactly once;
- sustained commands: mixed commands from members of every workspace, open loop, rate
  stepped up until ack or reply p99 reaches one second;
- RSS once it has served them all.

Full run: 100 workspaces of 500 members; ``--small``: 5 of 20, to check it runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench.__main__ import (
    REMINDER_DM,
    Bench,
    Plan,
    Row,
    Sender,
    Served,
    log,
    machine,
    ms,
    open_loop,
    p99,
    quiet,
    start_bot,
    table,
)
from bot.oauth import new_token_key
from bot.standin import SlackStandIn
from storage.codec import encode_time
from storage.db import connect, create, immediate

__all__ = ["main", "Scale"]

CLIENT_ID, CLIENT_SECRET = "bench.client", "bench-client-secret"
TICK = 0.5
LEAD = 3.0  # seconds from seeding the reminders to their due moment


@dataclass(frozen=True)
class Scale:
    """How many workspaces, members, reminders and what load."""

    workspaces: int
    members: int
    due_per_team: int
    rates: tuple[int, ...]
    step_seconds: float

    @classmethod
    def for_run(cls, small: bool) -> Scale:
        """100 workspaces of 500 members, or a smoke run of 5 of 20."""
        if small:
            return cls(5, 20, 4, (5, 10), 1.5)
        return cls(100, 500, 10, (25, 50, 75, 100, 125, 150, 200), 6.0)


def team(n: int) -> str:
    return f"T{n:04d}NET"


def member(t: int, m: int) -> str:
    return f"U{t:04d}M{m:04d}"


def start(bench: Bench, path: Path, key: str) -> Served:
    """The bot serving every workspace that installs it (no token of its own)."""
    return start_bot(
        bench,
        path,
        {
            "SLACK_BOT_TOKEN": "",
            "SLACK_CLIENT_ID": CLIENT_ID,
            "SLACK_CLIENT_SECRET": CLIENT_SECRET,
            "NUDGE_TOKEN_KEY": key,
            "NUDGE_TICK_SECONDS": str(TICK),
        },
    )


def install_all(standin: SlackStandIn, served: Served, scale: Scale) -> list[float]:
    """Install the bot in every workspace through OAuth; seconds each install took."""
    base = served.url.removesuffix("/slack/events")
    took = []
    for t in range(scale.workspaces):
        standin.add_workspace(team(t), f"Network {t}")
        for m in range(scale.members):
            standin.add_user(member(t, m), f"m{t}-{m}", team_id=team(t))
        started = time.perf_counter()
        page = standin.install(base, team(t), member(t, 0))
        took.append(time.perf_counter() - started)
        if page.status_code != 200:
            raise RuntimeError(f"installing in {team(t)} failed: {page.status_code} {page.text}")
    return took


def seed_due(path: Path, scale: Scale, due: datetime, now: datetime) -> dict[int, str]:
    """``due_per_team`` reminders in every workspace, due at ``due``; reminder n -> team."""
    teams: dict[int, str] = {}

    def rows() -> Iterator[dict]:
        n = 0
        for t in range(scale.workspaces):
            for r in range(scale.due_per_team):
                teams[n] = team(t)
                yield {
                    "team_id": team(t),
                    "user_id": member(t, r % scale.members),
                    "kind": "me",
                    "text": f"reminder {n}",
                    "tz": "Europe/London",
                    "recurrence": None,
                    "next_at": encode_time(due),
                    "status": "active",
                    "created_at": encode_time(now),
                    "updated_at": encode_time(now),
                }
                n += 1

    with connect(path) as db, immediate(db):
        db.table("reminders").insert_all(rows(), batch_size=2000)
    return teams


def reminders_delivered(standin: SlackStandIn, since: int) -> dict[int, list[tuple[float, str]]]:
    """Reminder DMs answered ``ok`` from call ``since``: n -> [(arrival, token's team)]."""
    found: dict[int, list[tuple[float, str]]] = {}
    for call in standin.calls[since:]:
        if call.method != "chat.postMessage" or call.error or call.status != 200:
            continue
        matched = REMINDER_DM.match(str(call.params.get("text", "")))
        if matched:
            found.setdefault(int(matched[1]), []).append((call.time, call.team_id or ""))
    return found


def measure_reminders(bench: Bench, path: Path, scale: Scale) -> Row:
    """Reminders due together across every workspace: to the last one, each once, own token."""
    count = scale.workspaces * scale.due_per_team
    since = len(bench.standin.calls)
    now = datetime.now(UTC)
    due = now + timedelta(seconds=LEAD)
    teams = seed_due(path, scale, due, now)
    deadline = time.monotonic() + 60 + count * 0.2
    while len(reminders_delivered(bench.standin, since)) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(reminders_delivered(bench.standin, since))} of {count}")
        time.sleep(0.05)
    quiet(bench.standin, seconds=4 * TICK)
    arrived = reminders_delivered(bench.standin, since)
    repeated = [n for n, sends in arrived.items() if len(sends) > 1]
    crossed = [n for n, sends in arrived.items() if sends[0][1] != teams[n]]
    if repeated or crossed:
        raise RuntimeError(f"{len(repeated)} sent twice, {len(crossed)} with another's token")
    latencies = sorted(sends[0][0] - due.timestamp() for sends in arrived.values())
    return Row(
        "reminders due in the same minute, across workspaces",
        f"{scale.workspaces} × {scale.due_per_team}",
        f"{latencies[-1]:.2f} s to the last",
        f"{p99(latencies):.2f} s",
        "",
        f"tick {TICK} s; first {latencies[0]:.2f} s after due; each sent once, with its own "
        f"workspace's token; p99 column: per-reminder latency from due",
    )


MIX = (
    ("/action", lambda n: "list"),
    ("/action", lambda n: f"Network load {n} by Friday"),
    ("/nudge", lambda n: "list"),
    ("/reflect", lambda n: "search practice"),
    ("/action", lambda n: "help"),
)


def load_step(
    bench: Bench, sender: Sender, scale: Scale, rate: int, rng: random.Random
) -> tuple[list[float], list[float], int]:
    """``rate`` commands a second for a step, each from a random member of a random
    workspace, open loop; (ack times, reply times, failures), timed from when each was due."""
    count = max(1, int(rate * scale.step_seconds))
    senders = {
        t: dataclasses.replace(sender.slack, team_id=team(t)) for t in range(scale.workspaces)
    }
    picks = [(rng.randrange(scale.workspaces), rng.randrange(scale.members)) for _ in range(count)]

    def send(n: int, key: str) -> httpx.Response:
        t, m = picks[n]
        command, text = MIX[n % len(MIX)]
        return senders[t].command(
            command, text(n), member(t, m), response_url=bench.standin.response_url(key)
        )

    return open_loop(bench, send, rate, count, f"ws{rate}")


def measure_load(bench: Bench, served: Served, scale: Scale) -> Row:
    """The highest rate of mixed commands, from every workspace, held under 1 s p99."""
    sender = Sender(
        bench.standin,
        served.url,
        httpx.Client(timeout=30.0, limits=httpx.Limits(max_connections=64)),
    )
    rng = random.Random(7)
    held, failed = None, ""
    try:
        for rate in scale.rates:
            log(f"commands from every workspace: {rate} a second")
            acks, replies, errors = load_step(bench, sender, scale, rate, rng)
            worst = p99(replies) if replies else float("inf")
            log(f"  ack p99 {ms(p99(acks))}, reply p99 {ms(worst)}, {errors} failed")
            if errors or p99(acks) >= 1.0 or worst >= 1.0:
                failed = f"at {rate}/s: ack p99 {ms(p99(acks))}, {errors} failed"
                break
            held = (rate, p99(acks), worst)
            quiet(bench.standin, 0.5)
    finally:
        sender.close()
    size = f"{scale.workspaces} × {scale.members}"
    if held is None:
        return Row("sustained commands across workspaces", size, "none held", note=failed)
    return Row(
        "sustained commands across workspaces (ack and reply p99 < 1 s)",
        size,
        f"{held[0]}/s held",
        f"ack {ms(held[1])}, reply {ms(held[2])}",
        "",
        (f"next step failed {failed}" if failed else "the most tried")
        + "; /action list, /action <title> by Friday, /nudge list, /reflect search, /action help",
    )


def run(scale: Scale, workdir: Path, standin: SlackStandIn) -> list[Row]:
    """Every measurement, in order, on one database."""
    standin.oauth_app(CLIENT_ID, CLIENT_SECRET)
    bench = Bench(Plan.for_run(True), standin, workdir)
    path, key = workdir / "workspaces.db", new_token_key()
    create(path).close()
    rows = []
    served = start(bench, path, key)
    try:
        log(f"installing {scale.workspaces} workspaces of {scale.members} members through OAuth")
        took = install_all(standin, served, scale)
    finally:
        served.stop()
    rows.append(
        Row(
            "install through OAuth (install page, consent, redirect)",
            f"{scale.workspaces}",
            ms(statistics.median(took)),
            ms(p99(took)),
            "",
            "each: GET /slack/install, oauth.v2.access, auth.test, token sealed and stored",
        )
    )
    served = start(bench, path, key)
    try:
        rows.append(
            Row(
                "start-up (process to serving) and resident memory",
                f"{scale.workspaces} workspaces",
                f"{served.started_in:.2f} s",
                f"{served.rss_kib() / 1024:.0f} MB RSS",
                "",
                "RSS at start-up",
            )
        )
        log("reminders due together across every workspace")
        rows.append(measure_reminders(bench, path, scale))
        rows.append(measure_load(bench, served, scale))
        rows.append(
            Row(
                "resident memory after serving every workspace",
                f"{scale.workspaces} × {scale.members}",
                f"{served.rss_kib() / 1024:.0f} MB RSS",
                note="after the reminders and the sustained commands",
            )
        )
    finally:
        served.stop()
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run it and print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.workspaces", description=__doc__)
    parser.add_argument("--small", action="store_true", help="5 workspaces of 20: a smoke run")
    args = parser.parse_args(argv)
    scale = Scale.for_run(args.small)
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="nudge-bench-ws-") as scratch,
        SlackStandIn(bot_token="xoxb-bench", app_token="xapp-bench") as standin,
    ):
        rows = run(scale, Path(scratch), standin)
    print(
        f"Measured on {machine()}; {scale.workspaces} workspaces of {scale.members} members; "
        f"{time.perf_counter() - started:.0f} s in all.\n"
    )
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
