"""Block Kit rendered as text for the console: a pure function, tested on the blocks it meets."""

from __future__ import annotations

from bot.standin import (
    Button,
    emojize,
    find_buttons,
    mrkdwn_to_text,
    pick_button,
    render_blocks,
    render_file,
    render_message,
    render_view,
)
from handlers.blocks.actions import render_action_list, render_action_modal
from handlers.blocks.common import render_error

NAMES = {"U0ANA": "ana", "U0PETE": "pete", "C0NEWS": "network-news"}


def button(label: str, action_id: str, value: str) -> dict:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": value,
    }


def section(text: str, **extra) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def test_mrkdwn_mentions_channels_links_entities_and_emphasis():
    text = (
        "*A1* _no owner_ ~old~ <@U0PETE> <@U0SAM|sam> <#C1|general> <!here> "
        "<https://example.org/a|the doc> <https://example.org/b> 1 &lt; 2 &amp; 3"
    )
    assert mrkdwn_to_text(text, NAMES) == (
        "A1 no owner old @pete @sam #general @here the doc (https://example.org/a) "
        "https://example.org/b 1 < 2 & 3"
    )


def test_asterisks_that_are_not_emphasis_stay():
    assert mrkdwn_to_text("5 * 3 = 15 and snake_case_name") == "5 * 3 = 15 and snake_case_name"


def test_a_section_with_a_button_is_one_line_with_the_label_in_brackets():
    blocks = [section("*A1* Plan it · <@U0ANA>", accessory=button("Done", "action_done:1", "1"))]
    assert render_blocks(blocks, NAMES) == "A1 Plan it · @ana  [Done]"


def test_fields_header_context_divider_actions_and_image():
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Weekly digest"}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": "*Created*\n4"},
                {"type": "plain_text", "text": "Done: 2"},
            ],
        },
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": "by <@U0PETE>"},
                {"type": "image", "image_url": "https://x/i.png", "alt_text": "logo"},
            ],
        },
        {"type": "divider"},
        {
            "type": "actions",
            "elements": [button("Snooze 1 hour", "snooze:1h", "1"), button("Done", "done", "1")],
        },
        {"type": "image", "image_url": "https://x/c.png", "alt_text": "a chart"},
    ]
    assert render_blocks(blocks, NAMES).splitlines() == [
        "Weekly digest",
        "=============",
        "Created 4",
        "Done: 2",
        "  by @pete · [image: logo]",
        "─" * 40,
        "[Snooze 1 hour] [Done]",
        "[image: a chart]",
    ]


def test_a_message_without_blocks_shows_its_text():
    assert render_message("Hello <@U0ANA>", None, NAMES) == "Hello @ana"
    assert render_message("ignored", [section("shown")]) == "shown"


def test_the_action_modal_shows_its_title_inputs_and_buttons():
    view = render_action_modal(owner_id="U0ANA", title="Plan the show and tell")
    lines = render_view(view, NAMES).splitlines()
    assert lines[0] == "┌ Track an action ┐"
    assert "What needs doing?: [Plan the show and tell]" in lines
    assert "Owner (optional): [person: @ana]" in lines
    assert "Due (optional): [date: pick a date]" in lines
    assert "Workstream (optional): [e.g. inclusion]" in lines
    assert lines[-1] == "[Cancel] [Track it]"


def test_an_app_home_has_no_modal_buttons():
    home = {"type": "home", "blocks": [section("Your actions")]}
    assert render_view(home) == "Your actions"


