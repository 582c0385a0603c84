"""Actions from a meeting: a message of minutes read into the rows of one form. Pure.

The message shortcut **Track actions from this message** reads the message line by line
(:func:`read_minutes`):

- If some lines are bullets (``-``, ``*``, ``•``, ``◦``, ``–``) or numbered (``1.``,
  ``1)``, ``(1)``, ``a)``), only those are read: minutes often have a heading and prose
  around the list of actions. Otherwise every line is. Blank lines, headings (a line that
  ends with ``:``, or is all in ``*bold*``) and lines without a letter are skipped;
  ``Action:``, ``AP:``, ``TODO:`` and a checkbox ``[ ]`` before a line are read past.
- The owner: a mention at the start (``@pete draft the reply``, ``<@U2>: draft…``,
  ``@pete to draft…``), or a member's name at the start before ``:``, ``-`` or ``to``
  (``Pete: draft the reply``, ``Pete to draft the reply``), or a mention where
  ``/action`` reads one (``Draft the reply @pete``, ``… owner @pete``). A name that is no
  member Nudge knows stays in the title ("Nicola: send the slides"): nothing is lost,
  and the form has the owner to pick.
- The due date and the ``#workstream``: as ``/action`` reads them (``by Friday``, ``next
  Tuesday``, ``#inclusion``), by the same parser. A line whose date cannot be read (``by
  Fridya``, a past date) keeps its words in the title, with the reason beside the row.

The form (``handlers.blocks.meetings``) holds :data:`MEETING_ROWS` rows: four inputs a row
(title, owner, due, workstream) and two blocks above them make 98 of Slack's 100 blocks
in a modal. A longer message's first 24 rows are shown, with how many were left out.
Rows left empty are skipped (:func:`drafts_from_form`); each action links back to the
message, and each owner is told once, of all their actions together (:func:`group_by`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain.actions import TITLE_MAX, Action, ActionDraft, parse_draft
from bot.domain.dates import check_due
from bot.domain.errors import ParseError
from bot.domain.text import Mention, take_mentions
from bot.domain.workstreams import check_known_tag, parse_tag

__all__ = [
    "MEETING_ROWS",
    "MinuteRow",
    "Minutes",
    "MeetingFields",
    "read_minutes",
    "drafts_from_form",
    "group_by",
]

MEETING_ROWS = 24
"""Rows in the meeting form: 24 × 4 inputs + a heading and a note = 98 of Slack's 100 blocks."""

_BULLET = re.compile(r"^\s*(?:[-*•◦▪‣–—]|\d{1,3}[.)]|\(\d{1,3}\)|[a-zA-Z][.)])\s+")
_CHECKBOX = re.compile(r"^\[\s?[xX ]?\]\s*")
_MARKER = re.compile(
    r"^(?:actions?(?:\s+points?)?|aps?|todo|to-do|to do|next steps?)\s*[:\-–]\s*", re.I
)
_LEADING_MENTION = re.compile(
    r"^(?P<who><@[UW][A-Z0-9]+(?:\|[^>]*)?>|@[\w.\-]{1,80})(?:\s*[:\-–—]\s*|\s+to\s+|\s+)"
)
_GAP = re.compile(r"^(?:\s*[:\-–—]\s*|\s+to\s+)", re.I)


@dataclass(frozen=True)
class MinuteRow:
    """One row of the meeting form, as read from a line of minutes."""

    title: str
    owner_id: str | None = None
    due: date | None = None
    workstream: str | None = None
    note: str = ""  # what could not be read, shown beside the row
    line: str = ""  # the line as written


@dataclass(frozen=True)
class Minutes:
    """The rows read from a message, and how many lines it had that could be actions."""

    rows: tuple[MinuteRow, ...]
    lines: int

    @property
    def left_out(self) -> int:
        """Lines beyond what the form holds."""
        return self.lines - len(self.rows)


