"""Block Kit for the App Home, rendered from a plain :class:`~bot.domain.home.HomeData`.

A Home tab holds at most 100 blocks; every list here is cut short with an "and N
more" line, and :func:`render_home` never returns more than :data:`MAX_BLOCKS`.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.domain.actions import EXAMPLE as ACTION_EXAMPLE
from bot.domain.actions import Action
from bot.domain.home import HomeData, HomeSection
from bot.domain.reflections import EXAMPLE as REFLECT_EXAMPLE
from bot.domain.review import ReviewSummary
from handlers import ids
from handlers.blocks.actions import render_action_line
from handlers.blocks.common import VIEW_BLOCKS, more_line, sections
from handlers.blocks.reflections import clip, render_reflection_line

__all__ = ["render_home", "MAX_BLOCKS", "MAX_ACTIONS", "MAX_REFLECTIONS", "MAX_SUMMARY_LINES"]

MAX_BLOCKS = VIEW_BLOCKS
MAX_ACTIONS = 25
MAX_REFLECTIONS = 5
MAX_SUMMARY_LINES = 8


def _text(text: str) -> list[SectionBlock]:
    """``text`` in as many sections as it needs (3,000 characters each)."""
    return sections(text)


def _header(text: str) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=text[:150]))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(text, 3000))])


def _action_block(action: Action, data: HomeData) -> SectionBlock:
    """The action line from ``/action list``, with its Done button."""
    return SectionBlock(
        text=MarkdownTextObject(text=render_action_line(action, data.today)),
        accessory=ButtonElement(
            text="Done", action_id=f"{ids.ACTION_DONE}:{action.id}", value=str(action.id)
        ),
    )


def _actions(data: HomeData) -> list:
    blocks: list = [_header("Your open actions")]
    if not data.open_actions:
        return blocks + _text(f"Nothing open. Track one with `{ACTION_EXAMPLE}`")
    blocks += [_action_block(a, data) for a in data.open_actions[:MAX_ACTIONS]]
    more = more_line(
        min(len(data.open_actions), MAX_ACTIONS),
        data.open_total,
        "See them all with `/action list`.",
    )
    return blocks + ([more] if more else [])


def _section(section: HomeSection) -> list:
    blocks: list = [_header(section.title)]
    if section.lines:
        blocks += _text("\n".join(section.lines))
    elif section.empty:
        blocks += _text(section.empty)
    if section.more:
        blocks.append(_context(f"…and {section.more:,} more. {section.hint}".strip()))
    elif section.hint:
        blocks.append(_context(section.hint))
    return blocks


def _reflections(data: HomeData) -> list:
    tz = ZoneInfo(data.tz)
    blocks: list = [_header("Recent reflections")]
    if not data.reflections:
        return blocks + _text(f"None yet. Write one with `{REFLECT_EXAMPLE}`")
    for reflection in data.reflections[:MAX_REFLECTIONS]:
        blocks += _text(render_reflection_line(reflection, data.user_id, tz, limit=400))
    more = more_line(
        min(len(data.reflections), MAX_REFLECTIONS),
        data.reflections_total,
        "See them with `/reflect list` or `/reflect search <words>`.",
    )
    blocks.append(
        more
        or _context("Yours (:lock: private ones only you can see) and the network's shared ones.")
    )
    return blocks


def _lines(actions: tuple[Action, ...], data: HomeData) -> str:
    return "\n".join(render_action_line(a, data.today) for a in actions[:MAX_SUMMARY_LINES])


def _network(summary: ReviewSummary, data: HomeData) -> list:
    blocks: list = [
        _header("The network's actions"),
        *_text(
            f"*{summary.open:,}* open · *{summary.overdue.total:,}* overdue · "
            f"*{summary.due_this_week.total:,}* due this week · "
            f"*{summary.stale.total:,}* stale (no change in 30 days) · "
            f"*{summary.unplanned:,}* without an owner or due date"
        ),
    ]
    for title, attention in (("Overdue", summary.overdue), ("Stale", summary.stale)):
        if not attention:
            continue
        blocks += _text(f"*{title}*\n{_lines(attention.actions, data)}")
        more = more_line(
            min(attention.total, MAX_SUMMARY_LINES),
            attention.total,
            "See the whole review with `/action review`.",
        )
        if more:
            blocks.append(more)
    return blocks


def render_home(data: HomeData) -> dict:
    """The Home tab view for one member: open actions, reminders, reflections, habit and,
    for the steering group, the network's open, overdue and stale actions."""
    blocks: list = _actions(data)
    for section in data.sections:
        blocks += [DividerBlock(), *_section(section)]
    blocks += [DividerBlock(), *_reflections(data)]
    if data.network is not None:
        blocks += [DividerBlock(), *_network(data.network, data)]
    if len(blocks) > MAX_BLOCKS:  # a later section grew too long: cut it, and say so
        blocks = blocks[: MAX_BLOCKS - 1] + [_context("…and more than fits here.")]
    return View(type="home", blocks=blocks).to_dict()
