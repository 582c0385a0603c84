"""A weeknote draft: a member's week (actions, reflections, follow-ups, posts) in Markdown.

Built from plain data, so the same function serves the ``/reflect weeknote`` command and
the blogging nudge. The draft is the member's own: their private reflections are in it,
and it goes to them alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.actions import Action
from bot.domain.feeds import Post
from bot.domain.nudges import Reminder
from bot.domain.reflections import Reflection
from bot.domain.text import plain_text

__all__ = [
    "NoteItem",
    "WeeknoteData",
    "MemberWeek",
    "build_weeknote",
    "weeknote_filename",
    "week_span",
    "weeknote_data",
]


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
        return not (self.done or self.started or self.reflections or self.follow_ups or self.posts)


def _line(item: NoteItem) -> str:
    text = f"[{item.text}]({item.link})" if item.link else item.text
    return f"- {text}" + (f" — {item.detail}" if item.detail else "")


def build_weeknote(data: WeeknoteData) -> str:
    """The draft, as Markdown with headings a blog editor keeps.

    >>> print(build_weeknote(WeeknoteData("Ana", date(2026, 11, 30), date(2026, 12, 6),
    ...       done=[NoteItem("Drafted the charter response")])).splitlines()[0])
    # Weeknote: 30 Nov – 6 Dec 2026
    """
    span = (
        f"{data.week_start:%-d %b} – {data.week_end:%-d %b %Y}"
        if data.week_start.year == data.week_end.year
        else f"{data.week_start:%-d %b %Y} – {data.week_end:%-d %b %Y}"
    )
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
    parts += [
        "## Next week",
        "",
        "- ",
        "",
        f"_Drafted by Nudge for {data.name}. Edit freely before you publish: private "
        "reflections are included because this draft is yours alone._",
    ]
    return "\n".join(parts) + "\n"


def weeknote_filename(week_start: date) -> str:
    """``weeknote-2026-11-30.md``."""
    return f"weeknote-{week_start.isoformat()}.md"


@dataclass(frozen=True)
class MemberWeek:
    """What ``storage.weeknotes.member_week`` gathers: the raw material of a weeknote."""

    done: list[Action] = field(default_factory=list)
    started: list[Action] = field(default_factory=list)
    reflections: list[Reflection] = field(default_factory=list)
    follow_ups: list[Reminder] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # user id -> name, for follow-ups


def week_span(
    now: datetime, tz: ZoneInfo, *, last: bool = False
) -> tuple[date, datetime, datetime]:
    """The member's week (Monday to Sunday in ``tz``): its Monday and its bounds in UTC.

    >>> from datetime import UTC
    >>> monday, start, end = week_span(datetime(2026, 12, 1, 10, tzinfo=UTC),
    ...                                ZoneInfo("America/New_York"))
    >>> monday, start.isoformat(), end.isoformat()
    (datetime.date(2026, 11, 30), '2026-11-30T05:00:00+00:00', '2026-12-07T05:00:00+00:00')
    """
    today = now.astimezone(tz).date()
    monday = today - timedelta(days=today.weekday() + (7 if last else 0))
    start = datetime.combine(monday, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=tz).astimezone(UTC)
    return monday, start, end


def _plain(text: str) -> str:
    """Stored text as words on one line (mentions ``@name``, links ``label (url)``, escapes
    undone): Markdown wants the characters themselves."""
    return plain_text(" ".join(text.split()))


def _action_detail(action: Action) -> str:
    return action.ref + (f" · #{action.workstream}" if action.workstream else "")


def weeknote_data(week: MemberWeek, name: str, monday: date) -> WeeknoteData:
    """The week as a weeknote's items: private reflections marked so, before anything is posted.

    >>> from datetime import UTC
    >>> at = datetime(2026, 12, 1, 10, tzinfo=UTC)
    >>> r = Reflection(3, "T1", "U1", "Silence helps", ("listening",), False, at, at)
    >>> [item] = weeknote_data(MemberWeek(reflections=[r]), "Ana", date(2026, 11, 30)).reflections
    >>> item.text, item.detail
    ('Silence helps', 'R3 · #listening · private: only you have seen it')
    """

    def reflection(r: Reflection) -> NoteItem:
        detail = [r.ref]
        if r.tags:
            detail.append(" ".join(f"#{tag}" for tag in r.tags))
        if r.action_id:
            detail.append(f"from A{r.action_id}")
        detail.append("shared" if r.shared else "private: only you have seen it")
        return NoteItem(_plain(r.text), detail=" · ".join(detail))

    def follow_up(f: Reminder) -> NoteItem:
        who = week.names.get(f.person_id or "") or _plain(f.person_name or "") or "someone"
        about = f" about {_plain(f.text)}" if f.text else ""
        return NoteItem(f"Followed up with {who}{about}", link=f.permalink)

    return WeeknoteData(
        name=name,
        week_start=monday,
        week_end=monday + timedelta(days=6),
        done=[NoteItem(_plain(a.title), a.permalink, _action_detail(a)) for a in week.done],
        started=[NoteItem(_plain(a.title), a.permalink, _action_detail(a)) for a in week.started],
        reflections=[reflection(r) for r in week.reflections],
        follow_ups=[follow_up(f) for f in week.follow_ups],
        posts=[NoteItem(_plain(p.title) or "Untitled post", p.link) for p in week.posts],
    )
