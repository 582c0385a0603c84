"""Block Kit for nudges: reminder DMs with their buttons, listings, modals, habit nudges."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.domain.actions import Action
from bot.domain.dates import format_date, format_due
from bot.domain.feeds import FEED_EXAMPLE as BLOG_FEED_EXAMPLE
from bot.domain.feeds import FeedEntry
from bot.domain.nudges import (
    BLOG_EXAMPLE,
    EXAMPLE,
    FOLLOW_UP_EXAMPLE,
    Reminder,
    addressed,
    is_late,
)
from bot.domain.text import mrkdwn, shorten
from bot.domain.when import WHEN_EXAMPLE, describe_next, describe_when
from handlers import ids
from handlers.blocks.common import (
    MESSAGE_CHARS,
    Rendered,
    dicts,
    escape,
    fallback,
    more_line,
    render_help,
    render_text,
    sections,
    text_length,
)

__all__ = [
    "render_reminder_dm",
    "render_reminder_set",
    "render_reminder_closed",
    "render_reminder_list",
    "render_overdue_dm",
    "render_habit_nudge",
    "render_follow_up_modal",
    "render_due_modal",
    "render_nudge_help",
    "render_feed_line",
    "render_feed_checking",
    "render_feed_busy",
    "render_feed_registered",
    "render_feed_refused",
]


def _subject(reminder: Reminder) -> str:
    if reminder.kind == "me":
        return mrkdwn(addressed(reminder.text))
    about = f" about {mrkdwn(addressed(reminder.text))}" if reminder.text else ""
    if not reminder.person_id and not reminder.person_name:
        return f"follow up{about}"
    return f"follow up with {reminder.person()}{about}"


def _schedule(reminder: Reminder, now: datetime, zone: ZoneInfo) -> str:
    if reminder.recurrence is not None:
        return reminder.recurrence.describe()
    if reminder.next_at is None:
        return "sent"
    return describe_next(reminder.next_at, zone, now)


def render_reminder_dm(reminder: Reminder, due_at: datetime, now: datetime) -> Rendered:
    """The reminder itself, with Done, Snooze and (for a follow-up) Track as action."""
    zone = reminder.zone
    text = f":alarm_clock: Reminder: {_subject(reminder)}"
    blocks: list = [SectionBlock(text=MarkdownTextObject(text=text))]
    if reminder.permalink:
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text=f"<{reminder.permalink}|The conversation>")]
            )
        )
    notes = [reminder.ref]
    if reminder.recurrence is not None:
        notes.append(reminder.recurrence.describe())
    if is_late(due_at, now):
        local = due_at.astimezone(zone)
        late = (
            f":hourglass: This is late: it was due {format_date(local.date())} at "
            f"{local:%H:%M}, while I was offline."
        )
        text += f" ({late.removeprefix(':hourglass: ')})"
        notes.append(late)
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=" · ".join(notes))]))
    value = str(reminder.id)
    buttons = [ButtonElement(text="Done", action_id=ids.NUDGE_DONE, value=value, style="primary")]
    buttons += [
        ButtonElement(text=f"Snooze {label}", action_id=f"{ids.NUDGE_SNOOZE}:{key}", value=value)
        for key, label in (("1h", "1 hour"), ("1d", "1 day"), ("1w", "1 week"))
    ]
    if reminder.kind == "follow_up":
        buttons.append(
            ButtonElement(text="Track as action", action_id=ids.NUDGE_TRACK, value=value)
        )
    blocks.append(ActionsBlock(elements=buttons))
    return text, dicts(blocks)


def render_reminder_set(
    reminder: Reminder, now: datetime, zone: ZoneInfo, *, note: str = "", moved: str = ""
) -> Rendered:
    """The confirmation: "OK, I'll remind you … (N3)", with how the time was read (``note``)
    and why it was moved out of quiet hours (``moved``), when it was."""
    if reminder.recurrence is None and reminder.next_at is not None:
        when = describe_when(reminder.next_at, zone, now)
    else:
        when = _schedule(reminder, now, zone)
    if reminder.recurrence is not None and reminder.next_at is not None:
        when += f", first {describe_next(reminder.next_at, zone, now)}"
    if note:
        when += f" ({note})"
    why = ""
    if moved:
        why = (
            f" I moved it there because {moved}; name a time (`… at 9am`) to keep the day "
            "and hour you want."
        )
    return render_text(
        f":white_check_mark: *{reminder.ref}* OK, I'll remind you to {_subject(reminder)} "
        f"{when}.{why} Cancel with `/nudge cancel {reminder.ref}`."
    )


def render_reminder_closed(reminder: Reminder, what: str) -> Rendered:
    """The reminder DM after a button: its text, what happened, no buttons."""
    text = f":alarm_clock: ~Reminder: {_subject(reminder)}~ {what}"
    return text, dicts([SectionBlock(text=MarkdownTextObject(text=text))])


def render_reminder_line(reminder: Reminder, now: datetime, zone: ZoneInfo) -> str:
    """``*N3* write my weeknote · every Friday at 16:00 (next Fri 4 Dec at 16:00)``."""
    line = f"*{reminder.ref}* {_subject(reminder)} · {_schedule(reminder, now, zone)}"
    if reminder.recurrence is not None and reminder.next_at:
        line += f" (next {describe_next(reminder.next_at, zone, now)})"
    return line


LIST_MESSAGES = 5  # a response URL takes five posts


def render_reminder_list(
    reminders: list[Reminder],
    now: datetime,
    zone: ZoneInfo,
    habit_line: str | None,
    total: int | None = None,
) -> list[Rendered]:
    """The member's reminders, next times in their time zone, and their blogging habit.

    One message while they fit; else several (up to five, as many as a response URL
    takes), and "…and N more" past those. ``total`` counts them all (``len(reminders)``
    when not given).
    """
    total = len(reminders) if total is None else total
    lines = [render_reminder_line(r, now, zone) for r in reminders]
    if not lines and not habit_line:
        return [render_text(f"You have no reminders. Set one with `{EXAMPLE}`.")]
    tail: list = sections(habit_line) if habit_line else []
    example = reminders[0].ref if reminders else "N1"
    note = f"Times are in your Slack time zone. Stop one with `/nudge cancel {example}`."
    tail.append(ContextBlock(elements=[MarkdownTextObject(text=note)]))
    room = MESSAGE_CHARS - text_length(dicts(tail)) - 400  # the heading and "…and N more"
    pages: list[list[str]] = [[]]
    size = 0
    for line in lines:
        if pages[-1] and size + len(line) + 1 > room:
            if len(pages) == LIST_MESSAGES:
                break
            pages.append([])
            size = 0
        pages[-1].append(line)
        size += len(line) + 1
    shown = sum(len(page) for page in pages)
    more = more_line(shown, total, "I've left out those furthest off.")
    if more:
        tail.insert(-1, more)
    messages = []
    for number, page in enumerate(pages, 1):
        part = f" ({number} of {len(pages)})" if len(pages) > 1 else ""
        heading = f"*Your reminders*{part}\n"
        blocks: list = sections(heading + ("\n".join(page) or "_none_"))
        said = [f"Your reminders{part}", *page]
        if number == len(pages):
            blocks += tail
            said += [habit_line] if habit_line else []
        text = fallback("\n".join(said))
        messages.append((text, dicts(blocks)))
    return messages


def render_overdue_dm(action: Action, today: date) -> Rendered:
    """An overdue action's daily nudge to its owner: Done and New due date."""
    assert action.due is not None
    text = (
        f":warning: *{action.ref}* {mrkdwn(action.title)} was due "
        f"{format_due(action.due, today)} and is overdue."
    )
    value = str(action.id)
    buttons = [
        ButtonElement(
            text="Done", action_id=f"{ids.ACTION_DONE}:{action.id}", value=value, style="primary"
        ),
        ButtonElement(text="New due date", action_id=ids.NUDGE_NEW_DUE, value=value),
    ]
    return text, dicts(
        [SectionBlock(text=MarkdownTextObject(text=text)), ActionsBlock(elements=buttons)]
    )


