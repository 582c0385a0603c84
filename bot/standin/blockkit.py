"""Block Kit checks, as data: what Slack documents as required and as limits.

Each check takes a value and its JSON pointer and yields Slack-style messages, e.g.
``"[ERROR] must be at most 3000 characters [json-pointer:/blocks/0/text/text]"``.

    >>> check_message_blocks([{"type": "header", "text": {"type": "plain_text", "text": "Hi"}}])
    []
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.standin.shapes import (
    Check,
    Shape,
    boolean,
    chars,
    error,
    integer,
    list_of,
    one_of_types,
    pattern,
    string,
    text,
)

__all__ = [
    "check_message_blocks",
    "check_message_size",
    "check_message_text",
    "check_view",
    "block_text_length",
    "MAX_MESSAGE_TEXT",
    "MAX_FALLBACK_TEXT",
    "MAX_MESSAGE_BLOCK_TEXT",
]

# chat.postMessage: "Provide no more than 40,000 characters or risk truncation".
MAX_MESSAGE_TEXT = 40_000
# chat.postMessage, "Truncating content": "For best results, limit the number of characters
# in the text field to 4,000 characters". With blocks, ``text`` is the notification.
MAX_FALLBACK_TEXT = 4_000
# Slack refuses a message whose blocks hold too much text in all (``msg_blocks_too_long``)
# without publishing the figure; it has been seen at about 13,200 characters
# (slackapi/bolt-js#2509). The stand-in holds messages to 12,000, the digest's own bound.
MAX_MESSAGE_BLOCK_TEXT = 12_000

# --- the tables ---------------------------------------------------------------------------

ACTION_ID = string(255)
PLACEHOLDER = text(150, plain_only=True)
OPTION = Shape(
    required=("text", "value"),
    fields={"text": text(75), "value": string(150), "description": text(75), "url": string(3000)},
)
OPTIONS = list_of(OPTION.check, 100)
CONFIRM = Shape(
    required=("title", "text", "confirm", "deny"),
    fields={
        "title": text(100, plain_only=True),
        "text": text(300),
        "confirm": text(30, plain_only=True),
        "deny": text(30, plain_only=True),
    },
)
_common = {"action_id": ACTION_ID, "confirm": CONFIRM.check, "focus_on_load": boolean}


def _select(**extra: Check) -> Shape:
    return Shape(fields={**_common, "placeholder": PLACEHOLDER, **extra})


IMAGE_ELEMENT = Shape(
    required=("alt_text",),
    one_of=("image_url", "slack_file"),
    fields={"alt_text": string(2000), "image_url": string(3000)},
)

ELEMENTS: dict[str, Shape] = {
    "button": Shape(
        required=("text",),
        fields={
            **_common,
            "text": text(75, plain_only=True),
            "value": string(2000),
            "url": string(3000),
            "style": string(10, choices=("primary", "danger")),
            "accessibility_label": string(75),
        },
    ),
    "static_select": _select(options=OPTIONS),
    "multi_static_select": _select(options=OPTIONS),
    "external_select": _select(),
    "multi_external_select": _select(),
    "users_select": _select(initial_user=string(20)),
    "multi_users_select": _select(),
    "conversations_select": _select(),
    "multi_conversations_select": _select(),
    "channels_select": _select(),
    "multi_channels_select": _select(),
    "overflow": Shape(
        required=("options",),
        fields={**_common, "options": list_of(OPTION.check, 5, min_items=2)},
    ),
    "datepicker": _select(initial_date=pattern(r"\d{4}-\d{2}-\d{2}", "a date as YYYY-MM-DD")),
    "timepicker": _select(initial_time=pattern(r"\d{2}:\d{2}", "a time as HH:mm")),
    "datetimepicker": Shape(fields=_common),
    "checkboxes": Shape(
        required=("options",),
        fields={
            **_common,
            "options": list_of(OPTION.check, 10),
            "initial_options": list_of(OPTION.check, 10),
        },
    ),
    "radio_buttons": Shape(
        required=("options",),
        fields={**_common, "options": list_of(OPTION.check, 10), "initial_option": OPTION.check},
    ),
    "plain_text_input": _select(
        multiline=boolean,
        initial_value=chars(3000),  # no more than max_length allows at most
        min_length=integer(0, 3000),
        max_length=integer(1, 3000),
    ),
    "email_text_input": _select(),
    "url_text_input": _select(),
    "number_text_input": _select(is_decimal_allowed=boolean),
    "rich_text_input": _select(),
    "file_input": Shape(fields={"action_id": ACTION_ID}),
    "image": IMAGE_ELEMENT,
}
ELEMENT = one_of_types(ELEMENTS, "element")
INTERACTIVE = one_of_types({k: v for k, v in ELEMENTS.items() if k != "image"}, "element")
CONTEXT_ELEMENT = one_of_types(
    {
        "image": IMAGE_ELEMENT,
        "plain_text": Shape(required=("text",), fields={"text": string(3000)}),
        "mrkdwn": Shape(required=("text",), fields={"text": string(3000)}),
    },
    "context element",
)

_block = {"block_id": string(255)}
BLOCKS: dict[str, Shape] = {
    "section": Shape(
        one_of=("text", "fields"),
        fields={
            **_block,
            "text": text(3000),
            "fields": list_of(text(2000), 10),
            "accessory": ELEMENT,
            "expand": boolean,
        },
    ),
    "header": Shape(required=("text",), fields={**_block, "text": text(150, plain_only=True)}),
    "divider": Shape(fields=_block),
    "context": Shape(
        required=("elements",), fields={**_block, "elements": list_of(CONTEXT_ELEMENT, 10)}
    ),
    "actions": Shape(
        required=("elements",), fields={**_block, "elements": list_of(INTERACTIVE, 25)}
    ),
    "input": Shape(
        required=("label", "element"),
        fields={
            **_block,
            "label": text(2000, plain_only=True),
            "element": INTERACTIVE,
            "hint": text(2000, plain_only=True),
            "optional": boolean,
            "dispatch_action": boolean,
        },
    ),
    "image": Shape(
        required=("alt_text",),
        one_of=("image_url", "slack_file"),
        fields={
            **_block,
            "alt_text": string(2000),
            "image_url": string(3000),
            "title": text(2000, plain_only=True),
        },
    ),
    "rich_text": Shape(required=("elements",), fields=_block),
    "markdown": Shape(required=("text",), fields={**_block, "text": string(12_000)}),
    "file": Shape(required=("external_id", "source"), fields=_block),
    "video": Shape(
        required=("alt_text", "title", "thumbnail_url", "video_url"),
        fields={**_block, "title": text(200, plain_only=True)},
    ),
}
BLOCK = one_of_types(BLOCKS, "block")

VIEW_COMMON = {
    "callback_id": string(255),
    "private_metadata": chars(3000),
    "external_id": string(255),
    "blocks": list_of(BLOCK, 100, min_items=0),
}
VIEWS: dict[str, Shape] = {
    "modal": Shape(
        required=("title", "blocks"),
        fields={
            **VIEW_COMMON,
            "title": text(24, plain_only=True),
            "submit": text(24, plain_only=True),
            "close": text(24, plain_only=True),
            "clear_on_close": boolean,
            "notify_on_close": boolean,
        },
    ),
    "home": Shape(required=("blocks",), fields=VIEW_COMMON),
}
VIEW = one_of_types(VIEWS, "view")


# --- whole-payload checks ------------------------------------------------------------------


def _duplicates(blocks: list[Any], key: str, pointer: str) -> Iterator[str]:
    """Yield a message for each ``key`` value (action_id, block_id) used twice in ``blocks``."""
    seen: set[str] = set()

    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            value = node.get(key)
            if isinstance(value, str):
                if value in seen:
                    yield error(pointer, f"{key} {value!r} is used more than once")
                seen.add(value)
            for child in node.values():
                yield from walk(child)
        elif isinstance(node, list):
            for child in node:
                yield from walk(child)

    for block in blocks:
        if isinstance(block, dict):
            if key == "block_id":
                yield from walk({"block_id": block.get("block_id")})
            else:
                yield from walk(block)


def _blocks(blocks: Any, max_blocks: int, pointer: str) -> list[str]:
    problems = list(list_of(BLOCK, max_blocks, min_items=0)(blocks, pointer))
    if isinstance(blocks, list):
        problems += _duplicates(blocks, "action_id", pointer)
        problems += _duplicates(blocks, "block_id", pointer)
    return problems


def check_message_blocks(blocks: Any, pointer: str = "/blocks") -> list[str]:
    """Problems with a message's ``blocks`` (at most 50), as Slack-style messages."""
    return _blocks(blocks, 50, pointer)


