"""Actions from a meeting: minutes read into rows, the form at Slack's limits, what comes
back from it, and each owner told once."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.actions import Action
from bot.domain.meetings import (
    MEETING_ROWS,
    MeetingFields,
    MinuteRow,
    Minutes,
    drafts_from_form,
    group_by,
    read_minutes,
)
from bot.domain.workstreams import Workstream
from bot.standin.blockkit import (
    check_message_blocks,
    check_message_size,
    check_message_text,
    check_view,
)
from handlers.blocks import meetings as blocks

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # Tuesday
ANA, PETE, SAM = "U0ANA", "U0PETE", "U0SAM"
MEMBERS = {"ana": ANA, "pete": PETE, "Sam Jones": SAM}

MINUTES = """*Steering group, 1 December*
Present: Ana, Pete, Sam
The visit to the central-government team went well. Actions:
- <@U0PETE> to draft our reply to the charter by Friday #inclusion
- Ana: book the room for January
• Pete to send the minutes to the board next Tuesday
1. Send Nicola the slides
2) @sam check the budget by Fridya
* [ ] TODO: Sam Jones - write up the visit
- Action: chase GDS about the charter by 30 Nov
- Reply to the council
-
*Next meeting*
"""


def rows(text: str, members=MEMBERS) -> list[tuple]:
    return [
        (r.title, r.owner_id, r.due, r.workstream)
        for r in read_minutes(text, NOW, LONDON, members).rows
    ]


def test_the_bullets_of_minutes_are_read_into_rows():
    minutes = read_minutes(MINUTES, NOW, LONDON, MEMBERS)
    assert minutes.lines == 8 and minutes.left_out == 0  # only the bullets: prose is no row
    assert [(r.title, r.owner_id, r.due, r.workstream) for r in minutes.rows] == [
        ("Draft our reply to the charter", PETE, date(2026, 12, 4), "inclusion"),
        ("Book the room for January", ANA, None, None),
        ("Send the minutes to the board", PETE, date(2026, 12, 8), None),
        ("Send Nicola the slides", None, None, None),  # Nicola is no member: stays the title's
        ("Check the budget by Fridya", SAM, None, None),
        ("Write up the visit", SAM, None, None),
        ("chase GDS about the charter by 30 Nov", None, None, None),
        ("Reply to the council", None, None, None),  # "Reply" is no member's name
    ]
    notes = {r.title: r.note for r in minutes.rows if r.note}
    assert notes == {
        "Check the budget by Fridya": "I couldn't read “Fridya” as a date: did you mean “Friday”?",
        "chase GDS about the charter by 30 Nov": "Mon 30 Nov 2026 is in the past.",
    }
    assert (
        minutes.rows[0].line == "<@U0PETE> to draft our reply to the charter by Friday #inclusion"
    )


def test_without_bullets_every_line_is_read():
    assert rows("Pete: draft the reply\n\nSam Jones to chase GDS by EOD\nAnnual report") == [
        ("Draft the reply", PETE, None, None),
        ("Chase GDS", SAM, date(2026, 12, 1), None),
        ("Annual report", None, None, None),
    ]


@pytest.mark.parametrize(
    "line, owner, title",
    [
        ("Pete to send it to Sam to check", PETE, "Send it to Sam to check"),  # shortest name
        ("pete - send it", PETE, "Send it"),
        ("Sam: draft it", SAM, "Draft it"),  # the first name of one member only
        ("<@U0ANA>: draft it", ANA, "Draft it"),
        ("@nobody draft it", None, "@nobody draft it"),  # no member: kept whole
        ("Nicola: send the slides", None, "Nicola: send the slides"),
        ("Draft it owner <@U0SAM>", SAM, "Draft it"),  # as /action reads an owner
        ("Tomorrow: call the council", None, "Call the council"),  # a date, not a name
    ],
)
def test_an_owner_is_a_mention_or_a_member_s_name_at_the_start(line, owner, title):
    [(got_title, got_owner, _, _)] = rows(line)
    assert (got_owner, got_title) == (owner, title)


def test_two_members_with_one_first_name_are_not_guessed():
    members = {"Sam Jones": SAM, "Sam Lee": "U0SAML"}
    assert rows("Sam: draft it", members) == [("Sam: draft it", None, None, None)]
    assert rows("Sam Lee: draft it", members) == [("Draft it", "U0SAML", None, None)]


def test_a_long_line_is_cut_to_a_title_and_says_so():
    [row] = read_minutes("- " + "word " * 100, NOW, LONDON).rows
    assert len(row.title) <= 200 and row.title.endswith("…")
    assert "cut to 200 characters" in row.note


# --- the form at its size limit ---------------------------------------------------------------


def workstreams(n: int) -> list[Workstream]:
    return [
        Workstream(i, "T1", f"ws-{i}-" + "w" * 30, "T" * 80, None, None, ANA, NOW) for i in range(n)
    ]


def test_the_form_holds_24_rows_in_98_blocks_and_says_what_it_left_out():
    text = "\n".join(
        f"- <@U0PETE> to do thing {n} with a long tail " + "x" * 150 + " by Friday"
        for n in range(40)
    )
    minutes = read_minutes(text, NOW, LONDON, MEMBERS)
    assert (len(minutes.rows), minutes.lines, minutes.left_out) == (MEETING_ROWS, 40, 16)
    permalink = "https://network.slack.com/archives/C0STEER/p1764583200000100?thread_ts=1.2"
    view = blocks.render_meeting_form(
        minutes,
        workstreams=workstreams(blocks.SELECT_MOST),
        permalink=permalink,
        channel="C0STEER",
        ts="1764583200.000100",
    )
    assert check_view(view) == []
    assert len(view["blocks"]) == 2 + 4 * MEETING_ROWS == 98  # of Slack's 100
    assert "the form holds 24, so the last 16 are left out" in json.dumps(view)
    assert json.loads(view["private_metadata"]) == {
        "permalink": permalink,
        "channel": "C0STEER",
        "ts": "1764583200.000100",
        "rows": MEETING_ROWS,
    }
    size = len(json.dumps(view))
    typed = blocks.render_meeting_form(minutes, workstreams=workstreams(blocks.SELECT_MOST + 1))
    assert check_view(typed) == []
    assert typed["blocks"][5]["element"]["type"] == "plain_text_input"  # past 25: typed
    print(
        f"\nmeeting form: {len(view['blocks'])} blocks for {MEETING_ROWS} rows; "
        f"{blocks.SELECT_MOST} workstreams in each row's select: {size:,} characters of JSON; "
        f"{blocks.SELECT_MOST + 1}, typed: {len(json.dumps(typed)):,}"
    )
    one_more = blocks.render_meeting_form(
        Minutes(tuple(minutes.rows) + (MinuteRow("one too many"),), 41)
    )
    assert len(one_more["blocks"]) == 98  # a 25th row is never rendered


def test_the_metadata_stays_within_3000_characters_whatever_the_link():
    view = blocks.render_meeting_form(
        Minutes((MinuteRow("Draft it"),), 1), permalink="https://x.org/" + "p" * 5000
    )
    assert check_view(view) == [] and len(view["private_metadata"]) <= 3000
    assert json.loads(view["private_metadata"])["permalink"] is None


def test_a_message_with_nothing_to_read_gets_one_empty_row():
    view = blocks.render_meeting_form(read_minutes("\n\n:tada:\n", NOW, LONDON))
    assert check_view(view) == [] and len(view["blocks"]) == 6
    assert "I found no lines to read" in json.dumps(view)


# --- what comes back ----------------------------------------------------------------------


def submitted(view: dict, changes: dict[str, dict] | None = None) -> dict:
    """The view as Slack sends it back: each input holding what it was pre-filled with."""
    values = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        state = {"type": element["type"]}
        if "initial_value" in element:
            state["value"] = element["initial_value"]
        if "initial_user" in element:
            state["selected_user"] = element["initial_user"]
        if "initial_date" in element:
            state["selected_date"] = element["initial_date"]
        if "initial_option" in element:
            state["selected_option"] = element["initial_option"]
        state |= (changes or {}).get(block["block_id"], {})
        values[block["block_id"]] = {element["action_id"]: state}
    return {**view, "state": {"values": values}}


def test_the_form_comes_back_as_drafts_rows_left_empty_skipped():
    kept = [Workstream(1, "T1", "inclusion", "Digital inclusion", PETE, None, ANA, NOW)]
    minutes = read_minutes(MINUTES, NOW, LONDON, MEMBERS)
    view = blocks.render_meeting_form(minutes, workstreams=kept)
    back = submitted(
        view,
        {
            blocks.field_id(3, "title"): {"value": ""},  # cleared: left out
            blocks.field_id(6, "title"): {"value": ""},  # the past date's row, cleared
            blocks.field_id(6, "due"): {},
            blocks.field_id(7, "title"): {"value": "  "},
        },
    )
    fields = blocks.read_meeting_form(back)
    assert len(fields) == len(minutes.rows) and fields[0].workstream == "inclusion"
    drafts, errors = drafts_from_form(fields, NOW, LONDON, live_tags={"inclusion"})
    assert errors == {}
    assert [(n, d.title, d.due, d.workstream, owner) for n, d, owner in drafts] == [
        (0, "Draft our reply to the charter", date(2026, 12, 4), "inclusion", PETE),
        (1, "Book the room for January", None, None, ANA),
        (2, "Send the minutes to the board", date(2026, 12, 8), None, PETE),
        (4, "Check the budget by Fridya", None, None, SAM),
        (5, "Write up the visit", None, None, SAM),
    ]


def test_a_row_that_cannot_be_stored_is_refused_at_its_field():
    fields = [
        MeetingFields("Fine"),
        MeetingFields("", owner_id=PETE),  # an owner but no title
        MeetingFields("Late", due=date(2026, 11, 30)),
        MeetingFields("Where", workstream="inclsion"),
        MeetingFields("Old", workstream="comms"),
        MeetingFields("x" * 201),
    ]
    drafts, errors = drafts_from_form(
        fields, NOW, LONDON, live_tags={"inclusion"}, archived_tags={"comms"}
    )
    assert [n for n, _, _ in drafts] == [0]
    assert set(errors) == {
        (1, "title"),
        (2, "due"),
        (3, "workstream"),
        (4, "workstream"),
        (5, "title"),
    }
    assert "Did you mean #inclusion?" in errors[(3, "workstream")]
    assert "archived" in errors[(4, "workstream")]
    by_block = blocks.meeting_errors(errors)
    view = blocks.render_meeting_form(Minutes(tuple(MinuteRow(f.title) for f in fields), 6))
    assert set(by_block) <= {b.get("block_id") for b in view["blocks"]}  # each a field shown
    tags_free, _ = drafts_from_form([MeetingFields("Any", workstream="#Anything")], NOW, LONDON)
    assert tags_free[0][1].workstream == "anything"  # no workstreams kept: tags are free


def test_each_owner_and_lead_is_told_once_of_all_theirs():
    def action(n: int, owner: str | None) -> Action:
        return Action(
            n,
            "T1",
            f"Action {n}",
            owner,
            ANA,
            None,
            "inclusion",
            "",
            "https://x/p1",
            "open",
            NOW,
            NOW,
        )

    made = [action(1, PETE), action(2, PETE), action(3, ANA), action(4, SAM), action(5, None)]
    owners = group_by(made, {a.id: a.owner_id for a in made}, ANA)
    assert {k: [a.id for a in v] for k, v in owners.items()} == {PETE: [1, 2], SAM: [4]}
    leads = group_by(made, {a.id: PETE for a in made}, ANA)
    assert [a.id for a in leads[PETE]] == [1, 2, 3, 4, 5]  # the lead: once, of all of them
    for theirs in owners.values():
        text, message = blocks.render_meeting_owner_dm(theirs, ANA, NOW.date(), "https://x/p1")
        assert check_message_blocks(message) == [] and check_message_text(text) == []
        assert f"{len(theirs)} actions" in text or "an action" in text
    many = [action(n, PETE) for n in range(1, MEETING_ROWS + 1)]
    for rendered in (
        blocks.render_meeting_owner_dm(many, ANA, NOW.date(), "https://x/" + "p" * 2000),
        blocks.render_meeting_tracked(many, NOW.date(), told=23),
        blocks.render_meeting_tracked([], NOW.date(), told=0),
    ):
        text, message = rendered
        problems = check_message_text(text) + check_message_blocks(message)
        assert problems + check_message_size(message) == []
