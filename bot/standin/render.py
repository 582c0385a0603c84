"""Block Kit as readable text, for the console: pure functions of what the bot sent.

    >>> print(render_blocks([
    ...     {"type": "section", "text": {"type": "mrkdwn", "text": "*A1* Plan it · <@U0PETE>"},
    ...      "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Done"},
    ...                    "action_id": "action_done:1", "value": "1"}},
    ... ], names={"U0PETE": "pete"}))
    A1 Plan it · @pete  [Done]

Sections, fields, headers, context, dividers, actions, inputs and images are shown;
buttons as ``[Label]``; mentions as ``@name`` and channels as ``#name`` (``names`` maps
user and channel ids to names); links as ``label (url)``; emoji shortcodes as emoji, as
Slack shows them (``:tada:`` is 🎉).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import emoji

__all__ = [
    "Button",
    "emojize",
    "find_buttons",
    "pick_button",
    "mrkdwn_to_text",
    "render_blocks",
    "render_file",
    "render_message",
    "render_view",
]

RULE = "─" * 40
_ANGLE = re.compile(r"<([^<>\n]+)>")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")


@dataclass(frozen=True)
class Button:
    """A button found in blocks: what ``:click`` needs to press it."""

    label: str
    action_id: str
    value: str | None
    block_id: str | None
    near: str  # the text of the block it sits in, to tell same-labelled buttons apart
    url: str | None = None


def emojize(text: str) -> str:
    """Emoji shortcodes as the emoji Slack shows (its names are the ``alias`` set).

    >>> emojize("Thank you! :tada: at 10:30:00")
    'Thank you! 🎉 at 10:30:00'
    """
    return emoji.emojize(text, language="alias")


def mrkdwn_to_text(text: str, names: Mapping[str, str] | None = None) -> str:
    """Slack mrkdwn as plain text: mentions, channels, links, entities, emphasis and emoji.

    >>> mrkdwn_to_text("*Hi* <@U1> see <https://x.org|the doc> &amp; <#C1> :tada:", {"U1": "ana",
    ...                "C1": "general"})
    'Hi @ana see the doc (https://x.org) & #general 🎉'
    """
    names = names or {}

    def angle(match: re.Match[str]) -> str:
        inner = match[1]
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            user = target[1:]
            return "@" + (names.get(user) or label or user)
        if target.startswith("#"):
            return "#" + (names.get(target[1:]) or label or target[1:])
        if target.startswith("!"):
            special = target[1:].split("^")[0]
            if special in ("here", "channel", "everyone"):
                return "@" + special
            return label or "@" + special
        if label:
            return f"{label} ({target})"
        return target

    text = _ANGLE.sub(angle, text)
    text = _BOLD.sub(r"\1", text)
    text = _ITALIC.sub(r"\1", text)
    text = _STRIKE.sub(r"\1", text)
    return emojize(html.unescape(text))


def _text(obj: Any, names: Mapping[str, str]) -> str:
    """A text object (plain_text or mrkdwn), or a bare string, as text."""
    if isinstance(obj, str):
        return obj
    if not isinstance(obj, dict):
        return ""
    text = obj.get("text", "")
    if obj.get("type") == "mrkdwn":
        return mrkdwn_to_text(text, names)
    return html.unescape(text) if obj.get("emoji") is False else emojize(html.unescape(text))


def _element(element: dict[str, Any], names: Mapping[str, str]) -> str:
    """An interactive or context element on one line: ``[Done]``, ``[date: 2026-12-04]``."""
    kind = element.get("type")
    if kind == "button":
        return f"[{_text(element.get('text'), names)}]"
    if kind in ("mrkdwn", "plain_text"):
        return _text(element, names)
    if kind == "image":
        return f"[image: {element.get('alt_text', '')}]"
    if kind == "overflow":
        return "[…]"
    if kind == "datepicker":
        return f"[date: {element.get('initial_date') or 'pick a date'}]"
    if kind == "timepicker":
        return f"[time: {element.get('initial_time') or 'pick a time'}]"
    if kind == "users_select":
        user = element.get("initial_user")
        return f"[person: {'@' + names.get(user, user) if user else 'pick someone'}]"
    if kind == "multi_users_select":
        users = ", ".join("@" + names.get(u, u) for u in element.get("initial_users") or [])
        return f"[people: {users or 'pick people'}]"
    if kind in ("conversations_select", "channels_select"):
        chosen = element.get("initial_conversation") or element.get("initial_channel")
        return f"[channel: {'#' + names.get(chosen, chosen) if chosen else 'pick a channel'}]"
    if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input"):
        value = element.get("initial_value") or ""
        placeholder = _text(element.get("placeholder"), names)
        shown = value or (f"e.g. {placeholder}" if placeholder else "")
        return f"[{shown.replace(chr(10), ' / ')}]" if shown else "[________]"
    if kind == "radio_buttons":
        chosen = (element.get("initial_option") or {}).get("value")
        return " ".join(
            f"({'•' if o.get('value') == chosen else ' '}) {_text(o.get('text'), names)}"
            for o in element.get("options", [])
        )
    if kind == "checkboxes":
        ticked = {o.get("value") for o in element.get("initial_options") or []}
        return " ".join(
            f"[{'x' if o.get('value') in ticked else ' '}] {_text(o.get('text'), names)}"
            for o in element.get("options", [])
        )
    if kind and kind.endswith("select"):
        placeholder = _text(element.get("placeholder"), names) or "choose"
        initial = element.get("initial_option")
        chosen = _text(initial.get("text"), names) if isinstance(initial, dict) else placeholder
        return f"[{chosen} ▾]"
    return f"[{kind}]"


def _rich_text(element: dict[str, Any], names: Mapping[str, str]) -> str:
    kind = element.get("type")
    if kind == "text":
        return element.get("text", "")
    if kind == "user":
        user = element.get("user_id", "")
        return "@" + names.get(user, user)
    if kind == "channel":
        channel = element.get("channel_id", "")
        return "#" + names.get(channel, channel)
    if kind == "link":
        return element.get("text") or element.get("url", "")
    if kind == "emoji":
        return emojize(f":{element.get('name', '')}:")
    inner = "".join(_rich_text(e, names) for e in element.get("elements", []))
    if kind == "rich_text_list":
        return "\n".join(f"• {_rich_text(e, names)}" for e in element.get("elements", []))
    if kind == "rich_text_preformatted":
        return f"```{inner}```"
    if kind == "rich_text_quote":
        return "> " + inner
    return inner


def _block(block: dict[str, Any], names: Mapping[str, str]) -> Iterator[str]:
    kind = block.get("type")
    if kind == "section":
        lines = _text(block.get("text"), names).splitlines()
        lines += [_text(field, names).replace("\n", " ") for field in block.get("fields") or []]
        lines = lines or [""]
        accessory = block.get("accessory")
        if isinstance(accessory, dict):  # Slack shows it to the right of the first line
            lines[0] = f"{lines[0]}  {_element(accessory, names)}".lstrip()
        yield from lines
    elif kind == "header":
        title = _text(block.get("text"), names)
        yield title
        yield "=" * min(len(title), 60)
    elif kind == "context":
        parts = [_element(e, names) for e in block.get("elements", [])]
        for line in " · ".join(parts).splitlines():
            yield f"  {line}"
    elif kind == "divider":
        yield RULE
    elif kind == "actions":
        yield " ".join(_element(e, names) for e in block.get("elements", []))
    elif kind == "input":
        label = _text(block.get("label"), names)
        optional = " (optional)" if block.get("optional") else ""
        element = block.get("element") or {}
        yield f"{label}{optional}: {_element(element, names)}"
        if block.get("hint"):
            yield f"  {_text(block['hint'], names)}"
    elif kind == "image":
        title = _text(block.get("title"), names)
        yield f"[image: {title or block.get('alt_text', '')}]"
    elif kind == "rich_text":
        yield from "".join(_rich_text(e, names) for e in block.get("elements", [])).splitlines()
    else:
        yield f"[{kind}]"


def render_blocks(blocks: list[dict[str, Any]], names: Mapping[str, str] | None = None) -> str:
    """Blocks as lines of text, one block after another.

    >>> render_blocks([{"type": "divider"}, {"type": "header",
    ...                 "text": {"type": "plain_text", "text": "Hi"}}])
    '────────────────────────────────────────\\nHi\\n=='
    """
    names = names or {}
    return "\n".join(line for block in blocks for line in _block(block, names))


def render_message(
    text: str | None, blocks: list[dict[str, Any]] | None, names: Mapping[str, str] | None = None
) -> str:
    """A message as the reader sees it: its blocks, else its text.

    >>> render_message("Hello <@U1>", [], {"U1": "ana"})
    'Hello @ana'
    """
    if blocks:
        return render_blocks(blocks, names)
    return mrkdwn_to_text(text or "", names)


def render_view(view: dict[str, Any], names: Mapping[str, str] | None = None) -> str:
    """A modal or App Home: its title, its blocks, and a modal's Close and Submit buttons."""
    names = names or {}
    lines = []
    title = _text(view.get("title"), names)
    if title:
        lines += [f"┌ {title} ┐"]
    body = render_blocks(view.get("blocks") or [], names)
    if body:
        lines.append(body)
    if view.get("type") == "modal":
        close = _text(view.get("close"), names) or "Cancel"
        submit = _text(view.get("submit"), names)
        lines.append(f"[{close}]" + (f" [{submit}]" if submit else ""))
    return "\n".join(lines)


