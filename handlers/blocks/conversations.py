"""Block Kit for conversations: confirmations with a Share button, lists, the people you talk
with, the network's map of organisations, cadences, the form, and the steering group's
erasure of a name."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.domain.contacts import NAME_MAX, ORG_MAX
from bot.domain.conversations import (
    EXAMPLE,
    MAP_DAYS,
    STAY_EXAMPLE,
    TAGS_MAX,
    TOPIC_MAX,
    Cadence,
    Conversation,
    OrganisationSummary,
    PersonSummary,
)
from bot.domain.dates import format_due, local_today, picked_date
from bot.domain.nudges import Reminder
from bot.domain.people import mention
from bot.domain.text import mrkdwn
from bot.domain.when import describe_next
from handlers import ids
from handlers.blocks.common import (
    Rendered,
    dicts,
    fallback,
    listing,
    render_help,
    sections,
)
from handlers.blocks.reflections import clip

__all__ = [
    "FIELD_NAME",
    "FIELD_MEMBER",
    "FIELD_ORG",
    "FIELD_TOPIC",
    "FIELD_TAGS",
    "FIELD_FOLLOW_UP",
    "FIELD_VISIBILITY",
    "render_conversation_line",
    "render_conversation_saved",
    "render_conversation_changed",
    "render_conversation_list",
    "render_people",
    "render_map",
    "render_cadence_set",
    "render_cadence_stopped",
    "render_cadence_nudge",
    "render_how_did_it_go",
    "render_conversation_modal",
    "read_conversation_form",
    "render_person_forgotten",
    "render_conversation_help",
]

FIELD_NAME, FIELD_MEMBER, FIELD_ORG = "conv_name", "conv_member", "conv_org"
FIELD_TOPIC, FIELD_TAGS = "conv_topic", "conv_tags"
FIELD_FOLLOW_UP, FIELD_VISIBILITY = "conv_follow_up", "conv_visibility"
PRIVATE, SHARED = "private", "shared"


def _day(at: datetime, tz: ZoneInfo, now: datetime) -> str:
    return format_due(at.astimezone(tz).date(), local_today(now, tz))


def render_conversation_line(
    conversation: Conversation, viewer_id: str, tz: ZoneInfo, now: datetime
) -> str:
    """``*C3* with Nicola Gill (GDS) · today · #inclusion · :lock: private`` and the topic."""
    parts = [f"*{conversation.ref}* with {conversation.person()}"]
    if conversation.author_id != viewer_id:
        parts.append(f"by {mention(conversation.author_id)}")
    parts.append(_day(conversation.created_at, tz, now))
    if conversation.tags:
        parts.append(" ".join(f"#{tag}" for tag in conversation.tags))
    if conversation.reminder_id:
        parts.append(f"after *N{conversation.reminder_id}*")
    parts.append(":globe_with_meridians: shared" if conversation.shared else ":lock: private")
    head = " · ".join(parts)
    return head + (f"\n>{clip(mrkdwn(conversation.topic), 600)}" if conversation.topic else "")


def _share_button(conversation: Conversation) -> ButtonElement:
    return ButtonElement(
        text="Share with the network",
        action_id=f"{ids.CONVERSATION_SHARE}:{conversation.id}",
        value=str(conversation.id),
    )


def render_conversation_saved(
    conversation: Conversation,
    tz: ZoneInfo,
    now: datetime,
    follow_up: Reminder | None = None,
    moved: str = "",
) -> Rendered:
    """The confirmation of a conversation recorded; a private one offers a Share button; a
    follow-up asked for says when (and why, if quiet hours moved it)."""
    if conversation.shared:
        said = f":speech_balloon: Recorded {conversation.ref} and shared it with the network."
    else:
        said = (
            f":speech_balloon: Recorded {conversation.ref}. It's private: only you can see it "
            "until you share it."
        )
    blocks: list = [
        SectionBlock(
            text=MarkdownTextObject(text=said),
            accessory=None if conversation.shared else _share_button(conversation),
        ),
        *sections(render_conversation_line(conversation, conversation.author_id, tz, now)),
    ]
    text = said
    if follow_up is not None and follow_up.next_at is not None:
        when = describe_next(follow_up.next_at, tz, now)
        line = f":alarm_clock: I'll remind you to follow up {when} ({follow_up.ref})."
        if moved:
            line += f" {moved}"
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=line[:3000])]))
        text += " " + line
    return fallback(text), dicts(blocks)


