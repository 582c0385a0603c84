"""``/reflect`` end to end, the privacy rule on every surface, and full-text search."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.errors import NotAllowed, NotFound, ParseError
from bot.domain.reflections import (
    ReflectionDraft,
    parse_reflect_command,
    parse_reflection,
    parse_search,
)
from handlers import ids
from storage import reflections as store
from storage.db import create, immediate
from storage.migrations import m003_reflections_and_events
from tests.conftest import ANA, GROUPIE, PETE, STEER

SECRET = "Admitting I was out of my depth with the CDO made the charter talk easier #influence"


def reflections(bot) -> list[dict]:
    with bot.db() as db:
        return list(db.table("reflections").rows_where(order_by="id"))


def open_home(bot, user: str) -> dict:
    """Open ``user``'s App Home and return the view published in answer."""
    earlier = bot.standin.calls_to("views.publish")
    bot.slack.event({"type": "app_home_opened", "user": user, "tab": "home"})
    call = bot.standin.wait_for(
        "views.publish", lambda c: c.params["user_id"] == user and all(c is not e for e in earlier)
    )
    return call.params["view"]


def surface(bot, name: str, viewer: str) -> str:
    """What ``viewer`` is shown on ``name`` (list, search or home), as one string."""
    if name == "list":
        return str(bot.command("/reflect", "list", viewer).body)
    if name == "search":
        return str(bot.command("/reflect", "search charter depth", viewer).body)
    return str(open_home(bot, viewer))


# --- privacy: who sees a reflection, on every surface ---------------------------------

PRIVATE, SHARED = "private", "shared"


@pytest.mark.parametrize(
    "where,   kind,    viewer,  sees",
    [
        ("list", PRIVATE, ANA, True),  # the author
        ("list", PRIVATE, PETE, False),  # another member
        ("list", PRIVATE, STEER, False),  # the steering group (NUDGE_STEERING)
        ("list", PRIVATE, GROUPIE, False),  # the steering group (user group)
        ("list", SHARED, ANA, True),
        ("list", SHARED, PETE, True),
        ("list", SHARED, STEER, True),
        ("list", SHARED, GROUPIE, True),
        ("search", PRIVATE, ANA, True),
        ("search", PRIVATE, PETE, False),
        ("search", PRIVATE, STEER, False),
        ("search", PRIVATE, GROUPIE, False),
        ("search", SHARED, ANA, True),
        ("search", SHARED, PETE, True),
        ("search", SHARED, STEER, True),
        ("search", SHARED, GROUPIE, True),
        ("home", PRIVATE, ANA, True),
        ("home", PRIVATE, PETE, False),
        ("home", PRIVATE, STEER, False),
        ("home", PRIVATE, GROUPIE, False),
        ("home", SHARED, ANA, True),
        ("home", SHARED, PETE, True),
        ("home", SHARED, STEER, True),
        ("home", SHARED, GROUPIE, True),
    ],
)
def test_privacy_matrix(make_bot, where, kind, viewer, sees):
    bot = make_bot(steering_group="steering")
    bot.command("/reflect", SECRET if kind == PRIVATE else f"share {SECRET}", ANA)
    bot.command("/reflect", "share A note by Pete about the charter, in depth", PETE)
    shown = surface(bot, where, viewer)
    assert ("Admitting I was out of my" in shown) is sees
    assert "A note by Pete" in shown  # a shared one: the surface works for them


def test_the_digest_can_only_get_shared_reflections(bot):
    bot.command("/reflect", "Private: the budget worries me", ANA)
    bot.command("/reflect", "share Shared: the show and tell went well", PETE)
    with bot.db() as db:
        week = store.shared_between(
            db, "T0001", datetime(2026, 11, 30, tzinfo=UTC), datetime(2026, 12, 7, tzinfo=UTC)
        )
        earlier = store.shared_between(
            db, "T0001", datetime(2026, 11, 23, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC)
        )
    assert [r.text for r in week] == ["Shared: the show and tell went well"]
    assert earlier == []


