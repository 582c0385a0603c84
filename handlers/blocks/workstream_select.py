"""The workstream field of a form (an action, a meeting's rows): a select of the workstreams
kept, or a text field, and reading it back."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
)

from bot.domain.text import TAG_MAX
from bot.domain.workstreams import Workstream

__all__ = ["SELECT_MAX", "workstream_element", "selected_workstream"]

SELECT_MAX = 100  # Slack: options in a static select


def _option(workstream: Workstream) -> Option:
    return Option(
        text=PlainTextObject(text=f"#{workstream.tag} {workstream.title}"[:75]),
        value=workstream.tag,
    )


def workstream_element(
    workstreams: Sequence[Workstream],
    initial: str | None,
    action_id: str,
    *,
    most: int = SELECT_MAX,
) -> StaticSelectElement | PlainTextInputElement:
    """A form's workstream field: a select of the live workstreams (with ``initial`` chosen,
    when it is one), or a text field when none are kept (tags are free then) or more than
    ``most`` (at most a select's 100; the tag typed is checked with "did you mean" on submit).
    """
    live = [w for w in workstreams if not w.archived]
    if not live or len(live) > min(most, SELECT_MAX):
        return PlainTextInputElement(
            action_id=action_id,
            max_length=TAG_MAX + 1,
            initial_value=initial or None,
            placeholder=PlainTextObject(text="inclusion"),
        )
    options = [_option(w) for w in live]
    chosen = next((o for o, w in zip(options, live, strict=True) if w.tag == initial), None)
    return StaticSelectElement(
        action_id=action_id,
        placeholder=PlainTextObject(text="Pick a workstream"),
        options=options,
        initial_option=chosen,
    )


def selected_workstream(state: dict) -> str | None:
    """The workstream a form's field holds: the option picked, or the tag typed.

    >>> selected_workstream({"selected_option": {"value": "inclusion"}})
    'inclusion'
    >>> selected_workstream({"value": " #Skills "})
    '#Skills'
    """
    picked = (state.get("selected_option") or {}).get("value")
    typed = (state.get("value") or "").strip()
    return picked or typed or None
