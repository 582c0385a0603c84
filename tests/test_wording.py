"""Every reply is plain, correct English: each phrase of the corpus typed into the real bot,
and what it answers read for the slips a reader notices.

A reply fails on ``(s)`` (say one or many), a word said twice, a sentence starting in lower
case, or an id that is not the member's (an action, reflection or reminder they cannot see
and did not name). Help texts and the "For example" of a refusal name sample ids on purpose.
"""

from __future__ import annotations

import re
from collections import Counter

from handlers.ids import COMMANDS
from tests.conftest import ANA, STEER
from tests.test_phrases import PHRASES

EMOJI = re.compile(r"^(?::[a-z0-9_+\-]+:\s*)+")
MARKUP = re.compile(r"^[\s*_~>•\-]+")
DOUBLED = re.compile(r"\b([A-Za-z]+)\s+\1\b", re.IGNORECASE)
ID = re.compile(r"(?<![\w/<@#])([ANR])(\d{1,6})\b")
FOR_EXAMPLE = re.compile(r"For example:.*", re.DOTALL)


def sentences(reply) -> list[str]:
    """The reply's notification text and the first line of each section it shows."""
    found = [reply.text or ""]
    for block in reply.blocks or []:
        text = (block.get("text") or {}).get("text") if isinstance(block, dict) else None
        if isinstance(text, str):
            found.append(text)
    return [s for s in found if s.strip()]


def slips(reply, typed: str, visible: set[str]) -> list[str]:
    """What is wrong with one reply."""
    found = []
    for said in sentences(reply):
        if "(s)" in said:
            found.append(f"(s) in {said!r}")
        for match in DOUBLED.finditer(said):
            if match[0].lower() not in typed.lower():
                found.append(f"{match[0]!r} doubled in {said!r}")
        start = MARKUP.sub("", EMOJI.sub("", said.strip()))
        if start[:1].islower() and not start.startswith(("http", "e.g.")):
            found.append(f"lower-case start: {said[:80]!r}")
        for letter, number in ID.findall(FOR_EXAMPLE.sub("", said)):
            ref = f"{letter}{number}"
            named = re.search(rf"(?<!\d){letter}?-?{number}(?!\d)", typed, re.IGNORECASE)
            if "*" not in visible and ref not in visible and not named:
                found.append(f"{ref} is not the member's, in {said[:120]!r}")
    return found


def visible_ids(bot, user: str) -> set[str]:
    """Every id the member may see: all actions, their own and shared reflections, their
    own reminders."""
    with bot.db() as db:
        ids = {f"A{r['id']}" for r in db.query("SELECT id FROM actions")}
        ids |= {
            f"R{r['id']}"
            for r in db.query(
                "SELECT id FROM reflections WHERE shared = 1 OR author_id = ?", [user]
            )
        }
        ids |= {
            f"N{r['id']}" for r in db.query("SELECT id FROM reminders WHERE user_id = ?", [user])
        }
    return ids


def test_every_reply_to_the_corpus_reads_as_plain_english(driven, clock, capsys):
    members: dict[str, str] = {}
    problems: list[str] = []
    tally: Counter = Counter()
    for p in PHRASES:
        if "modal" in p.expected.split()[:2] or p.expected.startswith("blog-feed"):
            continue  # a form opens (no reply); a feed would be fetched from beyond loopback
        if p.command not in COMMANDS:
            continue  # a command the app does not declare yet
        zone = p.tz.key
        if zone not in members:  # one member per time zone the corpus is typed in
            # in London, a steering member: the steering group's replies are read too
            user = STEER if zone == "Europe/London" else f"U0Z{len(members):03d}"
            if user != STEER:
                driven.standin.add_user(user, f"member{len(members)}", tz=zone)
            members[zone] = user
        user = members[zone]
        clock.set(p.now)
        reply = driven.command(p.command, p.text, user)
        tally[p.command] += 1
        if reply.via != "ack":  # every command's answer rides in its acknowledgement
            problems.append(f"{p.where}: {p.command} {p.text}\n    answered by {reply.via}")
        visible = visible_ids(driven, user) if p.expected != "help" else {"*"}
        for slip in slips(reply, p.text, visible):
            problems.append(f"{p.where}: {p.command} {p.text}\n    {slip}")
    with capsys.disabled():
        print(
            f"\nwording: {sum(tally.values())} replies read ({dict(tally)}), "
            f"{len(problems)} with slips; every one answered in its acknowledgement"
        )
    assert not problems, "\n".join(problems[:40])


# --- slips found by members, each kept from coming back --------------------------------------


def test_the_slips_members_reported_stay_fixed(driven, clock):
    from handlers.blocks.nudges import render_habit_nudge

    said = driven.command("/action", "list", ANA).text
    assert said.startswith("You have no open actions: none you own or created.")
    assert driven.command("/action", "list all", ANA).text.startswith("No actions yet.")
    settings = driven.command("/digest", "settings", STEER).text
    assert "posted to no channel" not in settings and "(s)" not in settings
    assert "0 members get it by DM" in settings and "every Friday at 16:00" in settings

    reply = driven.command("/nudge", "me to write my weeknote on Friday", ANA).text
    assert "I'll remind you to write your weeknote on Fri 4 Dec at 09:00" in reply, reply
    driven.command("/nudge", "me to call Pete tomorrow at 3pm", ANA)
    listing = driven.command("/nudge", "list", ANA)
    footer = str(listing.blocks)
    assert "/nudge cancel N2" in footer and "N3" not in footer  # the first listed, theirs
    assert "write your weeknote" in listing.text

    driven.command("/action", "Plan the show and tell", ANA)
    confirm = driven.command("/nudge", "forget me", ANA).text + str(
        driven.standin.responses[-1].blocks
    )
    assert "(1 of them names you)" in confirm

    text, _ = render_habit_nudge(1, None)
    assert text.startswith(":writing_hand: It's been a week without")
