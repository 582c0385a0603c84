"""Reflections, read only through the privacy rule of ``storage.privacy``.

Every read goes through :func:`_select`, which applies :data:`VISIBLE` (the rule of
``storage.privacy``, which conversations follow too): a reflection is seen by its author,
or by anyone once it is shared. The rule takes a viewer and nothing else: no role can
widen it, so the steering group sees exactly what any member sees. The digest asks
through :func:`shared_between`, :func:`shared_for_actions` and :func:`lessons`, which
have no viewer at all and so can only get shared reflections. A new surface (an export,
a digest section, a home tab) reads through these functions and inherits the rule.

Search uses the ``reflections_fts`` index (FTS5, Porter stemming) kept in step by
triggers, ranked by bm25 with tags weighted twice. The index also holds who may see each
reflection (its ``audience``, derived from the same two facts as :data:`VISIBLE`), so
a search ranks and counts only what the searcher may see; the hits shown are read
through :func:`_select` like everything else.
"""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from bot.domain.errors import NotAllowed, NotFound
from bot.domain.lessons import Lesson
from bot.domain.reflections import Found, Reflection, ReflectionDraft
from storage import privacy
from storage.codec import decode_time, encode_time
from storage.db import immediate

__all__ = [
    "VISIBLE",
    "add",
    "get",
    "visible",
    "search",
    "set_shared",
    "delete",
    "shared_between",
    "last_shared_at",
    "for_action",
    "shared_for_actions",
    "written_between",
    "lessons",
    "count_lessons",
    "authored_rows",
]

VISIBLE = privacy.visible("r")
"""The privacy rule over reflections, as SQL: shared, or written by the viewer (a ``NULL``
viewer: shared only)."""


def _reflection(row: dict) -> Reflection:
    return Reflection(
        id=row["id"],
        team_id=row["team_id"],
        author_id=row["author_id"],
        text=row["text"],
        tags=tuple(row["tags"].split()),
        shared=bool(row["shared"]),
        created_at=decode_time(row["created_at"]),
        updated_at=decode_time(row["updated_at"]),
        shared_at=decode_time(row["shared_at"]),
        action_id=row["action_id"],
    )


def _select(
    db: Database,
    team_id: str,
    viewer_id: str | None,
    *,
    where: str = "1",
    params: dict | None = None,
    select: str = "r.*",
    source: str = "reflections r",
    order: str = "r.id DESC",
    limit: int | None = None,
) -> list[dict]:
    """Rows visible to ``viewer_id``: the only way reflections are read."""
    return privacy.select(
        db,
        source,
        "r",
        team_id,
        viewer_id,
        where=where,
        params=params,
        columns=select,
        order=order,
        limit=limit,
    )


def _count(
    db: Database,
    team_id: str,
    viewer_id: str | None,
    *,
    where: str = "1",
    params: dict | None = None,
    source: str = "reflections r",
) -> int:
    """How many visible rows match (over the ``reflections_audience`` index, m010)."""
    return privacy.count(db, source, "r", team_id, viewer_id, where=where, params=params)


def add(
    db: Database,
    team_id: str,
    author_id: str,
    draft: ReflectionDraft,
    now: datetime,
    *,
    action_id: int | None = None,
) -> Reflection:
    """Store a new reflection by ``author_id``, learned from action ``action_id`` if given.

    >>> add(db, "T1", "U1", ReflectionDraft("Listening beats talking"), now).ref  # doctest: +SKIP
    'R1'
    """
    table = db.table("reflections")
    with immediate(db):
        if action_id is not None and not db.table("actions").count_where(
            "id = ? AND team_id = ?", [action_id, team_id]
        ):
            raise NotFound(f"There's no action A{action_id}.", example="/action list")
        table.insert(
            {
                "team_id": team_id,
                "author_id": author_id,
                "text": draft.text,
                "tags": " ".join(draft.tags),
                "shared": int(draft.shared),
                "created_at": encode_time(now),
                "updated_at": encode_time(now),
                "shared_at": encode_time(now) if draft.shared else None,
                "action_id": action_id,
            }
        )
        reflection_id = table.last_pk
    return get(db, team_id, author_id, reflection_id)


def get(db: Database, team_id: str, viewer_id: str, reflection_id: int) -> Reflection:
    """The reflection if ``viewer_id`` may see it, else :class:`NotFound` (private stays hidden)."""
    rows = _select(db, team_id, viewer_id, where="r.id = :id", params={"id": reflection_id})
    if not rows:
        raise NotFound(
            f"There's no reflection R{reflection_id} that you can see.", example="/reflect list"
        )
    return _reflection(rows[0])


