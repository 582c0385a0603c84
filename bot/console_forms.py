"""Filling a modal at the console's prompt, field by field: pure functions of the view.

Each input block of a modal is a :class:`Field`; :func:`read_answer` reads what the person
typed for it the way Slack's own controls would let them choose (a person by name, a
channel by ``#name``, a choice by its number or its name, a date as the date picker gives
it), so the bot receives exactly what Slack would send.

>>> view = {"type": "modal", "blocks": [{"type": "input", "block_id": "b", "label":
...     {"type": "plain_text", "text": "Who can see it?"}, "element": {"type": "radio_buttons",
...     "action_id": "a", "options": [{"text": {"type": "plain_text", "text": "Private"},
...     "value": "private"}, {"text": {"type": "plain_text", "text": "Shared"}, "value":
...     "shared"}], "initial_option": {"text": {"type": "plain_text", "text": "Private"},
...     "value": "private"}}}]}
>>> [field] = form_fields(view)
>>> field.initial, read_answer(field, "2", field.initial, NO_LOOKUP).value
('private', 'shared')
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

__all__ = [
    "Answer",
    "Choice",
    "Field",
    "Lookup",
    "NO_LOOKUP",
    "KEEP",
    "EMPTY",
    "describe",
    "field_prompt",
    "form_fields",
    "read_answer",
    "choices_line",
]

KEEP = ""  # typed to keep what is shown
EMPTY = "-"  # typed to empty an optional field

TEXT = ("plain_text_input", "email_text_input", "url_text_input", "number_input")
PEOPLE = ("users_select", "multi_users_select")
CHANNELS = (
    "conversations_select",
    "multi_conversations_select",
    "channels_select",
    "multi_channels_select",
)
CHOICES = ("static_select", "multi_static_select", "radio_buttons", "checkboxes")
DATES = ("datepicker", "timepicker")
MANY = (
    "multi_users_select",
    "multi_conversations_select",
    "multi_channels_select",
    "multi_static_select",
    "checkboxes",
)
_INITIAL = {
    "users_select": "initial_user",
    "multi_users_select": "initial_users",
    "conversations_select": "initial_conversation",
    "multi_conversations_select": "initial_conversations",
    "channels_select": "initial_channel",
    "multi_channels_select": "initial_channels",
    "datepicker": "initial_date",
    "timepicker": "initial_time",
}
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


@dataclass(frozen=True)
class Choice:
    """An option of a select, radio group or checkbox group."""

    value: str
    label: str


@dataclass(frozen=True)
class Field:
    """One input of a modal: what to ask and how to read the answer."""

    block_id: str
    action_id: str
    label: str
    kind: str
    optional: bool = False
    initial: Any = None  # what Slack sends if the field is left as it is
    choices: tuple[Choice, ...] = ()
    placeholder: str = ""
    hint: str = ""
    max_length: int | None = None
    min_length: int | None = None

    @property
    def fillable(self) -> bool:
        """Whether the console can fill it (a file or rich text input it cannot)."""
        return self.kind in TEXT + PEOPLE + CHANNELS + CHOICES + DATES


@dataclass(frozen=True)
class Lookup:
    """Names to ids, for what a person types: ``user("pete")``, ``channel("news")``."""

    user: Callable[[str], str]
    channel: Callable[[str], str]


NO_LOOKUP = Lookup(user=lambda name: name, channel=lambda name: name)


@dataclass(frozen=True)
class Answer:
    """A field's value as Slack would send it, or why what was typed cannot be it."""

    value: Any = None
    error: str = ""


def _plain(obj: Any) -> str:
    return obj.get("text", "") if isinstance(obj, dict) else str(obj or "")


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    groups = element.get("option_groups") or []
    return list(element.get("options") or []) + [o for g in groups for o in g.get("options", [])]


def form_fields(view: dict[str, Any]) -> list[Field]:
    """The input blocks of ``view``, in order, as fields to ask for."""
    fields = []
    for block in view.get("blocks") or []:
        element = block.get("element")
        if block.get("type") != "input" or not isinstance(element, dict):
            continue
        kind = element.get("type", "plain_text_input")
        if kind in ("static_select", "radio_buttons"):
            initial = (element.get("initial_option") or {}).get("value")
        elif kind in ("multi_static_select", "checkboxes"):
            initial = [o.get("value") for o in element.get("initial_options") or []]
        elif kind in _INITIAL:
            initial = element.get(_INITIAL[kind])
        else:
            initial = element.get("initial_value")
        fields.append(
            Field(
                block_id=block.get("block_id", ""),
                action_id=element.get("action_id", ""),
                label=_plain(block.get("label")),
                kind=kind,
                optional=bool(block.get("optional")),
                initial=initial,
                choices=tuple(
                    Choice(str(o.get("value")), _plain(o.get("text"))) for o in _options(element)
                ),
                placeholder=_plain(element.get("placeholder")),
                hint=_plain(block.get("hint")),
                max_length=element.get("max_length"),
                min_length=element.get("min_length"),
            )
        )
    return fields


