"""Checks of JSON values as data, each yielding Slack-style messages with a JSON pointer.

    >>> list(string(3)("four", "/text"))
    ['[ERROR] must be at most 3 characters (got 4) [json-pointer:/text]']

A check is ``(value, pointer) -> messages``; ``Shape`` checks an object's keys. The tables
of Block Kit built from them are in :mod:`bot.standin.blockkit`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Check",
    "Shape",
    "boolean",
    "chars",
    "error",
    "integer",
    "lazy",
    "list_of",
    "one_of_types",
    "pattern",
    "string",
    "text",
]

Check = Callable[[Any, str], Iterator[str]]


def error(pointer: str, problem: str) -> str:
    """One message as Slack words it: ``[ERROR] <problem> [json-pointer:<pointer>]``."""
    return f"[ERROR] {problem} [json-pointer:{pointer}]"


def string(max_len: int, *, choices: tuple[str, ...] = ()) -> Check:
    """A non-empty string of at most ``max_len`` characters (one of ``choices`` if given)."""

    def check(value: Any, pointer: str) -> Iterator[str]:
        if not isinstance(value, str) or value == "":
            yield error(pointer, "must be a non-empty string")
        elif len(value) > max_len:
            yield error(pointer, f"must be at most {max_len} characters (got {len(value)})")
        elif choices and value not in choices:
            yield error(pointer, f"must be one of {', '.join(choices)}")

    return check


def chars(max_len: int) -> Check:
    """A string, possibly empty, of at most ``max_len`` characters."""

    def check(value: Any, pointer: str) -> Iterator[str]:
        if not isinstance(value, str):
            yield error(pointer, "must be a string")
        elif len(value) > max_len:
            yield error(pointer, f"must be at most {max_len} characters (got {len(value)})")

    return check


def integer(low: int, high: int) -> Check:
    """A JSON integer from ``low`` to ``high`` inclusive."""

    def check(value: Any, pointer: str) -> Iterator[str]:
        if not isinstance(value, int) or isinstance(value, bool):
            yield error(pointer, "must be an integer")
        elif not low <= value <= high:
            yield error(pointer, f"must be between {low} and {high} (got {value})")

    return check


def pattern(regex: str, what: str) -> Check:
    """A string matching ``regex`` (``what`` names the format in the message)."""
    compiled = re.compile(regex)

    def check(value: Any, pointer: str) -> Iterator[str]:
        if not isinstance(value, str) or not compiled.fullmatch(value):
            yield error(pointer, f"must be {what}")

    return check


def boolean(value: Any, pointer: str) -> Iterator[str]:
    """A JSON boolean."""
    if not isinstance(value, bool):
        yield error(pointer, "must be a boolean")


def text(max_len: int, *, plain_only: bool = False) -> Check:
    """A text object (plain_text, or mrkdwn unless ``plain_only``) of at most ``max_len``."""
    kinds = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
    shape = Shape(
        required=("type", "text"),
        fields={"type": string(20, choices=kinds), "text": string(max_len), "emoji": boolean},
    )

    def check(value: Any, pointer: str) -> Iterator[str]:
        yield from shape.check(value, pointer)

    return check


def list_of(item: Check, max_items: int, *, min_items: int = 1) -> Check:
    """A list of ``min_items`` to ``max_items`` entries, each passing ``item``."""

    def check(value: Any, pointer: str) -> Iterator[str]:
        if not isinstance(value, list):
            yield error(pointer, "must be an array")
            return
        if not min_items <= len(value) <= max_items:
            yield error(pointer, f"must have {min_items} to {max_items} items (got {len(value)})")
        for index, entry in enumerate(value):
            yield from item(entry, f"{pointer}/{index}")

    return check


def one_of_types(table: Mapping[str, Shape], what: str) -> Check:
    """An object whose ``type`` names a shape in ``table``; the object must fit that shape."""

    def check(value: Any, pointer: str) -> Iterator[str]:
        if not isinstance(value, dict):
            yield error(pointer, f"must be a {what} object")
            return
        shape = table.get(value.get("type", ""))
        if shape is None:
            yield error(f"{pointer}/type", f"{value.get('type')!r} is not a valid {what} type")
            return
        yield from shape.check(value, pointer)

    return check


def lazy(get: Callable[[], Check]) -> Check:
    """Defer a check so the tables below can refer to one another."""

    def check(value: Any, pointer: str) -> Iterator[str]:
        yield from get()(value, pointer)

    return check


@dataclass(frozen=True)
class Shape:
    """An object: its required keys, one-of keys (at least one present) and checks per key."""

    fields: Mapping[str, Check] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    one_of: tuple[str, ...] = ()

    def check(self, value: Any, pointer: str) -> Iterator[str]:
        """Yield a message for each way ``value`` does not fit this shape."""
        if not isinstance(value, dict):
            yield error(pointer, "must be an object")
            return
        for key in self.required:
            if key not in value:
                yield error(f"{pointer}/{key}", "missing required field")
        if self.one_of and not any(key in value for key in self.one_of):
            yield error(pointer, f"must have one of: {', '.join(self.one_of)}")
        for key, check in self.fields.items():
            if key in value and value[key] is not None:
                yield from check(value[key], f"{pointer}/{key}")