def visible(
    db: Database,
    team_id: str,
    viewer_id: str,
    *,
    tag: str | None = None,
    mine: bool = False,
    limit: int = 20,
) -> tuple[list[Reflection], int]:
    """What ``viewer_id`` may see (``mine``: only their own), newest first, and how many in all.

    >>> visible(db, "T1", "U1", tag="influence")  # doctest: +SKIP
    ([Reflection(id=3, ...)], 1)
    """
    clauses, params = ["1"], {}
    if tag:
        clauses.append("instr(' ' || r.tags || ' ', :tag) > 0")
        params["tag"] = f" {tag} "
    if mine:
        clauses.append("r.author_id = :viewer")
    where = " AND ".join(clauses)
    rows = _select(db, team_id, viewer_id, where=where, params=params, limit=limit)
    return [_reflection(r) for r in rows], _count(
        db, team_id, viewer_id, where=where, params=params
    )


# CROSS JOIN makes SQLite start from the index's matches; left to choose, it may walk every
# visible reflection and probe the index for each (20,000 reflections: 150 ms, not 1 ms).
_FTS = "reflections_fts CROSS JOIN reflections r ON r.id = reflections_fts.rowid"


def _phrases(words: tuple[str, ...]) -> str:
    """FTS5 phrases, one per word; quoting keeps operators and punctuation literal."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


def _match(team_id: str, viewer_id: str | None, terms: tuple[str, ...]) -> str:
    """An FTS5 query: every term in the text or tags, among the reflections ``viewer_id``
    may see by the index's ``audience`` words (migration m011 spells them): the team's
    shared ones and the viewer's own private ones, as :data:`VISIBLE` says.

    >>> _match("T1", "U2", ("open", "questions"))
    '{text tags} : ("open" "questions") AND audience : ("5431h0" OR "5431g55320")'
    """
    team = team_id.encode().hex()
    audiences = [f"{team}h0"] + ([f"{team}g{viewer_id.encode().hex()}0"] if viewer_id else [])
    return (
        f"{{text tags}} : ({_phrases(terms)}) AND audience : "
        f"({' OR '.join(_phrases((a,)) for a in audiences)})"
    )


def search(
    db: Database, team_id: str, viewer_id: str, terms: tuple[str, ...], *, limit: int = 10
) -> tuple[list[Found], int]:
    """Full-text search of what ``viewer_id`` may see, best match first, and how many in all.

    Words match by their stem (``conversation`` finds ``conversations``); each hit
    comes with a snippet in which the matching words are ``*bold*``.

    The index ranks (bm25, tags weighted twice, audience not at all) and counts the
    matches among what the viewer may see by its ``audience`` words, without reading a
    row; the hits shown are then read through :func:`_select`, so :data:`VISIBLE` has
    the last word on every reflection returned. At 100,000 reflections, 7,400 of them
    matching what a member may see, that is about 15 ms where joining every match to
    its row to apply the rule took 30 ms.
    """
    params = {"query": _match(team_id, viewer_id, terms)}
    # bm25() cannot sit beside a window function: rank in an inner query, count over it
    ranked = list(
        db.query(
            "SELECT id, count(*) OVER () AS total FROM (SELECT rowid AS id, "
            "bm25(reflections_fts, 1.0, 2.0, 0.0) AS score FROM reflections_fts "
            f"WHERE reflections_fts MATCH :query) ORDER BY score, id DESC LIMIT {int(limit)}",
            params,
        )
    )
    ids = [row["id"] for row in ranked]
    # snippets only for the hits shown, found by rowid (snippet() over every match is slow)
    rows = {
        row["id"]: row
        for row in _select(
            db,
            team_id,
            viewer_id,
            source=_FTS,
            where="reflections_fts MATCH :query AND reflections_fts.rowid IN "
            f"({', '.join(str(int(i)) for i in ids) or 'NULL'})",
            params=params,
            select="r.*, snippet(reflections_fts, 0, '*', '*', '…', 24) AS snippet",
        )
    }
    total = ranked[0]["total"] if ranked else 0
    return [Found(_reflection(rows[i]), rows[i]["snippet"]) for i in ids if i in rows], total


def _own(db: Database, team_id: str, author_id: str, reflection_id: int, verb: str) -> Reflection:
    found = get(db, team_id, author_id, reflection_id)
    if found.author_id != author_id:
        raise NotAllowed(f"{found.ref} is <@{found.author_id}>'s: only its author can {verb} it.")
    return found


def set_shared(
    db: Database, team_id: str, author_id: str, reflection_id: int, shared: bool, now: datetime
) -> Reflection:
    """Share a reflection with the network, or make it private again; author only."""
    with immediate(db):
        _own(db, team_id, author_id, reflection_id, "share" if shared else "unshare")
        db.table("reflections").update(
            reflection_id,
            {
                "shared": int(shared),
                "shared_at": encode_time(now) if shared else None,
                "updated_at": encode_time(now),
            },
        )
    return get(db, team_id, author_id, reflection_id)


def delete(db: Database, team_id: str, author_id: str, reflection_id: int) -> Reflection:
    """Delete a reflection for good (and from the search index); author only."""
    with immediate(db):
        found = _own(db, team_id, author_id, reflection_id, "delete")
        db.table("reflections").delete(reflection_id)
    return found


def shared_between(db: Database, team_id: str, start: datetime, end: datetime) -> list[Reflection]:
    """Reflections shared in ``[start, end)``, oldest first: for the digest, never private ones.

    >>> shared_between(db, "T1", monday, next_monday)  # doctest: +SKIP
    [Reflection(id=2, ..., shared=True, ...)]
    """
    rows = _select(
        db,
        team_id,
        None,
        where="r.shared_at >= :start AND r.shared_at < :end",
        params={"start": encode_time(start), "end": encode_time(end)},
        order="r.shared_at, r.id",
    )
    return [_reflection(row) for row in rows]


def last_shared_at(db: Database, team_id: str, author_id: str) -> datetime | None:
    """When ``author_id`` last shared a reflection (what resets their blogging habit)."""
    [row] = _select(
        db,
        team_id,
        None,
        where="r.author_id = :author",
        params={"author": author_id},
        select="max(r.shared_at) AS at",
        order="1",
    )
    return decode_time(row["at"])


def for_action(db: Database, team_id: str, viewer_id: str, action_id: int) -> list[Reflection]:
    """What was learned from an action that ``viewer_id`` may see (``/action show``), oldest first.

    >>> for_action(db, "T1", "U2", 12)  # doctest: +SKIP
    [Reflection(id=4, ..., shared=True, ..., action_id=12)]
    """
    rows = _select(
        db,
        team_id,
        viewer_id,
        where="r.action_id = :action",
        params={"action": action_id},
        order="r.id",
    )
    return [_reflection(row) for row in rows]


def shared_for_actions(
    db: Database, team_id: str, action_ids: list[int] | tuple[int, ...]
) -> dict[int, list[Reflection]]:
    """Shared reflections linked to each of ``action_ids``, oldest first: for the digest.

    Actions without one are left out of the answer.

    >>> shared_for_actions(db, "T1", [12, 13])  # doctest: +SKIP
    {12: [Reflection(id=4, ..., shared=True, ..., action_id=12)]}
    """
    wanted = sorted({int(i) for i in action_ids})
    found: dict[int, list[Reflection]] = {}
    for start in range(0, len(wanted), 500):  # bounded IN lists
        chunk = ", ".join(str(i) for i in wanted[start : start + 500])
        for row in _select(
            db, team_id, None, where=f"r.action_id IN ({chunk})", order="r.action_id, r.id"
        ):
            found.setdefault(row["action_id"], []).append(_reflection(row))
    return found


def written_between(
    db: Database, team_id: str, author_id: str, start: datetime, end: datetime
) -> list[Reflection]:
    """The author's own reflections written in ``[start, end)``, private ones included."""
    rows = _select(
        db,
        team_id,
        author_id,
        where="r.author_id = :viewer AND r.created_at >= :start AND r.created_at < :end",
        params={"start": encode_time(start), "end": encode_time(end)},
        order="r.created_at, r.id",
    )
    return [_reflection(row) for row in rows]