def render_habit_nudge(every_weeks: int, feed_url: str | None) -> Rendered:
    """The blogging-habit nudge."""
    period = "a week" if every_weeks == 1 else f"{every_weeks} weeks"
    text = (
        f":writing_hand: It's been {period} without a blog post or a shared reflection. "
        "A few lines about what you learned this week would do: `/reflect share <text>`."
    )
    hint = "Change the rhythm with `/nudge blog every 2 weeks`, or stop with `/nudge blog off`."
    if not feed_url:
        hint += " Tell me your blog's feed with `/nudge blog feed <url>`."
    draft = ButtonElement(text="Draft my weeknote", action_id=ids.WEEKNOTE_DRAFT, value="this")
    return text, dicts(
        [
            SectionBlock(text=MarkdownTextObject(text=text)),
            ActionsBlock(elements=[draft]),
            ContextBlock(elements=[MarkdownTextObject(text=hint)]),
        ]
    )


def render_follow_up_modal(message_text: str, permalink: str | None, metadata: dict) -> dict:
    """ "Remind me to follow up": the message, a link to it, and when."""
    quoted = mrkdwn(shorten(message_text, 500)) or "_(no text)_"
    link = f"\n<{permalink}|Open the conversation>" if permalink else ""
    view = View(
        type="modal",
        callback_id=ids.NUDGE_FOLLOW_UP_MODAL,
        title=PlainTextObject(text="Remind me to follow up"),
        submit=PlainTextObject(text="Remind me"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=json.dumps(metadata)[:3000],
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=f">{quoted}{link}")),
            InputBlock(
                block_id=ids.NUDGE_FOLLOW_UP_WHEN,
                label=PlainTextObject(text="When?"),
                element=PlainTextInputElement(
                    action_id=ids.NUDGE_FOLLOW_UP_WHEN,
                    max_length=100,
                    placeholder=PlainTextObject(text="tomorrow at 9am"),
                ),
                hint=PlainTextObject(text=f"For example: {WHEN_EXAMPLE}"),
            ),
        ],
    )
    return view.to_dict()


