"""``python -m bench [--small]``: how fast Nudge answers Slack, as a markdown table.

The bot runs as its own process (``nudge run --http``, waitress on loopback) against the
Slack stand-in in this process, on databases seeded straight into the tables with
sqlite-utils. Each measurement is a small function returning rows; one that needs a
feature not built yet raises :class:`NotYet` and its row says ``n/a``, so a new row is a
new function in ``MEASURES`` and a command that gets registered is picked up by itself.

Each row times the *answer*: from sending the signed request to having the member's
reply in hand, whichever carries it (the acknowledgement's body, a response URL post, or
for ``app_home_opened`` the ``views.publish``), each request sent after the previous one's
answer arrived. Beside it: the ack round trip itself and the Web API calls the bot made per
request. The floors are Bolt apps that only ack, served the same way (``bench/floor.py``):
Bolt's default runner, and the true floor with ``process_before_response``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bot.domain.when import Recurrence
from bot.standin import SlackSender, SlackStandIn
from storage import reflections as reflection_store
from storage.codec import encode_time
from storage.db import connect, create, immediate

__all__ = ["main", "Plan", "Row", "NotYet", "MEASURES", "open_loop"]

SECRET = "bench-signing-secret-0123456789abcdef"
TEAM = "T0001"
ROOT = Path(__file__).resolve().parent.parent
CALLER = "U0M0001"  # a member who owns and created a fair share of the seeded actions
STEERING = "U0M0002"
WORDS = [
    "plan",
    "draft",
    "review",
    "charter",
    "council",
    "budget",
    "inclusion",
    "service",
    "design",
    "data",
    "digital",
    "workshop",
    "show",
    "tell",
    "user",
    "research",
    "accessibility",
    "cloud",
    "procurement",
    "platform",
    "strategy",
    "meeting",
    "notes",
    "response",
    "survey",
    "blog",
    "community",
    "practice",
    "reflection",
    "standards",
]
WORKSTREAMS = [f"ws{n}" for n in range(20)]


class NotYet(Exception):
    """The feature a measurement needs is not in this build; the row shows ``n/a`` and why."""


@dataclass(frozen=True)
class Plan:
    """How big and how long: ``--small`` for a smoke run, else the full run."""

    sizes: tuple[int, ...]
    requests: int  # per command and size
    reminders: int
    due_together: int
    rates: tuple[int, ...]  # mixed commands a second, tried in turn
    step_seconds: float

    @classmethod
    def for_run(cls, small: bool) -> Plan:
        """The full plan, or a small one that finishes in seconds."""
        if small:
            return cls((200, 1_000), 15, 500, 50, (10, 20), 1.5)
        return cls(
            (1_000, 100_000),
            300,
            50_000,
            1_000,
            (25, 50, 100, 125, 150, 200, 300, 400, 500, 600),
            6.0,
        )


@dataclass(frozen=True)
class Row:
    """One line of the table."""

    what: str
    size: str
    median: str = "n/a"
    p99: str = "n/a"
    vs_floor: str = ""
    note: str = ""


@dataclass
class Bench:
    """What the measurements share: the plan, the stand-in, a scratch directory, the floor."""

    plan: Plan
    standin: SlackStandIn
    workdir: Path
    floor_median: float | None = None
    startup: dict[int, tuple[float, int]] = field(default_factory=dict)  # size -> (s, KiB)


def log(message: str) -> None:
    """Progress on standard error, so the table alone goes to standard output."""
    print(f"bench: {message}", file=sys.stderr, flush=True)


def ms(seconds: float) -> str:
    """``12.3 ms``."""
    return f"{seconds * 1000:.1f} ms"


def p99(samples: list[float]) -> float:
    """The 99th percentile (the largest sample when there are few)."""
    if len(samples) < 100:
        return max(samples)
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


# --- seeding ---------------------------------------------------------------------------------


def member(n: int) -> str:
    """The n-th seeded member's user id: ``U0M0001``."""
    return f"U0M{n:04d}"


