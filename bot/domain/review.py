"""The steering group's review of tracked actions, and their export as CSV. Pure."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.actions import Action

__all__ = ["ReviewSummary", "summarise", "actions_csv", "CSV_HEADER", "STALE_DAYS"]

STALE_DAYS = 30
CSV_HEADER = (
    "id", "title", "status", "owner", "creator", "due", "workstream", "created_at",
    "updated_at", "done_at", "changes", "notes", "permalink",
)


@dataclass(frozen=True)
class ReviewSummary:
    """Open actions sorted for a review: by workstream, and what needs attention."""

    today: date
    by_workstream: dict[str, list[Action]] = field(default_factory=dict)  # "" = none
    overdue: list[Action] = field(default_factory=list)
    due_this_week: list[Action] = field(default_factory=list)
    stale: list[Action] = field(default_factory=list)
    no_owner: list[Action] = field(default_factory=list)
    no_due: list[Action] = field(default_factory=list)

    @property
    def open(self) -> int:
        """How many actions are open."""
        return sum(len(actions) for actions in self.by_workstream.values())

    @property
    def counts(self) -> dict[str, int]:
        """The numbers, for a line or the App Home."""
        return {"open": self.open, "overdue": len(self.overdue),
                "due this week": len(self.due_this_week), "stale": len(self.stale),
                "without owner": len(self.no_owner), "without due date": len(self.no_due)}


def summarise(actions: list[Action], today: date, now: datetime) -> ReviewSummary:
    """Sort the open ones among ``actions`` for review.

    Due this week: from ``today`` to Sunday. Stale: no change in 30 days.
    """
    open_ = sorted((a for a in actions if a.status == "open"),
                   key=lambda a: (a.due is None, a.due or today, a.id))
    by_workstream: dict[str, list[Action]] = defaultdict(list)
    for action in open_:
        by_workstream[action.workstream or ""].append(action)
    sunday = today + timedelta(days=6 - today.weekday())
    stale_before = now - timedelta(days=STALE_DAYS)
    return ReviewSummary(
        today=today,
        by_workstream=dict(sorted(by_workstream.items(), key=lambda kv: (kv[0] == "", kv[0]))),
        overdue=[a for a in open_ if a.is_overdue(today)],
        due_this_week=[a for a in open_ if a.due and today <= a.due <= sunday],
        stale=[a for a in open_ if a.updated_at < stale_before],
        no_owner=[a for a in open_ if not a.owner_id],
        no_due=[a for a in open_ if a.due is None],
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
        writer.writerow([
            action.ref, _cell(action.title), action.status, action.owner_id or "",
            action.creator_id, action.due.isoformat() if action.due else "",
            action.workstream or "", _when(action.created_at, tz), _when(action.updated_at, tz),
            _when(action.done_at, tz), changes, _cell(action.notes), action.permalink or "",
        ])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