def render_due_modal(action: Action, today: date) -> dict:
    """ "New due date" for an overdue action: a date picker."""
    view = View(
        type="modal",
        callback_id=ids.NUDGE_DUE_MODAL,
        title=PlainTextObject(text="New due date"),
        submit=PlainTextObject(text="Save"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=json.dumps({"action_id": action.id}),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=f"*{action.ref}* {mrkdwn(action.title)}")),
            InputBlock(
                block_id=ids.NUDGE_DUE_DATE,
                label=PlainTextObject(text="Due"),
                element=DatePickerElement(
                    action_id=ids.NUDGE_DUE_DATE, initial_date=today.isoformat()
                ),
            ),
        ],
    )
    return view.to_dict()


def render_nudge_help() -> Rendered:
    """``/nudge help``."""
    return render_help(
        "/nudge: reminders to blog and to follow up",
        [
            ("/nudge me to <text> <when>", "a reminder by DM, once or repeating"),
            (
                "/nudge follow up with <@person | Name (Org)> [about <topic>] <when>",
                "a follow-up reminder, with a member or anyone outside Slack",
            ),
            ("/nudge list", "your reminders and your blogging habit"),
            ("/nudge cancel N3", "stop a reminder"),
            ("/nudge blog every <n> weeks", "a nudge when you haven't blogged or reflected"),
            ("/nudge blog off", "stop the blogging nudge"),
            ("/nudge blog feed <url>", "your blog's RSS or Atom feed"),
            ("/nudge mydata", "everything I store about you, as a file by DM"),
            ("/nudge forget me", "erase your data (asks first)"),
        ],
        f"Examples: `{EXAMPLE}` · `/nudge me in 3 hours to call Pete` · "
        f"`{FOLLOW_UP_EXAMPLE}` · `{BLOG_EXAMPLE}`. When: in 20 minutes, tomorrow at 9am, "
        "tonight, on Friday, next Tuesday at 14:30, on 4 December, daily, on Fridays, every "
        "weekday at 9:00, every other Tuesday, every 2 weeks on Monday, every month on the "
        "1st, every year on 1 January. Times are in your Slack time zone; a date without a "
        "time means 09:00.",
    )


# --- blog feeds: what a feed says (titles, links, a server's answer) is shown as text -------


def _feed_link(url: str, label: str) -> str:
    """``<url|label>`` with both escaped; a ``|`` in the URL would end it early."""
    return f"<{escape(url).replace('|', '%7C')}|{escape(label)}>"


def render_feed_line(title: str, url: str, error: str | None) -> str:
    """``*Blog feed:* Ana's blog`` for ``/nudge list`` and the App Home, the title escaped.

    >>> render_feed_line("<!channel> news", "https://a.example/feed", None)
    '*Blog feed:* &lt;!channel&gt; news'
    """
    line = f"*Blog feed:* {escape(title or url)}"
    return line + (f" (last check failed: {escape(error)})" if error else "")


def render_feed_checking(url: str) -> Rendered:
    """The answer to ``/nudge blog feed <url>``: the feed is read next, the result by DM."""
    return render_text(
        f":hourglass_flowing_sand: Reading {escape(url)} now. I'll send you a DM when I have: "
        "registered with its latest post, or why I couldn't read it."
    )


def render_feed_busy(*, still_yours: bool) -> Rendered:
    """Too many feeds being read (or this member's last one still is): try again soon."""
    if still_yours:
        return render_text(
            ":hourglass_flowing_sand: I'm still reading the feed you gave me a moment ago; "
            "you'll have my DM about it shortly. Try again after that."
        )
    return render_text(
        ":hourglass_flowing_sand: I'm reading a lot of feeds right now. "
        "Please try again in a few minutes."
    )


def render_feed_refused(url: str, reason: str) -> Rendered:
    """A feed could not be read: the reason (a server's words escaped) and an example."""
    text = (
        f":warning: I couldn't read the feed at {escape(url)}: {escape(reason)} Nothing is saved."
    )
    example = f"For example: `{BLOG_FEED_EXAMPLE}`"
    return f"{text} {example}", dicts(
        [
            SectionBlock(text=MarkdownTextObject(text=text)),
            ContextBlock(elements=[MarkdownTextObject(text=example)]),
        ]
    )


def render_feed_registered(
    title: str, url: str, latest: FeedEntry | None, zone: ZoneInfo
) -> Rendered:
    """A feed was read and registered: its title and latest post, escaped."""
    text = (
        f":newspaper: Your feed *{escape(title or url)}* is registered; "
        "I'll check it for new posts."
    )
    if latest is None:
        return render_text(text + " It has no posts yet.")
    when = f" ({latest.published.astimezone(zone):%a %-d %b %Y})" if latest.published else ""
    name = latest.title or "untitled"
    post = _feed_link(latest.link, name) if latest.link else escape(name)
    return render_text(f"{text} Latest post: {post}{when}.")
