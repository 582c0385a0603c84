"""Reading a form's fields at the console: pure, on the modals the bot renders."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.console_forms import Field, Lookup, describe, field_prompt, form_fields, read_answer
from bot.domain.actions import Action
from handlers.blocks.actions import render_action_modal
from handlers.blocks.nudges import render_due_modal
from handlers.blocks.reflections import render_reflect_modal

LOOKUP = Lookup(user=lambda name: f"U0{name.upper()}", channel=lambda name: f"C0{name.upper()}")
NAMES = {"U0ANA": "ana", "U0PETE": "pete", "C0NEWS": "news"}
CANNOT = "The console cannot fill this kind of field; Enter leaves it."


def field(kind: str, **extra) -> Field:
    return Field("block", "action", "Label", kind, **extra)


def test_the_action_form_has_its_five_fields_with_their_defaults():
    fields = form_fields(render_action_modal(owner_id="U0ANA", title="Plan it"))
    assert [(f.label, f.kind, f.optional, f.initial) for f in fields] == [
        ("What needs doing?", "plain_text_input", False, "Plan it"),
        ("Owner", "users_select", True, "U0ANA"),
        ("Due", "datepicker", True, None),
        ("Workstream", "plain_text_input", True, None),
        ("Notes", "plain_text_input", True, None),
    ]
    assert field_prompt(fields[1], "U0ANA", NAMES) == "  Owner (optional) [@ana] › "


def test_the_reflection_and_due_forms_offer_their_choices_and_today():
    visibility = form_fields(render_reflect_modal())[-1]
    assert [c.label for c in visibility.choices] == [
        "Private: only I can see it",
        "Shared with the network",
    ]
    assert visibility.initial == "private"
    now = datetime(2026, 12, 1, tzinfo=UTC)
    action = Action(1, "T1", "Plan it", "U0ANA", "U0ANA", None, None, "", None, "open", now, now)
    [due] = form_fields(render_due_modal(action, date(2026, 12, 1)))
    assert (due.kind, due.initial) == ("datepicker", "2026-12-01")


@pytest.mark.parametrize(
    "kind, typed, value",
    [
        ("users_select", "@pete", "U0PETE"),
        ("users_select", "Pete", "U0PETE"),
        ("multi_users_select", "@pete, sam ana", ["U0PETE", "U0SAM", "U0ANA"]),
        ("channels_select", "#news", "C0NEWS"),
        ("conversations_select", "news", "C0NEWS"),
        ("datepicker", "2026-12-04", "2026-12-04"),
        ("timepicker", "9:05", "09:05"),
        ("plain_text_input", "  Plan it  ", "Plan it"),
        ("number_input", "3.5", "3.5"),
    ],
)
def test_what_is_typed_becomes_what_slack_sends(kind, typed, value):
    assert read_answer(field(kind), typed, None, LOOKUP).value == value


def test_a_choice_is_its_number_its_name_or_the_start_of_its_name():
    choices = form_fields(render_reflect_modal())[-1]
    assert read_answer(choices, "2", "private", LOOKUP).value == "shared"
    assert read_answer(choices, "shared", "private", LOOKUP).value == "shared"
    assert read_answer(choices, "priv", "shared", LOOKUP).value == "private"
    assert read_answer(choices, "", "private", LOOKUP).value == "private"  # Enter keeps it
    wrong = read_answer(choices, "3", "private", LOOKUP)
    assert wrong.error.startswith("Choose by number or name: 1 Private")


def test_enter_keeps_a_dash_empties_and_a_required_field_must_be_filled():
    optional, required = field("plain_text_input", optional=True), field("plain_text_input")
    assert read_answer(optional, "", "kept", LOOKUP).value == "kept"
    assert read_answer(optional, "-", "kept", LOOKUP).value is None
    assert read_answer(required, "-", "kept", LOOKUP).error == "This field is required."
    assert read_answer(required, "", None, LOOKUP).error == "This field is required."


@pytest.mark.parametrize(
    "one, typed, error",
    [
        (field("plain_text_input", max_length=5), "Plan it", "Up to 5 characters here (7 typed)."),
        (field("plain_text_input", min_length=3), "ab", "At least 3 characters here."),
        (field("datepicker"), "Friday", "Type the date as YYYY-MM-DD, for example 2026-12-04."),
        (field("datepicker"), "2026-02-30", "Type the date as YYYY-MM-DD, for example 2026-12-04."),
        (field("timepicker"), "25:00", "Type the time as HH:MM, for example 09:30."),
        (field("email_text_input"), "ana", "Type an email address."),
        (field("number_input"), "three", "Type a number."),
        (field("file_input"), "a.txt", CANNOT),
    ],
)  # fmt: skip
def test_what_slacks_controls_would_not_allow_is_asked_again(one, typed, error):
    assert read_answer(one, typed, None, LOOKUP).error == error


def test_values_are_shown_by_name():
    assert describe(field("multi_users_select"), ["U0ANA", "U0PETE"], NAMES) == "@ana, @pete"
    assert describe(field("channels_select"), "C0NEWS", NAMES) == "#news"
    assert describe(field("plain_text_input"), "a\nb", NAMES) == "a / b"
