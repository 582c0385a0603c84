"""``:demo``: a small network's week in an empty database, so there is something to explore.

A steering group met four days ago and agreed six actions (two done since, one overdue,
one without an owner, one untouched for six weeks); members wrote reflections, some
shared with the network, one a lesson from a done action, one private; a follow-up was
done; a weekly reminder waits; and sam's blog, served on loopback while the console
runs, is registered the way a member registers it (``/nudge blog feed``), so the bot
reads it and its recent post reaches the digest.

What is written goes through the storage layer with the times it would have had, so the
digest, the steering review and the App Home show a week that happened.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from bot.console_lines import user_id_for
from bot.domain.people import Actor
from bot.domain.reflections import ReflectionDraft
from bot.domain.when import parse_when
from storage import actions, reflections, reminders
from storage.db import connect

if TYPE_CHECKING:
    from bot.console import Console

__all__ = ["DemoBlog", "fill_demo", "seed_week", "MEMBERS"]

# The demo's members beyond the console's own (ana, pete, sam, steering).
MEMBERS = ("priya",)


class DemoBlog:
    """A member's blog feed (Atom) on loopback: one post this week, one from weeks ago."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._server: ThreadingHTTPServer | None = None

    def feed(self) -> bytes:
        """The feed's Atom document, its posts dated relative to ``now``."""
        posts = [
            ("What we learned from our first show and tell", self.now - timedelta(days=2)),
            ("Notes from the accessibility meet-up", self.now - timedelta(days=24)),
        ]
        entries = "".join(
            f"<entry><title>{title}</title><id>urn:demo:{n}</id>"
            f'<link href="https://sam.example.org/{n}"/>'
            f"<updated>{when.isoformat()}</updated><published>{when.isoformat()}</published>"
            "</entry>"
            for n, (title, when) in enumerate(posts, 1)
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<feed xmlns="http://www.w3.org/2005/Atom"><title>Sam writes</title>'
            f"<id>urn:demo:feed</id><updated>{self.now.isoformat()}</updated>{entries}</feed>"
        ).encode()

    def start(self) -> DemoBlog:
        """Serve the feed on 127.0.0.1 until :meth:`stop`."""
        blog = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
                body = blog.feed()
                self.send_response(200)
                self.send_header("Content-Type", "application/atom+xml")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Last-Modified", format_datetime(blog.now, usegmt=True))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="demo-blog", daemon=True).start()
        return self

    @property
    def url(self) -> str:
        """The feed's address."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/feed.xml"

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def seed_week(db_path: str, team_id: str, now: datetime, steering_id: str) -> dict[str, int]:
    """Write the demo network's week into the database; what was written, counted.

    >>> seed_week(path, "T0001", now, "U0STEERING")  # doctest: +SKIP
    {'actions': 6, 'done': 2, 'overdue': 1, 'reflections': 4, 'shared': 3, 'reminders': 2}
    """
    ana, pete, sam, priya = (user_id_for(n) for n in ("ana", "pete", "sam", "priya"))
    steering = Actor(team_id, steering_id, is_steering=True)
    meeting = now - timedelta(days=4)
    today = now.date()

    def days(n: int) -> date:
        return today + timedelta(days=n)

    agreed = [
        ("Draft our response to the Digital Inclusion Charter", pete, days(3), "inclusion"),
        ("Book the venue for the spring meet-up", ana, days(10), "events"),
        ("Share the accessibility audit template", sam, days(-2), "inclusion"),
        ("Write up the show and tell on data sharing", ana, days(-1), "data"),
        ("Find a speaker from the NHS digital team", None, None, "events"),
    ]
    with connect(db_path) as db:
        made = [
            actions.add(db, steering, title=t, owner_id=o, due=d, workstream=w, now=meeting)
            for t, o, d, w in agreed
        ]
        actions.add(
            db,
            Actor(team_id, priya),
            title="Collect case studies for the funding bid",
            owner_id=priya,
            due=None,
            workstream="funding",
            now=now - timedelta(days=44),
        )
        for action, owner, ago in ((made[0], pete, 2), (made[3], ana, 1)):
            at = now - timedelta(days=ago)
            actions.change(
                db, Actor(team_id, owner), action.id, "done", at, status="done", done_at=at
            )
        written = [
            (pete, "Starting from the charter's own words made our draft quick to agree.",
             ("inclusion",), True, 2, made[0].id),
            (ana, "I talk too much in steering meetings; next time I'll ask first and listen.",
             (), False, 3, None),
            (sam, "Pairing with a service designer on the form saved us two rounds of rework.",
             ("design",), True, 1, None),
            (priya, "Councils say yes faster when we bring a case study from a neighbour.",
             ("influence",), True, 3, None),
        ]  # fmt: skip
        for author, text, tags, shared, ago, action_id in written:
            reflections.add(
                db,
                team_id,
                author,
                ReflectionDraft(text, tags, shared),
                now - timedelta(days=ago),
                action_id=action_id,
            )
        follow_up = reminders.add(
            db,
            team_id=team_id,
            user_id=ana,
            kind="follow_up",
            text="“the charter response”",
            tz="Europe/London",
            first=now - timedelta(days=1, hours=2),
            recurrence=None,
            now=meeting,
            person_id=pete,
        )
        reminders.mark_done(db, follow_up, now - timedelta(days=1))
        weekly = parse_when("every Friday at 4pm", now, steering.zone)
        reminders.add(
            db,
            team_id=team_id,
            user_id=ana,
            kind="me",
            text="write my weeknote",
            tz="Europe/London",
            first=weekly.first,
            recurrence=weekly.recurrence,
            now=now - timedelta(days=3),
        )
    return {"actions": 6, "done": 2, "overdue": 1, "reflections": 4, "shared": 3, "reminders": 2}


def _stored(db_path: str, team_id: str) -> int:
    """How many actions, reflections and reminders the workspace has."""
    with connect(db_path) as db:
        return sum(
            db.table(name).count_where("team_id = ?", [team_id])
            for name in ("actions", "reflections", "reminders")
        )


def fill_demo(console: Console) -> None:
    """``:demo``: seed an empty database with the demo week, then register sam's blog."""
    settings, team_id = console.settings, console.standin.team_id
    found = _stored(settings.db_path, team_id)
    if found:
        console.say(
            f"(:demo fills an empty database, and this one holds {found:,} records already. "
            "Try it on a new one: NUDGE_DB=demo.db nudge console --demo)"
        )
        return
    for name in MEMBERS:
        console.user(name)
    now = console.runtime.deps.now()
    seed_week(settings.db_path, team_id, now, user_id_for("steering"))
    blog = DemoBlog(now).start()
    console.to_stop.append(blog)
    console.say(
        "(The demo network's week is in the database: the steering group met four days ago "
        "and agreed six actions, two done since and one overdue; four reflections, three "
        "shared; a follow-up done; a weekly reminder. sam registers a blog:)"
    )
    console.command("/nudge", f"blog feed {blog.url}", as_member="sam")
    console.settle(quiet=1.0)
    console.say(
        "(Try /digest for the week so far, :home for ana's App Home, /action show A1, "
        "/reflect lessons, and :as steering then /action review.)"
    )