def test_a_private_id_is_not_even_confirmed_to_others(bot):
    bot.command("/reflect", SECRET, ANA)
    for command in ("share R1", "unshare R1", "delete R1"):
        reply = bot.command("/reflect", command, PETE)
        assert "no reflection R1 that you can see" in reply.text
    bot.command("/reflect", "share R1", ANA)
    assert "only its author" in bot.command("/reflect", "delete R1", PETE).text
    assert "only its author" in bot.command("/reflect", "unshare R1", STEER).text
    assert len(reflections(bot)) == 1 and reflections(bot)[0]["shared"] == 1


# --- saving, sharing, deleting ---------------------------------------------------------


def test_a_reflection_is_saved_private_with_its_tags(bot):
    reply = bot.command(
        "/reflect", "Open questions beat #slides with leaders #Influence <#C0INCL|inclusion>"
    )
    assert reply.response_type == "ephemeral"
    assert "R1" in reply.text and "private" in reply.text
    [row] = reflections(bot)
    assert row["text"] == "Open questions beat #slides with leaders"
    assert row["tags"] == "slides influence inclusion"
    assert (row["author_id"], row["shared"], row["team_id"]) == (ANA, 0, "T0001")
    assert row["action_id"] is None and row["created_at"].startswith("2026-12-01T10:00")


def test_share_text_saves_a_shared_reflection_and_share_id_shares_one(bot):
    bot.command("/reflect", "share Listening beats talking #influence")
    assert (
        "shared it with the network"
        in bot.command("/reflect", "share Our show and tell needs a better room").text
    )
    bot.command("/reflect", "A private one")
    assert [r["shared"] for r in reflections(bot)] == [1, 1, 0]
    assert "Shared R3" in bot.command("/reflect", "share R3").text
    assert "already shared" in bot.command("/reflect", "share 3").text
    assert "private again" in bot.command("/reflect", "unshare R1").text
    assert [r["shared"] for r in reflections(bot)] == [0, 1, 1]
    assert [r["shared_at"] is None for r in reflections(bot)] == [True, False, False]
    assert "Deleted R2" in bot.command("/reflect", "delete R2").text
    assert [r["id"] for r in reflections(bot)] == [1, 3]
    assert "no reflection R2" in bot.command("/reflect", "delete R2").text


def test_the_share_button_on_the_confirmation(bot):
    reply = bot.command("/reflect", SECRET, ANA)
    [button] = [b["accessory"] for b in reply.blocks if b.get("accessory")]
    assert (button["action_id"], button["text"]["text"]) == (
        f"{ids.REFLECTION_SHARE}:1",
        "Share with the network",
    )
    message = {
        "type": "message",
        "ts": "1764583200.000200",
        "text": reply.text,
        "blocks": reply.blocks,
    }
    # a forged click by someone else is refused and changes nothing
    assert (
        bot.slack.block_action(PETE, button["action_id"], "1", message=message).status_code == 200
    )
    bot.standin.wait_for_response(lambda r: "no reflection R1" in (r.text or ""))
    assert reflections(bot)[0]["shared"] == 0
    answer = bot.slack.block_action(ANA, button["action_id"], "1", message=message)
    assert answer.status_code == 200
    shared = bot.standin.wait_for_response(lambda r: "Shared R1" in (r.text or ""))
    assert shared.replace_original  # the confirmation is replaced: no second Share button
    assert reflections(bot)[0]["shared"] == 1
    assert "out of my depth" in bot.command("/reflect", "list", PETE).text


def test_bare_reflect_opens_the_modal_and_submitting_it_saves(bot):
    bot.slack.command("/reflect", "", ANA)
    bot.standin.wait_for("views.open")
    view = bot.standin.views[-1]
    assert view.callback_id == ids.REFLECT_MODAL
    answer = bot.slack.view_submission(
        ANA,
        view.as_slack("T0001"),
        {ids.REFLECT_MODAL_TEXT: "  ", ids.REFLECT_MODAL_TAGS: "a b c d e f"},
    )
    assert set(answer.json()["errors"]) == {ids.REFLECT_MODAL_TEXT, ids.REFLECT_MODAL_TAGS}
    assert reflections(bot) == []
    answer = bot.slack.view_submission(
        ANA,
        view.as_slack("T0001"),
        {
            ids.REFLECT_MODAL_TEXT: "Trust <grows> when we follow up & keep promises",
            ids.REFLECT_MODAL_TAGS: "influence, #Trust",
            ids.REFLECT_MODAL_VISIBILITY: "shared",
        },
    )
    assert answer.status_code == 200 and "Saved R1" in str(answer.json()["view"])
    [row] = reflections(bot)
    assert row["text"] == "Trust &lt;grows&gt; when we follow up &amp; keep promises"
    assert (row["tags"], row["shared"]) == ("influence trust", 1)
    # left unchosen, the visibility is private
    answer = bot.slack.view_submission(
        ANA, view.as_slack("T0001"), {ids.REFLECT_MODAL_TEXT: "Mine"}
    )
    assert "Saved R2" in str(answer.json()["view"])
    assert reflections(bot)[1]["shared"] == 0