def seed(path: Path, size: int, rng: random.Random) -> dict[str, str]:
    """A migrated database with ``size`` actions and ``size`` reflections.

    :data:`CALLER` owns or created about 2% of the actions and wrote about 2% of the
    reflections, so their list and App Home have something to show at every size.
    """
    db = create(path)
    now = datetime.now(UTC)
    members = 500
    with immediate(db):
        db.table("members").insert_all(
            (
                {
                    "team_id": TEAM,
                    "user_id": member(n),
                    "name": f"m{n}",
                    "tz": "Europe/London",
                    "fetched_at": encode_time(now),
                }
                for n in range(1, members + 1)
            ),
            batch_size=1000,
        )

    def someone() -> str:
        return CALLER if rng.random() < 0.02 else member(rng.randint(1, members))

    def actions() -> Iterator[dict]:
        for n in range(1, size + 1):
            created = now - timedelta(days=rng.randint(0, 400))
            status = rng.choices(("open", "done", "dropped"), (80, 15, 5))[0]
            yield {
                "id": n,
                "team_id": TEAM,
                "title": " ".join(rng.choices(WORDS, k=rng.randint(3, 8))).capitalize(),
                "owner_id": someone(),
                "creator_id": someone(),
                "due": (now + timedelta(days=rng.randint(-60, 90))).date().isoformat()
                if rng.random() < 0.7
                else None,
                "workstream": rng.choice(WORKSTREAMS) if rng.random() < 0.6 else None,
                "notes": "",
                "permalink": None,
                "status": status,
                "created_at": encode_time(created),
                "updated_at": encode_time(created),
                "done_at": encode_time(created) if status == "done" else None,
            }

    def events() -> Iterator[dict]:
        for n in range(1, size + 1):
            yield {
                "team_id": TEAM,
                "action_id": n,
                "actor_id": member(rng.randint(1, members)),
                "kind": "created",
                "detail": "",
                "at": encode_time(now),
            }

    with immediate(db):
        db.table("actions").insert_all(actions(), batch_size=2000)
        db.table("action_events").insert_all(events(), batch_size=2000)
    seed_reflections(db, size, now, rng, actions=size, author=someone)
    _, hits = reflection_store.search(db, TEAM, CALLER, ("practice",))
    if not hits:
        raise RuntimeError("the seeded reflections are not in the search index")
    _, seen = reflection_store.visible(db, TEAM, CALLER)
    mine = db.table("actions").count_where(
        "team_id = ? AND status = 'open' AND (owner_id = ? OR creator_id = ?)",
        [TEAM, CALLER, CALLER],
    )
    db.close()
    return {
        "search": f"{hits:,} of the caller's {seen:,} visible reflections match",
        "home": f"caller has {mine:,} open actions, {seen:,} visible reflections",
    }


# Reflections are a sentence or three from these, so a word like "practice" is in some of
# them (about one in ten), not all: search ranks and counts a realistic share of the table.
OPENINGS = [
    "Today I learned that",
    "In the workshop it turned out that",
    "Note to self:",
    "Something I keep relearning:",
    "After the show and tell,",
    "Talking to the council team,",
    "A lesson from the procurement review:",
    "What surprised me this week:",
    "From the user research sessions,",
    "Reflecting on the budget meeting,",
]
CLAIMS = [
    "open questions beat slides when the room is full of leaders",
    "writing the decision down before the meeting saves an hour of debate",
    "accessibility has to be in the first sketch, not the last sprint",
    "people trust a service more when they can see who runs it",
    "our community of practice works best when someone brings a real problem",
    "a short weeknote gets read; a long report gets filed",
    "the data was fine, the question we asked of it was not",
    "small pilots with one service team move faster than a strategy document",
    "good practice spreads by showing, not by telling",
    "procurement rules leave more room than we assume, if we ask early",
    "users describe the problem in their words, and the service should too",
    "a platform is only shared when two teams actually depend on it",
    "conversations in the corridor shaped the charter more than the consultation did",
    "the inclusion survey told us who we had not reached yet",
    "naming an owner for each action doubled how many got done",
    "standards help most when they come with a worked example",
    "cloud hosting was the easy part; changing the contract was hard",
    "the blog post started more conversations than the conference talk",
    "designing with frontline staff beats designing for them",
    "reflection only sticks when it is shared with someone",
]
TAGS = [
    "influence",
    "leaders",
    "inclusion",
    "accessibility",
    "research",
    "procurement",
    "practice",
    "data",
    "design",
    "community",
    "strategy",
    "writing",
    "cloud",
    "budget",
]


