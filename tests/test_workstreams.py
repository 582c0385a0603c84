"""Workstreams as records: tags checked once any are kept, stored and counted on a real
SQLite file, each with its lead in the review, the lead told once, and the Monday post
(its week, its key, its size) at the maxima.

The grammar of ``/workstream`` is the corpus's (``tests/phrases/workstreams.txt``).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.actions import Action, parse_action_command
from bot.domain.errors import DidYouMean, NotAllowed, ParseError
from bot.domain.review import summarise
from bot.domain.weekly import iso_week, scheduled_in_week
from bot.domain.workstreams import (
    MONDAY_POST,
    Workstream,
    WorkstreamSummary,
    WorkstreamWeek,
    check_known_tag,
    lead_to_tell,
    nearest_tag,
    post_key,
    require_steering,
)
from bot.standin.blockkit import (
    check_message_blocks,
    check_message_size,
    check_message_text,
    check_view,
)
from handlers.blocks import workstreams as blocks
from handlers.blocks.actions import render_action_modal
from handlers.blocks.review import render_review
from handlers.blocks.workstream_select import SELECT_MAX, selected_workstream, workstream_element
from storage import deliveries
from storage import review as review_store
from storage import workstreams as store
from storage.codec import encode_time
from storage.db import connect, create, immediate

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # Tuesday
TODAY = NOW.date()
ANA, PETE, SAM, STEER = "U0ANA", "U0PETE", "U0SAM", "U0STEER"


def fits(rendered) -> None:
    text, message = rendered
    problems = check_message_text(text) + check_message_blocks(message)
    problems += check_message_size(message)
    assert problems == [], problems[:3]


def ws(tag: str, lead: str | None = PETE, channel: str | None = "C0INCL", **changes) -> Workstream:
    base = dict(
        id=1,
        team_id="T1",
        tag=tag,
        title=tag.title(),
        lead_id=lead,
        channel_id=channel,
        created_by=STEER,
        created_at=NOW,
    )
    return Workstream(**{**base, **changes})


def action(n: int, **changes) -> Action:
    base = dict(
        id=n,
        team_id="T1",
        title=f"Action {n}",
        owner_id=ANA,
        creator_id=PETE,
        due=None,
        workstream="inclusion",
        notes="",
        permalink=None,
        status="open",
        created_at=NOW,
        updated_at=NOW,
    )
    return Action(**{**base, **changes})


@pytest.fixture
def db(tmp_path):
    return create(tmp_path / "nudge.db")


def insert_actions(db, rows: list[dict]) -> None:
    with immediate(db):
        db.table("actions").insert_all(
            {
                "team_id": "T1",
                "title": "An action",
                "owner_id": ANA,
                "creator_id": PETE,
                "notes": "",
                "status": "open",
                "created_at": encode_time(NOW - timedelta(days=30)),
                "updated_at": encode_time(NOW - timedelta(days=30)),
                **row,
            }
            for row in rows
        )


# --- free tags until a workstream is kept; then did you mean -------------------------------


def test_tags_are_free_until_the_first_workstream_is_kept():
    check_known_tag("anything-at-all", [])  # no workstreams: nothing refused


def test_an_unknown_tag_is_offered_back_as_the_command_with_the_nearest():
    live = ["inclusion", "democracy", "skills"]
    typed = "/action Draft our response <@U0PETE|pete> by Friday #inclsion"
    with pytest.raises(DidYouMean) as caught:
        check_known_tag("inclsion", live, command=typed)
    assert caught.value.suggestion == "/action Draft our response @pete by Friday #inclusion"
    assert "There's no workstream #inclsion" in caught.value.message
    with pytest.raises(DidYouMean) as caught:  # the start of one is as good as a slip
        check_known_tag("incl", live, command="/action Draft it #incl")
    assert caught.value.suggestion == "/action Draft it #inclusion"
    with pytest.raises(DidYouMean) as caught:  # a channel reference names the tag too
        check_known_tag("democrcy", live, command="/action Vote <#C1|democrcy>")
    assert caught.value.suggestion == "/action Vote #democracy"
    with pytest.raises(ParseError) as caught:  # nothing near: the list
        check_known_tag("budget", live, command="/action Plan #budget")
    assert not isinstance(caught.value, DidYouMean)
    assert "#democracy, #inclusion, #skills" in caught.value.message and caught.value.example


def test_an_archived_workstream_takes_no_new_actions():
    with pytest.raises(ParseError) as caught:
        check_known_tag("comms", ["inclusion"], archived=["comms"], command="/action X #comms")
    assert "archived" in caught.value.message and "unarchive #comms" in caught.value.message
    with pytest.raises(ParseError):  # archived only: still kept, so still checked
        check_known_tag("comms", [], archived=["comms"])


def test_numbers_and_channels_in_a_title_stay_text():
    """The tag check applies to what the action parser read as the workstream; ``#42`` and
    a channel after "in" never are."""
    for text in ("Fix issue #42 by Friday", "Post the minutes in #comms"):
        command = parse_action_command(text, NOW, LONDON)
        assert command.draft.workstream is None, text


@pytest.mark.parametrize(
    "typed, near",
    [("inclsion", "inclusion"), ("incl", "inclusion"), ("sk", None), ("democracy", "democracy")],
)
def test_the_nearest_tag(typed, near):
    assert nearest_tag(typed, ["inclusion", "democracy", "skills"]) == near


def test_keeping_workstreams_is_for_the_steering_group():
    require_steering(True, "Adding a workstream")
    with pytest.raises(NotAllowed) as caught:
        require_steering(False, "Adding a workstream")
    assert "`/workstream list`" in caught.value.message


@pytest.mark.parametrize(
    "before, actor, owner_told, told",
    [
        (None, ANA, None, PETE),  # created in it: the lead hears
        ("skills", ANA, None, PETE),  # moved into it
        ("inclusion", ANA, None, None),  # already in it
        (None, PETE, None, None),  # the lead did it
        (None, ANA, PETE, None),  # the lead owns it and was just told of it
    ],
)
def test_the_lead_hears_once_when_an_action_joins(before, actor, owner_told, told):
    assert lead_to_tell(ws("inclusion"), before, actor, owner_told) == told
    assert lead_to_tell(ws("inclusion", lead=None), before, actor, owner_told) is None
    assert lead_to_tell(None, before, actor, owner_told) is None  # a free tag has no lead


# --- stored ---------------------------------------------------------------------------------


def test_added_edited_archived_and_counted(db):
    store.add(
        db,
        "T1",
        "inclusion",
        title="Digital inclusion",
        lead_id=PETE,
        channel_id="C1",
        created_by=STEER,
        now=NOW,
    )
    store.add(
        db,
        "T1",
        "democracy",
        title="Local democracy",
        lead_id=None,
        channel_id=None,
        created_by=STEER,
        now=NOW,
    )
    with pytest.raises(ParseError):
        store.add(
            db,
            "T1",
            "inclusion",
            title="Again",
            lead_id=None,
            channel_id=None,
            created_by=STEER,
            now=NOW,
        )
    before, after = store.edit(db, "T1", "inclusion", NOW, lead_id=SAM, channel_id=None)
    assert (before.lead_id, after.lead_id, after.channel_id, after.title) == (
        PETE,
        SAM,
        None,
        "Digital inclusion",
    )
    store.set_archived(db, "T1", "democracy", True, NOW)
    with pytest.raises(ParseError) as caught:  # an archived tag is still kept
        store.add(
            db,
            "T1",
            "democracy",
            title="Again",
            lead_id=None,
            channel_id=None,
            created_by=STEER,
            now=NOW,
        )
    assert "unarchive" in caught.value.example
    assert store.known_tags(db, "T1") == (frozenset({"inclusion"}), frozenset({"democracy"}))
    insert_actions(
        db,
        [
            {"workstream": "inclusion", "due": "2026-11-30"},  # overdue
            {"workstream": "inclusion", "due": "2026-12-04"},
            {"workstream": "inclusion", "status": "done"},
            {"workstream": "comms"},  # a free tag from before
            {"workstream": "inclusion", "team_id": "T2"},  # another workspace
        ],
    )
    [inclusion] = store.summaries(db, "T1", TODAY)
    assert (inclusion.workstream.tag, inclusion.open, inclusion.overdue) == ("inclusion", 2, 1)
    assert [s.workstream.tag for s in store.summaries(db, "T1", TODAY, archived=True)] == [
        "democracy",
        "inclusion",
    ]
    assert store.with_channels(db) == []  # inclusion's channel was cleared
    store.edit(db, "T1", "inclusion", NOW, channel_id="C2")
    assert [w.tag for w in store.with_channels(db)] == ["inclusion"]


def test_the_review_shows_each_workstream_with_its_lead(db):
    store.add(
        db,
        "T1",
        "inclusion",
        title="Digital inclusion",
        lead_id=PETE,
        channel_id=None,
        created_by=STEER,
        now=NOW,
    )
    store.add(
        db,
        "T1",
        "skills",
        title="Practitioners' skills",
        lead_id=None,
        channel_id=None,
        created_by=STEER,
        now=NOW,
    )
    insert_actions(
        db,
        [
            {"workstream": "inclusion", "due": "2026-11-30"},
            {"workstream": "comms"},
            {"workstream": None},
        ],
    )
    summary = review_store.review_summary(db, "T1", TODAY, NOW)
    assert [(s.name, s.open, s.overdue, s.title, s.lead_id) for s in summary.workstreams] == [
        ("comms", 1, 0, "", None),  # a free tag: no title, no lead
        ("inclusion", 1, 1, "Digital inclusion", PETE),
        ("skills", 0, 0, "Practitioners' skills", None),  # kept, nothing open: still shown
        ("", 1, 0, "", None),
    ]
    every = [review_store._action(r) for r in db.table("actions").rows]
    plain = summarise(every, TODAY, NOW, workstreams=store.listing(db, "T1"))
    assert plain == summary  # the rules in SQL and in Python agree, leads and all
    text, shown = render_review(summary)
    body = json.dumps(shown, ensure_ascii=False)
    assert "#inclusion Digital inclusion, led by <@U0PETE>: 1 open, 1 overdue" in body
    assert "#skills Practitioners' skills, _no lead_: 0 open" in body
    assert "#comms: 1 open" in body


def test_a_workstreams_week_is_the_seven_days_to_monday_nine(db):
    inclusion = store.add(
        db,
        "T1",
        "inclusion",
        title="Digital inclusion",
        lead_id=PETE,
        channel_id="C1",
        created_by=STEER,
        now=NOW,
    )
    monday = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    start = monday - timedelta(days=7)
    insert_actions(
        db,
        [
            {"title": "Made exactly at the start", "created_at": encode_time(start)},  # last week's
            {"title": "Made in the week", "created_at": encode_time(start + timedelta(seconds=1))},
            {"title": "Made exactly at the end", "created_at": encode_time(monday)},  # this week's
            {"title": "Done in the week", "status": "done", "done_at": encode_time(monday)},
            {"title": "Late", "due": "2026-12-01"},
            {"title": "Due today", "due": "2026-12-07"},
            {"title": "Not ours", "workstream": "skills", "created_at": encode_time(monday)},
        ],
    )
    for row in db.table("actions").rows_where("workstream IS NULL"):
        with immediate(db):
            db.table("actions").update(row["id"], {"workstream": "inclusion"})
    week = store.week(db, inclusion, start, monday, monday.date())
    assert [a.title for a in week.new] == ["Made in the week", "Made exactly at the end"]
    assert [a.title for a in week.done] == ["Done in the week"]
    assert ([a.title for a in week.overdue], week.overdue_total) == (["Late"], 1)
    assert week.open == 5 and not week.quiet


# --- the Monday post: when, once, how big ---------------------------------------------------


@pytest.mark.parametrize(
    "moment, due",
    [
        (datetime(2026, 12, 7, 8, 59, tzinfo=UTC), datetime(2026, 12, 7, 9, 0, tzinfo=UTC)),
        (datetime(2026, 12, 13, 23, 0, tzinfo=UTC), datetime(2026, 12, 7, 9, 0, tzinfo=UTC)),
        (datetime(2027, 3, 29, 12, 0, tzinfo=UTC), datetime(2027, 3, 29, 8, 0, tzinfo=UTC)),
    ],
)
def test_the_monday_post_is_at_nine_in_the_network_s_zone(moment, due):
    assert scheduled_in_week(moment, MONDAY_POST, LONDON) == due  # 09:00 BST after the change


def test_the_monday_post_goes_once_per_week_across_a_restart(tmp_path):
    """Its delivery key names the workspace, the workstream and the ISO week: claimed and
    sent once, a second process (or the same after a restart) finds it sent; the next
    week's is a new key."""
    path = tmp_path / "nudge.db"
    create(path).close()
    monday = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    key = post_key("T1", "inclusion", iso_week(monday, LONDON))
    assert key == "workstream:T1:inclusion:2026-W50"
    assert post_key("T1", "inclusion", iso_week(monday + timedelta(days=6, hours=14), LONDON)) == (
        key
    )  # Sunday night is the same week
    first = connect(path)
    assert deliveries.claim(
        first, key, team_id="T1", kind="workstream", recipient="C1", holder="process-1", now=monday
    )
    deliveries.mark_sent(first, key, monday, channel="C1", ts="1.2")
    first.close()
    restarted = connect(path)
    for holder in ("process-1", "process-2"):
        assert not deliveries.claim(
            restarted,
            key,
            team_id="T1",
            kind="workstream",
            recipient="C1",
            holder=holder,
            now=monday,
        )
    next_week = post_key("T1", "inclusion", iso_week(monday + timedelta(days=7), LONDON))
    assert next_week == "workstream:T1:inclusion:2026-W51"
    assert deliveries.claim(
        restarted,
        next_week,
        team_id="T1",
        kind="workstream",
        recipient="C1",
        holder="process-2",
        now=monday,
    )


