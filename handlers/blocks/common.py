"""Blocks every feature uses: errors, help, "and N more" lines, and Slack's limits.

Slack's Block Kit limits that every renderer keeps (the models of
``slack_sdk.models.blocks`` refuse a breach with ``SlackObjectFormationError``; the
loopback stand-in, ``bot/standin/blockkit.py``, checks the same and more):

- a section's text 3,000 characters, a header's 150, a context's 10 elements;
- 50 blocks in a message, 100 in a modal or the Home tab;
- a message's ``text`` (its notification) 4,000 characters, as Slack advises;
- about 13,000 characters of text in one message's blocks, past which Slack answers
  ``msg_blocks_too_long`` (it publishes no figure): we keep to ``MESSAGE_CHARS``.

Long text is split into several sections (:func:`sections`); a list longer than a
message holds shows what fits and "…and N more" with how to see the rest (:func:`listing`).
"""

from __future__ import annotations

from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, PlainTextObject, SectionBlock
from slack_sdk.models.views import View

from bot.domain.errors import UserError

__all__ = [
    "Rendered",
    "render_answer_modal",
    "escape",
    "render_error",
    "render_error_modal",
    "render_help",
    "render_text",
    "more_line",
    "dicts",
    "split_text",
    "sections",
    "fallback",
    "text_length",
    "fitting",
    "listing",
    "within",
    "pack",
    "SECTION_CHARS",
    "MESSAGE_BLOCKS",
    "VIEW_BLOCKS",
    "MESSAGE_CHARS",
    "FALLBACK_CHARS",
]

Rendered = tuple[str, list[dict]]

SECTION_CHARS = 3000  # Slack: a section's text
MESSAGE_BLOCKS = 50  # Slack: blocks in one message
VIEW_BLOCKS = 100  # Slack: blocks in a modal or the Home tab
MESSAGE_CHARS = 12_000  # text in one message's blocks (Slack refuses about 13,000)
FALLBACK_CHARS = 3000  # a message's ``text``; Slack advises at most 4,000
_MORE_CHARS = 300  # room kept for an "…and N more" line


def dicts(blocks: list) -> list[dict]:
    """Block models as dicts; building them checks Slack's limits (SlackObjectFormationError).
    A block already a dict was built from a model and is passed on."""
    return [block if isinstance(block, dict) else block.to_dict() for block in blocks]


def render_text(text: str) -> Rendered:
    """A plain message: one section, or several when ``text`` is longer than a section."""
    return fallback(text), dicts(sections(text))


def render_error(error: UserError) -> Rendered:
    """A friendly refusal with an example of what works.

    >>> render_error(UserError("I need a title.", example="/action Plan it"))[0]
    'I need a title. For example: `/action Plan it`'
    """
    text = error.message
    blocks: list = sections(f":warning: {error.message}")
    if error.example:
        text += f" For example: `{error.example}`"
        example = MarkdownTextObject(text=f"For example: `{error.example}`"[:SECTION_CHARS])
        blocks.append(ContextBlock(elements=[example]))
    return fallback(text), dicts(blocks)


def escape(text: str) -> str:
    """Text for mrkdwn: ``&``, ``<`` and ``>`` escaped as Slack asks."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_help(title: str, lines: list[tuple[str, str]], footer: str = "") -> Rendered:
    """A command's grammar as ``usage — meaning`` lines, with examples in the footer.

    ``<title>`` in a usage is escaped, or Slack would read it as a link.

    >>> render_help("Actions", [("/action <title>", "track one")])[1][0]["text"]["text"]
    '*Actions*\\n`/action &lt;title&gt;`  track one'
    """
    body = "\n".join(f"`{escape(usage)}`  {escape(meaning)}" for usage, meaning in lines)
    blocks = [SectionBlock(text=MarkdownTextObject(text=f"*{title}*\n{body}"))]
    if footer:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=footer)]))
    return f"{title}\n{body}", dicts(blocks)


def more_line(shown: int, total: int, hint: str) -> ContextBlock | None:
    """``…and 12 more. <hint>`` when a list was cut short, else ``None``."""
    if total <= shown:
        return None
    return ContextBlock(elements=[MarkdownTextObject(text=f"…and {total - shown:,} more. {hint}")])


def _cut(line: str, limit: int) -> int:
    """Where to cut ``line`` (longer than ``limit``): at a space in the second half if there
    is one, and never inside ``<…>`` markup or an ``&…;`` entity."""
    cut = line.rfind(" ", limit // 2, limit + 1)
    if cut <= 0:
        cut = limit
    opened = line.rfind("<", 0, cut)
    if opened > 0 and opened > line.rfind(">", 0, cut) and cut - opened < limit // 2:
        cut = opened
    amp = line.rfind("&", max(0, cut - 8), cut)
    if amp > 0 and ";" not in line[amp:cut]:
        cut = amp
    return cut


def split_text(text: str, limit: int = SECTION_CHARS) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters: whole lines where they fit, a
    longer line cut between words; pieces with nothing to show are left out.

    >>> split_text("one\\ntwo\\nthree", 8)
    ['one\\ntwo', 'three']
    >>> split_text("a few short words", 8)
    ['a few', 'short', 'words']
    """
    pieces: list[str] = []
    lines: list[str] = []
    size = -1  # the length of the lines joined

    def flush() -> None:
        nonlocal lines, size
        if lines and "\n".join(lines).strip():
            pieces.append("\n".join(lines))
        lines, size = [], -1

    for line in text.split("\n"):
        while len(line) > limit:
            flush()
            cut = _cut(line, limit)  # at least 1: the line gets shorter
            head, line = line[:cut].rstrip(), line[cut:].lstrip(" ")
            if head.strip():
                pieces.append(head)
        if lines and size + 1 + len(line) > limit:
            flush()
        lines.append(line)
        size += 1 + len(line)
    flush()
    return pieces