def render_conversation_changed(
    conversation: Conversation, tz: ZoneInfo, now: datetime, what: str
) -> Rendered:
    """The confirmation of a share, unshare or delete: ``what`` says what happened."""
    line = render_conversation_line(conversation, conversation.author_id, tz, now)
    return fallback(what), dicts([*sections(what), *sections(line)])


def render_conversation_list(
    conversations: Sequence[Conversation],
    total: int,
    heading: str,
    viewer_id: str,
    tz: ZoneInfo,
    now: datetime,
) -> Rendered:
    """Conversations newest first, one section each, and a line when more were left out."""
    if not conversations:
        text = f"No conversations yet. Record one: `{EXAMPLE}`."
        return text, dicts([SectionBlock(text=MarkdownTextObject(text=text))])
    blocks, _ = listing(
        dicts([SectionBlock(text=MarkdownTextObject(text=f"*{heading}*"))]),
        [dicts(sections(render_conversation_line(c, viewer_id, tz, now))) for c in conversations],
        total,
        "Narrow it down with `/conversation list #tag`.",
    )
    text = f"{heading}: " + "; ".join(f"{c.ref} with {c.person()}" for c in conversations[:10])
    return fallback(text), blocks


def _person_line(person: PersonSummary, tz: ZoneInfo, now: datetime) -> str:
    who = person.person()
    parts = [f"*{who[:1].upper()}{who[1:]}*"]  # a line starts with a capital: "The chief …"
    if person.last_at is not None:
        times = "once" if person.conversations == 1 else f"{person.conversations:,} times"
        parts.append(f"last {_day(person.last_at, tz, now)} ({times})")
    else:
        parts.append("_no conversation yet_")
    if person.next_follow_up is not None:
        parts.append(f"follow up {describe_next(person.next_follow_up, tz, now)}")
    if person.cadence is not None:
        due = person.cadence_due
        lapse = ""
        if due is not None:
            lapse = ", :hourglass: due now" if due <= now else f", next nudge {_day(due, tz, now)}"
        parts.append(f"in touch {person.cadence.describe()}{lapse}")
    return " · ".join(parts)


def render_people(
    people: Sequence[PersonSummary], total: int, tz: ZoneInfo, now: datetime
) -> Rendered:
    """``/conversation people``: who you talk with, when last, the next follow-up, the cadence."""
    if not people:
        text = f"You haven't recorded a conversation yet. Try `{EXAMPLE}`."
        return text, dicts([SectionBlock(text=MarkdownTextObject(text=text))])
    heading = "*The people you talk with*, most recent first"
    blocks, _ = listing(
        dicts([SectionBlock(text=MarkdownTextObject(text=heading))]),
        [dicts(sections(_person_line(p, tz, now))) for p in people],
        total,
        "`/conversation list` has every conversation.",
        tail=dicts(
            [ContextBlock(elements=[MarkdownTextObject(text=f"Keep in touch: `{STAY_EXAMPLE}`.")])]
        ),
    )
    text = "The people you talk with: " + "; ".join(p.person() for p in people[:10])
    return fallback(text), blocks


def render_map(
    organisations: Sequence[OrganisationSummary], tz: ZoneInfo, now: datetime, days: int = MAP_DAYS
) -> Rendered:
    """``/conversation map``: the organisations the network talked with, from shared
    conversations only, most recent first."""
    if not organisations:
        text = (
            f"No shared conversation names an organisation in the last {days} days. "
            "Share one with `/conversation share C3`."
        )
        return text, dicts([SectionBlock(text=MarkdownTextObject(text=text))])
    heading = (
        f"*Who the network talked with*, the last {days} days "
        f"({len(organisations):,} organisation{'s' if len(organisations) != 1 else ''}, "
        "from shared conversations)"
    )
    lines = [
        f"*{mrkdwn(o.organisation)}* · {o.conversations:,} "
        f"conversation{'s' if o.conversations != 1 else ''} by {o.members:,} "
        f"member{'s' if o.members != 1 else ''} · last {_day(o.last_at, tz, now)}"
        for o in organisations
    ]
    blocks, _ = listing(
        dicts([SectionBlock(text=MarkdownTextObject(text=heading))]),
        [dicts([SectionBlock(text=MarkdownTextObject(text=line))]) for line in lines],
        len(lines),
        "The digest counts them each week.",
    )
    text = "Who the network talked with: " + ", ".join(o.organisation for o in organisations[:20])
    return fallback(text), blocks


