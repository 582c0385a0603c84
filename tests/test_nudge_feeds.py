"""``/nudge blog feed`` end to end, against blogs served on loopback (tests/feeds_server.py)."""

from __future__ import annotations

import gzip
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from handlers.habits import FEEDS_JOB, poll_feeds
from handlers.nudges import tick
from storage import feeds as feed_store
from tests.conftest import ANA, PETE, SAM
from tests.feeds_server import (
    ENTITY_BOMB,
    RSS_POSTS,
    FeedServer,
    Post,
    Reply,
    rss,
    zeros_gzip,
)


def rows(bot, table: str) -> list[dict]:
    with bot.db() as db:
        return list(db.table(table).rows_where(order_by="rowid"))


def habit_nudges(bot, user: str = ANA) -> list:
    return [m for m in bot.standin.dms_to(user) if "without a blog post" in m.text]


def register(bot, url: str, user: str = ANA, timeout: float = 30.0):
    """``/nudge blog feed <url>``: the reply at once, then the DM with the result."""
    earlier = {id(call) for call in bot.standin.calls_to("chat.postMessage")}
    reply = bot.command("/nudge", f"blog feed {url}", user=user)
    assert "I'll send you a DM" in reply.text, reply.text
    dm = bot.standin.wait_for(
        "chat.postMessage",
        lambda call: id(call) not in earlier and call.params["channel"] == user,
        timeout=timeout,
    )
    return reply, dm.params


def test_registering_an_rss_feed_answers_with_its_title_and_latest_post(driven, blog):
    reply, dm = register(driven, blog.url("/rss.xml"))
    assert reply.response_type == "ephemeral" and blog.url("/rss.xml") in reply.text
    assert "Ana's blog" in dm["text"] and "Third post: on listening" in dm["text"]
    [feed] = rows(driven, "feeds")
    assert (feed["team_id"], feed["user_id"], feed["title"]) == ("T0001", ANA, "Ana's blog")
    assert feed["etag"] and feed["modified"]
    posts = rows(driven, "posts")
    assert {p["entry_id"] for p in posts} == {"ana-1", "ana-2", "ana-3"}
    assert all(p["team_id"] == "T0001" and p["user_id"] == ANA for p in posts)
    assert "Ana's blog" in driven.command("/nudge", "list").text


def test_registering_an_atom_feed(driven, blog):
    _, dm = register(driven, blog.url("/atom.xml"))
    assert "Pete writes" in dm["text"] and "Notes from the workshop" in dm["text"]
    assert len(rows(driven, "posts")) == 2


def test_polling_uses_a_conditional_get_and_stores_only_new_posts(driven, blog, clock):
    assert driven.runtime._scheduler.get_job(FEEDS_JOB).trigger.interval == timedelta(minutes=60)
    blog.feed("/ana.xml", rss("Ana's blog", RSS_POSTS))
    register(driven, blog.url("/ana.xml"))
    assert poll_feeds(driven.runtime.deps) == 0
    assert blog.seen("/ana.xml")[-1].header("If-None-Match")  # answered 304
    new = Post("ana-4", "Fourth post", "https://ana.example.org/p/4", clock())
    blog.feed("/ana.xml", rss("Ana's blog", [new, *RSS_POSTS]))
    assert poll_feeds(driven.runtime.deps) == 1
    assert rows(driven, "posts")[-1]["title"] == "Fourth post"


@pytest.mark.parametrize("path", ["/malformed.xml", "/huge.xml", "/loop/a", "/status/404"])
def test_a_feed_that_cannot_be_read_is_explained_and_not_stored(driven, blog, path):
    _, dm = register(driven, blog.url(path))
    assert "I couldn't read the feed" in dm["text"] and "For example" in dm["text"]
    assert rows(driven, "feeds") == [] and rows(driven, "posts") == []