def test_what_the_bot_renders_for_a_list_reads_well(tmp_path):
    from datetime import UTC, date, datetime

    from bot.domain.actions import Action

    now = datetime(2026, 12, 1, 10, tzinfo=UTC)
    action = Action(
        id=2,
        team_id="T1",
        title="Book the room",
        owner_id="U0PETE",
        creator_id="U0ANA",
        due=date(2026, 12, 4),
        workstream="comms",
        notes="",
        permalink=None,
        status="open",
        created_at=now,
        updated_at=now,
        done_at=None,
    )
    text, blocks = render_action_list([action], 1, "Your open actions", date(2026, 12, 1), "")
    assert render_blocks(blocks, NAMES).splitlines() == [
        "Your open actions",
        "A2 Book the room · @pete · due Fri 4 Dec · #comms  [Done]",
    ]
    [found] = find_buttons(blocks, NAMES)
    assert (found.label, found.action_id, found.value) == ("Done", "action_done:2", "2")
    assert "A2 Book the room" in found.near


def test_an_error_reads_with_its_example():
    from bot.domain.errors import UserError

    _, blocks = render_error(UserError("I need a title.", example="/action Plan it"))
    assert render_blocks(blocks) == "⚠️ I need a title.\n  For example: `/action Plan it`"


def test_pick_button_by_label_number_or_nearby_words():
    buttons = [
        Button("Done", "d:1", "1", None, "A1 Plan"),
        Button("Done", "d:2", "2", None, "A2 Book"),
        Button("Snooze 1 hour", "s", "x", None, "A2 Book"),
    ]
    assert pick_button(buttons, "done").value == "1"
    assert pick_button(buttons, "Done", "2").value == "2"
    assert pick_button(buttons, "Done", "a2").value == "2"
    assert pick_button(buttons, "snooze").action_id == "s"  # a unique prefix will do
    assert pick_button(buttons, "Done", "3") is None
    assert pick_button(buttons, "Done", "A12") is None  # A1 is not A12
    assert pick_button(buttons, "Share") is None


def test_emoji_shortcodes_show_as_emoji_as_slack_shows_them():
    assert mrkdwn_to_text("Marked done. Thank you! :tada: :white_check_mark:") == (
        "Marked done. Thank you! 🎉 ✅"
    )
    plain = {"type": "header", "text": {"type": "plain_text", "text": ":pushpin: Tracked"}}
    assert render_blocks([plain]).splitlines()[0] == "📌 Tracked"
    assert emojize("at 10:30:00, :not-an-emoji:") == "at 10:30:00, :not-an-emoji:"


def test_channels_show_by_name_whether_or_not_the_mention_carries_it():
    assert mrkdwn_to_text("Posted in <#C0NEWS> and <#C0NEWS|old-name>", NAMES) == (
        "Posted in #network-news and #network-news"
    )
    assert mrkdwn_to_text("<#C0UNKNOWN|general> <#C0GONE>", NAMES) == "#general #C0GONE"


def test_a_radio_group_and_checkboxes_show_what_is_chosen():
    def option(text):
        return {"text": {"type": "plain_text", "text": text}, "value": text.lower()}

    radio = {
        "type": "radio_buttons",
        "action_id": "who",
        "options": [option("Private"), option("Shared")],
        "initial_option": option("Private"),
    }
    boxes = {
        "type": "checkboxes",
        "action_id": "tags",
        "options": [option("Design"), option("Data")],
        "initial_options": [option("Data")],
    }
    blocks = [
        {"type": "input", "label": {"type": "plain_text", "text": "Who"}, "element": radio},
        {"type": "input", "label": {"type": "plain_text", "text": "Tags"}, "element": boxes},
    ]
    assert render_blocks(blocks).splitlines() == [
        "Who: (•) Private ( ) Shared",
        "Tags: [ ] Design [x] Data",
    ]


def test_a_file_shows_its_name_size_and_first_lines():
    content = "\ufeffid,title\n" + "".join(f"A{n},Action {n}\n" for n in range(1, 21))
    shown = render_file("nudge-actions.csv", content.encode(), lines=3).splitlines()
    assert shown == [
        f"nudge-actions.csv · {len(content.encode())} bytes",
        "│ id,title",
        "│ A1,Action 1",
        "│ A2,Action 2",
        "│ … 18 more lines",
    ]
