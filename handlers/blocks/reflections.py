"""Block Kit for reflections: confirmations with a Share button, lists, search hits, the modal."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.domain.lessons import LessonGroup
from bot.domain.reflections import (
    EXAMPLE,
    TAGS_MAX,
    TEXT_MAX,
    Found,
    Reflection,
)
from bot.domain.text import mrkdwn, shorten
from handlers import ids
from handlers.blocks.common import (
    MESSAGE_BLOCKS,
    MESSAGE_CHARS,
    Rendered,
    dicts,
    fallback,
    fitting,
    listing,
    more_line,
    render_help,
    sections,
    text_length,
)

__all__ = [
    "render_reflection_line",
    "render_reflection_saved",
    "render_reflection_changed",
    "render_reflection_list",
    "render_search_results",
    "render_reflect_modal",
    "render_reflect_help",
    "render_lessons",
    "render_weeknote_sent",
    "clip",
    "PRIVATE",
    "SHARED",
]

PRIVATE, SHARED = "private", "shared"


def clip(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with ``…`` (never
    inside a mention, a link or an escape: :func:`bot.domain.text.shorten`)."""
    return shorten(text, limit)


def _when(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%a %-d %b %Y")


def _quote(text: str) -> str:
    return "\n".join(f">{line}" for line in text.splitlines() or [""])


def render_reflection_line(
    reflection: Reflection,
    viewer_id: str,
    tz: ZoneInfo,
    *,
    text: str | None = None,
    limit: int | None = 700,
) -> str:
    """``*R7* · you · Tue 1 Dec 2026 · #influence · :lock: private`` and the text quoted,
    as Slack shows it (:func:`~bot.domain.text.mrkdwn`), cut to ``limit`` (``None``: whole)."""
    author = "you" if reflection.author_id == viewer_id else f"<@{reflection.author_id}>"
    parts = [f"*{reflection.ref}*", author, _when(reflection.created_at, tz)]
    if reflection.tags:
        parts.append(" ".join(f"#{tag}" for tag in reflection.tags))
    if reflection.action_id:
        parts.append(f"from *A{reflection.action_id}*")
    parts.append(":globe_with_meridians: shared" if reflection.shared else ":lock: private")
    body = mrkdwn(text if text is not None else reflection.text)
    if limit is not None:
        body = clip(body, limit)
    return " · ".join(parts) + "\n" + _quote(body)


def _share_button(reflection: Reflection) -> ButtonElement:
    return ButtonElement(
        text="Share with the network",
        action_id=f"{ids.REFLECTION_SHARE}:{reflection.id}",
        value=str(reflection.id),
    )


def render_reflection_saved(reflection: Reflection, tz: ZoneInfo) -> Rendered:
    """The confirmation of a new reflection; a private one offers a Share button."""
    if reflection.shared:
        said = f":seedling: Saved {reflection.ref} and shared it with the network."
    else:
        said = (
            f":seedling: Saved {reflection.ref}. It's private: only you can see it "
            "until you share it."
        )
    first = SectionBlock(
        text=MarkdownTextObject(text=said),
        accessory=None if reflection.shared else _share_button(reflection),
    )
    whole = render_reflection_line(reflection, reflection.author_id, tz, limit=None)
    return said, dicts([first, *sections(whole)])


def render_reflection_changed(reflection: Reflection, tz: ZoneInfo, what: str) -> Rendered:
    """The confirmation of a share, unshare or delete: ``what`` says what happened."""
    whole = render_reflection_line(reflection, reflection.author_id, tz, limit=None)
    return fallback(what), dicts([*sections(what), *sections(whole)])


def render_reflection_list(
    reflections: list[Reflection],
    total: int,
    heading: str,
    viewer_id: str,
    tz: ZoneInfo,
    empty: str,
) -> Rendered:
    """Reflections newest first, one section each, and a line when more were left out."""
    if not reflections:
        return empty, dicts([SectionBlock(text=MarkdownTextObject(text=empty))])
    blocks, shown = listing(
        dicts([SectionBlock(text=MarkdownTextObject(text=f"*{heading}*"))]),
        [dicts(sections(render_reflection_line(r, viewer_id, tz))) for r in reflections],
        total,
        "Narrow it down with `/reflect list #tag` or `/reflect search <words>`.",
    )
    text = f"{heading}: " + "; ".join(
        f"{r.ref} {clip(mrkdwn(r.text), 80)}" for r in reflections[:10]
    )
    return fallback(text), blocks


def render_search_results(
    found: list[Found], total: int, terms: tuple[str, ...], viewer_id: str, tz: ZoneInfo
) -> Rendered:
    """Search hits, best first, each with a snippet in which the matching words are bold."""
    words = " ".join(terms)
    if not found:
        text = f"Nothing found for “{words}” among your reflections and the network's shared ones."
        return text, dicts([SectionBlock(text=MarkdownTextObject(text=text))])
    heading = f"Reflections matching “{words}”, best match first"
    blocks, shown = listing(
        dicts(sections(f"*{heading}*")),
        [
            dicts(sections(render_reflection_line(hit.reflection, viewer_id, tz, text=hit.snippet)))
            for hit in found
        ],
        total,
        "Add a word to narrow the search.",
    )
    text = f"{heading}: " + "; ".join(
        f"{h.reflection.ref} {clip(mrkdwn(h.snippet), 80)}" for h in found[:10]
    )
    return fallback(text), blocks


def render_reflect_modal(*, metadata: dict | None = None, action_line: str = "") -> dict:
    """The modal for a new reflection: text, tags, private or shared (private first).

    With ``action_line`` (mrkdwn naming a done action) it asks what was learned from it;
    the action's id travels in ``metadata``.
    """
    private = Option(value=PRIVATE, text="Private: only I can see it")
    shared = Option(value=SHARED, text="Shared with the network")
    intro = []
    if action_line:
        intro = [
            ContextBlock(
                elements=[MarkdownTextObject(text=f":white_check_mark: From {action_line}"[:2000])]
            )
        ]
    view = View(
        type="modal",
        callback_id=ids.REFLECT_MODAL,
        title=PlainTextObject(text="What did you learn?" if action_line else "Reflect"),
        submit=PlainTextObject(text="Save"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=json.dumps(metadata or {})[:3000],
        blocks=[
            *intro,
            InputBlock(
                block_id=ids.REFLECT_MODAL_TEXT,
                label=PlainTextObject(text="What did you notice or learn?"),
                element=PlainTextInputElement(
                    action_id=ids.REFLECT_MODAL_TEXT,
                    multiline=True,
                    max_length=TEXT_MAX,
                    placeholder=PlainTextObject(
                        text="Asking open questions got us further than the slides"
                    ),
                ),
            ),
            InputBlock(
                block_id=ids.REFLECT_MODAL_TAGS,
                label=PlainTextObject(text="Tags"),
                hint=PlainTextObject(text=f"Up to {TAGS_MAX}, separated by spaces or commas."),
                element=PlainTextInputElement(
                    action_id=ids.REFLECT_MODAL_TAGS,
                    max_length=250,
                    placeholder=PlainTextObject(text="influence, inclusion"),
                ),
                optional=True,
            ),
            InputBlock(
                block_id=ids.REFLECT_MODAL_VISIBILITY,
                label=PlainTextObject(text="Who can see it?"),
                element=RadioButtonsElement(
                    action_id=ids.REFLECT_MODAL_VISIBILITY,
                    options=[private, shared],
                    initial_option=private,
                ),
            ),
        ],
    )
    return view.to_dict()


def render_reflect_help() -> Rendered:
    """``/reflect help``."""
    return render_help(
        "Reflections: a private practice journal",
        [
            ("/reflect", "open a form"),
            ("/reflect <text> [#tag …]", "save a private reflection (you can share it after)"),
            ("/reflect share <text> [#tag …]", "save one shared with the network"),
            ("/reflect list [#tag]", "your reflections and the network's shared ones"),
            ("/reflect search <words>", "full-text search, best match first"),
            ("/reflect share R7", "share one of yours (also unshare, delete)"),
            (
                "/reflect lessons [#tag | #workstream]",
                "the network's shared lessons, by tag and by workstream",
            ),
            ("/reflect weeknote [last]", "a Markdown draft of your week (or last week), by DM"),
        ],
        f"Example: `{EXAMPLE}`. Private reflections are seen by you alone, steering group "
        f"included. Up to {TEXT_MAX:,} characters and {TAGS_MAX} tags; tags at the end "
        "are taken off the text.",
    )


def render_lessons(
    groups: list[LessonGroup],
    shown: int,
    total: int,
    topic: str | None,
    viewer_id: str,
    tz: ZoneInfo,
) -> Rendered:
    """The lessons library: one section per tag or workstream, newest first, "and N more"."""
    scope = f" on #{topic}" if topic else ""
    if not groups:
        text = (
            f"No shared lessons{scope} yet. Mark an action done and answer “What did you "
            "learn?”, or `/reflect share <text> #tag`."
        )
        return text, dicts([SectionBlock(text=MarkdownTextObject(text=text))])
    heading = f"What the network learned{scope}, most recent first"
    head = dicts([HeaderBlock(text=PlainTextObject(text=clip(heading, 150)))])
    items = []
    for group in groups:
        lines = [f"*{group.title}*"]
        for lesson in group.lessons:
            r = lesson.reflection
            author = "you" if r.author_id == viewer_id else f"<@{r.author_id}>"
            source = ""
            if lesson.action_ref:
                title = clip(mrkdwn(lesson.action_title or ""), 60)
                source = f" · from *{lesson.action_ref}* {title}"
            when = _when(r.shared_at or r.created_at, tz)
            lines.append(f"• {clip(mrkdwn(r.text), 300)} — {author}, {when}{source}")
        if group.total > len(group.lessons):
            lines.append(f"_…and {group.total - len(group.lessons)} more in {group.title}_")
        items.append(dicts(sections("\n".join(lines))))
    # as many groups as a message holds; the lessons of those left out count as "more"
    fits = fitting(items, MESSAGE_BLOCKS - len(head) - 1, MESSAGE_CHARS - text_length(head) - 300)
    if fits < len(groups):
        shown = len({lesson.reflection.id for group in groups[:fits] for lesson in group.lessons})
    blocks = [*head, *(block for item in items[:fits] for block in item)]
    more = more_line(shown, total, "Narrow it down with `/reflect lessons #tag`.")
    if more:
        blocks += dicts([more])
    text = f"{heading}: " + "; ".join(g.title for g in groups)
    return fallback(text), blocks


def render_weeknote_sent(filename: str, monday: date, empty: bool, last: bool) -> Rendered:
    """The reply to ``/reflect weeknote``: where the draft went."""
    span = f"the week of {monday:%a %-d %b %Y}"
    text = (
        f":memo: Your weeknote draft for {span} is in our DM as `{filename}`: edit it and "
        "publish it where you blog."
    )
    if empty:
        text += " I saw nothing of yours that week, so it's a starting page."
    hint = (
        "This week so far: `/reflect weeknote`."
        if last
        else "Last week instead: `/reflect weeknote last`."
    )
    return text, dicts(
        [
            SectionBlock(text=MarkdownTextObject(text=text)),
            ContextBlock(elements=[MarkdownTextObject(text=hint)]),
        ]
    )