def sections(text: str) -> list[SectionBlock]:
    """``text`` as mrkdwn sections of at most 3,000 characters each (at least one)."""
    return [
        SectionBlock(text=MarkdownTextObject(text=piece))
        for piece in split_text(text) or [text.strip() or "…"]
    ]


def fallback(text: str, limit: int = FALLBACK_CHARS) -> str:
    """A message's ``text`` (what a notification shows), cut to ``limit`` with ``…``.

    >>> fallback("a" * 5000)[-3:], len(fallback("a" * 5000))
    ('aa…', 3000)
    """
    if len(text) <= limit:
        return text
    return text[: _cut(text, limit - 1)].rstrip() + "…"


def text_length(node: object) -> int:
    """How many characters of text blocks hold in all (Slack's ``msg_blocks_too_long``).

    >>> text_length(render_text("Hello")[1])
    5
    """
    if isinstance(node, dict):
        return sum(
            len(value) if key == "text" and isinstance(value, str) else text_length(value)
            for key, value in node.items()
        )
    if isinstance(node, list):
        return sum(text_length(item) for item in node)
    return 0


def fitting(items: list[list[dict]], blocks: int, chars: int) -> int:
    """How many of ``items`` (each a run of blocks), from the first, fit in ``blocks``
    blocks and ``chars`` characters of text.

    >>> item = render_text("x" * 100)[1]
    >>> fitting([item] * 5, blocks=3, chars=1000), fitting([item] * 5, blocks=50, chars=250)
    (3, 2)
    """
    shown = 0
    for item in items:
        blocks -= len(item)
        chars -= text_length(item)
        if blocks < 0 or chars < 0:
            break
        shown += 1
    return shown


def listing(
    head: list[dict],
    items: list[list[dict]],
    total: int,
    hint: str,
    *,
    max_blocks: int = MESSAGE_BLOCKS,
    max_chars: int = MESSAGE_CHARS,
    tail: list[dict] | None = None,
) -> tuple[list[dict], int]:
    """``head``, then as many of ``items`` as Slack's limits leave room for, then
    "…and N more. ``hint``" when fewer than ``total`` were shown, then ``tail``.

    Returns the blocks and how many items they show.
    """
    tail = tail or []
    room_blocks = max_blocks - len(head) - len(tail) - 1
    room_chars = max_chars - text_length(head) - text_length(tail) - _MORE_CHARS
    shown = fitting(items, room_blocks, room_chars)
    blocks = [*head, *(block for item in items[:shown] for block in item)]
    more = more_line(shown, total, hint)
    if more is not None:
        blocks += dicts([more])
    return [*blocks, *tail], shown


def within(
    blocks: list[dict],
    note: str,
    *,
    max_blocks: int = MESSAGE_BLOCKS,
    max_chars: int = MESSAGE_CHARS,
) -> list[dict]:
    """The leading ``blocks`` that fit in one message, and ``note`` (how to see the rest)
    when some did not.

    >>> len(within(render_text("x" * 100)[1] * 60, "See more with `/action export`."))
    50
    """
    if len(blocks) <= max_blocks and text_length(blocks) <= max_chars:
        return blocks
    shown = fitting([[block] for block in blocks], max_blocks - 1, max_chars - _MORE_CHARS)
    note_block = ContextBlock(elements=[MarkdownTextObject(text=note)])
    return [*blocks[:shown], *dicts([note_block])]


def pack(
    blocks: list[dict],
    note: str,
    *,
    max_messages: int = 5,
    max_blocks: int = MESSAGE_BLOCKS,
    max_chars: int = MESSAGE_CHARS,
) -> list[list[dict]]:
    """``blocks`` spread over as few messages as Slack's limits allow, at most
    ``max_messages`` (a response URL takes five posts); if even those cannot hold them all,
    the last ends with ``note`` (how to see the rest).

    >>> [len(m) for m in pack(render_text("x" * 100)[1] * 120, "More with `/x`.")]
    [50, 50, 20]
    """
    messages: list[list[dict]] = [[]]
    size = 0
    for number, block in enumerate(blocks):
        length = text_length(block)
        current = messages[-1]
        if current and (len(current) >= max_blocks or size + length > max_chars):
            if len(messages) == max_messages:
                messages[-1] = within(
                    current + blocks[number:], note, max_blocks=max_blocks, max_chars=max_chars
                )
                return messages
            messages.append([])
            size = 0
        messages[-1].append(block)
        size += length
    return messages


def render_answer_modal(title: str, blocks: list[dict]) -> dict:
    """A submitted form's answer, shown in the form itself (``response_action: update``):
    the reply's blocks, buttons and all (a click on one is answered by DM, as from the App
    Home), and only Close.

    >>> answer = render_answer_modal("Track an action", [{"type": "section",
    ...     "text": {"type": "mrkdwn", "text": "Tracked A1"}}])
    >>> answer["close"]["text"], "submit" in answer
    ('Close', False)
    """
    return View(
        type="modal", title=PlainTextObject(text=title[:24]), close="Close", blocks=blocks
    ).to_dict()


def render_error_modal(title: str, error: UserError) -> dict:
    """A modal that says why it cannot go on (a refusal found once it was open): no inputs,
    only Close.

    >>> render_error_modal("New due date", UserError("Not yours."))["close"]["text"]
    'Close'
    """
    _, blocks = render_error(error)
    return View(
        type="modal", title=PlainTextObject(text=title[:24]), close="Close", blocks=blocks
    ).to_dict()
