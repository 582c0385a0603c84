"""Hostile input: whatever is typed or forged, no unhandled error, no trace, nothing stored
on a refusal."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.actions import parse_action_command
from bot.domain.errors import UserError
from handlers import ids
from tests.conftest import ANA, PETE, SAM
from tests.outcomes import UNEXPECTED, Outcomes, outcome_of

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)

# Text that looks like what members type, with Slack's escapes, ids, dates and junk mixed in.
WORDS = st.sampled_from(
    [
        "list",
        "done",
        "reopen",
        "drop",
        "assign",
        "due",
        "note",
        "show",
        "help",
        "review",
        "export",
        "share",
        "search",
        "me",
        "to",
        "follow",
        "up",
        "with",
        "about",
        "every",
        "by",
        "Friday",
        "next",
        "in",
        "2",
        "weeks",
        "tomorrow",
        "at",
        "9am",
        "A1",
        "A99999999999",
        "R1",
        "N1",
        "12",
        "-1",
        "0",
        "<@U0PETE|pete>",
        "<@U0NOBODY>",
        "@pete",
        "@",
        "#",
        "#x",
        "<#C0X|inclusion>",
        "<#C0X>",
        "<!channel>",
        "<https://example.org|x>",
        "&lt;",
        "\u202e",
        "🙂",
        "'; DROP TABLE actions; --",
        "%s",
        "{0}",
        "\x00",
        "2026-02-30",
        "31 Feb",
        "\n",
    ]
)
TEXTS = st.one_of(
    st.lists(WORDS, max_size=8).map(" ".join),
    st.text(max_size=300),
    st.text(min_size=3000, max_size=3200),
)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_reading_any_action_text_raises_nothing_but_a_user_error(text):
    try:
        parse_action_command(text, NOW, ZoneInfo("Europe/London"))
    except UserError as error:
        assert error.message


def test_any_command_text_over_http_gets_a_friendly_reply_and_refusals_store_nothing(bot):
    def stored() -> tuple[int, int]:
        with bot.db() as db:
            return db.table("actions").count, db.table("action_events").count

    seen = {"tried": 0, "refused": 0}

    @settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(command=st.sampled_from(ids.COMMANDS), text=TEXTS)
    def check(command, text):
        before = stored()
        if not text.strip():  # a bare command opens a form, or answers with help
            opened = len(bot.standin.calls_to("views.open"))
            answered = len(bot.standin.responses)
            assert bot.slack.command(command, text, SAM).status_code == 200
            deadline = time.monotonic() + 5
            while (
                time.monotonic() < deadline
                and opened == len(bot.standin.calls_to("views.open"))
                and answered == len(bot.standin.responses)
            ):
                time.sleep(0.02)
            assert time.monotonic() < deadline, f"{command} alone did nothing"
            return
        reply = bot.command(command, text, user=SAM)
        seen["tried"] += 1
        body = str(reply.body)
        assert reply.response_type == "ephemeral"
        assert "Traceback" not in body and "Exception" not in body and 'File "' not in body
        assert "something went wrong on my side" not in body, (command, text, body)
        if ":warning:" in body:  # a refusal: nothing changed
            seen["refused"] += 1
            assert stored() == before, (command, text)

    check()
    print(f"hostile command texts: {seen['tried']} tried, {seen['refused']} refused")
    assert seen["refused"] > 0


def test_forged_button_values_are_refused(bot):
    bot.command("/action", "Ana's own action", user=ANA)
    for value in ("1", "999999", "-1", "A1", "", "1; DROP TABLE actions", "9" * 40):
        answer = bot.slack.block_action(SAM, f"{ids.ACTION_DONE}:1", value)
        assert answer.status_code == 200
    bot.standin.wait_for_response(lambda r: "only its owner" in (r.text or ""))
    replies = [str(r.body) for r in bot.standin.responses]
    assert not any("something went wrong" in r or "Traceback" in r for r in replies)
    with bot.db() as db:
        assert db.table("actions").get(1)["status"] == "open"
        assert db.table("action_events").count == 1


# --- every button and every modal, forged and junk ------------------------------------------

TABLES = ("actions", "action_events", "reflections", "reminders", "deliveries")


def state(bot) -> list:
    with bot.db() as db:
        return [list(db.table(t).rows) for t in TABLES if db.table(t).exists()]


def owned_by_ana(bot, outcomes: Outcomes) -> None:
    """A1 (Ana's, owned by Pete), R1 private and R2 shared (Ana's), N1 a follow-up of Ana's.

    Each command's outcome line is read here: a listener logs it when it has finished
    (after its reply), so one could otherwise be taken for a later request's.
    """
    bot.command("/action", "Ana's action <@U0PETE|pete> by Friday", user=ANA)
    bot.command("/reflect", "A private thought", user=ANA)
    bot.command("/reflect", "share A shared thought", user=ANA)
    bot.command("/nudge", "follow up with <@U0PETE|pete> about the charter tomorrow", user=ANA)
    for _ in range(4):
        assert " outcome=ok " in outcomes.next()


BUTTONS = [
    ids.ACTION_DONE,
    f"{ids.ACTION_DONE}:1",
    ids.REFLECTION_SHARE,
    f"{ids.REFLECTION_SHARE}:1",
    ids.NUDGE_DONE,
    *(f"{ids.NUDGE_SNOOZE}:{k}" for k in ("1h", "1d", "1w")),
    ids.NUDGE_TRACK,
    ids.NUDGE_NEW_DUE,
]
BUTTON_VALUES = st.one_of(
    st.sampled_from(
        [
            "1",
            "2",
            "3",
            "A1",
            "R1",
            "N1",
            "0",
            "-1",
            "999999",
            "9" * 40,
            "",
            "1; DROP TABLE actions",
            "1.5",
            " 1",
            "١",
            "<@U0ANA>",
            "\x00",
        ]
    ),
    st.text(max_size=50),
)


def test_every_button_with_forged_or_junk_values_is_refused_and_changes_nothing(bot, caplog):
    outcomes = Outcomes(caplog)
    owned_by_ana(bot, outcomes)
    before = state(bot)
    tried = Counter()

    @settings(
        max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(action_id=st.sampled_from(BUTTONS), value=BUTTON_VALUES)
    def check(action_id, value):
        assert bot.slack.block_action(SAM, action_id, value).status_code == 200
        line = outcomes.next()
        assert not UNEXPECTED.search(line), (action_id, value, line)
        tried[outcome_of(line)] += 1
        assert state(bot) == before, (action_id, value)

    check()
    said = [str(r.body) for r in bot.standin.responses] + [
        str(m.text) for m in bot.standin.dms_to(SAM)
    ]
    assert not any("something went wrong" in s or "Traceback" in s for s in said)
    print(
        f"forged buttons: {sum(tried.values())} tried over {len(BUTTONS)} action ids, "
        f"outcomes {dict(tried)}; nothing changed"
    )


USERS = st.sampled_from(
    [None, "", "U0PETE", "U0NOBODY", "not a user", "<@U0PETE>", "W1", "U" + "9" * 40]
)
DATES = st.sampled_from(
    [
        None,
        "",
        "2026-02-30",
        "yesterday",
        "1999-01-01",
        "2026-12-04",
        "9999-12-31",
        "2026-13-01",
        "0000-00-00",
        "2026-12-04T10:00",
    ]
)
OPTIONS = st.sampled_from([None, "private", "shared", "bogus", ""])
JUNK = st.one_of(st.none(), TEXTS)


def _modals(bot) -> dict[str, tuple[dict, dict]]:
    """Each modal as the bot renders it, with a strategy for every input's value."""
    from handlers.blocks import actions as action_blocks
    from handlers.blocks import nudges as nudge_blocks
    from handlers.blocks import reflections as reflection_blocks
    from storage import actions as action_store

    with bot.db() as db:
        a1 = action_store.get(db, "T0001", 1)
    url = bot.standin.response_url("junk")  # each submission gets its own (see below)
    return {
        ids.ACTION_MODAL: (
            action_blocks.render_action_modal(owner_id=SAM, metadata={"response_url": url}),
            {
                ids.ACTION_MODAL_TITLE: JUNK,
                ids.ACTION_MODAL_OWNER: USERS,
                ids.ACTION_MODAL_DUE: DATES,
                ids.ACTION_MODAL_WORKSTREAM: JUNK,
                ids.ACTION_MODAL_NOTES: JUNK,
            },
        ),
        ids.REFLECT_MODAL: (
            reflection_blocks.render_reflect_modal(metadata={"response_url": url}),
            {
                ids.REFLECT_MODAL_TEXT: JUNK,
                ids.REFLECT_MODAL_TAGS: JUNK,
                ids.REFLECT_MODAL_VISIBILITY: OPTIONS,
            },
        ),
        ids.NUDGE_FOLLOW_UP_MODAL: (
            nudge_blocks.render_follow_up_modal(
                "We should talk",
                None,
                {"permalink": None, "person_id": PETE, "topic": "x", "response_url": url},
            ),
            {ids.NUDGE_FOLLOW_UP_WHEN: JUNK},
        ),
        ids.NUDGE_DUE_MODAL: (
            nudge_blocks.render_due_modal(a1, NOW.date()),
            {ids.NUDGE_DUE_DATE: DATES},
        ),
    }


