"""THE privacy rule, once, for everything a member may keep private: shared, or the viewer's own.

Reflections and conversations are private to their author until the author shares them.
Every read of either goes through :func:`select` (or :func:`count`), which always applies
:func:`visible`; the rule takes a viewer and nothing else, so no role widens it and the
steering group sees exactly what any member sees. A read with no viewer (``None``: the
digest, the conversation map, the lessons library) can only ever get shared rows.

>>> visible("c")
'c.team_id = :team AND (c.shared = 1 OR c.author_id = :viewer)'
"""

from __future__ import annotations

from sqlite_utils import Database

__all__ = ["visible", "audiences", "select", "count"]


def visible(alias: str) -> str:
    """The rule as SQL over the table aliased ``alias`` (columns ``team_id``, ``shared``,
    ``author_id``), with the parameters ``:team`` and ``:viewer`` (``NULL``: shared only)."""
    return f"{alias}.team_id = :team AND ({alias}.shared = 1 OR {alias}.author_id = :viewer)"


def audiences(alias: str) -> tuple[str, str]:
    """The two kinds of row a viewer may see, which add up to :func:`visible` with no overlap:
    the shared ones, and the viewer's own private ones.

    >>> audiences("r")
    ('r.shared = 1', 'r.shared = 0 AND r.author_id = :viewer')
    """
    return f"{alias}.shared = 1", f"{alias}.shared = 0 AND {alias}.author_id = :viewer"


def select(
    db: Database,
    source: str,
    alias: str,
    team_id: str,
    viewer_id: str | None,
    *,
    where: str = "1",
    params: dict | None = None,
    columns: str | None = None,
    order: str | None = None,
    limit: int | None = None,
    group: str | None = None,
) -> list[dict]:
    """The rows of ``source`` (a table aliased ``alias``, maybe joined) that ``viewer_id``
    may see and that match ``where``: the only way private-by-default rows are read.

    >>> select(db, "reflections r", "r", "T1", None)
    []
    """
    sql = f"SELECT {columns or alias + '.*'} FROM {source} WHERE {visible(alias)} AND ({where})"
    if group:
        sql += f" GROUP BY {group}"
    sql += f" ORDER BY {order or alias + '.id DESC'}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return list(db.query(sql, {**(params or {}), "team": team_id, "viewer": viewer_id}))


def count(
    db: Database,
    source: str,
    alias: str,
    team_id: str,
    viewer_id: str | None,
    *,
    where: str = "1",
    params: dict | None = None,
) -> int:
    """How many rows :func:`select` would return: the shared ones plus the viewer's own.

    Counted apart, each kind is one range of an index on ``(team_id, shared, author_id)``;
    counted as one, SQLite merges two index scans to drop duplicates, five times slower
    (26,000 visible reflections: 1 ms against 5 ms).

    >>> count(db, "reflections r", "r", "T1", "U1")
    0
    """
    return sum(
        select(
            db,
            source,
            alias,
            team_id,
            viewer_id,
            where=f"({where}) AND {audience}",
            params=params,
            columns="count(*) AS n",
            order="1",
        )[0]["n"]
        for audience in audiences(alias)
    )