def seed_reflections(
    db,
    count: int,
    now: datetime,
    rng: random.Random,
    *,
    actions: int = 0,
    author: Callable[[], str] | None = None,
) -> None:
    """``count`` reflections, as ``storage.reflections.add`` writes them (the FTS index is
    filled by its triggers): about a quarter shared, the rest private; one in twenty
    records the done action it came from, when there are ``actions`` to point at."""
    author = author or (lambda: member(rng.randint(1, 500)))

    def rows() -> Iterator[dict]:
        for _ in range(count):
            written = now - timedelta(minutes=rng.randint(0, 60 * 24 * 400))
            shared = rng.random() < 0.25
            claims = rng.sample(CLAIMS, rng.randint(1, 3))
            text = f"{rng.choice(OPENINGS)} {claims[0]}." + "".join(
                f" {c[0].upper()}{c[1:]}." for c in claims[1:]
            )
            yield {
                "team_id": TEAM,
                "author_id": author(),
                "text": text,
                "tags": " ".join(rng.sample(TAGS, rng.randint(0, 3))),
                "shared": int(shared),
                "action_id": rng.randint(1, actions) if actions and rng.random() < 0.05 else None,
                "created_at": encode_time(written),
                "updated_at": encode_time(written),
                "shared_at": encode_time(written) if shared else None,
            }

    with immediate(db):
        db.table("reflections").insert_all(rows(), batch_size=2000)


def seed_reminders(
    db, count: int, now: datetime, rng: random.Random, due: datetime | None = None
) -> None:
    """``count`` active reminders: due together at ``due``, or spread over the next month
    (every fourth one weekly), as ``storage.reminders.add`` writes them."""
    weekly = json.dumps(Recurrence("weekly", 9, 0, "Europe/London", days=("fri",)).to_dict())

    def rows() -> Iterator[dict]:
        for n in range(count):
            at = due or now + timedelta(minutes=rng.randint(10, 60 * 24 * 30))
            yield {
                "team_id": TEAM,
                "user_id": member(n % 500 + 1),
                "kind": "me",
                "text": f"reminder {n}",
                "tz": "Europe/London",
                "recurrence": weekly if due is None and n % 4 == 0 else None,
                "next_at": encode_time(at),
                "status": "active",
                "created_at": encode_time(now),
                "updated_at": encode_time(now),
            }

    with immediate(db):
        db.table("reminders").insert_all(rows(), batch_size=2000)


# --- processes -------------------------------------------------------------------------------


@dataclass
class Served:
    """A server process on loopback and its events URL."""

    process: subprocess.Popen
    url: str
    started_in: float

    def cpu_seconds(self) -> float:
        """CPU time (user and system) the process has used so far, 0 where /proc is not."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_kib(self) -> int:
        """Resident memory (Linux ``VmRSS``), 0 where /proc is not there."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return 0
        found = re.search(r"VmRSS:\s+(\d+) kB", status)
        return int(found[1]) if found else 0

    def stop(self) -> None:
        """Terminate it (it stops cleanly on SIGTERM) and wait."""
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _serve(argv: list[str], env: dict[str, str], pattern: str) -> Served:
    """Start ``argv`` and wait for the line matching ``pattern`` (its URL) on stdout/stderr."""
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    seen = []
    for line in process.stdout:
        seen.append(line)
        found = re.search(pattern, line)
        if found:
            elapsed = time.perf_counter() - started
            threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
            return Served(process, found[1], elapsed)
    raise RuntimeError(f"{argv[2]} did not start:\n{''.join(seen[-20:])}")