METADATA = st.sampled_from(
    [
        None,
        "",
        "{}",
        '{"action_id": 1}',
        '{"action_id": 999999}',
        '{"action_id": "A1"}',
        '{"action_id": null}',
        "not json",
        "[]",
        '{"person_id": "U0NOBODY", "topic": 5}',
    ]
)


def test_every_modal_with_junk_in_every_field_answers_and_stores_nothing_when_refused(bot, caplog):
    outcomes = Outcomes(caplog)
    owned_by_ana(bot, outcomes)
    modals = _modals(bot)
    tried, refused = Counter(), Counter()

    @st.composite
    def submissions(draw):
        callback = draw(st.sampled_from(sorted(modals)))
        view, fields = modals[callback]
        values = {name: draw(strategy) for name, strategy in fields.items()}
        metadata = draw(st.one_of(st.just(view.get("private_metadata")), METADATA))
        return callback, {**view, "id": "V0FORGED", "private_metadata": metadata}, values

    @settings(
        max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(submissions())
    def check(submission):
        callback, view, values = submission
        if view["private_metadata"]:  # Slack takes a response URL five times at most
            fresh = bot.standin.response_url().rsplit("/", 1)[1]
            view["private_metadata"] = view["private_metadata"].replace("/junk", f"/{fresh}")
        before = state(bot)
        answer = bot.slack.view_submission(SAM, view, values)
        assert answer.status_code == 200, (callback, values, answer.text)
        line = outcomes.next()
        assert not UNEXPECTED.search(line), (callback, values, view["private_metadata"], line)
        tried[callback] += 1
        field_errors = answer.text and '"errors"' in answer.text
        if field_errors or " outcome=ok " not in line:
            refused[callback] += 1
            assert state(bot) == before, (callback, values, line, answer.text)

    check()
    said = [str(r.body) for r in bot.standin.responses] + [
        str(m.text) for m in bot.standin.dms_to(SAM)
    ]
    assert not any("something went wrong" in s or "Traceback" in s for s in said)
    print(
        f"junk modals: {sum(tried.values())} submissions {dict(tried)}, "
        f"{sum(refused.values())} refused with nothing stored"
    )