def test_a_private_address_is_refused_without_the_setting(make_bot, blog):
    bot = make_bot(allow_private_feeds=False)
    reply = bot.command("/nudge", f"blog feed {blog.url('/rss.xml')}")
    assert "private" in reply.text.lower() or "local" in reply.text.lower()
    assert blog.seen("/rss.xml") == []
    assert rows(bot, "feeds") == []
    reply = bot.command("/nudge", "blog feed ftp://example.org/feed.xml")
    assert "For example" in reply.text and rows(bot, "feeds") == []


def test_a_new_post_resets_the_habit_so_no_nudge_is_sent(driven, blog, clock):
    blog.feed("/ana.xml", rss("Ana's blog", RSS_POSTS))  # posts from 2024: no reset
    register(driven, blog.url("/ana.xml"))
    driven.command("/nudge", "blog every 1 week")  # first nudge Wed 9 Dec 09:00
    clock.set(datetime(2026, 12, 7, 18, 0, tzinfo=UTC))
    new = Post("ana-4", "Fourth post", "https://ana.example.org/p/4", clock())
    blog.feed("/ana.xml", rss("Ana's blog", [new, *RSS_POSTS]))
    poll_feeds(driven.runtime.deps)
    clock.set(datetime(2026, 12, 9, 9, 0, tzinfo=UTC))
    tick(driven.runtime.deps)
    assert habit_nudges(driven) == []
    clock.set(datetime(2026, 12, 15, 9, 0, tzinfo=UTC))  # a week after the post
    tick(driven.runtime.deps)
    assert len(habit_nudges(driven)) == 1


# --- what counts as this week's post: its own date --------------------------------------


def test_a_feed_of_old_posts_registered_today_is_not_this_weeks_news(driven, blog):
    old = [
        Post("old-2024", "Notes from 2024", "/p/2024", datetime(2024, 6, 3, 9, 0, tzinfo=UTC)),
        Post("old-2020", "Hello from 2020", "/p/2020", datetime(2020, 2, 10, 9, 0, tzinfo=UTC)),
    ]
    undated = Post("undated", "A post without a date", "/p/undated", None)
    blog.feed("/ana.xml", rss("Ana's blog", [*old, undated]))
    register(driven, blog.url("/ana.xml"))
    assert {p["entry_id"] for p in rows(driven, "posts")} == {"old-2024", "old-2020", "undated"}

    preview = driven.command("/digest", "")

    shown = preview.text + str(preview.blocks)
    assert "1 blog post" in shown and "2 blog posts" not in shown
    assert "A post without a date" in shown  # no date of its own: counted from first seen
    assert "Hello from 2020" not in shown and "Notes from 2024" not in shown


def test_old_posts_do_not_reset_the_habit_clock_and_a_future_date_does_not_stop_it(
    driven, blog, clock
):
    driven.command("/nudge", "blog every 1 week")  # Tue 1 Dec: first nudge Wed 9 Dec 09:00
    clock.set(datetime(2026, 12, 4, 12, 0, tzinfo=UTC))
    old = Post("old", "Hello from 2020", "/p/2020", datetime(2020, 2, 10, 9, 0, tzinfo=UTC))
    future = Post("future", "Dated 2031", "/p/2031", datetime(2031, 1, 1, 9, 0, tzinfo=UTC))
    blog.feed("/ana.xml", rss("Ana's blog", [old]))
    register(driven, blog.url("/ana.xml"))
    clock.set(datetime(2026, 12, 9, 9, 0, tzinfo=UTC))
    tick(driven.runtime.deps)
    assert len(habit_nudges(driven)) == 1  # registered old posts did not reset the clock

    blog.feed("/ana.xml", rss("Ana's blog", [future, old]))
    poll_feeds(driven.runtime.deps)  # first seen Wed 9 Dec: counts from then, not from 2031
    clock.set(datetime(2026, 12, 16, 9, 0, tzinfo=UTC))
    tick(driven.runtime.deps)
    assert len(habit_nudges(driven)) == 2


# --- what a feed says is shown as text, never as Slack markup -----------------------------