@pytest.mark.parametrize(
    "forged",
    ['{"action_id": "A1"}', '{"action_id": 0}', '{"action_id": true}', '{"action_id": 1.5}'],
)
def test_a_modal_whose_action_link_was_tampered_with_is_refused_in_the_modal(bot, forged):
    bot.command("/action", "Run the show and tell", ANA)
    bot.slack.command("/reflect", "", ANA)
    bot.standin.wait_for("views.open")
    view = {**bot.standin.views[-1].as_slack("T0001"), "private_metadata": forged}
    answer = bot.slack.view_submission(ANA, view, {ids.REFLECT_MODAL_TEXT: "Worth it"})
    assert "lost track of its action" in answer.json()["errors"][ids.REFLECT_MODAL_TEXT]
    assert reflections(bot) == []


def test_list_by_tag_newest_first(bot):
    bot.command("/reflect", "First about inclusion #inclusion")
    bot.command("/reflect", "Something else #comms")
    bot.command("/reflect", "share Pete on inclusion #inclusion", PETE)
    listed = bot.command("/reflect", "list #inclusion").text
    assert "R3" in listed and "R1" in listed and "R2" not in listed
    assert listed.index("R3") < listed.index("R1")
    assert "No reflections tagged #nothing" in bot.command("/reflect", "list #nothing").text


def test_a_long_list_says_how_many_more(bot):
    with bot.db() as db:
        for n in range(45):
            store.add(
                db,
                "T0001",
                ANA,
                ReflectionDraft(f"Reflection number {n}"),
                datetime(2026, 12, 1, tzinfo=UTC),
            )
    reply = bot.command("/reflect", "list")
    assert len(reply.blocks) <= 50
    assert "and 25 more" in str(reply.blocks)


def test_help(bot):
    reply = bot.command("/reflect", "help")
    for form in ("/reflect list", "/reflect search", "/reflect share R7", "private"):
        assert form in reply.text


# --- search ------------------------------------------------------------------------------


def test_search_finds_by_stem_and_ranks_best_first(bot):
    bot.command("/reflect", "A difficult conversation with the CDO about budgets")
    bot.command("/reflect", "Conversations, conversations: the network runs on conversations")
    bot.command("/reflect", "Nothing related here, just slides")
    bot.command("/reflect", "share Pete's conversational style works", PETE)
    reply = bot.command("/reflect", "search conversation")
    text = str(reply.blocks)
    assert "R3" not in reply.text
    assert reply.text.index("R2") < reply.text.index("R1")  # more about it ranks first
    assert "R4" in reply.text  # "conversational" shares the stem; Pete's is shared
    assert "*Conversations*" in text  # the matching words are highlighted
    assert "R1" in bot.command("/reflect", "search conversing CDOs").text  # stems both ways
    assert "Nothing found" in bot.command("/reflect", "search marmalade").text


def test_search_counts_every_visible_match_but_reads_only_the_best(tmp_path):
    db = create(tmp_path / "search.db")
    now = datetime(2026, 12, 1, 10, tzinfo=UTC)
    for n in range(14):
        store.add(
            db, "T1", PETE, ReflectionDraft(f"Conversation {n} " + "talk " * n, shared=True), now
        )
    for n in range(6):
        store.add(db, "T1", PETE, ReflectionDraft(f"Private conversation {n}"), now)
    store.add(
        db, "T1", ANA, ReflectionDraft("My own conversation, conversation, conversation"), now
    )
    store.add(db, "T2", ANA, ReflectionDraft("Another workspace's conversation", shared=True), now)
    found, total = store.search(db, "T1", ANA, ("conversation",), limit=4)
    assert total == 15  # 14 shared and Ana's own; Pete's private ones and T2's are not counted
    assert [f.reflection.ref for f in found][0] == "R21"  # says it three times: ranked first
    assert len(found) == 4 and all("*" in f.snippet for f in found)
    assert store.search(db, "T1", ANA, ("marmalade",)) == ([], 0)


