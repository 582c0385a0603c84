"""The phrase corpus (``tests/phrases/``): every line read with the pure parsers, a sample
typed into the real bot, and a property that nothing half-read is ever stored.

The corpus is the grammar's reference; its README says the format and the decisions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.actions import ActionCommand, parse_action_command
from bot.domain.conversations import ConversationCommand, parse_conversation_command
from bot.domain.dates import normalise, read_moment
from bot.domain.digest import parse_digest_command
from bot.domain.errors import DidYouMean, ParseError, UserError
from bot.domain.nudges import NudgeCommand, parse_nudge_command
from bot.domain.reflections import parse_reflect_command
from bot.domain.workstreams import CLEAR, WorkstreamCommand, parse_workstream_command
from tests.conftest import ANA

CORPUS = Path(__file__).parent / "phrases"


@dataclass(frozen=True)
class Phrase:
    where: str  # file:line
    command: str  # "/action", "/nudge", …
    text: str
    now: datetime
    tz: ZoneInfo
    expected: str


def corpus() -> list[Phrase]:
    phrases = []
    for path in sorted(CORPUS.glob("*.txt")):
        if path.name == "README.txt":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            said, moment, zone, expected = (part.strip() for part in line.rsplit(" | ", 3))
            command, _, text = said.partition(" ")
            phrases.append(
                Phrase(
                    f"{path.name}:{number}",
                    command,
                    text,
                    datetime.fromisoformat(moment),
                    ZoneInfo(zone),
                    expected,
                )
            )
    return phrases


PHRASES = corpus()


def _q(value: str) -> str:
    return f'"{value}"'


def _person(mention) -> str:
    return f"<@{mention.user_id}>" if mention.user_id else f"@{mention.name}"


def _action(c: ActionCommand) -> str:
    if c.verb == "create":
        d = c.draft
        parts = [f"create title={_q(d.title)}"]
        parts += [f"owner={_person(d.owner)}"] if d.owner else []
        parts += [f"due={d.due.isoformat()}"] if d.due else []
        parts += [f"ws={d.workstream}"] if d.workstream else []
        return " ".join(parts)
    if c.verb == "list":
        f = c.filter
        parts = ["list"]
        parts += ["mine"] if f.who == "mine" else [_person(f.user)] if f.who == "user" else []
        parts += [f.status] if f.status != "open" else []
        parts += [f"#{f.workstream}"] if f.workstream else []
        return " ".join(parts)
    if c.verb in ("done", "reopen", "drop", "show"):
        return f"{c.verb} {c.action_id}"
    if c.verb == "assign":
        return f"assign {c.action_id} {_person(c.owner)}"
    if c.verb == "due":
        return f"due {c.action_id} {c.due.isoformat()}"
    if c.verb == "note":
        return f"note {c.action_id} {_q(c.note)}"
    return c.verb


def _who(person) -> list[str]:
    """``with=<@U…>`` for a member, ``with="Nicola Gill"`` for anyone else; ``org="GDS"``."""
    who = [f"with={_person(person.member)}" if person.member else f"with={_q(person.name)}"]
    return who + ([f"org={_q(person.organisation)}"] if person.organisation else [])


def _nudge(c: NudgeCommand, tz: ZoneInfo) -> str:
    if c.verb in ("me", "follow_up"):
        when = c.when
        parts = [f"remind text={_q(c.text)}"]
        if c.verb == "follow_up":
            parts = ["follow", *_who(c.contact)] + ([f"about={_q(c.text)}"] * bool(c.text))
        parts.append(f"at={when.first.astimezone(tz).isoformat(timespec='minutes')}")
        parts += [f"every={_q(when.recurrence.describe())}"] if when.recurrence else []
        parts += [] if when.explicit_time else ["assumed"]
        return " ".join(parts)
    return {
        "cancel": f"cancel {c.reminder_id}",
        "blog_every": f"blog-every {c.weeks}",
        "blog_off": "blog-off",
        "blog_feed": f"blog-feed {c.url}",
    }.get(c.verb, c.verb)


def _reflect(c) -> str:
    if c.verb == "create":
        d = c.draft
        parts = [f"reflect text={_q(d.text)}"]
        parts += [f"tags={','.join(d.tags)}"] if d.tags else []
        parts += ["shared"] if d.shared else []
        return " ".join(parts)
    if c.verb == "list":
        return "reflect-list" + (f" #{c.tag}" if c.tag else "")
    if c.verb == "lessons":
        return "lessons" + (f" #{c.tag}" if c.tag else "")
    if c.verb in ("share", "unshare", "delete"):
        return f"{c.verb} {c.reflection_id}"
    if c.verb == "search":
        return "search " + " ".join(c.terms)
    if c.verb == "weeknote":
        return "weeknote" + (" last" if c.last else "")
    return c.verb


def _digest(c) -> str:
    if c.verb != "settings":
        return f"digest {c.verb}"
    parts = ["digest settings"]
    parts += [f"channel={c.channel}"] if c.channel else []
    parts += [f"day={c.weekday}"] if c.weekday else []
    parts += [f"time={c.at:%H:%M}"] if c.at else []
    return " ".join(parts)


def _conversation(c: ConversationCommand, tz: ZoneInfo) -> str:
    if c.verb == "create":
        d = c.draft
        parts = ["conversation", *_who(d.person)]
        parts += [f"about={_q(d.topic)}"] if d.topic else []
        parts += [f"tags={','.join(d.tags)}"] if d.tags else []
        parts += ["shared"] if d.shared else []
        if d.follow_up:
            first = d.follow_up.first.astimezone(tz).isoformat(timespec="minutes")
            parts += [f"follow={first}"] + ([] if d.follow_up.explicit_time else ["assumed"])
        return " ".join(parts)
    if c.verb == "list":
        return " ".join(["conversation-list"] + ["all"] * c.everyone + [f"#{c.tag}"] * bool(c.tag))
    if c.verb in ("share", "unshare", "delete"):
        return f"conversation-{c.verb} {c.conversation_id}"
    if c.verb == "stay":
        return " ".join(["stay", *_who(c.person), f"every={_q(c.every.describe())}"])
    if c.verb == "stop":
        return " ".join(["stay-off", *_who(c.person)])
    if c.verb == "forget":
        return f"forget name={_q(c.name)}"
    return f"conversation {c.verb}"


def _workstream(c: WorkstreamCommand) -> str:
    if c.verb == "list":
        return "workstream list" + (" all" if c.archived else "")
    if c.verb in ("help",) or (c.verb == "modal" and not c.tag):
        return f"workstream {c.verb}"
    parts = [f"workstream {c.verb} #{c.tag}"]
    ch = c.changes
    parts += [f"title={_q(ch.title)}"] if ch.title else []
    parts += ["lead=none"] if ch.clear_lead else [f"lead={_person(ch.lead)}"] if ch.lead else []
    if ch.channel_id is not None:
        parts.append("channel=none" if ch.channel_id == CLEAR else f"channel={ch.channel_id}")
    return " ".join(parts)


def reading(p: Phrase) -> str:
    """What Nudge read from ``p``, in the corpus's canonical form."""
    try:
        if p.command == "/action":
            return _action(parse_action_command(p.text, p.now, p.tz))
        if p.command == "/nudge":
            return _nudge(parse_nudge_command(p.text, p.now, p.tz), p.tz)
        if p.command == "/reflect":
            return _reflect(parse_reflect_command(p.text))
        if p.command == "/digest":
            return _digest(parse_digest_command(p.text))
        if p.command == "/conversation":
            return _conversation(parse_conversation_command(p.text, p.now, p.tz), p.tz)
        if p.command == "/workstream":
            return _workstream(parse_workstream_command(p.text))
    except DidYouMean as e:
        return f'didyoumean "{e.suggestion}"'
    except UserError as e:
        return f"refuse: {e.message}"
    raise AssertionError(f"{p.where}: no such command {p.command}")