def render_cadence_set(cadence: Cadence, due: datetime, tz: ZoneInfo, now: datetime) -> Rendered:
    """The confirmation of a cadence: how often, and when the first nudge comes if no
    conversation with them is recorded before."""
    text = (
        f":handshake: I'll help you keep in touch with {cadence.person()} "
        f"{cadence.every.describe()}: if no conversation with them is recorded by "
        f"{describe_next(due, tz, now)}, I'll nudge you. Each conversation you record "
        "resets it."
    )
    return fallback(text), dicts(sections(text))


def render_cadence_stopped(cadence: Cadence) -> Rendered:
    """The confirmation that a cadence stopped."""
    every = cadence.every.describe()
    text = f"I've stopped the {every} nudge to keep in touch with {cadence.person()}."
    return fallback(text), dicts(sections(text))


def render_cadence_nudge(
    cadence: Cadence, last_at: datetime | None, tz: ZoneInfo, now: datetime
) -> Rendered:
    """The DM when a cadence lapses: time to be in touch, with a button to record it."""
    since = (
        f"Your last recorded conversation was {_day(last_at, tz, now)}."
        if last_at
        else "You haven't recorded a conversation with them yet."
    )
    text = (
        f":handshake: Time to be in touch with {cadence.person()}: you wanted to, "
        f"{cadence.every.describe()}. {since}"
    )
    blocks = [
        SectionBlock(
            text=MarkdownTextObject(text=text),
            accessory=ButtonElement(
                text="Record a conversation",
                action_id=ids.CONVERSATION_LOG,
                value=f"cadence:{cadence.id}",
            ),
        )
    ]
    return fallback(text), dicts(blocks)


def render_how_did_it_go(reminder: Reminder) -> list[dict]:
    """The blocks added to a follow-up marked done: "How did it go?" opens the conversation
    form, pre-filled with the person and linked to the follow-up."""
    return dicts(
        [
            SectionBlock(
                text=MarkdownTextObject(
                    text=f":speech_balloon: *How did it go?* A line on your conversation with "
                    f"{reminder.person()} helps you, and the network if you share it."
                ),
                accessory=ButtonElement(
                    text="How did it go?",
                    action_id=ids.CONVERSATION_LOG,
                    value=f"reminder:{reminder.id}",
                    style="primary",
                ),
            )
        ]
    )


