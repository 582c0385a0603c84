"""A weeknote draft: a member's week (actions, reflections, follow-ups, posts) in Markdown.

Built from plain data, so the same function serves the ``/reflect weeknote`` command and
the blogging nudge. The draft is the member's own: their private reflections are in it,
and it goes to them alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

__all__ = ["NoteItem", "WeeknoteData", "build_weeknote", "weeknote_filename"]


@dataclass(frozen=True)
class NoteItem:
    """One line of the week: what, an optional link and an optional detail."""

    text: str
    link: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class WeeknoteData:
    """Everything of one member's week that a weeknote draws on."""

    name: str
    week_start: date
    week_end: date
    done: list[NoteItem] = field(default_factory=list)
    started: list[NoteItem] = field(default_factory=list)
    reflections: list[NoteItem] = field(default_factory=list)
    follow_ups: list[NoteItem] = field(default_factory=list)
    posts: list[NoteItem] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        """Nothing happened that the bot knows of."""
        return not (self.done or self.started or self.reflections or self.follow_ups
                    or self.posts)


def _line(item: NoteItem) -> str:
    text = f"[{item.text}]({item.link})" if item.link else item.text
    return f"- {text}" + (f" — {item.detail}" if item.detail else "")


def build_weeknote(data: WeeknoteData) -> str:
    """The draft, as Markdown with headings a blog editor keeps.

    >>> print(build_weeknote(WeeknoteData("Ana", date(2026, 11, 30), date(2026, 12, 6),
    ...       done=[NoteItem("Drafted the charter response")])).splitlines()[0])
    # Weeknote: 30 Nov – 6 Dec 2026
    """
    span = (f"{data.week_start:%-d %b} – {data.week_end:%-d %b %Y}"
            if data.week_start.year == data.week_end.year
            else f"{data.week_start:%-d %b %Y} – {data.week_end:%-d %b %Y}")
    parts = [f"# Weeknote: {span}", ""]
    if data.is_empty:
        parts += ["A quiet week, as far as Nudge knows. What happened that it didn't see?", ""]
    sections = [
        ("What I finished", data.done),
        ("What I started", data.started),
        ("Conversations I followed up", data.follow_ups),
        ("What I learned", data.reflections),
        ("What I published", data.posts),
    ]
    for heading, items in sections:
        if items:
            parts += [f"## {heading}", "", *(_line(i) for i in items), ""]
    parts += ["## Next week", "", "- ", "",
              f"_Drafted by Nudge for {data.name}. Edit freely before you publish: private "
              "reflections are included because this draft is yours alone._"]
    return "\n".join(parts) + "\n"


def weeknote_filename(week_start: date) -> str:
    """``weeknote-2026-11-30.md``."""
    return f"weeknote-{week_start.isoformat()}.md"
