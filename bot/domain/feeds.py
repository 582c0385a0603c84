"""Reading a member's blog feed (RSS 2.0 or Atom) from bytes already fetched: no I/O here.

>>> xml = (b"<rss version='2.0'><channel><title>Ana's notes</title>"
...        b"<item><title>First post</title><link>https://ana.example/p/1</link></item>"
...        b"<item><title>Second post</title><link>https://ana.example/p/2</link></item>"
...        b"</channel></rss>")
>>> feed = parse_feed(xml, "https://ana.example/feed.xml")
>>> feed.title, [e.title for e in new_entries(feed.entries, {"https://ana.example/p/1"})]
("Ana's notes", ['Second post'])

Fetching (and refusing private addresses) lives in ``bot.feeds``.
"""

from __future__ import annotations

import html
import io
import re
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import feedparser

from bot.domain.errors import ParseError

__all__ = [
    "FeedEntry",
    "ParsedFeed",
    "parse_feed",
    "new_entries",
    "FEED_EXAMPLE",
    "TITLE_MAX",
    "ENTRIES_MAX",
]

FEED_EXAMPLE = "/nudge blog feed https://myblog.example.org/feed.xml"
TITLE_MAX = 300
ENTRIES_MAX = 50
ID_MAX = 1000
LINK_MAX = 2000

_NOT_A_FEED = "That doesn't look like an RSS or Atom feed: "
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_HTML_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!doctype\s+html|<html[\s>])", re.I)


@dataclass(frozen=True)
class FeedEntry:
    """One post: a stable ``id``, a plain-text ``title``, an absolute ``link``, aware-UTC date."""

    id: str
    title: str
    link: str
    published: datetime | None


@dataclass(frozen=True)
class ParsedFeed:
    """A feed's title and at most ``ENTRIES_MAX`` entries, newest first."""

    title: str
    entries: list[FeedEntry]


def parse_feed(content: bytes, base_url: str) -> ParsedFeed:
    """Read RSS 2.0 or Atom ``content``; relative links are resolved against ``base_url``.

    Entries come newest first (undated ones last, in document order), at most
    ``ENTRIES_MAX``, without duplicate ids. Raises ``ParseError`` for anything that is not
    a feed: a web page, malformed XML with nothing readable in it, empty content.

    >>> parse_feed(b"<rss version='2.0'><channel><title>Pete</title></channel></rss>",
    ...            "https://pete.example.org/rss").title
    'Pete'
    """
    if _HTML_START.match(content[:1024]):
        raise ParseError(
            _NOT_A_FEED + "it's a web page. Look for a link to the blog's feed "
            "(often ending in /feed, /rss.xml or /atom.xml).",
            example=FEED_EXAMPLE,
        )
    # A BytesIO, never a str: feedparser fetches anything that looks like a URL or a path.
    parsed = feedparser.parse(io.BytesIO(content), response_headers={"content-location": base_url})
    title = _plain(parsed.feed.get("title", ""), parsed.feed.get("title_detail"))
    if not parsed.get("version") or (parsed.get("bozo") and not parsed.entries and not title):
        reason = "the content is malformed or empty." if content.strip() else "it's empty."
        raise ParseError(_NOT_A_FEED + reason, example=FEED_EXAMPLE)
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for raw in parsed.entries:
        entry = _entry(raw, base_url)
        if entry is not None and entry.id not in seen:
            seen.add(entry.id)
            entries.append(entry)
    return ParsedFeed(title=title, entries=_newest_first(entries)[:ENTRIES_MAX])


def new_entries(entries: Iterable[FeedEntry], seen_ids: Collection[str]) -> list[FeedEntry]:
    """The entries whose id is not in ``seen_ids``, newest first (undated ones last).

    >>> [e.id for e in new_entries([FeedEntry("p1", "One", "", None),
    ...                              FeedEntry("p2", "Two", "", None)], seen_ids={"p1"})]
    ['p2']
    """
    return _newest_first([entry for entry in entries if entry.id not in seen_ids])


def _newest_first(entries: list[FeedEntry]) -> list[FeedEntry]:
    """Dated entries newest first, then undated ones in their original order (a stable sort)."""
    floor = datetime.min.replace(tzinfo=UTC)
    return sorted(
        entries,
        key=lambda e: (e.published is not None, e.published or floor),
        reverse=True,
    )


def _entry(raw: dict, base_url: str) -> FeedEntry | None:
    """A ``FeedEntry`` from one of feedparser's entries, or None without an id or a link."""
    link = _link(raw.get("link", ""), base_url)
    entry_id = _SPACE.sub(" ", str(raw.get("id") or "")).strip() or link
    if not entry_id:
        return None
    if len(entry_id) > ID_MAX:
        entry_id = entry_id[:ID_MAX]
    title = _plain(raw.get("title", ""), raw.get("title_detail"))
    published = _when(raw.get("published_parsed")) or _when(raw.get("updated_parsed"))
    return FeedEntry(id=entry_id, title=title, link=link, published=published)


def _link(link: object, base_url: str) -> str:
    """An absolute http(s) link no longer than ``LINK_MAX``, or "" (no ``javascript:`` links)."""
    text = str(link or "").strip()
    if not text:
        return ""
    absolute = urljoin(base_url, text)
    if urlsplit(absolute).scheme.lower() not in ("http", "https") or len(absolute) > LINK_MAX:
        return ""
    return absolute


def _plain(text: object, detail: dict | None = None) -> str:
    """One line of plain text, bounded to ``TITLE_MAX`` characters (with an ellipsis)."""
    value = str(text or "")
    if detail and detail.get("type") in ("text/html", "application/xhtml+xml"):
        value = html.unescape(_TAG.sub(" ", value))
    value = _SPACE.sub(" ", value).strip()
    if len(value) > TITLE_MAX:
        value = value[: TITLE_MAX - 1].rstrip() + "…"
    return value


def _when(parsed: time.struct_time | None) -> datetime | None:
    """feedparser's UTC ``struct_time`` as an aware UTC datetime; None if absent or invalid."""
    if not parsed:
        return None
    try:
        return datetime(*parsed[:6], tzinfo=UTC)
    except (TypeError, ValueError):
        return None