def test_search_matches_tags_and_treats_operators_as_words(bot):
    bot.command("/reflect", "Spoke at the meetup #public-speaking")
    assert "R1" in bot.command("/reflect", "search speaking").text
    for odd in ('"unbalanced', "NEAR(a b)", "a OR", "* - ^", "text:meetup"):
        reply = bot.command("/reflect", f"search {odd}")
        assert "Traceback" not in str(reply.body) and "wrong on my side" not in reply.text


@pytest.mark.parametrize(
    "text, says",
    [
        ("search", "What should I search for"),
        ("search  ?!", "What should I search for"),
        ("search " + "word " * 45, "up to 200 characters"),
        ("search " + " ".join(f"w{n}" for n in range(13)), "up to 12 words"),
        ("x" * 2001, "up to 2,000 characters"),
        ("y " * 2100, "characters"),
        ("Too many tags #a #b #c #d #e #f", "up to 5 tags"),
        ("#only #tags", "What's the reflection"),
        ("share", "Which reflection"),
        ("delete R1 now", "takes just an id"),
        ("delete 12x", "need an id"),
        ("unshare X7", "need an id"),
    ],
)
def test_bad_input_gets_a_clear_answer_and_nothing_is_stored(bot, text, says):
    reply = bot.command("/reflect", text)
    assert reply.response_type == "ephemeral"
    assert says.lower() in reply.text.lower(), reply.text
    assert "example" in reply.text.lower()
    assert reflections(bot) == []
    assert "Traceback" not in str(reply.body)


# --- the pure parts -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, verb, detail",
    [
        ("", "modal", None),
        ("help", "help", None),
        ("list", "list", None),
        ("list #Inclusion", "list", "inclusion"),
        ("list of things I learned", "create", "list of things I learned"),
        ("search difficult conversations", "search", ("difficult", "conversations")),
        ("share R7", "share", 7),
        ("share 7", "share", 7),
        ("unshare r7", "unshare", 7),
        ("delete R12", "delete", 12),
        ("share Listening beats talking", "create", "Listening beats talking"),
        ("deleted scenes from the meeting", "create", "deleted scenes from the meeting"),
    ],
)
def test_parse_reflect_command(text, verb, detail):
    parsed = parse_reflect_command(text)
    assert parsed.verb == verb
    got = {
        "list": parsed.tag,
        "search": parsed.terms,
        "create": parsed.draft and parsed.draft.text,
    }.get(verb, parsed.reflection_id)
    assert got == detail


def test_trailing_tags_leave_the_text_and_inline_ones_stay():
    draft = parse_reflection("Working with #councils is slow #influence #patience")
    assert draft.text == "Working with #councils is slow"
    assert draft.tags == ("councils", "influence", "patience")
    assert parse_search("The CDO's view") == ("the", "cdo", "s", "view")
    with pytest.raises(ParseError):
        parse_search("   ")


def test_storage_rule_holds_for_every_reader():
    db = create(":memory:")
    now = datetime(2026, 12, 1, 10, tzinfo=UTC)
    private = store.add(db, "T1", ANA, ReflectionDraft("private charter thoughts"), now)
    shared = store.add(db, "T1", ANA, ReflectionDraft("shared charter thoughts", shared=True), now)
    store.add(db, "T2", PETE, ReflectionDraft("another workspace's charter", shared=True), now)
    assert store.get(db, "T1", ANA, private.id) == private
    with pytest.raises(NotFound):
        store.get(db, "T1", PETE, private.id)
    with pytest.raises(NotAllowed):
        store.set_shared(db, "T1", PETE, shared.id, False, now)
    assert [r.id for r in store.visible(db, "T1", PETE)[0]] == [shared.id]
    assert [f.reflection.id for f in store.search(db, "T1", PETE, ("charter",))[0]] == [shared.id]
    assert store.visible(db, "T1", PETE, mine=True) == ([], 0)
    assert [r.id for r in store.shared_between(db, "T1", now, now + timedelta(days=1))] == [
        shared.id
    ]
    store.delete(db, "T1", ANA, private.id)
    assert store.search(db, "T1", ANA, ("private",)) == ([], 0)  # gone from the index too