def test_a_quiet_workstream_gets_no_post():
    start = datetime(2026, 11, 30, 9, tzinfo=UTC)
    quiet = WorkstreamWeek(ws("inclusion"), start, start + timedelta(days=7), TODAY)
    assert quiet.quiet
    assert not WorkstreamWeek(ws("inclusion"), start, start, TODAY, open=1).quiet


def test_the_monday_post_fits_one_message_at_the_maxima():
    long_title = "<@U0ANA|ana> & <https://example.org|a link> " + "x" * 150
    many = [action(n, title=long_title[:200], due=date(2026, 11, 1), id=n) for n in range(1, 301)]
    start = datetime(2026, 11, 30, 9, tzinfo=UTC)
    week = WorkstreamWeek(
        ws("digital-inclusion-and-access-for-all", title="T" * 80),
        start,
        start + timedelta(days=7),
        date(2026, 12, 7),
        new=many,
        done=many,
        overdue=many,
        overdue_total=22_000,
        open=100_000,
    )
    text, shown = blocks.render_workstream_post(week)
    fits((text, shown))
    body = json.dumps(shown)
    assert "22,000 overdue" in text and "more than fits here" in body
    quiet = WorkstreamWeek(ws("inclusion"), start, start + timedelta(days=7), TODAY, open=3)
    text, shown = blocks.render_workstream_post(quiet)
    fits((text, shown))
    assert "A quiet week: 3 open." in json.dumps(shown)