@dataclass(frozen=True)
class MeetingFields:
    """One row of the meeting form as submitted (a date picked, a workstream chosen)."""

    title: str = ""
    owner_id: str | None = None
    due: date | None = None
    workstream: str | None = None

    @property
    def empty(self) -> bool:
        """Nothing filled in: the row is skipped."""
        return not (self.title.strip() or self.owner_id or self.due or self.workstream)


def _candidates(text: str) -> list[str]:
    """The lines that may be actions: the bullets if there are any, else every line."""
    lines = [line for line in (text or "").splitlines() if line.strip()]
    bullets = [line for line in lines if _BULLET.match(line)]
    chosen = bullets or lines
    found = []
    for line in chosen:
        line = _BULLET.sub("", line, count=1).strip()
        line = _MARKER.sub("", _CHECKBOX.sub("", line)).strip()
        if not re.search(r"[^\W\d_]", line):
            continue
        if line.endswith(":") or re.fullmatch(r"\*[^*]+\*|_[^_]+_", line):
            continue  # a heading
        found.append(line)
    return found


class _People:
    """Members by the names they are known by: a display name in full, or its first word
    when only one member has it."""

    def __init__(self, members: Mapping[str, str]) -> None:
        self.full = {" ".join(n.casefold().split()): uid for n, uid in members.items()}
        firsts: dict[str, set[str]] = {}
        for name, uid in members.items():
            if name.split():
                firsts.setdefault(name.split()[0].casefold(), set()).add(uid)
        self.first = {n: next(iter(ids)) for n, ids in firsts.items() if len(ids) == 1}

    def find(self, name: str) -> str | None:
        key = " ".join(name.casefold().lstrip("@").split())
        return self.full.get(key) or self.first.get(key)

    def resolve(self, mention: Mention | None) -> str | None:
        if mention is None:
            return None
        return mention.user_id or self.find(mention.name or "")


def _leading_owner(line: str, people: _People) -> tuple[str | None, str]:
    """A mention or a known member's name at the start of ``line``, and the rest: ``@pete
    draft it``, ``<@U2>: draft it``, ``Pete to draft it``, ``Pete Smith - draft it``."""
    if m := _LEADING_MENTION.match(line):
        owner = people.resolve(take_mentions(m["who"])[1][0])
        if owner is not None:
            return owner, line[m.end() :].strip()
    words = list(re.finditer(r"[^\W\d_][\w.'’\-]*", line[:80]))
    for n in range(1, min(3, len(words)) + 1):  # the shortest name first: "Pete to … to …"
        if words[0].start() != 0 or (
            n > 1 and line[words[n - 2].end() : words[n - 1].start()].strip()
        ):
            break
        gap = _GAP.match(line[words[n - 1].end() :])
        if gap and (owner := people.find(line[: words[n - 1].end()])):
            return owner, line[words[n - 1].end() + gap.end() :].strip()
    return None, line


def _row(line: str, now: datetime, tz: ZoneInfo, people: _People) -> MinuteRow:
    owner, rest = _leading_owner(line, people)
    try:
        draft = parse_draft(rest, now, tz)
    except ParseError as refused:
        note = refused.message
        if len(rest) > TITLE_MAX:
            note = f"The line was cut to {TITLE_MAX} characters."
        return MinuteRow(_capital(_clip(rest), rest is not line), owner, note=note, line=line)
    title = _capital(draft.title, rest is not line)
    owner = owner or people.resolve(draft.owner)
    note = draft.due_note if draft.due_note and "keeps the day" not in draft.due_note else ""
    return MinuteRow(title, owner, draft.due, draft.workstream, note, line)


def _capital(title: str, owner_taken: bool) -> str:
    """ "Pete: draft the reply" is the action "Draft the reply"."""
    return title[0].upper() + title[1:] if owner_taken and title[:1].islower() else title


def _clip(text: str, limit: int = TITLE_MAX) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + "…"


