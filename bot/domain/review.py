"""The steering group's review of tracked actions, and their export as CSV. Pure."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.actions import Action
from bot.domain.text import plain_text
from bot.domain.workstreams import Workstream

__all__ = [
    "ReviewSummary",
    "Attention",
    "WorkstreamCount",
    "ReviewWindow",
    "count_workstreams",
    "summarise",
    "actions_csv",
    "CSV_HEADER",
    "STALE_DAYS",
    "SHOWN",
]

STALE_DAYS = 30
SHOWN = 10  # actions kept in each list of a summary; the rest are only counted
CSV_HEADER = (
    "id",
    "title",
    "status",
    "owner",
    "creator",
    "due",
    "workstream",
    "created_at",
    "updated_at",
    "done_at",
    "changes",
    "notes",
    "permalink",
)


@dataclass(frozen=True)
class ReviewWindow:
    """The dates the review's rules compare with: this week runs from ``today`` to Sunday;
    an action is stale when nothing changed since ``stale_before``.

    >>> ReviewWindow.of(date(2026, 12, 1), datetime(2026, 12, 1, 10)).sunday
    datetime.date(2026, 12, 6)
    """

    today: date
    sunday: date
    stale_before: datetime

    @classmethod
    def of(cls, today: date, now: datetime) -> ReviewWindow:
        """The window for a review made at ``now``, on the steering member's ``today``."""
        return cls(
            today, today + timedelta(days=6 - today.weekday()), now - timedelta(days=STALE_DAYS)
        )


@dataclass(frozen=True)
class Attention:
    """One list the review draws attention to: its first actions, and how many in all."""

    actions: tuple[Action, ...] = ()
    total: int = 0

    def __bool__(self) -> bool:
        return self.total > 0


@dataclass(frozen=True)
class WorkstreamCount:
    """A workstream's open and overdue counts; ``name`` "" is actions without one. A
    workstream kept as a record has its ``title`` and ``lead_id`` (a free tag has neither)."""

    name: str
    open: int
    overdue: int
    title: str = ""
    lead_id: str | None = None


def count_workstreams(
    counted: dict[str, tuple[int, int]], workstreams: Sequence[Workstream] = ()
) -> tuple[WorkstreamCount, ...]:
    """Open and overdue counts by tag (``""``: no workstream), joined to the workstreams kept:
    each live one appears, with its title and lead, even with nothing open; free tags appear
    when they have open actions. Named ones by name, then "".

    >>> ws = Workstream(1, "T1", "inclusion", "Digital inclusion", "U0LEAD", None, "U1", now)
    >>> count_workstreams({"": (2, 0), "comms": (1, 1)}, [ws])  # doctest: +NORMALIZE_WHITESPACE
    (WorkstreamCount(name='comms', open=1, overdue=1, title='', lead_id=None),
     WorkstreamCount(name='inclusion', open=0, overdue=0, title='Digital inclusion',
                     lead_id='U0LEAD'),
     WorkstreamCount(name='', open=2, overdue=0, title='', lead_id=None))
    """
    kept = {w.tag: w for w in workstreams}
    names = set(counted) | {w.tag for w in workstreams if not w.archived}
    found = []
    for name in names:
        open_, overdue = counted.get(name, (0, 0))
        record = kept.get(name)
        found.append(
            WorkstreamCount(
                name,
                open_,
                overdue,
                record.title if record else "",
                record.lead_id if record else None,
            )
        )
    return tuple(sorted(found, key=lambda s: (s.name == "", s.name)))


@dataclass(frozen=True)
class ReviewSummary:
    """Open actions sorted for a review: counts by workstream, and what needs attention.

    Each list keeps its first :data:`SHOWN` actions (earliest due first) and its total,
    so a summary is the same size at ten actions or a hundred thousand.
    """

    today: date
    workstreams: tuple[WorkstreamCount, ...] = ()  # named ones by name, then "" (none)
    overdue: Attention = Attention()
    due_this_week: Attention = Attention()
    stale: Attention = Attention()
    no_owner: Attention = Attention()
    no_due: Attention = Attention()
    unplanned: int = 0  # without an owner or without a due date (or both)

    @property
    def open(self) -> int:
        """How many actions are open."""
        return sum(stream.open for stream in self.workstreams)

    @property
    def counts(self) -> dict[str, int]:
        """The numbers, for a line or the App Home."""
        return {
            "open": self.open,
            "overdue": self.overdue.total,
            "due this week": self.due_this_week.total,
            "stale": self.stale.total,
            "without owner": self.no_owner.total,
            "without due date": self.no_due.total,
        }


def by_due(action: Action) -> tuple:
    """The order of every list in a review: earliest due first, undated last, then by id."""
    return (action.due is None, action.due or date.min, action.id)


def summarise(
    actions: list[Action],
    today: date,
    now: datetime,
    shown: int = SHOWN,
    workstreams: Sequence[Workstream] = (),
) -> ReviewSummary:
    """Sort the open ones among ``actions`` for review: the rules, over actions in hand;
    every workstream kept (``workstreams``) shown with its lead.

    ``storage.review.review_summary`` applies the same rules in SQL over a whole team,
    and its tests check that both agree.
    """
    window = ReviewWindow.of(today, now)
    open_ = sorted((a for a in actions if a.status == "open"), key=by_due)

    def attention(chosen: list[Action]) -> Attention:
        return Attention(tuple(chosen[:shown]), len(chosen))

    streams: dict[str, list[Action]] = defaultdict(list)
    for action in open_:
        streams[action.workstream or ""].append(action)
    return ReviewSummary(
        today=today,
        workstreams=count_workstreams(
            {
                name: (len(group), sum(a.is_overdue(today) for a in group))
                for name, group in streams.items()
            },
            workstreams,
        ),
        overdue=attention([a for a in open_ if a.is_overdue(today)]),
        due_this_week=attention([a for a in open_ if a.due and today <= a.due <= window.sunday]),
        stale=attention([a for a in open_ if a.updated_at < window.stale_before]),
        no_owner=attention([a for a in open_ if not a.owner_id]),
        no_due=attention([a for a in open_ if a.due is None]),
        unplanned=sum(1 for a in open_ if not a.owner_id or a.due is None),
    )


def _cell(value: object) -> str:
    """A cell a spreadsheet shows as text: no formula injection (=, +, -, @ prefixed)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _when(moment: datetime | None, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else ""


def actions_csv(rows: list[tuple[Action, int]], tz: ZoneInfo) -> bytes:
    """Every action with its history fields, as CSV in UTF-8 with a byte-order mark.

    The BOM makes Excel read the file as UTF-8 (names with accents, emoji); LibreOffice
    and Google Sheets read it either way. Times are in the network's time zone.

    >>> actions_csv([], ZoneInfo("Europe/London"))[:3] == "\ufeff".encode()
    True
    """
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for action, changes in rows:
        writer.writerow(
            [
                action.ref,
                _cell(plain_text(action.title)),
                action.status,
                action.owner_id or "",
                action.creator_id,
                action.due.isoformat() if action.due else "",
                action.workstream or "",
                _when(action.created_at, tz),
                _when(action.updated_at, tz),
                _when(action.done_at, tz),
                changes,
                _cell(plain_text(action.notes)),
                action.permalink or "",
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