def describe(field: Field, value: Any, names: Mapping[str, str]) -> str:
    """A field's value as the form shows it: ``@pete``, ``#news``, a choice's label.

    >>> describe(Field("b", "a", "Owner", "users_select"), "U0PETE", {"U0PETE": "pete"})
    '@pete'
    """
    if value in (None, "", []):
        return ""
    values = value if isinstance(value, list) else [value]
    if field.kind in PEOPLE:
        shown = ["@" + names.get(v, v) for v in values]
    elif field.kind in CHANNELS:
        shown = ["#" + names.get(v, v) for v in values]
    elif field.kind in CHOICES:
        labels = {c.value: c.label for c in field.choices}
        shown = [labels.get(v, v) for v in values]
    else:
        shown = [str(v).replace("\n", " / ") for v in values]
    return ", ".join(shown)


def choices_line(field: Field) -> str:
    """The numbered choices of a select or group: ``1 Private · 2 Shared``."""
    return " · ".join(f"{n} {c.label}" for n, c in enumerate(field.choices, 1))


def field_prompt(field: Field, value: Any, names: Mapping[str, str]) -> str:
    """What the console asks for ``field``, showing the value Enter keeps.

    >>> field_prompt(Field("b", "due", "Due", "datepicker", optional=True), None, {})
    '  Due (optional, YYYY-MM-DD) › '
    >>> field_prompt(Field("b", "t", "Title", "plain_text_input"), "Plan it", {})
    '  Title [Plan it] › '
    """
    notes = ["optional"] if field.optional else []
    if field.kind == "datepicker":
        notes.append("YYYY-MM-DD")
    elif field.kind == "timepicker":
        notes.append("HH:MM")
    elif field.kind in MANY:
        notes.append("several, separated by commas")
    shown = describe(field, value, names)
    return (
        f"  {field.label}"
        + (f" ({', '.join(notes)})" if notes else "")
        + (f" [{shown}]" if shown else "")
        + " › "
    )


def read_answer(field: Field, typed: str, current: Any, lookup: Lookup) -> Answer:
    """What ``typed`` sets ``field`` to (``current`` if nothing was typed), as Slack sends it.

    >>> read_answer(Field("b", "t", "Title", "plain_text_input"), "", None, NO_LOOKUP).error
    'This field is required.'
    >>> read_answer(Field("b", "d", "Due", "datepicker"), "4 Dec", None, NO_LOOKUP).error
    'Type the date as YYYY-MM-DD, for example 2026-12-04.'
    """
    typed = typed.strip()
    if typed == KEEP:
        return _required(field, current)
    if typed == EMPTY:
        return _required(field, [] if field.kind in MANY else None)
    many = field.kind in MANY
    between = r"\s*,\s*" if field.kind in CHOICES else r"[,\s]+"  # a label may have spaces
    parts = [p for p in re.split(between, typed) if p] if many else [typed]
    if field.kind in TEXT:
        return _text(field, typed)
    if field.kind in PEOPLE:
        ids = [lookup.user(p.lstrip("@").lower()) for p in parts]
        return Answer(ids if many else ids[0])
    if field.kind in CHANNELS:
        ids = [lookup.channel(p.lstrip("#").lower()) for p in parts]
        return Answer(ids if many else ids[0])
    if field.kind in CHOICES:
        chosen = [_choice(field, p) for p in parts]
        wrong = next((c for c in chosen if isinstance(c, Answer)), None)
        if wrong is not None:
            return wrong
        return Answer(chosen if many else chosen[0])
    if field.kind == "datepicker":
        try:
            return Answer(date.fromisoformat(typed).isoformat())
        except ValueError:
            return Answer(error="Type the date as YYYY-MM-DD, for example 2026-12-04.")
    if field.kind == "timepicker":
        found = _TIME.fullmatch(typed)
        if not found:
            return Answer(error="Type the time as HH:MM, for example 09:30.")
        return Answer(f"{int(found[1]):02d}:{found[2]}")
    return Answer(error="The console cannot fill this kind of field; Enter leaves it.")


def _required(field: Field, value: Any) -> Answer:
    if not field.optional and value in (None, "", []):
        return Answer(error="This field is required.")
    return Answer(value)


def _text(field: Field, typed: str) -> Answer:
    if field.max_length and len(typed) > field.max_length:
        return Answer(error=f"Up to {field.max_length:,} characters here ({len(typed):,} typed).")
    if field.min_length and len(typed) < field.min_length:
        return Answer(error=f"At least {field.min_length:,} characters here.")
    if field.kind == "number_input" and not re.fullmatch(r"-?\d+(\.\d+)?", typed):
        return Answer(error="Type a number.")
    if field.kind == "email_text_input" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.\w+", typed):
        return Answer(error="Type an email address.")
    if field.kind == "url_text_input" and not re.match(r"https?://\S+$", typed):
        return Answer(error="Type a link starting with https://")
    return Answer(typed)


def _choice(field: Field, typed: str) -> str | Answer:
    """The value of the choice ``typed`` names: its number, its value, or its label's start."""
    if typed.isdigit() and 1 <= int(typed) <= len(field.choices):
        return field.choices[int(typed) - 1].value
    wanted = typed.lower()
    for test in (
        lambda c: c.value.lower() == wanted or c.label.lower() == wanted,
        lambda c: c.label.lower().startswith(wanted),
        lambda c: wanted in c.label.lower(),
    ):
        found = [c for c in field.choices if test(c)]
        if len(found) == 1:
            return found[0].value
        if len(found) > 1:
            return Answer(error=f"Which one? {choices_line(field)}")
    return Answer(error=f"Choose by number or name: {choices_line(field)}")