def read_as_meant(p: Phrase, got: str) -> bool:
    if p.expected.startswith("refuse ~"):
        words = p.expected.removeprefix("refuse ~").lower()
        return got.startswith("refuse: ") and words in got.lower()
    return got == p.expected


def test_the_corpus_is_read_as_meant(capsys):
    assert len(PHRASES) >= 500
    misread = []
    for p in PHRASES:
        got = reading(p)
        if not read_as_meant(p, got):
            misread.append(
                f"{p.where}: {p.command} {p.text}\n   expected {p.expected}\n   got      {got}"
            )
    with capsys.disabled():
        print(f"\nphrases: {len(PHRASES) - len(misread)} read as meant of {len(PHRASES)}")
    assert not misread, "\n".join(misread)


PARSERS = {
    "/action": lambda p: parse_action_command(p.text, p.now, p.tz),
    "/nudge": lambda p: parse_nudge_command(p.text, p.now, p.tz),
    "/conversation": lambda p: parse_conversation_command(p.text, p.now, p.tz),
    "/workstream": lambda p: parse_workstream_command(p.text),
}


def test_every_refusal_and_every_did_you_mean_gives_an_example():
    for p in PHRASES:
        try:
            reading_of = reading(p)
        except AssertionError:
            raise
        if reading_of.startswith(("refuse", "didyoumean")) and p.command in PARSERS:
            with pytest.raises(UserError) as caught:
                PARSERS[p.command](p)
            assert caught.value.example, p.where