def check_message_text(value: Any, pointer: str = "/text") -> list[str]:
    """Problems with a message's top-level ``text``: a string of at most 4,000 characters
    (Slack's advice; past 40,000 it truncates the message)."""
    if not isinstance(value, str):
        return [error(pointer, "must be a string")]
    if len(value) > MAX_MESSAGE_TEXT:
        return [error(pointer, f"must be at most {MAX_MESSAGE_TEXT} characters (got {len(value)})")]
    if len(value) > MAX_FALLBACK_TEXT:
        return [
            error(
                pointer,
                f"should be at most {MAX_FALLBACK_TEXT} characters, as Slack advises "
                f"(got {len(value)})",
            )
        ]
    return []


def block_text_length(node: Any) -> int:
    """How many characters of text ``node`` (blocks, a block, an element) holds in all.

    >>> block_text_length([{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}])
    2
    """
    if isinstance(node, dict):
        return sum(
            len(value) if key == "text" and isinstance(value, str) else block_text_length(value)
            for key, value in node.items()
        )
    if isinstance(node, list):
        return sum(block_text_length(item) for item in node)
    return 0


def check_message_size(blocks: Any, pointer: str = "/blocks") -> list[str]:
    """A message's blocks must not hold more than ``MAX_MESSAGE_BLOCK_TEXT`` characters of
    text in all (Slack answers ``msg_blocks_too_long``)."""
    found = block_text_length(blocks)
    if found > MAX_MESSAGE_BLOCK_TEXT:
        return [
            error(
                pointer,
                f"msg_blocks_too_long: the blocks hold {found} characters of text; keep "
                f"a message to {MAX_MESSAGE_BLOCK_TEXT}",
            )
        ]
    return []


def check_view(view: Any, pointer: str = "/view") -> list[str]:
    """Problems with a modal or Home tab view (at most 100 blocks; modal rules for submit)."""
    problems = list(VIEW(view, pointer))
    if not isinstance(view, dict):
        return problems
    blocks = view.get("blocks")
    if isinstance(blocks, list):
        problems += _duplicates(blocks, "action_id", f"{pointer}/blocks")
        problems += _duplicates(blocks, "block_id", f"{pointer}/blocks")
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if view.get("type") == "modal" and has_input and "submit" not in view:
            problems.append(error(f"{pointer}/submit", "required when the view has input blocks"))
    return problems