def read_minutes(
    text: str,
    now: datetime,
    tz: ZoneInfo,
    members: Mapping[str, str] | None = None,
    *,
    limit: int = MEETING_ROWS,
) -> Minutes:
    """The rows of the meeting form for a message of minutes; ``members`` maps the names
    members are known by (their Slack display names) to their ids.

    >>> minutes = read_minutes(
    ...     "Steering group, 1 Dec\\n- <@U0PETE> to draft the reply by Friday #inclusion\\n"
    ...     "- Ana: book the room\\n- Send Nicola the slides", now, tz, {"ana": "U0ANA"})
    >>> [(r.title, r.owner_id, r.due, r.workstream) for r in minutes.rows]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('Draft the reply', 'U0PETE', datetime.date(2026, 12, 4), 'inclusion'),
     ('Book the room', 'U0ANA', None, None), ('Send Nicola the slides', None, None, None)]
    """
    people = _People(members or {})
    lines = _candidates(text)
    return Minutes(tuple(_row(line, now, tz, people) for line in lines[:limit]), len(lines))


def drafts_from_form(
    fields: Sequence[MeetingFields],
    now: datetime,
    tz: ZoneInfo,
    *,
    live_tags: Collection[str] = (),
    archived_tags: Collection[str] = (),
) -> tuple[list[tuple[int, ActionDraft, str | None]], dict[tuple[int, str], str]]:
    """The actions the form's rows make, and what is wrong, by (row, field).

    Each filled row gives ``(row, draft, owner_id)``; an empty row is skipped. A row with
    an owner, a date or a workstream but no title, a title too long, a date in the past
    or a workstream that is not a live one is refused at its field ("title", "due",
    "workstream"), and then nothing is stored at all (the form shows every reason).

    >>> rows = [MeetingFields("Draft the reply", "U0PETE"), MeetingFields(), MeetingFields(
    ...     "", due=date(2026, 12, 4))]
    >>> drafts, errors = drafts_from_form(rows, now, tz)
    >>> [(n, d.title, owner) for n, d, owner in drafts], errors
    ([(0, 'Draft the reply', 'U0PETE')], {(2, 'title'): 'What needs doing? Give it a title, \
or clear the row.'})
    """
    drafts: list[tuple[int, ActionDraft, str | None]] = []
    errors: dict[tuple[int, str], str] = {}
    for number, row in enumerate(fields):
        if row.empty:
            continue
        title = " ".join(row.title.split())
        if not title:
            errors[(number, "title")] = "What needs doing? Give it a title, or clear the row."
        elif len(title) > TITLE_MAX:
            errors[(number, "title")] = f"A title can be up to {TITLE_MAX} characters."
        if row.due is not None:
            try:
                check_due(row.due, now, tz)
            except ParseError as refused:
                errors[(number, "due")] = refused.message
        tag = None
        if row.workstream:
            try:
                tag = parse_tag("#" + row.workstream.strip().lstrip("#"))
                check_known_tag(tag, live_tags, archived=archived_tags)
            except ParseError as refused:
                errors[(number, "workstream")] = refused.message
        if not any(key[0] == number for key in errors):
            drafts.append((number, ActionDraft(title, None, row.due, tag), row.owner_id))
    return drafts, errors


def group_by(
    actions: Sequence[Action], whom: Mapping[int, str | None], actor_id: str
) -> dict[str, list[Action]]:
    """The actions each person is to hear of, in one message each: ``whom`` names, per
    action id, the person (its owner, or its workstream's lead); the member who tracked
    them hears of none.

    >>> a = lambda n: Action(n, "T1", f"A{n}", "U0PETE", "U0ANA", None, None, "", None, "open",
    ...                      now, now)
    >>> {k: [x.id for x in v] for k, v in group_by([a(1), a(2), a(3)],
    ...     {1: "U0PETE", 2: "U0PETE", 3: "U0ANA"}, "U0ANA").items()}
    {'U0PETE': [1, 2]}
    """
    found: dict[str, list[Action]] = {}
    for action in actions:
        person = whom.get(action.id)
        if person and person != actor_id:
            found.setdefault(person, []).append(action)
    return found