def start_bot(bench: Bench, db_path: Path, extra_env: Mapping[str, str] | None = None) -> Served:
    """``nudge run --http`` on a free loopback port, against the stand-in, on ``db_path``.

    ``extra_env`` adds or overrides settings: ``start_bot(bench, path, {"NUDGE_TICK_SECONDS":
    "0.5"})``.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "NUDGE_"))}
    env.update(
        {
            "SLACK_BOT_TOKEN": bench.standin.bot_token,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": bench.standin.api_url,
            "NUDGE_DB": str(db_path),
            "NUDGE_STEERING": STEERING,
            "NUDGE_LOG_LEVEL": "INFO",
        }
    )
    env.update(extra_env or {})
    return _serve(
        [sys.executable, "-m", "bot", "run", "--http", "--host", "127.0.0.1", "--port", "0"],
        env,
        r"Serving Slack requests on (http://\S+/slack/events)",
    )


def start_floor(bench: Bench, *, process_before_response: bool = False) -> Served:
    """The Bolt app that only acks, in its own process."""
    return _serve(
        [
            sys.executable,
            "-m",
            "bench.floor",
            SECRET,
            bench.standin.bot_token,
            bench.standin.api_url,
            *(["--process-before-response"] if process_before_response else []),
        ],
        dict(os.environ),
        r"Serving on (http://\S+/slack/events)",
    )


# --- sending ---------------------------------------------------------------------------------


@dataclass
class Sender:
    """Signed requests to one server, each timed as an HTTP round trip."""

    standin: SlackStandIn
    url: str
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30.0))
    keys: Iterator[int] = field(default_factory=lambda: iter(range(1, 10**9)))

    def __post_init__(self) -> None:
        self.slack = SlackSender(self.url, SECRET, self.standin, client=self.client)

    def command(self, command: str, text: str, user: str = CALLER) -> tuple[float, int, str]:
        """Send a slash command: (round trip in seconds, HTTP status, response URL key)."""
        key = f"b{next(self.keys)}"
        started = time.perf_counter()
        answer = self.slack.command(
            command, text, user, response_url=self.standin.response_url(key)
        )
        return time.perf_counter() - started, answer.status_code, key

    def home(self, user: str = CALLER) -> tuple[float, int, str]:
        """Send ``app_home_opened``: (round trip, HTTP status, "")."""
        started = time.perf_counter()
        answer = self.slack.event(
            {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": "home"}
        )
        return time.perf_counter() - started, answer.status_code, ""

    def close(self) -> None:
        """Close the connections."""
        self.client.close()


def wait_for_reply(
    standin: SlackStandIn, key: str, since: int, timeout: float = 10.0
) -> float | None:
    """When the reply on response URL ``key`` arrived (``time.time()``), looking from ``since``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = next((r for r in standin.responses[since:] if r.key == key), None)
        if found is not None:
            return found.time
        time.sleep(0.001)
    return None


def quiet(standin: SlackStandIn, seconds: float = 0.3, limit: float = 30.0) -> None:
    """Wait until the bot has made no Slack call for ``seconds``."""
    start = last = time.monotonic()
    count = len(standin.calls) + len(standin.responses)
    while time.monotonic() - start < limit:
        time.sleep(0.05)
        now_count = len(standin.calls) + len(standin.responses)
        if now_count != count:
            count, last = now_count, time.monotonic()
        elif time.monotonic() - last >= seconds:
            return


# --- measurements ----------------------------------------------------------------------------

ACKED = (  # (label, command or None for app_home_opened, text, who sends it)
    ("`/action <title> by Friday`", "/action", lambda n: f"Bench action {n} by Friday", CALLER),
    ("`/action list`", "/action", lambda n: "list", CALLER),
    ("`/action list all`", "/action", lambda n: "list all", CALLER),
    ("`/reflect search`", "/reflect", lambda n: "search practice", CALLER),
    ("`app_home_opened`", None, lambda n: "", CALLER),
    ("`app_home_opened`, steering group", None, lambda n: "", STEERING),
)


def timed(
    sender: Sender, bench: Bench, command: str | None, text: str, user: str = CALLER
) -> tuple[float, int, float | None]:
    """One request: (ack round trip, HTTP status, seconds until its answer was in hand).

    A command's answer is its reply, in the acknowledgement's body (the stand-in records it
    as Slack shows it) or posted to the response URL; ``app_home_opened``'s is the
    ``views.publish`` of that member's home (the event is acknowledged first). It waits for
    the answer, so requests do not pile up behind each other.
    """
    if command is None:
        since = len(bench.standin.calls)
        sent = time.time()
        elapsed, status, _ = sender.home(user)
        published = wait_for_publish(bench.standin, user, since) if status == 200 else None
        return elapsed, status, (published - sent) if published else None
    since = len(bench.standin.responses)
    sent = time.time()
    elapsed, status, key = sender.command(command, text, user)
    arrived = wait_for_reply(bench.standin, key, since) if status == 200 else None
    return elapsed, status, (arrived - sent) if arrived else None


