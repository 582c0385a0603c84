"""Conversations and cadences ("stay in touch"), read only through the privacy rule.

Every read of a conversation goes through :func:`_select` (``storage.privacy``): its author
sees it, anyone sees it once it is shared, and no role widens that, the steering group's
included. The digest's counts (:func:`shared_counts`) and the map (:func:`organisation_map`)
read with no viewer, so they can only see shared conversations.

Who a conversation is with is kept three ways: ``person_id`` for a member, ``person_name``
(and ``organisation``) for anyone else, and ``person_key`` for finding one person's
conversations, follow-ups and cadence together (``bot.domain.contacts.person_key``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from bot.domain.contacts import Person, person_key
from bot.domain.conversations import (
    MAP_DAYS,
    Cadence,
    Conversation,
    ConversationCounts,
    ConversationDraft,
    Every,
    OrganisationSummary,
    PersonSummary,
    cadence_due_at,
    organisation_key,
    tally_organisations,
)
from bot.domain.errors import NotAllowed, NotFound
from bot.domain.nudges import Reminder
from bot.domain.quiet import plan_delivery
from storage import privacy
from storage import reminders as reminder_store
from storage.codec import decode_time, encode_time
from storage.db import immediate

__all__ = [
    "Logged",
    "add",
    "get",
    "listing",
    "set_shared",
    "delete",
    "people",
    "organisation_map",
    "shared_counts",
    "authored_rows",
    "stay_in_touch",
    "stop_staying_in_touch",
    "cadences_of",
    "cadences_due",
    "cadence_of",
    "last_contact",
    "mark_nudged",
]

PEOPLE_MAX = 200  # people /conversation people reads (the rest are counted)


def _conversation(row: dict) -> Conversation:
    return Conversation(
        id=row["id"],
        team_id=row["team_id"],
        author_id=row["author_id"],
        person_id=row["person_id"],
        person_name=row["person_name"],
        organisation=row["organisation"],
        topic=row["topic"],
        tags=tuple(row["tags"].split()),
        shared=bool(row["shared"]),
        created_at=decode_time(row["created_at"]),
        updated_at=decode_time(row["updated_at"]),
        shared_at=decode_time(row["shared_at"]),
        reminder_id=row["reminder_id"],
    )


def _select(db: Database, team_id: str, viewer_id: str | None, **query) -> list[dict]:
    """Rows visible to ``viewer_id``: the only way conversations are read."""
    return privacy.select(db, "conversations c", "c", team_id, viewer_id, **query)


def _who(person: Person, person_id: str | None) -> tuple[str | None, str | None, str]:
    """(person_id, person_name, person_key) of ``person``; a member needs their Slack id."""
    if person.member is not None:
        person_id = person_id or person.member.user_id
        if not person_id:
            raise ValueError("a member must be resolved to their Slack id first")
        return person_id, None, person_key(person_id, None)
    return None, person.name, person_key(None, person.name)


@dataclass(frozen=True)
class Logged:
    """A conversation just recorded, and the follow-up reminder it asked for (if any), with
    the reason that reminder was moved out of quiet hours (empty if it was not)."""

    conversation: Conversation
    follow_up: Reminder | None = None
    moved: str = ""


def add(
    db: Database,
    team_id: str,
    author_id: str,
    draft: ConversationDraft,
    now: datetime,
    *,
    tz: str,
    person_id: str | None = None,
    reminder_id: int | None = None,
) -> Logged:
    """Record a conversation (and its follow-up reminder, in the same transaction).

    ``person_id`` is the member's Slack id when the draft names a member by a plain
    ``@name``; ``reminder_id`` links the conversation to the author's follow-up it answers
    ("How did it go?").

    >>> from bot.domain.contacts import Person
    >>> add(db, "T1", "U1", ConversationDraft(Person(name="Nicola Gill")), now,
    ...     tz="Europe/London").conversation.ref
    'C1'
    """
    pid, name, key = _who(draft.person, person_id)
    with immediate(db):
        if reminder_id is not None:
            linked = reminder_store.get(db, team_id, reminder_id, author_id)
            if linked.kind != "follow_up":
                raise NotFound(f"{linked.ref} is no follow-up.", example="/nudge list")
        table = db.table("conversations")
        table.insert(
            {
                "team_id": team_id,
                "author_id": author_id,
                "person_id": pid,
                "person_name": name,
                "person_key": key,
                "organisation": draft.person.organisation,
                "topic": draft.topic,
                "tags": " ".join(draft.tags),
                "shared": int(draft.shared),
                "reminder_id": reminder_id,
                "created_at": encode_time(now),
                "updated_at": encode_time(now),
                "shared_at": encode_time(now) if draft.shared else None,
            }
        )
        conversation_id = table.last_pk
        follow_up, moved = None, ""
        if draft.follow_up is not None:
            when = draft.follow_up
            planned = plan_delivery(when.first, ZoneInfo(tz), explicit=when.explicit_time, now=now)
            follow_up = reminder_store.add(
                db,
                team_id=team_id,
                user_id=author_id,
                kind="follow_up",
                text=draft.topic,
                tz=tz,
                first=planned.at,
                recurrence=None,
                now=now,
                person_id=pid,
                person_name=name,
                person_org=draft.person.organisation,
                explicit_time=when.explicit_time,
            )
            moved = planned.reason
    return Logged(get(db, team_id, author_id, conversation_id), follow_up, moved)


def get(db: Database, team_id: str, viewer_id: str, conversation_id: int) -> Conversation:
    """The conversation if ``viewer_id`` may see it, else :class:`NotFound` (a private one
    stays hidden: it is not said to exist)."""
    rows = _select(db, team_id, viewer_id, where="c.id = :id", params={"id": conversation_id})
    if not rows:
        raise NotFound(
            f"There's no conversation C{conversation_id} that you can see.",
            example="/conversation list",
        )
    return _conversation(rows[0])


def listing(
    db: Database,
    team_id: str,
    viewer_id: str,
    *,
    everyone: bool = False,
    tag: str | None = None,
    limit: int = 20,
) -> tuple[list[Conversation], int]:
    """The viewer's own conversations (``everyone``: and the network's shared ones), newest
    first, and how many in all.

    >>> listing(db, "T1", "U1")
    ([], 0)
    """
    clauses, params = ["1"], {}
    if not everyone:
        clauses.append("c.author_id = :viewer")
    if tag:
        clauses.append("instr(' ' || c.tags || ' ', :tag) > 0")
        params["tag"] = f" {tag} "
    where = " AND ".join(clauses)
    rows = _select(db, team_id, viewer_id, where=where, params=params, limit=limit)
    total = privacy.count(
        db, "conversations c", "c", team_id, viewer_id, where=where, params=params
    )
    return [_conversation(r) for r in rows], total


def _own(
    db: Database, team_id: str, author_id: str, conversation_id: int, verb: str
) -> Conversation:
    found = get(db, team_id, author_id, conversation_id)
    if found.author_id != author_id:
        raise NotAllowed(f"{found.ref} is <@{found.author_id}>'s: only its author can {verb} it.")
    return found


def set_shared(
    db: Database,
    team_id: str,
    author_id: str,
    conversation_id: int,
    shared: bool,
    now: datetime,
) -> Conversation:
    """Share a conversation with the network, or make it private again; author only."""
    with immediate(db):
        _own(db, team_id, author_id, conversation_id, "share" if shared else "unshare")
        db.table("conversations").update(
            conversation_id,
            {
                "shared": int(shared),
                "shared_at": encode_time(now) if shared else None,
                "updated_at": encode_time(now),
            },
        )
    return get(db, team_id, author_id, conversation_id)


def delete(db: Database, team_id: str, author_id: str, conversation_id: int) -> Conversation:
    """Delete a conversation for good; author only."""
    with immediate(db):
        found = _own(db, team_id, author_id, conversation_id, "delete")
        db.table("conversations").delete(conversation_id)
    return found


def _last_contacts(db: Database, team_id: str, author_id: str) -> dict[str, dict]:
    """Per person the author talked with: how many times, when last, and the latest row."""
    rows = _select(
        db,
        team_id,
        author_id,
        where="c.author_id = :viewer",
        columns="c.person_key AS key, count(*) AS n, max(c.created_at) AS last_at, "
        "max(c.id) AS latest",
        group="c.person_key",
        order="last_at DESC",
    )
    latest = {
        row["id"]: row
        for start in range(0, len(rows), 500)
        for row in _select(
            db,
            team_id,
            author_id,
            where="c.author_id = :viewer AND c.id IN ("
            + ", ".join(str(int(r["latest"])) for r in rows[start : start + 500])
            + ")",
        )
    }
    return {r["key"]: {**r, "row": latest.get(r["latest"])} for r in rows}


def people(
    db: Database, team_id: str, author_id: str, limit: int = PEOPLE_MAX
) -> tuple[list[PersonSummary], int]:
    """``/conversation people``: everyone the author talked with, has a follow-up with or
    keeps in touch with; when last, the next follow-up, the cadence and when it falls due.

    Most recently talked with first; people with a follow-up or cadence but no conversation
    yet come last, soonest due first.

    >>> people(db, "T1", "U1")
    ([], 0)
    """
    contacts = _last_contacts(db, team_id, author_id)
    follow_ups = {
        r["person_key"]: r
        for r in db.query(
            "SELECT person_key, person_id, person_name, person_org, min(next_at) AS next_at "
            "FROM reminders WHERE team_id = ? AND user_id = ? AND kind = 'follow_up' "
            "AND status = 'active' AND next_at IS NOT NULL AND person_key IS NOT NULL "
            "GROUP BY person_key",
            [team_id, author_id],
        )
    }
    cadences = _cadences_by_key(db, team_id, author_id)
    found = []
    for key in {*contacts, *follow_ups, *cadences}:
        talked = contacts.get(key)
        row = (talked or {}).get("row") or {}
        follow = follow_ups.get(key) or {}
        cadence = cadences.get(key)
        last_at = decode_time(talked["last_at"]) if talked else None
        found.append(
            PersonSummary(
                person_id=row.get("person_id") or follow.get("person_id") or _id_of(cadence),
                person_name=row.get("person_name")
                or follow.get("person_name")
                or (cadence.person_name if cadence else None),
                organisation=row.get("organisation")
                or follow.get("person_org")
                or (cadence.organisation if cadence else None),
                conversations=talked["n"] if talked else 0,
                last_at=last_at,
                next_follow_up=decode_time(follow.get("next_at")),
                cadence=cadence.every if cadence else None,
                cadence_due=cadence_due_at(
                    cadence.every,
                    ZoneInfo(cadence.tz),
                    started_at=cadence.started_at,
                    last_contact=last_at,
                    nudged_at=cadence.nudged_at,
                )
                if cadence
                else None,
            )
        )

    def order(p: PersonSummary) -> tuple:
        """Talked with, most recently first; then the rest, soonest due first."""
        if p.last_at is not None:
            return (0, -p.last_at.timestamp(), p.person_name or p.person_id or "")
        due = [t.timestamp() for t in (p.next_follow_up, p.cadence_due) if t is not None]
        return (1, min(due, default=float("inf")), p.person_name or p.person_id or "")

    found.sort(key=order)
    return found[:limit], len(found)


def _id_of(cadence: Cadence | None) -> str | None:
    return cadence.person_id if cadence else None


def organisation_map(
    db: Database, team_id: str, now: datetime, days: int = MAP_DAYS
) -> list[OrganisationSummary]:
    """``/conversation map``: the organisations the network talked with in the last ``days``
    days, from shared conversations only, most recently first.

    >>> organisation_map(db, "T1", now)
    []
    """
    rows = _select(
        db,
        team_id,
        None,  # no viewer: shared conversations only
        where="c.organisation IS NOT NULL AND c.created_at >= :since",
        params={"since": encode_time(now - timedelta(days=days))},
        columns="c.organisation, c.author_id, c.created_at",
        order="c.created_at DESC",
    )
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(organisation_key(row["organisation"]), []).append(row)
    found = [
        OrganisationSummary(
            organisation=tally_organisations([r["organisation"] for r in group])[0][0],
            conversations=len(group),
            members=len({r["author_id"] for r in group}),
            last_at=decode_time(group[0]["created_at"]),
        )
        for group in groups.values()
    ]
    return sorted(found, key=lambda o: (-o.last_at.timestamp(), o.organisation.casefold()))


def shared_counts(
    db: Database, team_id: str, start: datetime, end: datetime
) -> ConversationCounts | None:
    """The digest's "Conversations": those shared in ``start < t <= end`` (never a private
    one: read with no viewer), by how many members, with which organisations.

    >>> shared_counts(db, "T1", now - timedelta(days=7), now) is None
    True
    """
    rows = _select(
        db,
        team_id,
        None,
        where="c.shared_at > :start AND c.shared_at <= :end",
        params={"start": encode_time(start), "end": encode_time(end)},
        columns="c.author_id, c.organisation",
        order="c.shared_at, c.id",
    )
    if not rows:
        return None
    return ConversationCounts(
        shared=len(rows),
        members=len({r["author_id"] for r in rows}),
        organisations=tally_organisations([r["organisation"] for r in rows if r["organisation"]]),
    )


def authored_rows(db: Database, team_id: str, author_id: str) -> list[dict]:
    """Every conversation ``author_id`` recorded, private ones included, as stored (their
    export), read through the privacy rule with the author as viewer."""
    rows = _select(db, team_id, author_id, where="c.author_id = :viewer", order="c.id")
    return [{**row, "shared": bool(row["shared"])} for row in rows]


# --- cadences: "stay in touch" ------------------------------------------------------------


def _cadence(row: dict) -> Cadence:
    return Cadence(
        id=row["id"],
        team_id=row["team_id"],
        user_id=row["user_id"],
        person_id=row["person_id"],
        person_name=row["person_name"],
        organisation=row["organisation"],
        every=Every(row["every_n"], row["every_unit"]),
        tz=row["tz"],
        started_at=decode_time(row["started_at"]),
        nudged_at=decode_time(row["nudged_at"]),
    )


def _cadences_by_key(db: Database, team_id: str, user_id: str) -> dict[str, Cadence]:
    rows = db.table("cadences").rows_where(
        "team_id = ? AND user_id = ?", [team_id, user_id], order_by="id"
    )
    return {row["person_key"]: _cadence(row) for row in rows}


def stay_in_touch(
    db: Database,
    team_id: str,
    user_id: str,
    person: Person,
    every: Every,
    tz: str,
    now: datetime,
    *,
    person_id: str | None = None,
) -> Cadence:
    """Keep in touch with ``person`` every so often: set (or change) the cadence, from now.

    >>> from bot.domain.contacts import Person
    >>> stay_in_touch(db, "T1", "U1", Person(name="Nicola Gill"), Every(6, "week"),
    ...               "Europe/London", now).every.describe()
    'every 6 weeks'
    """
    pid, name, key = _who(person, person_id)
    with immediate(db):
        db.table("cadences").upsert(
            {
                "team_id": team_id,
                "user_id": user_id,
                "person_key": key,
                "person_id": pid,
                "person_name": name,
                "organisation": person.organisation,
                "every_n": every.n,
                "every_unit": every.unit,
                "tz": tz,
                "started_at": encode_time(now),
                "nudged_at": None,
            },
            pk=("team_id", "user_id", "person_key"),
        )
    return _cadences_by_key(db, team_id, user_id)[key]


def stop_staying_in_touch(
    db: Database, team_id: str, user_id: str, person: Person, *, person_id: str | None = None
) -> Cadence:
    """Stop the cadence with ``person``; :class:`NotFound` if there is none."""
    pid, name, key = _who(person, person_id)
    with immediate(db):
        found = _cadences_by_key(db, team_id, user_id).get(key)
        if found is None:
            raise NotFound(
                f"You're not keeping in touch with {person} on a cadence.",
                example="/conversation people",
            )
        db.table("cadences").delete(found.id)
    return found


def cadences_of(db: Database, team_id: str, user_id: str) -> list[Cadence]:
    """A member's cadences, oldest first."""
    return list(_cadences_by_key(db, team_id, user_id).values())


