"""Members' own data rights end to end: ``/nudge mydata`` and ``/nudge forget me``.

Two members, Ana and Pete, each with every kind of record (actions, reflections private
and shared, reminders, a habit, a feed with posts, DMs from the bot, a digest
subscription); then Ana exports, and Ana erases, and Pete's data is counted before and
after to show it untouched.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.domain.contacts import Person
from bot.domain.conversations import ConversationDraft, Every
from bot.domain.data_rights import (
    build_export,
    check_confirmation,
    confirmation_value,
    describe_counts,
)
from bot.domain.errors import NotAllowed
from bot.domain.people import FORMER_MEMBER
from bot.domain.text import Mention
from handlers import ids
from handlers.nudges import tick
from storage import conversations, member_data
from storage.db import create, immediate
from tests.conftest import ANA, PETE, STEER

NAMES = {ANA: "ana", PETE: "pete"}

HOLDINGS = {table.name: table.columns for table in member_data.PERSONAL}
PERSONISH = re.compile(r"(_id|_by)$|^(user|recipient|person|author|owner|creator|actor|member)$")


def seed(bot, blog, clock) -> None:
    """Ana and Pete, each with one of everything; A1, A2 are Ana's, A3, A4 Pete's."""
    for who, other in ((ANA, PETE), (PETE, ANA)):
        name = NAMES[who]
        bot.command("/action", f"{name} plans the show and tell", who)
        bot.command("/action", f"{name} asks for a charter draft <@{other}|x>", who)
        bot.command("/reflect", f"{name}-private-secret about my manager", who)
        bot.command("/reflect", f"share {name}-shared lesson on listening", who)
        bot.command("/nudge", "me to write my weeknote in 20 minutes", who)
        bot.command("/nudge", "me to water the plants in 10 minutes", who)
        bot.command("/nudge", f"follow up with <@{other}|x> about the charter on Friday", who)
        bot.command("/nudge", "blog every 2 weeks", who)
    bot.command("/action", "note A2 ask <@U0ANA|ana> how it went", PETE)
    bot.command("/nudge", f"blog feed {blog.url('/rss.xml')}", ANA)
    bot.command("/nudge", f"blog feed {blog.url('/atom.xml')}", PETE)
    for who in (ANA, PETE):  # feeds are read in the background; the result comes by DM
        bot.standin.wait_for(
            "chat.postMessage",
            lambda c, who=who: c.params["channel"] == who and "is registered" in c.params["text"],
            timeout=30,
        )
    clock.advance(minutes=21)
    tick(bot.runtime.deps)  # the reminders go out as DMs, recorded with their channel and ts
    for who in (ANA, PETE):
        bot.command("/digest", "subscribe", who)
    with (
        bot.db() as db,
        immediate(db),
    ):  # Ana once changed the digest's settings (as a steering member then)
        db.table("digest_settings").insert(
            {
                "team_id": "T0001",
                "channel": "C0DIGEST",
                "updated_by": ANA,
                "updated_at": "2026-11-30",
            }
        )
        db.table("weekly_post_settings").insert(
            {
                "team_id": "T0001",
                "post": "review",
                "channel": "C0REVIEW",
                "updated_by": ANA,
                "updated_at": "2026-11-30T10:00:00.000000Z",
            }
        )
        db.table("installations").insert(
            {
                "team_id": "T0001",
                "team_name": "The network",
                "installer_id": ANA,
                "installed_at": "2026-11-01T10:00:00.000000Z",
                "sealed_token": "sealed",
            }
        )
        db.table("team_settings").insert(
            {
                "team_id": "T0001",
                "steering": f"{STEER} {ANA}",
                "updated_by": ANA,
                "updated_at": "2026-11-01T10:00:00.000000Z",
            }
        )
        for tag, lead, creator in (("inclusion", ANA, STEER), ("skills", PETE, ANA)):
            db.table("workstreams").insert(
                {
                    "team_id": "T0001",
                    "tag": tag,
                    "title": tag.title(),
                    "lead_id": lead,
                    "channel_id": None,
                    "created_by": creator,
                    "created_at": "2026-11-30T10:00:00.000000Z",
                    "updated_at": "2026-11-30T10:00:00.000000Z",
                }
            )
    now = bot.clock()
    with bot.db() as db:  # each records a private conversation with someone outside Slack,
        for who, other in ((ANA, PETE), (PETE, ANA)):  # a shared one with the other, a cadence
            name = NAMES[who]
            outside = Person(name=f"{name}-outsider Gill", organisation="GDS")
            conversations.add(db, "T0001", who, ConversationDraft(outside, f"{name}-private-chat"),
                              now, tz="Europe/London")  # fmt: skip
            conversations.add(db, "T0001", who,
                              ConversationDraft(Person(Mention(other)), f"{name}-shared-chat",
                                                shared=True), now, tz="Europe/London")  # fmt: skip
            conversations.stay_in_touch(db, "T0001", who, Person(Mention(other)),
                                        Every(6, "week"), "Europe/London", now)  # fmt: skip


def personal_counts(bot, user: str, *, own: bool = False) -> dict[str, int]:
    """Rows naming ``user`` in each table that holds personal data (``own``: rows that are
    theirs, leaving out other members' follow-ups with them)."""
    with bot.db() as db:
        found = {}
        for table, columns in HOLDINGS.items():
            if own:
                columns = tuple(c for c in columns if c != "person_id")
            if db.table(table).exists():
                where = " OR ".join(f"[{c}] = ?" for c in columns)
                found[table] = db.table(table).count_where(where, [user] * len(columns))
        return found


def table_sizes(bot) -> dict[str, int]:
    with bot.db() as db:
        return {t: db.table(t).count for t in HOLDINGS if db.table(t).exists()}


def exported(bot, user: str) -> tuple[dict, bytes]:
    """The JSON file uploaded to ``user``'s DM."""
    channel = bot.standin.dm_channel(user)
    [upload] = [f for f in bot.standin.files if f.channel == channel]
    return json.loads(upload.content), upload.content


# --- /nudge mydata ----------------------------------------------------------------------------


def test_mydata_sends_every_kind_of_record_and_nothing_private_of_anyone_else(driven, blog, clock):
    seed(driven, blog, clock)
    reply = driven.command("/nudge", "mydata", ANA)
    assert "sent you a file" in reply.text and "2 reflections" in reply.text
    assert driven.standin.calls_to("conversations.open")[-1].params["users"] == ANA
    doc, raw = exported(driven, ANA)
    assert doc["user_id"] == ANA and doc["member"]["name"] == "ana"
    assert {a["title"] for a in doc["actions"]} == {
        "ana plans the show and tell",
        "ana asks for a charter draft",
        "pete asks for a charter draft",
    }  # owned, created, and given to her by Pete
    a2 = next(a for a in doc["actions"] if a["id"] == 2)
    assert [e["kind"] for e in a2["history"]] == ["created", "note"]
    assert {r["text"]: r["shared"] for r in doc["reflections"]} == {
        "ana-private-secret about my manager": False,
        "ana-shared lesson on listening": True,
    }
    assert sorted(r["text"] for r in doc["reminders"]) == [
        "the charter",
        "water the plants",
        "write my weeknote",
    ]
    assert doc["habits"][0]["every_weeks"] == 2
    assert doc["feeds"][0]["title"] == "Ana's blog" and len(doc["posts"]) == 3
    assert {d["kind"] for d in doc["deliveries"]} == {"reminder"} and len(doc["deliveries"]) == 2
    assert all(d["channel"] and d["ts"] for d in doc["deliveries"])
    assert doc["digest_subscriptions"] == [
        {"team_id": "T0001", "user_id": ANA, "created_at": "2026-12-01T10:21:00.000000Z"}
    ]
    assert doc["digest_settings"][0]["updated_by"] == ANA
    assert doc["installations"][0]["installer_id"] == ANA
    assert "sealed_token" not in doc["installations"][0] and b"sealed" not in raw  # no token
    assert doc["team_settings"][0]["steering"] == f"{STEER} {ANA}"
    assert all(
        doc["counts"][name]
        for name in (
            "member",
            "actions",
            "reflections",
            "reminders",
            "habits",
            "feeds",
            "posts",
            "deliveries",
            "digest_subscriptions",
            "digest_settings",
        )
    )
    assert {c["topic"]: c["shared"] for c in doc["conversations"]} == {
        "ana-private-chat": False,
        "ana-shared-chat": True,
    }  # hers, not Pete's with her: his private one about her stays his
    assert [c["person_id"] for c in doc["cadences"]] == [PETE]
    # nothing of Pete's own: not his private reflection, not even his shared one
    assert b"pete-private-secret" not in raw and b"pete-shared" not in raw
    assert b"pete-private-chat" not in raw and b"pete-shared-chat" not in raw
    assert b"Pete writes" not in raw  # his feed
    assert not driven.standin.protocol_errors


def test_the_export_document_is_assembled_from_rows_alone():
    doc = build_export(
        [(table.holding, []) for table in member_data.PERSONAL],
        team_id="T1",
        user_id="U1",
        generated_at=clock_now(),
    )
    assert doc["member"] is None and doc["actions"] == [] and doc["counts"]["posts"] == 0
    assert set(doc["sections"]) >= {"reflections", "digest_subscriptions"}


def clock_now():
    from datetime import UTC, datetime

    return datetime(2026, 12, 1, 10, tzinfo=UTC)


# --- /nudge forget me -------------------------------------------------------------------------


def erase_button(reply) -> dict:
    [actions] = [b for b in reply.blocks if b["type"] == "actions"]
    return {e["action_id"]: e for e in actions["elements"]}


def click(bot, user: str, reply, action_id: str) -> None:
    button = erase_button(reply)[action_id]
    message = {
        "type": "message",
        "ts": "1764583200.000300",
        "text": reply.text,
        "blocks": reply.blocks,
    }
    answer = bot.slack.block_action(user, action_id, button["value"], message=message)
    assert answer.status_code == 200


def test_forget_me_erases_exactly_the_members_personal_rows(driven, blog, clock):
    seed(driven, blog, clock)
    ana, pete = personal_counts(driven, ANA), personal_counts(driven, PETE, own=True)
    sizes = table_sizes(driven)
    assert all(ana[t] for t in ana), ana  # Ana is in every table that holds personal data
    ana_dms = driven.standin.dms_to(ANA)
    reminder_dms = [m for m in ana_dms if "Reminder" in (m.text or "")]
    assert len(reminder_dms) == 2
    # one of Ana's DMs cannot be deleted: counted and logged, not fatal
    stuck = reminder_dms[0].ts
    driven.standin.fail_method(
        "chat.delete", "cant_delete_message", when=lambda p: p["ts"] == stuck
    )

    reply = driven.command("/nudge", "forget me", ANA)
    assert "Erase your data?" in reply.text
    buttons = erase_button(reply)
    assert [b["text"]["text"] for b in buttons.values()] == ["Erase my data", "Keep it"]
    click(driven, ANA, reply, ids.FORGET_ERASE)
    done = driven.standin.wait_for_response(lambda r: "Done. I erased" in (r.text or ""))
    assert done.replace_original
    assert "2 reflections" in done.text and "wouldn't let me delete 1" in done.text

    after_ana, after_pete = personal_counts(driven, ANA), personal_counts(driven, PETE, own=True)
    assert after_ana == {t: 0 for t in ana}, after_ana
    assert after_pete == pete  # Pete's rows, all of them, untouched
    with driven.db() as db:
        assert db.table("team_settings").get("T0001")["steering"] == STEER  # Ana left it
    sizes_after = table_sizes(driven)
    deleted = {t: sizes[t] - sizes_after[t] for t in sizes}
    assert deleted == {  # exactly Ana's own rows went; shared records stayed
        "members": 1,
        "actions": 0,
        "action_events": 0,
        "reflections": 2,
        "reminders": 3,
        "habits": 1,
        "feeds": 1,
        "posts": 3,
        "deliveries": 2,
        "digest_subscriptions": 1,
        "digest_settings": 0,
        "weekly_post_settings": 0,  # the review's channel stays, set by a former member
        "workstreams": 0,  # the network's: Ana is no longer lead, nor named as its creator
        "conversations": 2,  # hers; Pete's with her stay his, with a former member
        "cadences": 1,  # hers; Pete's with her stays his
        "installations": 0,  # the workspace's: installed by a former member
        "team_settings": 0,  # the workspace's: Ana is no longer steering, nor named
    }

    # the bot's DMs to Ana deleted through chat.delete, where Slack allowed; Pete's kept
    deletes = driven.standin.calls_to("chat.delete")
    assert {c.params["ts"] for c in deletes} == {m.ts for m in reminder_dms}
    assert [m.ts for m in driven.standin.dms_to(ANA) if "Reminder" in (m.text or "")] == [stuck]
    assert len([m for m in driven.standin.dms_to(PETE) if "Reminder" in (m.text or "")]) == 2

    # the erasure is recorded as counts and a date, naming no one
    with driven.db() as db:
        [record] = member_data.erasures(db, "T0001")
        assert ANA not in json.dumps(record)
        assert (record["rows_deleted"], record["messages_deleted"], record["messages_failed"]) == (
            sum(deleted.values()),
            1,
            1,
        )
        reminders = list(db.table("reminders").rows_where("user_id = ?", [PETE]))
    assert FORMER_MEMBER in {r["person_id"] for r in reminders}  # his follow-up with her
    assert not driven.standin.protocol_errors


def test_after_forget_me_actions_show_a_former_member(driven, blog, clock):
    seed(driven, blog, clock)
    reply = driven.command("/nudge", "forget me", ANA)
    click(driven, ANA, reply, ids.FORGET_ERASE)
    driven.standin.wait_for_response(lambda r: "Done. I erased" in (r.text or ""))
    with driven.db() as db:
        actions = {a["id"]: a for a in db.table("actions").rows_where()}
    assert (actions[1]["owner_id"], actions[1]["creator_id"]) == (FORMER_MEMBER, FORMER_MEMBER)
    assert (actions[2]["owner_id"], actions[2]["creator_id"]) == (PETE, FORMER_MEMBER)
    assert (actions[4]["owner_id"], actions[4]["creator_id"]) == (FORMER_MEMBER, PETE)
    assert "a former member" in actions[2]["notes"] and ANA not in actions[2]["notes"]

    shown = driven.command("/action", "show A2", PETE)
    text = json.dumps(shown.blocks)
    assert "a former member created it" in text and ANA not in text
    listed = json.dumps(driven.command("/action", "list all", PETE).blocks, ensure_ascii=False)
    assert "A4* pete asks for a charter draft · a former member" in listed
    assert ANA not in listed and "former-member" not in listed
    # Pete, the creator, can still change the action a former member owned
    assert "Marked done" in driven.command("/action", "done A4", PETE).text
    # and a former member is never sent an overdue nudge, nor asked for a time zone
    assert not [
        c for c in driven.standin.calls_to("users.info") if c.params["user"] == FORMER_MEMBER
    ]


def test_erased_text_does_not_linger_in_the_database_file(driven, blog, clock):
    seed(driven, blog, clock)
    reply = driven.command("/nudge", "forget me", ANA)
    click(driven, ANA, reply, ids.FORGET_ERASE)
    driven.standin.wait_for_response(lambda r: "Done. I erased" in (r.text or ""))
    path = Path(driven.settings.db_path)
    files = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    assert b"pete-private-secret" in files  # the check can see text that is there
    assert b"ana-private-secret" not in files and b"water the plants" in files  # Pete's


def test_a_forged_or_stale_confirmation_erases_nothing(driven, blog, clock):
    seed(driven, blog, clock)
    before = (personal_counts(driven, ANA), personal_counts(driven, PETE))
    reply = driven.command("/nudge", "forget me", ANA)
    # Pete clicks (or forges a click on) Ana's button: refused, for him and for her
    click(driven, PETE, reply, ids.FORGET_ERASE)
    driven.standin.wait_for_response(lambda r: "for someone else" in (r.text or ""))
    assert (personal_counts(driven, ANA), personal_counts(driven, PETE)) == before
    # Ana clicks her own button after it has gone stale
    clock.advance(minutes=11)
    click(driven, ANA, reply, ids.FORGET_ERASE)
    driven.standin.wait_for_response(lambda r: "expired" in (r.text or ""))
    # a value naming Ana, sent by Pete from an old message of his own
    forged = {"type": "message", "ts": "1.2", "text": "x", "blocks": reply.blocks}
    driven.slack.block_action(PETE, ids.FORGET_ERASE, f"T0001:{ANA}:1796119200", message=forged)
    driven.standin.wait_for_response(lambda r: "for someone else" in (r.text or ""), timeout=5)
    assert (personal_counts(driven, ANA), personal_counts(driven, PETE)) == before
    assert not driven.standin.calls_to("chat.delete")
    with driven.db() as db:
        assert member_data.erasures(db, "T0001") == []


def test_keep_it_erases_nothing(driven, blog, clock):
    seed(driven, blog, clock)
    before = personal_counts(driven, ANA)
    reply = driven.command("/nudge", "forget me", ANA)
    click(driven, ANA, reply, ids.FORGET_KEEP)
    kept = driven.standin.wait_for_response(lambda r: "Kept" in (r.text or ""))
    assert kept.replace_original and personal_counts(driven, ANA) == before


@pytest.mark.parametrize(
    "text",
    ["mydata <@U0PETE|pete>", "forget <@U0PETE|pete>", "forget me <@U0PETE|pete>", "mydata @pete"],
)
def test_no_one_can_export_or_erase_someone_else(bot, text):
    reply = bot.command("/nudge", text, STEER)  # the steering group included
    assert "only your own data" in reply.text and "steering group" in reply.text
    assert not bot.standin.files and not bot.standin.calls_to("conversations.open")
    assert not [b for b in reply.blocks if b["type"] == "actions"]  # no erase button


def test_the_confirmation_is_bound_to_the_member_and_to_ten_minutes():
    from datetime import timedelta

    now = clock_now()
    value = confirmation_value("T1", "U1", now)
    check_confirmation(value, "T1", "U1", now + timedelta(minutes=10))
    for team, user, at in (
        ("T1", "U2", now),
        ("T2", "U1", now),
        ("T1", "U1", now + timedelta(minutes=11)),
        ("T1", "U1", now - timedelta(minutes=1)),
    ):
        with pytest.raises(NotAllowed):
            check_confirmation(value, team, user, at)
    for broken in ("", "T1:U1", "T1:U1:soon", "T1:U1:99999999999999999999"):
        with pytest.raises(NotAllowed):
            check_confirmation(broken, "T1", "U1", now)


# --- every table that holds personal data is covered ----------------------------------------


def uncovered(db) -> list[str]:
    """``table.column`` that looks like a person and is in no list of storage.member_data."""
    found = []
    for table in db.table_names():
        if table in member_data.NOT_PERSONAL:
            continue
        for column in db.table(table).columns_dict:
            if column in member_data.NOT_PERSON_COLUMNS or not PERSONISH.search(column):
                continue
            if column not in HOLDINGS.get(table, ()):
                found.append(f"{table}.{column}")
    return found


def test_every_table_with_a_person_is_exported_and_erased():
    db = create(":memory:")
    assert uncovered(db) == []
    assert len(HOLDINGS) == len(member_data.PERSONAL)  # one record per table
    assert set(HOLDINGS).isdisjoint(member_data.NOT_PERSONAL)


def test_every_personal_table_reaches_the_export_and_the_replies():
    """One record per table: its section is in the export, its nouns in the replies."""
    holdings = [table.holding for table in member_data.PERSONAL]
    assert len({h.section for h in holdings}) == len(holdings)
    doc = build_export(
        [(h, [{"id": 1, "action_id": 99}]) for h in holdings],
        team_id="T1",
        user_id="U1",
        generated_at=clock_now(),
    )
    assert set(doc["sections"]) == set(doc["counts"]) == {h.section for h in holdings}
    assert all(doc[h.section] for h in holdings)
    described = describe_counts({h: 2 for h in holdings})
    assert all(f"2 {h.many}" in described for h in holdings)


def test_a_new_table_with_a_person_is_caught():
    db = create(":memory:")
    with immediate(db):
        db.execute(
            "CREATE TABLE kudos (id INTEGER PRIMARY KEY, team_id TEXT, giver_id TEXT, "
            "thanked_by TEXT, recipient TEXT, action_id INTEGER)"
        )
        db.execute("ALTER TABLE reminders ADD COLUMN snoozed_by TEXT")
    assert uncovered(db) == [
        "reminders.snoozed_by",
        "kudos.giver_id",
        "kudos.thanked_by",
        "kudos.recipient",
    ]


def test_the_database_part_of_an_erasure_is_one_transaction():
    from bot.domain.reflections import ReflectionDraft
    from storage import reflections

    db = create(":memory:")
    reflections.add(db, "T1", "U1", ReflectionDraft("mine alone"), clock_now())
    with immediate(db):
        db.table("digest_subscriptions").insert(
            {"team_id": "T1", "user_id": "U1", "created_at": "2026-11-30"}
        )
    # the last step fails (a real failure, inside SQLite): nothing before it may stay done
    with immediate(db):
        db.execute(
            "CREATE TRIGGER refuse BEFORE DELETE ON digest_subscriptions "
            "BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
        )
    with pytest.raises(Exception, match="disk says no"):
        member_data.erase(db, "T1", "U1", clock_now())
    assert db.table("reflections").count == 1 and db.table("erasures").count == 0
    with immediate(db):
        db.execute("DROP TRIGGER refuse")
    erasure = member_data.erase(db, "T1", "U1", clock_now())
    assert (erasure.deleted["reflections"], erasure.deleted["digest_subscriptions"]) == (1, 1)
    assert "U1" not in json.dumps(member_data.erasures(db, "T1"))