# --- a sample typed into the real bot ---------------------------------------------------

TUESDAY = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # the bot fixture's clock
SAMPLE = [
    p
    for p in PHRASES
    if p.command == "/action"
    and p.now == TUESDAY
    and p.tz.key == "Europe/London"
    and (p.expected.startswith(("create", "refuse", "didyoumean")))
    and "@pete " not in p.text + " "  # plain names resolve only for cached members
][::3]


def test_a_sample_of_the_corpus_typed_into_the_bot_stores_what_was_read(bot):
    """Each create stores its title, due date and workstream; each refusal and each "did
    you mean" stores nothing and says so in its reply."""
    assert len(SAMPLE) >= 60
    for p in SAMPLE:
        with bot.db() as db:
            before = db.table("actions").count
        reply = bot.command("/action", p.text, user=ANA)
        with bot.db() as db:
            rows = list(db.table("actions").rows_where(order_by="id"))
        if p.expected.startswith("create"):
            assert len(rows) == before + 1, (p.where, reply.text)
            row = rows[-1]
            expected = dict(re.findall(r'(\w+)=("[^"]*"|\S+)', p.expected))
            assert row["title"] == expected["title"].strip('"'), p.where
            assert (row["due"] or None) == expected.get("due"), p.where
            assert row["workstream"] == expected.get("ws"), p.where
            if row["due"]:
                assert "from “" in reply.text, (p.where, reply.text)  # says what it read
        else:
            assert len(rows) == before, (p.where, reply.text)
            if p.expected.startswith("didyoumean"):
                assert p.expected.split('"')[1] in reply.text, (p.where, reply.text)


def test_what_the_bot_replies_shows_mentions_as_mentions(bot):
    reply = bot.command("/action", "Ask <@U0PETE|pete> about the charter by Friday", user=ANA)
    line = str(reply.blocks)
    assert "<@U0PETE>" in line and "&lt;@U0PETE" not in line
    assert "Due Fri 4 Dec, from “by Friday”" in reply.text
    reply = bot.command("/action", "Tell <!channel> about the charter", user=ANA)
    assert "<!channel>" not in str(reply.blocks) and "@channel" in str(reply.blocks)


# --- nothing half-read is ever stored --------------------------------------------------

TITLE_WORDS = ["Send", "the", "minutes", "Plan", "review", "by", "for", "on", "Pete", "10",
               "Downing", "Street", "report", "written", "from", "last", "our", "stand", "may",
               "sat", "sun", "in", "the", "#42", "<@U0PETE|pete>", "chapter", "3/4"]  # fmt: skip
DATE_BITS = ["Friday", "Fridya", "next", "tomorrow", "tmrw", "yesterday", "15th", "the", "31",
             "Feb", "30", "Nov", "end", "of", "month", "week", "EOD", "5pm", "at", "noon", "2",
             "weeks", "in", "Weds", "15/01", "01/15", "2026-12-04", "please", ",", "due", "by:",
             "until", "before", "last", "12/25", "Dec", "29", "0", "days"]  # fmt: skip
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")