def render_conversation_modal(
    *,
    name: str = "",
    member_id: str | None = None,
    organisation: str = "",
    topic: str = "",
    metadata: dict | None = None,
) -> dict:
    """The form for a conversation: who (a name, or a member), organisation, topic, tags, a
    follow-up date, private or shared (private first). Pre-filled from a follow-up ("How did
    it go?", its id in ``metadata``) or a cadence."""
    private = Option(value=PRIVATE, text="Private: only I can see it")
    shared = Option(value=SHARED, text="Shared with the network")
    blocks = [
        InputBlock(
            block_id=FIELD_NAME,
            label=PlainTextObject(text="Who with"),
            element=PlainTextInputElement(
                action_id=FIELD_NAME,
                max_length=NAME_MAX,
                initial_value=name[:NAME_MAX] or None,
                placeholder=PlainTextObject(text="Nicola Gill"),
            ),
            hint=PlainTextObject(text="Anyone, in Slack or not. Or pick a member below."),
            optional=True,
        ),
        InputBlock(
            block_id=FIELD_MEMBER,
            label=PlainTextObject(text="Or a member"),
            element=UserSelectElement(action_id=FIELD_MEMBER, initial_user=member_id),
            optional=True,
        ),
        InputBlock(
            block_id=FIELD_ORG,
            label=PlainTextObject(text="Organisation"),
            element=PlainTextInputElement(
                action_id=FIELD_ORG,
                max_length=ORG_MAX,
                initial_value=organisation[:ORG_MAX] or None,
                placeholder=PlainTextObject(text="GDS"),
            ),
            optional=True,
        ),
        InputBlock(
            block_id=FIELD_TOPIC,
            label=PlainTextObject(text="What was it about?"),
            element=PlainTextInputElement(
                action_id=FIELD_TOPIC,
                multiline=True,
                max_length=TOPIC_MAX,
                initial_value=topic[:TOPIC_MAX] or None,
            ),
            optional=True,
        ),
        InputBlock(
            block_id=FIELD_TAGS,
            label=PlainTextObject(text="Tags"),
            hint=PlainTextObject(text=f"Up to {TAGS_MAX}, separated by spaces or commas."),
            element=PlainTextInputElement(
                action_id=FIELD_TAGS, max_length=250, placeholder=PlainTextObject(text="inclusion")
            ),
            optional=True,
        ),
        InputBlock(
            block_id=FIELD_FOLLOW_UP,
            label=PlainTextObject(text="Follow up on"),
            element=DatePickerElement(action_id=FIELD_FOLLOW_UP),
            optional=True,
        ),
        InputBlock(
            block_id=FIELD_VISIBILITY,
            label=PlainTextObject(text="Who can see it"),
            element=RadioButtonsElement(
                action_id=FIELD_VISIBILITY, options=[private, shared], initial_option=private
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=ids.CONVERSATION_MODAL,
        title=PlainTextObject(text="A conversation"),
        submit=PlainTextObject(text="Record it"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=json.dumps(metadata or {})[:3000],
        blocks=blocks,
    ).to_dict()


def read_conversation_form(view: dict) -> dict:
    """What the conversation form holds, as plain values for
    ``bot.domain.conversations.check_conversation`` (tags still as typed).

    >>> view = {"state": {"values": {FIELD_NAME: {FIELD_NAME: {"value": "Nicola Gill"}},
    ...     FIELD_VISIBILITY: {FIELD_VISIBILITY: {"selected_option": {"value": "shared"}}}}}}
    >>> form = read_conversation_form(view)
    >>> form["name"], form["shared"], form["follow_up_on"]
    ('Nicola Gill', True, None)
    """
    values = view.get("state", {}).get("values", {})

    def state(block: str) -> dict:
        return values.get(block, {}).get(block) or {}

    return {
        "name": state(FIELD_NAME).get("value") or None,
        "member_id": state(FIELD_MEMBER).get("selected_user") or None,
        "organisation": state(FIELD_ORG).get("value") or None,
        "topic": state(FIELD_TOPIC).get("value") or "",
        "tags": state(FIELD_TAGS).get("value") or "",
        "follow_up_on": picked_date(state(FIELD_FOLLOW_UP).get("selected_date")),
        "shared": (state(FIELD_VISIBILITY).get("selected_option") or {}).get("value") == SHARED,
    }


_NOUNS = {
    "conversations": ("conversation", "conversations"),
    "reminders": ("reminder or follow-up", "reminders and follow-ups"),
    "cadences": ("stay-in-touch cadence", "stay-in-touch cadences"),
    "actions": ("action", "actions"),
    "action_events": ("change in an action's history", "changes in actions' histories"),
    "reflections": ("reflection", "reflections"),
    "workstreams": ("workstream", "workstreams"),
    "feeds": ("blog feed", "blog feeds"),
    "posts": ("blog post", "blog posts"),
}


def _counted(counts: Mapping[str, int]) -> str:
    parts = []
    for table, n in counts.items():
        if n:
            one, many = _NOUNS.get(table, (table, table))
            parts.append(f"{n:,} {one if n == 1 else many}")
    return ", ".join(parts)


def render_person_forgotten(changed: Mapping[str, int], deleted: Mapping[str, int]) -> Rendered:
    """The steering group's reply after erasing a name: counts only, never the name."""
    if not sum(changed.values()) and not sum(deleted.values()):
        text = "I found that name nowhere, so nothing changed. The erasure is recorded as a count."
        return text, dicts(sections(text))
    text = "Done: the name is erased."
    if _counted(changed):
        text += f" It is now “[name erased]” in {_counted(changed)}."
    if _counted(deleted):
        text += f" Deleted: {_counted(deleted)}."
    text += (
        " The records stay their authors'. The erasure is recorded as counts, never the name. "
        "Messages already sent in Slack are Slack's, and backups keep it until they expire."
    )
    return fallback(text), dicts(sections(text))


def render_conversation_help() -> Rendered:
    """``/conversation help``."""
    return render_help(
        "/conversation: the conversations that build influence",
        [
            ("/conversation", "open a form"),
            (
                "/conversation with <person> [about <topic>] [#tag …] [follow up <when>]",
                "record one, private to you; the person is anyone: Nicola Gill (GDS), "
                "Nicola Gill at GDS, or @member",
            ),
            ("/conversation share with <person> …", "record one shared with the network"),
            ("/conversation list [all] [#tag]", "yours (all: and the network's shared ones)"),
            ("/conversation people", "who you talk with, when last, the next follow-up"),
            ("/conversation share C3", "share it with the network (also unshare, delete)"),
            (
                "/conversation stay in touch with <person> every 6 weeks",
                "a nudge when that long passes with no conversation (… off to stop)",
            ),
            ("/conversation map", f"organisations the network talked with, last {MAP_DAYS} days"),
            ('/conversation forget "<name>"', "steering group: erase someone outside Slack"),
        ],
        footer=f"Example: `{EXAMPLE}`. Private until you share it: no one else sees it, the "
        "steering group included; the digest and the map count shared ones only.",
    )
