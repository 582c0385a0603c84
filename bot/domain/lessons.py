"""The lessons library: the network's shared reflections, grouped by tag and by workstream.

Pure: it groups what ``storage.reflections.lessons`` read (shared reflections only, with
the workstream of the action each is linked to). A reflection appears under each of its
tags and under its action's workstream; one with neither is under "Other lessons".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.domain.reflections import Reflection

__all__ = ["Lesson", "LessonGroup", "group_lessons", "PER_GROUP", "MAX_GROUPS"]

PER_GROUP = 5
MAX_GROUPS = 12


@dataclass(frozen=True)
class Lesson:
    """A shared reflection and, when it came from an action, that action's id and workstream."""

    reflection: Reflection
    action_id: int | None = None
    action_title: str | None = None
    workstream: str | None = None

    @property
    def action_ref(self) -> str | None:
        """``A12``, or ``None`` when the lesson is not linked to an action."""
        return f"A{self.action_id}" if self.action_id else None


@dataclass(frozen=True)
class LessonGroup:
    """Lessons under one tag or workstream, newest first; ``total`` counts those left out too."""

    kind: Literal["tag", "workstream", "other"]
    name: str
    lessons: tuple[Lesson, ...]
    total: int

    @property
    def title(self) -> str:
        """``#influence``, ``#inclusion workstream`` or ``Other lessons``."""
        return {
            "tag": f"#{self.name}",
            "workstream": f"#{self.name} workstream",
            "other": "Other lessons",
        }[self.kind]


def group_lessons(
    lessons: list[Lesson],
    *,
    topic: str | None = None,
    per_group: int = PER_GROUP,
    max_groups: int = MAX_GROUPS,
) -> list[LessonGroup]:
    """Group ``lessons`` (newest first): tag groups, then workstream groups, then the rest.

    Within each kind, the group with the newest lesson comes first. With ``topic``, only
    the tag and the workstream of that name are shown.

    >>> from datetime import UTC, datetime
    >>> at = datetime(2026, 12, 1, tzinfo=UTC)
    >>> r = Reflection(1, "T1", "U1", "Ask first", ("influence",), True, at, at)
    >>> [g.title for g in group_lessons([Lesson(r, 12, "Charter", "inclusion")])]
    ['#influence', '#inclusion workstream']
    """
    keyed: dict[tuple[str, str], list[Lesson]] = {}
    for lesson in lessons:
        keys = [("tag", tag) for tag in lesson.reflection.tags]
        if lesson.workstream:
            keys.append(("workstream", lesson.workstream))
        for key in keys or [("other", "")]:
            keyed.setdefault(key, []).append(lesson)
    order = {"tag": 0, "workstream": 1, "other": 2}
    groups = [
        LessonGroup(kind, name, tuple(found[:per_group]), len(found))  # type: ignore[arg-type]
        for (kind, name), found in sorted(keyed.items(), key=lambda item: order[item[0][0]])
        if topic is None or name == topic
    ]
    return groups[:max_groups]