def test_search_sees_exactly_what_the_privacy_rule_shows_through_every_change():
    """The index's audience words (m011) narrow a search to what the viewer may see; they
    must agree with VISIBLE after writes, shares, unshares, edits and deletions."""
    rng = random.Random(11)
    db = create(":memory:")
    now = datetime(2026, 12, 1, 10, tzinfo=UTC)
    people = (ANA, PETE, STEER, "U0NEW")
    for n in range(120):
        store.add(
            db,
            rng.choice(["T1", "T2"]),
            rng.choice(people),
            ReflectionDraft(f"Charter note {n}", shared=rng.random() < 0.5),
            now,
        )
    for _ in range(80):
        row = rng.choice(list(db.table("reflections").rows))
        change = rng.choice(["share", "unshare", "edit", "delete", "anonymise"])
        if change == "delete":
            with immediate(db):
                db.table("reflections").delete(row["id"])
        elif change == "edit":
            with immediate(db):
                db.table("reflections").update(row["id"], {"text": "Edited: no longer about it"})
        elif change == "anonymise":
            with immediate(db):
                db.table("reflections").update(row["id"], {"author_id": "U0FORMER"})
        else:
            with immediate(db):
                db.table("reflections").update(row["id"], {"shared": int(change == "share")})
    for team in ("T1", "T2"):
        for viewer in (*people, "U0FORMER"):
            expected = {
                r["id"]
                for r in db.table("reflections").rows
                if r["team_id"] == team
                and "Charter" in r["text"]
                and (r["shared"] or r["author_id"] == viewer)
            }
            found, total = store.search(db, team, viewer, ("charter",), limit=500)
            assert {f.reflection.id for f in found} == expected
            assert total == len(expected)


@pytest.mark.parametrize(
    ("authors", "teams"),
    [
        (("U0PET", "U0PETE"), ("T1",)),  # a final e is stemmed away
        (("U0ABY", "U0ABI"), ("T1",)),  # a final y becomes i
        (("U0ABCDEER", "U0ABCDEIC", "U0ABCDEES"), ("T1",)),  # -er, -ic, -es
        (("U9ALL", "U0OTHER"), ("T01", "T01XU9")),  # an id that spells another team's word
    ],
)
def test_no_one_can_count_anothers_private_reflections_through_similar_ids(authors, teams):
    """Each private reflection counts for its author alone, however alike the ids."""
    db = create(":memory:")
    now = datetime(2026, 12, 1, 10, tzinfo=UTC)
    for team in teams:
        for author in authors:
            store.add(db, team, author, ReflectionDraft(f"Resigning {author} in {team}"), now)
    store.add(db, teams[-1], authors[-1], ReflectionDraft("Resigning, shared", shared=True), now)
    for team in teams:
        for viewer in authors:
            expected = {
                r["id"]
                for r in db.table("reflections").rows
                if r["team_id"] == team and (r["shared"] or r["author_id"] == viewer)
            }
            found, total = store.search(db, team, viewer, ("resigning",), limit=1)
            assert total == len(expected), (team, viewer)
            assert {f.reflection.id for f in found} <= expected


def test_the_migration_is_atomic_and_the_index_keeps_in_step():
    db = create(":memory:")
    assert {t.name for t in db.table("reflections").triggers} == {
        "reflections_ai",
        "reflections_bd",
        "reflections_bu",
        "reflections_au",
    }
    fresh = create(":memory:")  # back to before m003, then m003 runs and a later step fails
    with immediate(fresh):
        fresh.execute("DROP TABLE reflections_fts")
        fresh.execute("DROP TABLE reflections")
        fresh.execute("DROP TABLE slack_events")
    with pytest.raises(RuntimeError), immediate(fresh):
        m003_reflections_and_events(fresh)
        raise RuntimeError("a later step fails")
    assert not {"reflections", "reflections_fts", "slack_events"} & set(fresh.table_names())
