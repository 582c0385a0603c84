"""Block Kit for the weekly digest: one message, or a headline and thread replies.

Slack allows 50 blocks a message and 3,000 characters a section; a digest larger than
that is split, never refused: the headline carries the title and the numbers, and the
sections follow as replies in its thread.
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.domain.actions import Action
from bot.domain.calendar import CRON_DAYS, FULL_DAY_NAMES
from bot.domain.contacts import describe_person
from bot.domain.conversations import ConversationCounts
from bot.domain.dates import format_date, format_due
from bot.domain.digest import Digest, FollowUp, Section, SharedReflection
from bot.domain.feeds import Post
from bot.domain.people import mention
from bot.domain.text import mrkdwn, shorten
from bot.domain.weekly import WeeklySchedule
from handlers.blocks.common import Rendered, dicts, escape, render_help

__all__ = [
    "render_digest_messages",
    "render_digest_help",
    "render_digest_settings",
    "MAX_BLOCKS",
    "SECTION_CHARS",
]

MAX_BLOCKS = 50  # Slack's limit per message
SECTION_CHARS = 3000  # Slack's limit per section text
_BLOCKS_PER_MESSAGE = 45  # leave room for a part line
_CHARS_PER_MESSAGE = 12_000  # keep each message comfortably readable and small
_LINE_CHARS = 600


def _clip(text: str, limit: int) -> str:
    return shorten(text, limit, one_line=True)


def _said(stored: str, limit: int) -> str:
    """What a member wrote, on one line, as mrkdwn: mentions and links live, the rest text."""
    return mrkdwn(shorten(stored, limit, one_line=True))


def _action_line(action: Action, digest: Digest, key: str) -> str:
    line = f"*A{action.id}* {_said(action.title, 200)}"
    if action.owner_id:
        line += f" · {mention(action.owner_id)}"
    if key == "overdue" and action.due:
        line += f" · due {format_due(action.due, digest.today)}"
    if action.workstream:
        line += f" · #{action.workstream}"
    for lesson in digest.lessons.get(action.id, [])[:2] if key == "completed" else ():
        line += f"\n    _learned:_ {_said(lesson.text, 200)} (R{lesson.id})"
    return line


def _line(item: object, digest: Digest, key: str) -> str:
    if isinstance(item, Action):
        line = _action_line(item, digest, key)
    elif isinstance(item, SharedReflection):
        tags = " ".join(f"#{t}" for t in item.tags[:5])
        line = f"*R{item.id}* {mention(item.author_id)}: {_said(item.text, 400)} {tags}"
        if item.action_id:
            line += f" (a lesson from A{item.action_id})"
    elif isinstance(item, Post):
        title = escape(_clip(item.title or item.link or "a new post", 150)).replace("|", "¦")
        link = item.link or ""
        line = f"<{link}|{title}> by {mention(item.user_id)}"
        if not link or len(link) > 300 or "|" in link or ">" in link:
            line = f"{title} by {mention(item.user_id)}"
    elif isinstance(item, FollowUp):
        who = (
            f" with {describe_person(item.person_id, item.person_name, item.person_org)}"
            if item.person_id or item.person_name
            else ""
        )
        about = f" about {_said(item.topic, 150)}" if item.topic else ""
        line = f"{mention(item.user_id)} followed up{who}{about}"
    elif isinstance(item, ConversationCounts):
        return _clip(escape(item.describe()), SECTION_CHARS - 400)
    else:  # pragma: no cover - the domain only makes the kinds above
        line = escape(str(item))
    return "• " + _clip(line, _LINE_CHARS)


def _section_blocks(section: Section, digest: Digest) -> list:
    """A heading and the items, packed into sections of at most 3,000 characters."""
    blocks: list = [
        SectionBlock(
            text=MarkdownTextObject(text=f"*{_clip(section.heading, 300)}* ({section.count:,})")
        )
    ]
    lines = [_line(item, digest, section.key) for item in section.items]
    if section.more:
        lines.append(f"…and {section.more:,} more.")
    chunk: list[str] = []
    for line in lines:
        if chunk and len("\n".join([*chunk, line])) > SECTION_CHARS - 100:
            blocks.append(SectionBlock(text=MarkdownTextObject(text="\n".join(chunk))))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="\n".join(chunk))))
    return blocks


def _header(digest: Digest) -> list:
    period = f"{format_date(digest.start)} to {format_date(digest.end)}"
    return [
        HeaderBlock(text=digest.title),
        ContextBlock(elements=[MarkdownTextObject(text=f"{period} · {digest.numbers}")]),
    ]


def _size(block) -> int:
    return len(str(block.to_dict()))


def render_digest_messages(digest: Digest, *, preview: bool = False) -> list[Rendered]:
    """The digest as messages: one when it fits, else a headline and its thread replies.

    Every message keeps within Slack's limits (50 blocks, 3,000 characters a section).
    """
    title = f"{digest.title}: {format_date(digest.start)} to {format_date(digest.end)}"
    if preview:
        title = f"Preview, the digest so far. {title}"
    if digest.is_empty:
        text = f"{title}. A quiet week: nothing to report."
        return [
            (
                text,
                dicts(
                    [
                        *_header(digest),
                        SectionBlock(
                            text=MarkdownTextObject(text="A quiet week: nothing to report.")
                        ),
                    ]
                ),
            )
        ]
    body: list = []
    for section in digest.sections:
        body += [DividerBlock(), *_section_blocks(section, digest)]
    whole = [*_header(digest), *body]
    if len(whole) <= _BLOCKS_PER_MESSAGE and sum(map(_size, whole)) <= _CHARS_PER_MESSAGE:
        return [(f"{title}. {digest.numbers}", dicts(whole))]

    parts: list[list] = [[]]
    for block in body:
        current = parts[-1]
        if current and (
            len(current) >= _BLOCKS_PER_MESSAGE
            or sum(map(_size, current)) + _size(block) > _CHARS_PER_MESSAGE
        ):
            parts.append([])
        parts[-1].append(block)
    contents = "; ".join(f"{s.heading.split(':')[0]} ({s.count:,})" for s in digest.sections)
    headline = [
        *_header(digest),
        SectionBlock(
            text=MarkdownTextObject(
                text=f":thread: The full digest is in the thread, in {len(parts)} parts: "
                f"{contents}."
            )
        ),
    ]
    messages = [(f"{title}. {digest.numbers}", dicts(headline))]
    for number, blocks in enumerate(parts, 1):
        if isinstance(blocks[0], DividerBlock):
            blocks = blocks[1:]
        note = ContextBlock(elements=[MarkdownTextObject(text=f"Part {number} of {len(parts)}")])
        messages.append((f"{title} (part {number} of {len(parts)})", dicts([*blocks, note])))
    return messages


def render_digest_help() -> Rendered:
    """``/digest help``."""
    return render_help(
        "/digest: the network's week",
        [
            ("/digest", "preview the digest so far (only you see it)"),
            ("/digest subscribe", "get the weekly digest by DM too"),
            ("/digest unsubscribe", "stop the DM copy"),
            ("/digest post", "steering group: post it to the digest channel now"),
            (
                "/digest settings [channel #c] [day <weekday>] [time <HH:MM>]",
                "steering group: change and show where and when it is posted",
            ),
        ],
        footer="Example: `/digest settings channel #network-news day fri time 16:00`",
    )


def render_digest_settings(
    channel: str | None,
    schedule: WeeklySchedule,
    tz: str,
    from_database: bool,
    subscribers: int,
    note: str = "",
) -> Rendered:
    """The digest's settings as the steering group sees them."""
    source = "set with `/digest settings`" if from_database else "from the environment"
    day = FULL_DAY_NAMES[CRON_DAYS.index(schedule.weekday)]
    members = f"{subscribers:,} member{'' if subscribers == 1 else 's'}"
    gets = "gets" if subscribers == 1 else "get"
    when = f"every {day} at {schedule.at:%H:%M} ({tz}), {source}"
    posted = (
        f"The digest is posted to <#{channel}> {when}."
        if channel
        else f"No channel is set, so no digest is posted; it would go {when}."
    )
    text = (f"{note}{posted} {members} {gets} it by DM.").strip()
    return text, dicts([SectionBlock(text=MarkdownTextObject(text=text))])