def cadences_due(db: Database, now: datetime) -> list[tuple[Cadence, datetime]]:
    """Every workspace's cadences that have lapsed by ``now``, each with when it fell due
    (the moment its nudge's delivery key names): no conversation with the person was logged
    for the whole period since the cadence started, the last conversation, or the last nudge.
    """
    cadences = [_cadence(row) for row in db.table("cadences").rows_where(order_by="id")]
    found = []
    last: dict[tuple[str, str], dict[str, dict]] = {}
    for cadence in cadences:
        owner = (cadence.team_id, cadence.user_id)
        if owner not in last:
            last[owner] = _last_contacts(db, *owner)
        key = person_key(cadence.person_id, cadence.person_name)
        talked = last[owner].get(key)
        due = cadence_due_at(
            cadence.every,
            ZoneInfo(cadence.tz),
            started_at=cadence.started_at,
            last_contact=decode_time(talked["last_at"]) if talked else None,
            nudged_at=cadence.nudged_at,
        )
        if due <= now:
            found.append((cadence, due))
    return found


def cadence_of(db: Database, team_id: str, user_id: str, cadence_id: int) -> Cadence:
    """One of the member's cadences by id, else :class:`NotFound` (another's is not said)."""
    found = next((c for c in cadences_of(db, team_id, user_id) if c.id == cadence_id), None)
    if found is None:
        raise NotFound(
            "You're not keeping in touch with anyone on that cadence.",
            example="/conversation people",
        )
    return found


def last_contact(db: Database, cadence: Cadence) -> datetime | None:
    """When the cadence's member last recorded a conversation with its person, if ever."""
    key = person_key(cadence.person_id, cadence.person_name)
    talked = _last_contacts(db, cadence.team_id, cadence.user_id).get(key)
    return decode_time(talked["last_at"]) if talked else None


def mark_nudged(db: Database, cadence: Cadence, now: datetime) -> None:
    """The cadence's nudge went out: its next period starts now."""
    with immediate(db):
        db.table("cadences").update(cadence.id, {"nudged_at": encode_time(now)})
