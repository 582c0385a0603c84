"""Blocks every feature uses: errors, help and "and N more" lines."""

from __future__ import annotations

from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, SectionBlock

from bot.domain.errors import UserError

__all__ = ["Rendered", "escape", "render_error", "render_help", "render_text", "more_line", "dicts"]

Rendered = tuple[str, list[dict]]


def dicts(blocks: list) -> list[dict]:
    """Block models as dicts; building them checks Slack's limits (SlackObjectFormationError).
    A block already a dict was built from a model and is passed on."""
    return [block if isinstance(block, dict) else block.to_dict() for block in blocks]


def render_text(text: str) -> Rendered:
    """A plain one-section message."""
    return text, dicts([SectionBlock(text=MarkdownTextObject(text=text))])


def render_error(error: UserError) -> Rendered:
    """A friendly refusal with an example of what works.

    >>> render_error(UserError("I need a title.", example="/action Plan it"))[0]
    'I need a title. For example: `/action Plan it`'
    """
    text = error.message
    blocks = [SectionBlock(text=MarkdownTextObject(text=f":warning: {error.message}"))]
    if error.example:
        text += f" For example: `{error.example}`"
        example = MarkdownTextObject(text=f"For example: `{error.example}`")
        blocks.append(ContextBlock(elements=[example]))
    return text, dicts(blocks)


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