def render_file(name: str, content: bytes, *, lines: int = 8, width: int = 100) -> str:
    """A file as the reader first sees it: its name and size, then its first lines.

    >>> print(render_file("a.csv", b"id,title\\nA1,Plan it\\n"))
    a.csv · 20 bytes
    │ id,title
    │ A1,Plan it
    """
    size = len(content)
    shown = f"{size:,} bytes" if size < 10_000 else f"{size / 1024:,.0f} KB"
    text = content.decode("utf-8-sig", "replace").splitlines()  # a CSV's BOM is not shown
    body = [f"│ {line[:width]}{'…' if len(line) > width else ''}" for line in text[:lines]]
    if len(text) > lines:
        body.append(f"│ … {len(text) - lines:,} more lines")
    return "\n".join([f"{name} · {shown}", *body])


def find_buttons(
    blocks: list[dict[str, Any]], names: Mapping[str, str] | None = None
) -> list[Button]:
    """Every button in ``blocks`` (accessories and actions blocks), in reading order."""
    names = names or {}
    found = []
    for block in blocks:
        near = "\n".join(_block(block, names))
        elements = [block.get("accessory"), *(block.get("elements") or [])]
        for element in elements:
            if isinstance(element, dict) and element.get("type") == "button":
                found.append(
                    Button(
                        label=_text(element.get("text"), names),
                        action_id=element.get("action_id", ""),
                        value=element.get("value"),
                        block_id=block.get("block_id"),
                        near=near,
                        url=element.get("url"),
                    )
                )
    return found


def pick_button(buttons: list[Button], label: str, which: str = "") -> Button | None:
    """The button labelled ``label`` (case-insensitive); ``which`` picks among several.

    ``which`` is a number (the n-th such button, from 1) or words the button's block
    mentions (``A2``); without it, the first such button.

    >>> pick_button([Button("Done", "d:1", "1", None, "A1 Plan"),
    ...              Button("Done", "d:2", "2", None, "A2 Book")], "done", "A2").value
    '2'
    """
    wanted = label.strip().lower()
    same = [b for b in buttons if b.label.strip().lower() == wanted]
    if not same:
        same = [b for b in buttons if b.label.strip().lower().startswith(wanted)] if wanted else []
    which = which.strip()
    if not which:
        return same[0] if same else None
    if which.isdigit():
        index = int(which) - 1
        return same[index] if 0 <= index < len(same) else None
    pattern = re.compile(rf"(?<!\w){re.escape(which)}(?!\w)", re.IGNORECASE)
    return next((b for b in same if pattern.search(b.near)), None)