def wait_for_publish(
    standin: SlackStandIn, user: str, since: int, timeout: float = 10.0
) -> float | None:
    """When ``views.publish`` of ``user``'s home arrived, looking at calls from ``since``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = next(
            (
                c
                for c in standin.calls[since:]
                if c.method == "views.publish" and c.params.get("user_id") == user
            ),
            None,
        )
        if found is not None:
            return found.time
        time.sleep(0.001)
    return None


def measure_floor(bench: Bench) -> list[Row]:
    """The floors: Bolt apps that only ack, over the same HTTP path, both runners."""
    rows, medians = [], {}
    for before_response, label, note in (
        (False, "floor: Bolt app that only acks, default runner", "polls for ack() every 10 ms"),
        (True, "true floor: Bolt app that only acks, process_before_response", "as Nudge runs"),
    ):
        served = start_floor(bench, process_before_response=before_response)
        sender = Sender(bench.standin, served.url)
        try:
            for _ in range(20):
                sender.command("/action", "list")
            samples = [sender.command("/action", "list")[0] for _ in range(bench.plan.requests)]
        finally:
            sender.close()
            served.stop()
        medians[before_response] = statistics.median(samples)
        rows.append(Row(label, "any", ms(medians[before_response]), ms(p99(samples)), "", note))
    bench.floor_median = medians[True]
    return [
        dataclasses.replace(row, vs_floor=f"{median / bench.floor_median:.1f}×")
        for row, median in zip(rows, (medians[False], medians[True]), strict=True)
    ]


def api_calls(standin: SlackStandIn, since: int, requests: int) -> str:
    """The Web API calls made since call ``since``, per request, by method."""
    made = Counter(c.method for c in standin.calls[since:])
    total = sum(made.values()) / requests
    each = ", ".join(f"{m} {n / requests:.1f}" for m, n in sorted(made.items()))
    return f"{total:.1f} Web API calls each" + (f" ({each})" if each else "")


def measure_acks(bench: Bench) -> list[Row]:
    """Answer times of each command at each size; unregistered ones (404) are ``n/a``."""
    rows = []
    for size in bench.plan.sizes:
        path = bench.workdir / f"acks-{size}.db"
        log(f"seeding {size:,} actions and {size:,} reflections")
        seeded = seed(path, size, random.Random(size))
        log(f"measuring acknowledgements at {size:,}")
        served = start_bot(bench, path)
        bench.startup[size] = (served.started_in, served.rss_kib())
        sender = Sender(bench.standin, served.url)
        try:
            for label, command, text, user in ACKED:
                status = timed(sender, bench, command, text(0), user)[1]
                if status == 404:
                    rows.append(Row(f"answer {label}", f"{size:,}", note="not registered yet"))
                    continue
                for n in range(10):  # warm up
                    timed(sender, bench, command, text(n), user)
                quiet(bench.standin, 0.2)
                samples, replies = [], []
                since = len(bench.standin.calls)
                for n in range(bench.plan.requests):
                    elapsed, status, reply = timed(sender, bench, command, text(n), user)
                    if status != 200:
                        raise RuntimeError(f"{label} answered HTTP {status}")
                    samples.append(elapsed)
                    replies += [reply] if reply is not None else []
                quiet(bench.standin, 0.2)
                calls = api_calls(bench.standin, since, bench.plan.requests)
                if not replies:
                    rows.append(Row(f"answer {label}", f"{size:,}", note="no answer arrived"))
                    continue
                median = statistics.median(replies)
                ratio = f"{median / bench.floor_median:.1f}×" if bench.floor_median else ""
                said = (
                    f"ack round trip median {ms(statistics.median(samples))}, "
                    f"p99 {ms(p99(samples))}; {calls}"
                )
                extra = (
                    seeded["search"]
                    if "reflect" in label
                    else (seeded["home"] if label == "`app_home_opened`" else "")
                )
                said += f"; {extra}" if extra else ""
                rows.append(
                    Row(f"answer {label}", f"{size:,}", ms(median), ms(p99(replies)), ratio, said)
                )
            bench.startup[size] = (served.started_in, served.rss_kib())
        finally:
            sender.close()
            served.stop()
    return rows


def measure_startup(bench: Bench) -> list[Row]:
    """Start-up time and memory of the processes measured above (no reminders yet)."""
    return [
        Row(
            "start-up (process to serving) and resident memory",
            f"{size:,} actions",
            f"{seconds:.2f} s",
            f"{kib / 1024:.0f} MB RSS",
            "",
            "no reminders yet; RSS after the ack runs",
        )
        for size, (seconds, kib) in sorted(bench.startup.items())
    ]


def measure_digest(bench: Bench) -> list[Row]:
    """Digest build time at each size: gather the week, build it, render its messages."""
    from bot.domain.digest import build_digest
    from handlers.blocks.digest import render_digest_messages
    from storage.digest import week_data

    rows = []
    for size in bench.plan.sizes:
        path = bench.workdir / f"acks-{size}.db"  # seeded by the acknowledgement rows
        if not path.exists():
            seed(path, size, random.Random(size))
        end = datetime.now(UTC)
        samples, sections, messages = [], 0, 0
        with connect(path) as db:
            for _ in range(7):
                started = time.perf_counter()
                digest = build_digest(
                    week_data(db, TEAM, end - timedelta(days=7), end, "Europe/London")
                )
                rendered = render_digest_messages(digest)
                samples.append(time.perf_counter() - started)
                sections, messages = len(digest.sections), len(rendered)
        rows.append(
            Row(
                "digest built (gather, build, render)",
                f"{size:,}",
                ms(statistics.median(samples)),
                ms(max(samples)),
                "",
                f"{sections} sections in {messages} message(s); p99 column: slowest of 7",
            )
        )
    return rows


def measure_reminder_startup(bench: Bench) -> list[Row]:
    """Start-up time and resident memory with many reminders scheduled."""
    path = bench.workdir / "reminders.db"
    create(path).close()
    with connect(path) as db:
        if "reminders" not in db.table_names():
            raise NotYet("reminders are not built yet")
        seed_reminders(db, bench.plan.reminders, datetime.now(UTC), random.Random(7))
    served = start_bot(bench, path)
    try:
        time.sleep(1.0)
        rss = served.rss_kib()
    finally:
        served.stop()
    return [
        Row(
            "start-up and resident memory with reminders",
            f"{bench.plan.reminders:,}",
            f"{served.started_in:.2f} s",
            f"{rss / 1024:.0f} MB RSS",
            "",
            "one-off and weekly reminders over the next month",
        )
    ]


DELIVERY_TICK = 0.5  # seconds between the scheduler's looks for due reminders
DELIVERY_LEAD = 2.0  # seconds from seeding the reminders to their due moment
REMINDER_DM = re.compile(r"^:alarm_clock: Reminder: reminder (\d+)\b")


def measure_reminder_delivery(bench: Bench) -> list[Row]:
    """Time to deliver reminders that fall due in the same minute.

    The bot starts on an empty database with a short tick; once it serves (and so
    schedules), ``due_together`` one-off reminders are seeded, all due a moment later.
    Times run from that due moment to each reminder DM's ``chat.postMessage`` reaching
    the stand-in, which answers at once.
    """
    count = bench.plan.due_together
    path = bench.workdir / "due.db"
    create(path).close()
    served = start_bot(bench, path, {"NUDGE_TICK_SECONDS": str(DELIVERY_TICK)})
    try:
        since = len(bench.standin.calls)
        now = datetime.now(UTC)
        due = now + timedelta(seconds=DELIVERY_LEAD)
        with connect(path) as db:
            seed_reminders(db, count, now, random.Random(11), due=due)
        log(f"{count:,} reminders due at {due:%H:%M:%S.%f}; waiting for their DMs")
        arrived = wait_for_reminders(bench.standin, since, count, timeout=60.0 + count * 0.2)
        quiet(bench.standin, seconds=max(1.0, 4 * DELIVERY_TICK))  # a repeat would show here
        arrived = reminder_dms(bench.standin, since)
    finally:
        served.stop()
    repeated = sorted(n for n, times in arrived.items() if len(times) > 1)
    if repeated:
        raise RuntimeError(
            f"{len(repeated)} of {count:,} reminders were delivered more than "
            f"once, first reminder {repeated[0]}"
        )
    if sorted(arrived) != list(range(count)):
        raise RuntimeError(
            f"delivered reminders other than the {count:,} seeded: "
            f"{sorted(set(arrived) - set(range(count)))[:5]}"
        )
    latencies = sorted(times[0] - due.timestamp() for times in arrived.values())
    first, last = latencies[0], latencies[-1]
    rate = count / (last - first) if last > first else float("inf")
    return [
        Row(
            "deliver reminders due in the same minute",
            f"{count:,}",
            f"{last:.2f} s to the last",
            f"{p99(latencies):.2f} s",
            "",
            f"tick {DELIVERY_TICK} s (bounds the first's latency); first {first:.2f} s "
            f"after due; {rate:.0f} reminders/s from first to last; each delivered "
            f"exactly once; p99 column: per-reminder latency from due",
        )
    ]


def reminder_dms(standin: SlackStandIn, since: int) -> dict[int, list[float]]:
    """Reminder DMs answered ``ok`` from call ``since`` on: reminder number -> arrival times."""
    found: dict[int, list[float]] = {}
    for call in standin.calls[since:]:
        if call.method != "chat.postMessage" or call.error or call.status != 200:
            continue
        matched = REMINDER_DM.match(str(call.params.get("text", "")))
        if matched:
            found.setdefault(int(matched[1]), []).append(call.time)
    return found


def wait_for_reminders(
    standin: SlackStandIn, since: int, count: int, timeout: float
) -> dict[int, list[float]]:
    """Wait until ``count`` distinct reminders have been delivered; raise if they do not."""
    deadline = time.monotonic() + timeout
    while True:
        found = reminder_dms(standin, since)
        if len(found) >= count:
            return found
        if time.monotonic() > deadline:
            sent = sum(len(times) for times in found.values())
            raise RuntimeError(
                f"only {len(found):,} of {count:,} reminders arrived within "
                f"{timeout:.0f} s ({sent:,} reminder DMs in all)"
            )
        time.sleep(0.05)


MIXED = (  # (how the table names it, command, text)
    ("`/action list`", "/action", lambda n: "list"),
    (
        "`/action <title> by Friday #ws`",
        "/action",
        lambda n: f"Mixed load {n} by Friday #ws{n % 20}",
    ),
    ("`/action show`", "/action", lambda n: f"show A{n % 500 + 1}"),
    ("`/action list #ws`", "/action", lambda n: f"list #ws{n % 20}"),
    ("`/action list all`", "/action", lambda n: "list all"),
    ("`/action help`", "/action", lambda n: "help"),
    ("`/reflect search`", "/reflect", lambda n: "search practice"),
)


def measure_throughput(bench: Bench) -> list[Row]:
    """The highest rate of mixed commands held with ack and reply p99 under one second."""
    size = bench.plan.sizes[-1]
    path = bench.workdir / "load.db"
    log(f"seeding {size:,} actions for the sustained load")
    seed(path, size, random.Random(3))
    served = start_bot(bench, path)
    sender = Sender(
        bench.standin,
        served.url,
        httpx.Client(timeout=30.0, limits=httpx.Limits(max_connections=64)),
    )
    mix = [(label, c, t) for label, c, t in MIXED if timed(sender, bench, c, t(0))[1] != 404]
    held: tuple[int, float, float] | None = None
    held_shares = ""
    failed = ""
    try:
        for rate in bench.plan.rates:
            log(f"sustained load: {rate} commands a second")
            cpu = (served.cpu_seconds(), time.process_time(), time.perf_counter())
            acks, replies, errors = _load_step(bench, sender, mix, rate)
            wall = time.perf_counter() - cpu[2]
            shares = (
                f"cores used: bot {(served.cpu_seconds() - cpu[0]) / wall:.2f}, "
                f"load generator and stand-in {(time.process_time() - cpu[1]) / wall:.2f}"
            )
            worst_reply = p99(replies) if replies else float("inf")
            log(f"  ack p99 {ms(p99(acks))}, reply p99 {ms(worst_reply)}, {errors} failed")
            if errors or p99(acks) >= 1.0 or worst_reply >= 1.0:
                failed = (
                    f"at {rate}/s: ack p99 {ms(p99(acks))}, reply p99 "
                    f"{ms(worst_reply) if replies else 'none'}, {errors} failed"
                )
                break
            held = (rate, p99(acks), worst_reply)
            held_shares = shares
            quiet(bench.standin, 0.5)
    finally:
        sender.close()
        served.stop()
    commands = ", ".join(label for label, _, _ in mix)
    if held is None:
        return [Row("sustained mixed commands a second", f"{size:,}", "none held", "", "", failed)]
    most = "the most tried" if not failed else f"next step failed {failed}"
    return [
        Row(
            "sustained mixed commands a second (ack and answer p99 < 1 s)",
            f"{size:,}",
            f"{held[0]}/s held",
            f"ack {ms(held[1])}, reply {ms(held[2])}",
            "",
            f"{held_shares}; {most}; in turn: {commands}",
        )
    ]


def _load_step(
    bench: Bench, sender: Sender, mix: list, rate: int
) -> tuple[list[float], list[float], int]:
    """``rate`` mixed commands a second from the caller for a step (see :func:`open_loop`)."""

    def send(n: int, key: str) -> httpx.Response:
        _, command, text = mix[n % len(mix)]
        return sender.slack.command(
            command, text(n), CALLER, response_url=bench.standin.response_url(key)
        )

    count = max(1, int(rate * bench.plan.step_seconds))
    return open_loop(bench, send, rate, count, f"load{rate}")


def open_loop(
    bench: Bench, send: Callable[[int, str], httpx.Response], rate: int, count: int, label: str
) -> tuple[list[float], list[float], int]:
    """Send ``count`` commands at ``rate`` a second, open loop (``send(n, key)`` sends the
    n-th, its reply keyed ``key``); (ack times, reply times, failures).

    Times run from when each command was due, not from when a client thread got to it, so
    a backlog anywhere (here included) shows in the percentiles instead of hiding.
    """
    sent: dict[str, float] = {}
    acks: list[float] = []
    errors = 0
    lock = threading.Lock()
    since = len(bench.standin.responses)

    def one(n: int, due: float, wall: float) -> None:
        """Send command ``n``, timed from when it was due (a late send counts against us)."""
        nonlocal errors
        key = f"{label}-{n}"
        with lock:
            sent[key] = wall
        try:
            ok = send(n, key).status_code == 200
        except httpx.HTTPError:
            ok = False
        with lock:
            acks.append(time.perf_counter() - due)
            errors += not ok

    start, wall = time.perf_counter(), time.time()
    with ThreadPoolExecutor(max_workers=64) as pool:
        for n in range(count):
            due = start + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(one, n, due, wall + n / rate)
    deadline = time.monotonic() + 10.0
    answered: dict[str, float] = {}
    while time.monotonic() < deadline:
        answered = {r.key: r.time for r in bench.standin.responses[since:] if r.key in sent}
        if len(answered) >= len(sent):
            break
        time.sleep(0.05)
    replies = [answered[k] - sent[k] for k in sent if k in answered]
    return acks, replies, errors + (len(sent) - len(answered))


MEASURES: tuple[Callable[[Bench], list[Row]], ...] = (
    measure_floor,
    measure_acks,
    measure_startup,
    measure_digest,
    measure_reminder_startup,
    measure_reminder_delivery,
    measure_throughput,
)

_NOT_YET_LABELS = {
    "measure_digest": "digest build time",
    "measure_reminder_startup": "start-up and resident memory with reminders",
}


# --- the table -------------------------------------------------------------------------------


def machine() -> str:
    """``2 cores (nproc), AMD EPYC …, Python 3.11.7``."""
    cpu = platform.processor() or "unknown CPU"
    with contextlib.suppress(OSError):
        found = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        cpu = found[1].strip() if found else cpu
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cores} cores (nproc), {cpu}, Python {platform.python_version()}"


def table(rows: list[Row]) -> str:
    """The rows as a markdown table."""
    lines = [
        "| measurement | size | median (or result) | p99 | median vs floor | note |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    lines += [
        f"| {r.what} | {r.size} | {r.median} | {r.p99} | {r.vs_floor} | {r.note} |" for r in rows
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run every measurement and print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true", help="a smoke run at small sizes")
    args = parser.parse_args(argv)
    plan = Plan.for_run(args.small)
    rows: list[Row] = []
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="nudge-bench-") as scratch,
        SlackStandIn(bot_token="xoxb-bench", app_token="xapp-bench") as standin,
    ):
        standin.add_user(CALLER, "m1")
        standin.add_user(STEERING, "m2")
        bench = Bench(plan, standin, Path(scratch))
        for measure in MEASURES:
            log(measure.__doc__.split("\n")[0])
            try:
                rows += measure(bench)
            except NotYet as why:
                rows.append(
                    Row(
                        _NOT_YET_LABELS.get(measure.__name__, measure.__name__),
                        "",
                        note=f"n/a: {why}",
                    )
                )
            standin.clear()
    print(
        f"Measured on {machine()}; sizes {', '.join(f'{s:,}' for s in plan.sizes)}; "
        f"{plan.requests} requests per ack row; {time.perf_counter() - started:.0f} s in all.\n"
    )
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
