"""What members write stays what it is on every surface: mentions, channels and links live,
everything else shown as typed (no ``<!channel>`` ever notifies anyone).

Text comes in two ways: a slash command's, which Slack escapes (``&amp;``, ``&lt;``) and
whose mentions and links arrive as ``<…>`` references; and a modal's, which is plain
(``bot.domain.text.text_in`` stores it as a command's would be). It goes out through
``bot.domain.text.mrkdwn`` (messages, the App Home) or ``plain_text`` (files, pre-filled
fields). Here one action, note, reflection (typed in a command and in a form) and reminder
carry a mention, a link, an ampersand, a ``<`` and a special mention, and every message,
view and file the bot then produces is read.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from bot.standin.modals import submit_view
from handlers import ids
from handlers.nudges import tick
from tests.conftest import ANA, PETE, STEER

# As Slack sends them: escaped, with references (``should_escape: true``).
TITLE = (
    "Ask <@U0PETE|pete> about <https://gov.uk/charter|the charter> in <#C0COMMS|comms> "
    "&amp; <!channel> 1&lt;2 by Friday"
)
NOTE = "Spoke to <@U0SAM|sam> &amp; <!here>, see <https://notes.example/a|the notes>"
SHARED = "share Learned from <@U0PETE|pete> &amp; <!everyone> at <https://blog.example|the post>"
REMINDER = (
    "me to call <@U0PETE|pete> about <https://gov.uk/charter|the charter> &amp; <!channel> "
    "in 20 minutes"
)
# Typed in a form: plain text, no references (a member cannot pick a mention there).
FORM_TEXT = "Typed <!channel> & <@U0SAM> in a form, 1<2"

SPECIAL = re.compile(r"<!(channel|here|everyone)")
DOUBLE = re.compile(r"&amp;(amp|lt|gt);")


def mrkdwn_strings(node: object) -> list[str]:
    """Every text Slack renders as mrkdwn in a message, response or view: block texts
    of type mrkdwn, and the messages' own ``text``."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            found.append(node["text"])
        for value in node.values():
            found += mrkdwn_strings(value)
    elif isinstance(node, list):
        for value in node:
            found += mrkdwn_strings(value)
    return found


def everything_shown(bot, replies) -> list[str]:
    shown = []
    for reply in replies:
        shown += [reply.text or "", *mrkdwn_strings(reply.blocks)]
    for message in bot.standin.messages:
        shown += [message.text or "", *mrkdwn_strings(message.blocks)]
    for view in bot.standin.views:
        shown += mrkdwn_strings(view.view)
    return shown


def seed(bot, clock):
    replies = [
        bot.command("/action", TITLE, ANA),
        bot.command("/action", f"note A1 {NOTE}", ANA),
        bot.command("/action", "assign A1 <@U0PETE|pete>", ANA),
        bot.command("/reflect", SHARED, ANA),
        bot.command("/nudge", REMINDER, ANA),
    ]
    bot.slack.command("/reflect", "", ANA)
    bot.standin.wait_for("views.open")
    form = bot.standin.views[-1]
    saved = submit_view(
        bot.standin,
        bot.slack,
        ANA,
        form,
        {ids.REFLECT_MODAL_TEXT: FORM_TEXT, ids.REFLECT_MODAL_VISIBILITY: "shared"},
    )
    assert "Saved R2" in str(saved.showing.view)  # the form became its answer
    return replies


def test_every_surface_keeps_mentions_and_links_and_shows_the_rest_as_typed(driven, clock):
    replies = seed(driven, clock)
    clock.advance(minutes=21)
    tick(driven.runtime.deps)  # the reminder's DM
    for command, text, user in (
        ("/action", "list", ANA),
        ("/action", "show A1", ANA),
        ("/action", "list all", PETE),
        ("/action", "review", STEER),
        ("/reflect", "list", PETE),
        ("/reflect", "search charter post", PETE),
        ("/reflect", "lessons", PETE),
        ("/nudge", "list", ANA),
        ("/digest", "", STEER),
    ):
        replies.append(driven.command(command, text, user))
    driven.slack.event({"type": "app_home_opened", "user": PETE, "tab": "home"})
    driven.standin.wait_for("views.publish", lambda c: c.params.get("user_id") == PETE)
    clock.set(datetime(2026, 12, 7, 9, 5, tzinfo=UTC))  # Monday: A1 (due Friday) is overdue
    tick(driven.runtime.deps)
    assert any("overdue" in (m.text or "") for m in driven.standin.dms_to(PETE))

    shown = everything_shown(driven, replies)
    joined = "\n".join(shown)
    assert not [s for s in shown if SPECIAL.search(s)], "a special mention went out live"
    assert not [s for s in shown if DOUBLE.search(s)], "an escape escaped twice"
    for written in ("&lt;@U0PETE", "&lt;https://gov.uk", "&lt;#C0COMMS", "&lt;@U0SAM|"):
        assert written not in joined, f"{written}: a reference shown as its raw text"
    # live where they were written: the title's mention, link and channel, the note's, the
    # reflection's, the reminder's
    assert "<@U0PETE>" in joined and "<@U0SAM>" in joined
    assert "<https://gov.uk/charter|the charter>" in joined
    assert "<#C0COMMS|comms>" in joined
    assert "<https://notes.example/a|the notes>" in joined
    assert "<https://blog.example|the post>" in joined
    # the specials and the rest as typed
    assert "@channel" in joined and "@here" in joined and "@everyone" in joined
    assert "&amp; " in joined and "1&lt;2" in joined
    # the form's text: no reference in it, so the "mention" typed there is words
    assert "Typed @channel &amp; &lt;@U0SAM&gt; in a form, 1&lt;2" not in joined
    assert "Typed &lt;!channel&gt; &amp; &lt;@U0SAM&gt; in a form, 1&lt;2" in joined
    # surfaces that each show the title
    surfaces = {
        "the new owner's DM": [m for m in driven.standin.dms_to(PETE) if "given you" in m.text],
        "the overdue DM": [m for m in driven.standin.dms_to(PETE) if "overdue" in m.text],
        "the reminder DM": [m for m in driven.standin.dms_to(ANA) if "Reminder" in m.text],
    }
    for name, found in surfaces.items():
        assert found, name
        text = "\n".join(mrkdwn_strings(found[-1].blocks))
        assert "<@U0PETE>" in text and "<https://gov.uk/charter|the charter>" in text, name
    home = driven.standin.home_of(PETE)
    assert "<https://gov.uk/charter|the charter>" in "\n".join(mrkdwn_strings(home.view))


def test_files_show_plain_words(driven, clock):
    seed(driven, clock)
    driven.command("/action", "export", STEER)
    [csv_file] = [f for f in driven.standin.files if f.filename.endswith(".csv")]
    csv = csv_file.content.decode("utf-8-sig")
    assert "Ask @pete about the charter (https://gov.uk/charter) in #comms & @channel 1<2" in csv
    assert "&amp;" not in csv and "<@" not in csv
    driven.command("/reflect", "weeknote", ANA)
    [note] = [f for f in driven.standin.files if f.filename.endswith(".md")]
    draft = note.content.decode()
    assert "Learned from @pete & @everyone at the post (https://blog.example)" in draft
    assert "Typed <!channel> & <@U0SAM> in a form, 1<2" in draft  # the words typed
    assert "&amp;" not in draft
    driven.command("/nudge", "mydata", ANA)
    [data] = [f for f in driven.standin.files if f.filename.endswith(".json")]
    stored = json.loads(data.content)
    assert stored["actions"][0]["title"] == TITLE.removesuffix(" by Friday")  # as stored