# --- the other renderers at the maxima ------------------------------------------------------


def test_the_list_the_confirmations_the_lead_s_dm_and_the_form_fit():
    every = [
        WorkstreamSummary(ws(f"tag-{n}-" + "t" * 30, title="T" * 80, id=n), 10**6, 10**6)
        for n in range(500)
    ]
    text, shown = blocks.render_workstream_list(every, archived=True)
    fits((text, shown))
    assert "more" in json.dumps(shown)
    assert "can be anything" in blocks.render_workstream_list([])[0]  # tags are free then
    fits(blocks.render_workstream_saved(ws("inclusion", title="T" * 80), "Added"))
    fits(blocks.render_workstream_help())
    many = [action(n, title="y" * 200) for n in range(1, 400)]
    fits(blocks.render_lead_dm(ws("inclusion"), many, ANA, TODAY))
    assert check_view(blocks.render_workstream_modal()) == []
    assert check_view(blocks.render_workstream_modal(ws("inclusion", title="T" * 80))) == []


def test_the_form_reads_back_what_was_picked():
    state = {
        "values": {
            blocks.FIELD_TAG: {blocks.FIELD_TAG: {"value": "#Inclusion"}},
            blocks.FIELD_TITLE: {blocks.FIELD_TITLE: {"value": "Digital inclusion"}},
            blocks.FIELD_LEAD: {blocks.FIELD_LEAD: {"selected_user": PETE}},
            blocks.FIELD_CHANNEL: {blocks.FIELD_CHANNEL: {"selected_channel": "C0INCL"}},
        }
    }
    view = blocks.render_workstream_modal()
    assert {b.get("block_id") for b in view["blocks"]} == set(state["values"])
    assert blocks.read_workstream_form({**view, "state": state}) == {
        "tag": "#Inclusion",
        "title": "Digital inclusion",
        "lead_id": PETE,
        "channel_id": "C0INCL",
    }


def test_the_action_form_picks_a_workstream_from_those_kept():
    kept = [ws(f"ws-{n}", title="T" * 80, id=n) for n in range(SELECT_MAX)]
    view = render_action_modal(owner_id=ANA, workstream="ws-7", workstreams=kept)
    assert check_view(view) == []
    [field] = [b for b in view["blocks"] if b["block_id"] == "workstream"]
    element = field["element"]
    assert element["type"] == "static_select" and len(element["options"]) == SELECT_MAX
    assert element["initial_option"] == element["options"][7]  # as Slack wants: one of them
    assert element["options"][7]["text"]["text"] == ("#ws-7 " + "T" * 80)[:75]
    archived = ws("old", archived_at=NOW)
    assert workstream_element([archived], None, "w").type == "plain_text_input"  # none live
    too_many = workstream_element(kept + [ws("one-more", id=999)], None, "w")
    assert too_many.type == "plain_text_input"  # more than a select holds: typed, then checked
    assert render_action_modal(owner_id=ANA)["blocks"][3]["element"]["type"] == (
        "plain_text_input"
    )  # as before, when no workstreams are given
    assert selected_workstream({"selected_option": {"value": "ws-7"}}) == "ws-7"
