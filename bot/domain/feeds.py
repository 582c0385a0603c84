"""Reading a member's blog feed (RSS 2.0 or Atom) from bytes already fetched: no I/O here.

>>> xml = (b"<rss version='2.0'><channel><title>Ana's notes</title>"
...        b"<item><title>First post</title><link>https://ana.example/p/1</link></item>"
...        b"<item><title>Second post</title><link>https://ana.example/p/2</link></item>"
...        b"</channel></rss>")
>>> feed = parse_feed(xml, "https://ana.example/feed.xml")
>>> feed.title, [e.title for e in new_entries(feed.entries, {"https://ana.example/p/1"})]
("Ana's notes", ['Second post'])

Fetching (and refusing private addresses) lives in ``bot.feeds``; ``bot.feed_worker`` runs
both in a child process with memory, CPU and time limits.

Before feedparser sees a document, ``parse_feed`` refuses what makes parsing explode, in
the text exactly as feedparser will read it (its own character decoding, so a feed in
UTF-16 or UTF-7 hides nothing): entity and other DTD declarations (feedparser's loose
parser, the fallback when expat refuses a document, expands a declared entity without
limit: a 60 kB entity referenced 10,000 times took 1.76 GB); an element with more than
``ATTRIBUTES_MAX`` attributes (expat's SAX interface looks each one up by a linear search,
so time grows with the square: 8,000 took 0.8 s, 100,000 would take minutes); more than
``ELEMENTS_MAX`` elements. Depth needs no bound of its own: 30,000 nested elements take
1.0 s and 34 MB, the same as as many elements side by side, so the element bound covers it.
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
from feedparser.encodings import convert_to_utf8

from bot.domain.errors import ParseError

__all__ = [
    "FeedEntry",
    "ParsedFeed",
    "Post",
    "parse_feed",
    "refuse_unsafe",
    "new_entries",
    "FEED_EXAMPLE",
    "TITLE_MAX",
    "ENTRIES_MAX",
    "ATTRIBUTES_MAX",
    "ELEMENTS_MAX",
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
ATTRIBUTES_MAX = 100  # on one element
ELEMENTS_MAX = 150_000  # a 2 MB feed of full-text posts has about 70,000
# Declarations a document type may hold, and a document type with an internal subset.
_DECLARATION = re.compile(rb"<!\s*(?:ENTITY|ATTLIST|ELEMENT|NOTATION)\b|<!DOCTYPE[^>\[]*\[", re.I)
_CDATA = re.compile(rb"<!\[CDATA\[.*?\]\]>", re.S)
_ROOT = re.compile(rb"<\w")  # where feedparser takes the document's prolog to end
_START_TAG = re.compile(rb"<[A-Za-z_]")
_ATTRIBUTE = re.compile(rb"""\s+[^\s=<>/"']+\s*=\s*(?:"[^"]*"|'[^']*')""")
_UNSAFE = "That feed uses XML features I don't read, to keep the bot safe: "


@dataclass(frozen=True)
class FeedEntry:
    """One post: a stable ``id``, a plain-text ``title``, an absolute ``link``, aware-UTC date."""

    id: str
    title: str
    link: str
    published: datetime | None


@dataclass(frozen=True)
class Post:
    """A post a member published, found in their feed: the one record the feed checks, the
    digest's blog section and the weeknote share (``storage.feeds`` reads it).

    >>> Post("U1", "Weeknote 42", "https://blog.example.org/42", None,
    ...      seen_at=datetime(2026, 12, 4, tzinfo=UTC)).posted_at.isoformat()
    '2026-12-04T00:00:00+00:00'
    """

    user_id: str
    title: str
    link: str | None
    published_at: datetime | None  # the feed's own date, if it gave one
    seen_at: datetime | None = None  # when the bot first found it
    id: int | None = None
    team_id: str = ""
    feed_id: int | None = None
    entry_id: str = ""

    @property
    def posted_at(self) -> datetime:
        """When the post counts as published: its own date, at the latest when first seen."""
        if self.seen_at is None or self.published_at is None:
            found = self.published_at or self.seen_at
            assert found is not None, "a post has a date or was seen"
            return found
        return min(self.published_at, self.seen_at)


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
    headers = {"content-location": base_url}
    refuse_unsafe(convert_to_utf8(dict(headers), content, {}))
    # A BytesIO, never a str: feedparser fetches anything that looks like a URL or a path.
    parsed = feedparser.parse(io.BytesIO(content), response_headers=headers)
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


def refuse_unsafe(text: bytes) -> None:
    """Raise ``ParseError`` if ``text`` (UTF-8, as feedparser reads it) could make parsing explode.

    Refused: entity, attribute-list, element or notation declarations, or a document type
    with an internal subset (anywhere before the first element, and outside CDATA sections
    after it, where a post may quote XML); an element with more than ``ATTRIBUTES_MAX``
    attributes; more than ``ELEMENTS_MAX`` elements.

    >>> refuse_unsafe(b'<!DOCTYPE rss [<!ENTITY lol "lol">]><rss version="2.0"/>')
    Traceback (most recent call last):
    bot.domain.errors.ParseError: That feed uses XML features I don't read, ...
    """
    root = _ROOT.search(text)
    prolog, body = (text[: root.start()], text[root.start() :]) if root else (text, b"")
    if _DECLARATION.search(prolog) or _DECLARATION.search(_CDATA.sub(b"", body)):
        raise ParseError(
            _UNSAFE + "it declares its own entities or document type rules.",
            example=FEED_EXAMPLE,
        )
    run, end = 0, -1  # attributes one after another, as on one element
    for attribute in _ATTRIBUTE.finditer(body):
        run, end = (run + 1 if attribute.start() == end else 1), attribute.end()
        if run > ATTRIBUTES_MAX:
            raise ParseError(
                _UNSAFE + f"an element with more than {ATTRIBUTES_MAX} attributes.",
                example=FEED_EXAMPLE,
            )
    elements = sum(1 for _ in _START_TAG.finditer(body))
    if elements > ELEMENTS_MAX:
        raise ParseError(_UNSAFE + f"more than {ELEMENTS_MAX:,} elements.", example=FEED_EXAMPLE)


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