def _consumed(title: str, text: str) -> list[str]:
    """The words of ``text`` that are not in ``title`` (the due phrase, owner and tag)."""
    left = title.split()
    gone = []
    for word in text.split():
        if left and left[0] == word:
            left.pop(0)
        else:
            gone.append(word)
    return gone


@settings(max_examples=400, deadline=None)
@given(
    title=st.lists(st.sampled_from(TITLE_WORDS), min_size=1, max_size=6).map(" ".join),
    tail=st.lists(st.sampled_from(DATE_BITS), min_size=0, max_size=6).map(" ".join),
    moment=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)),
)
def test_a_due_date_comes_only_from_words_that_name_it(title, tail, moment):
    """Whenever a due date is returned, the words taken out of the title really are a date
    phrase naming that day (today or later); everything else is refused, never stored."""
    text = f"{title} {tail}".strip()
    now = moment.replace(tzinfo=UTC)
    try:
        command = parse_action_command(text, now, LONDON)
    except UserError as e:
        assert e.example, text
        return
    if command.verb != "create":
        return
    draft = command.draft
    assert draft.title, text
    if draft.due is None:
        assert not draft.due_said, text
        return
    assert draft.due >= now.astimezone(LONDON).date(), text
    said = normalise(draft.due_said)
    assert said in normalise(text), (text, draft.due_said)
    core = re.sub(
        r"^(?:(?:by|due|on|for|until|before|no later than|at|deadline)\s*:?\s+)+", "", said
    )
    found = read_moment(core, now, LONDON)
    assert found is not None, (text, draft.due_said)
    expected = found.day - timedelta(days=1) if said.startswith("before ") else found.day
    assert draft.due == expected, (text, draft.due_said)


SLIPS = ["lst", "lsit", "dne", "shwo", "reopne", "drpo", "asign", "ntoe", "reveiw", "exprot"]
SLIPS += ["hlep", "mine", "overdue"]
VERBS = ["list", "show", "done", "due", "assign", "drop", "reopen", "note", "review", "export"]
ARGS = ["A1", "12", "me", "mine", "all", "@pete", "<@U0PETE|pete>", "#inclusion", "done"]
ARGS += ["overdue", "mien", "overdeu", "12x", "R-1"]


@settings(max_examples=300, deadline=None)
@given(
    verb=st.one_of(st.sampled_from(SLIPS), st.sampled_from(VERBS)),
    args=st.lists(st.sampled_from(ARGS + ["pete", "Friday"]), max_size=2).map(" ".join),
)
def test_a_command_with_a_slip_is_never_stored_as_an_action(verb, args):
    """A near miss of a verb followed by argument words, or a verb followed by arguments
    that do not fit it, is answered or refused, never stored as an action titled with it.
    (A real verb or a list word followed by two plain words, "Show Pete round", may be a
    title.)"""
    text = f"{verb} {args}".strip()
    plain = [a for a in args.split() if a in ("pete", "Friday")]
    try:
        command = parse_action_command(text, NOW, LONDON)
    except ParseError:
        return
    if verb in VERBS + ["mine", "overdue"] and len(plain) >= 2:
        return  # "Overdue invoices Pete chases": a word of its own, then a title
    assert command.verb != "create", text


@pytest.mark.parametrize(
    "command, text, table",
    [
        ("/reflect", "lst", "reflections"),
        ("/reflect", "list mine", "reflections"),
        ("/reflect", "delete R-1", "reflections"),
        ("/reflect", "share R-1", "reflections"),
        ("/reflect", "serach trust", "reflections"),
        ("/nudge", "lsit", "reminders"),
        ("/nudge", "cancle N1", "reminders"),
        ("/nudge", "call Pete tomorrow", "reminders"),
        ("/digest", "subscibe", "digest_subscriptions"),
    ],
)
def test_a_slip_in_any_command_stores_nothing_and_offers_the_command(bot, command, text, table):
    reply = bot.command(command, text, user=ANA)
    assert "Did you mean `" in reply.text
    with bot.db() as db:
        assert not db[table].exists() or db.table(table).count == 0