def test_a_feeds_title_and_posts_are_shown_escaped_in_the_dm_and_the_list(driven, blog):
    hostile = Post(
        "p1", "<!here> read me | now", "/p/1?a=1&b=<2>", datetime(2026, 11, 30, tzinfo=UTC)
    )
    blog.feed("/ana.xml", rss("<!channel> & <@U0PETE> news", [hostile]))

    _, dm = register(driven, blog.url("/ana.xml"))
    listed = driven.command("/nudge", "list")

    for markup in (dm["text"] + str(dm["blocks"]), listed.text + str(listed.blocks)):
        assert "<!channel>" not in markup and "<@U0PETE>" not in markup
        assert "&lt;!channel&gt; &amp; &lt;@U0PETE&gt; news" in markup
    assert "<!here>" not in dm["text"] + str(dm["blocks"])
    assert "&lt;!here&gt; read me | now" in dm["text"]


# --- no feed slows anyone else -------------------------------------------------------------


def test_hanging_and_hostile_feeds_do_not_delay_the_others_in_the_poll(make_bot):
    bot = make_bot(tick_seconds=3600, feed_timeout_seconds=5)
    bombs = {
        "/0.xml": Reply(200, trickle=0.5),  # Ana's blog now sends its headers a byte at a time
        "/1.xml": Reply(200, ENTITY_BOMB, {"Content-Type": "application/rss+xml"}),
        "/2.xml": Reply(
            200, gzip.compress(zeros_gzip(2**31), mtime=0), {"Content-Encoding": "gzip, gzip"}
        ),
    }
    members = [ANA, PETE, SAM, "U0KIM", "U0RAJ", "U0ZOE"]
    with FeedServer() as blogs:
        for path, reply in bombs.items():
            blogs.route(path, lambda _, reply=reply: reply)
        for n in range(len(bombs), len(members)):
            new = Post(f"{n}-new", f"New {n}", f"/{n}/2", datetime(2026, 12, 1, 9, tzinfo=UTC))
            blogs.feed(f"/{n}.xml", rss(f"Blog {n}", [new]))
        with bot.db() as db:
            for n, user in enumerate(members):
                feed_store.save_feed(db, "T0001", user, blogs.url(f"/{n}.xml"), "", bot.clock())
        started = time.monotonic()
        poll = threading.Thread(target=poll_feeds, args=(bot.runtime.deps,))
        poll.start()
        recorded: dict[str, float] = {}
        while len(recorded) < len(members) - len(bombs) and time.monotonic() - started < 30:
            for post in rows(bot, "posts"):
                if post["entry_id"].endswith("-new") and post["entry_id"] not in recorded:
                    recorded[post["entry_id"]] = time.monotonic() - started
            time.sleep(0.05)
        poll.join(timeout=30)
        took = time.monotonic() - started

    for entry_id, after in sorted(recorded.items()):
        print(f"new post {entry_id} recorded {after:.2f} s into the poll")
    print(f"the poll, with Ana's feed hanging until its 5 s deadline, took {took:.2f} s")
    assert len(recorded) == len(members) - len(bombs)
    assert max(recorded.values()) < 5  # each within its own deadline, none behind Ana's
    errors = {f["user_id"]: f["error"] for f in rows(bot, "feeds")}
    assert "took more than 5 seconds" in errors[ANA]
    assert "declares its own entities" in errors[PETE] and "too large" in errors[SAM]
    assert {p["user_id"] for p in rows(bot, "posts")} == set(members[len(bombs) :])


def test_a_second_feed_while_the_first_is_read_is_asked_to_wait(make_bot):
    bot = make_bot(tick_seconds=3600, feed_timeout_seconds=3)
    with FeedServer(trickle_seconds=0.5) as slow:
        first = bot.command("/nudge", f"blog feed {slow.url('/trickle/headers.xml')}")
        again = bot.command("/nudge", f"blog feed {slow.url('/rss.xml')}")
        bot.standin.wait_for("chat.postMessage", lambda c: c.params["channel"] == ANA, 15)

    assert "I'll send you a DM" in first.text
    assert "still reading the feed you gave me" in again.text
    assert slow.hits["/rss.xml"] == 0 and rows(bot, "feeds") == []