_LESSONS = "reflections r LEFT JOIN actions a ON a.id = r.action_id AND a.team_id = r.team_id"


def _lesson_filter(since: datetime | None, topic: str | None) -> tuple[str, dict]:
    clauses, params = ["r.shared = 1"], {}
    if since is not None:
        clauses.append("r.shared_at >= :since")
        params["since"] = encode_time(since)
    if topic:
        clauses.append("(instr(' ' || r.tags || ' ', :tag) > 0 OR a.workstream = :topic)")
        params |= {"tag": f" {topic} ", "topic": topic}
    return " AND ".join(clauses), params


def lessons(
    db: Database,
    team_id: str,
    since: datetime | None = None,
    limit: int = 50,
    *,
    topic: str | None = None,
) -> list[Lesson]:
    """The network's shared reflections, most recently shared first, each with its action's
    workstream: the lessons library and the digest's "what we learned".

    ``topic`` keeps those tagged with it or linked to an action in that workstream.

    >>> lessons(db, "T1", since=monday, limit=20)  # doctest: +SKIP
    [Lesson(reflection=Reflection(id=4, ...), action_id=12, ..., workstream='inclusion')]
    """
    where, params = _lesson_filter(since, topic)
    rows = _select(
        db,
        team_id,
        None,
        source=_LESSONS,
        where=where,
        params=params,
        select="r.*, a.title AS action_title, a.workstream AS workstream",
        order="r.shared_at DESC, r.id DESC",
        limit=limit,
    )
    return [
        Lesson(_reflection(row), row["action_id"], row["action_title"], row["workstream"])
        for row in rows
    ]


def count_lessons(
    db: Database, team_id: str, since: datetime | None = None, *, topic: str | None = None
) -> int:
    """How many lessons :func:`lessons` would find without a limit."""
    where, params = _lesson_filter(since, topic)
    return _count(db, team_id, None, source=_LESSONS, where=where, params=params)


def authored_rows(db: Database, team_id: str, author_id: str) -> list[dict]:
    """Every reflection ``author_id`` wrote, private ones included, as stored (their export).

    Read through the privacy rule with the author as viewer, so it can return nothing
    private of anyone else.
    """
    return _select(db, team_id, author_id, where="r.author_id = :viewer", order="r.id")
