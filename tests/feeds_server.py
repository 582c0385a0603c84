"""A loopback blog server for feed tests: real HTTP on 127.0.0.1, a free port, one thread.

    with FeedServer() as blog:
        result = fetch_feed(blog.url("/rss.xml"), allow_private=True)
        assert blog.hits["/rss.xml"] == 1

Fetch it with ``allow_private=True`` (``NUDGE_ALLOW_PRIVATE_FEEDS=1`` end to end): it is
on loopback, which Nudge refuses otherwise.

Built-in routes (GET; anything else is 404):

- ``/rss.xml``: an RSS 2.0 feed (``RSS_FEED``, "Ana's blog", three posts), and
  ``/atom.xml``: an Atom feed (``ATOM_FEED``, "Pete writes", two posts). Both send an
  ``ETag`` and a ``Last-Modified`` and answer 304 to a matching ``If-None-Match`` (or,
  without one, to an ``If-Modified-Since`` not older than the feed).
- ``/malformed.xml``: broken XML that is no feed; ``/page.html``: an HTML page.
- ``/huge.xml``: 3 MB of feed-looking XML, streamed without a Content-Length;
  ``/huge-declared.xml``: the same with its Content-Length; ``/endless.xml``: streams
  up to 1 GB until the client hangs up (``bytes_sent`` shows how much went out).
- ``/loop/a`` → ``/loop/b`` → ``/loop/a``: a redirect loop.
- ``/chain/<n>`` → ``/chain/<n-1>`` → … → ``/chain/0``, which serves ``RSS_FEED``
  (``/chain/5`` is five redirects; ``/chain/6`` is six).
- ``/to-metadata``: a redirect to ``http://169.254.169.254/latest/meta-data/``;
  ``/to-private``: to ``http://10.0.0.1/feed.xml``; ``/to-ftp``: to an ``ftp://`` URL;
  ``/moved``: a 301 to ``/rss.xml``. Fetch the first two only with ``allow_private=False``
  (and loopback let through by the test): with ``allow_private=True`` Nudge would follow them.
- ``/slow.xml``: waits ``slow_seconds`` (default 3) before answering;
  ``/slow-body.xml``: sends headers at once, then waits before the body.
- ``/status/<code>``: answers with that status (e.g. ``/status/404``).

Hostile feeds (each must be refused, bounded in memory and time):

- ``/bomb/gzip-gzip.xml``: ``Content-Encoding: gzip, gzip``, 2 GiB decoded from 5 kB;
  ``/bomb/gzip-in-gzip.xml``: ``Content-Encoding: gzip`` around a gzip stream of 1 GiB;
  ``/bomb/gzip.xml``: one layer, 200 MB from 200 kB; ``/bomb/gzip-3.xml``: three layers;
  ``/bomb/br.xml``: a coding Nudge does not read (``br``).
- ``/bomb/entities.xml``: one 60 kB entity referenced 10,000 times (``ENTITY_BOMB``);
  ``/bomb/attributes.xml``: 100,000 attributes on one element (``ATTRIBUTE_BOMB``).
- ``/trickle/headers.xml``: a status line, then one byte of a header every
  ``trickle_seconds`` (0.5 s), for ever; ``/trickle/body.xml``: headers at once, then
  the body a byte at a time, for ever; ``/hang.xml``: accepts and never answers.
- ``/gzip.xml``, ``/deflate.xml``, ``/raw-deflate.xml``: ``RSS_FEED`` compressed the ways
  servers do, which must be read.

Configure more with ``blog.feed(path, xml)`` (a feed with its own ETag, replaceable as
posts are "published"; ``rss(...)`` and ``atom(...)`` build the XML) or
``blog.route(path, handler)`` with ``handler(request) -> Reply``. ``blog.hits`` counts
requests per path; ``blog.requests`` keeps each ``Seen(path, headers)``.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import struct
import threading
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

__all__ = [
    "FeedServer",
    "Reply",
    "Seen",
    "Post",
    "rss",
    "atom",
    "RSS_FEED",
    "ATOM_FEED",
    "RSS_POSTS",
    "ATOM_POSTS",
    "ENTITY_BOMB",
    "ATTRIBUTE_BOMB",
    "zeros_gzip",
]


@dataclass(frozen=True)
class Post:
    """One post to put in a test feed; ``link`` may be relative (the feed resolves it)."""

    id: str
    title: str
    link: str
    published: datetime | None


def rss(title: str, posts: Iterable[Post], link: str = "https://ana.example.org/") -> bytes:
    """An RSS 2.0 document: ``rss("Ana's blog", [Post("p1", "Hello", "/p/1", when)])``."""
    items = []
    for post in posts:
        date = f"<pubDate>{format_datetime(post.published)}</pubDate>" if post.published else ""
        items.append(
            f"<item><title>{escape(post.title)}</title><link>{escape(post.link)}</link>"
            f'<guid isPermaLink="false">{escape(post.id)}</guid>{date}</item>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>{escape(link)}</link>"
        f"<description>Test feed</description>{''.join(items)}</channel></rss>\n"
    ).encode()


def atom(title: str, posts: Iterable[Post], link: str = "https://pete.example.org/") -> bytes:
    """An Atom document: ``atom("Pete writes", [Post("tag:pete,2024:1", "Hi", "/1", when)])``."""
    entries = []
    updated = datetime(2024, 1, 1, tzinfo=UTC)
    for post in posts:
        when = post.published or updated
        entries.append(
            f"<entry><id>{escape(post.id)}</id><title>{escape(post.title)}</title>"
            f'<link rel="alternate" href="{escape(post.link)}"/>'
            + (f"<published>{post.published.isoformat()}</published>" if post.published else "")
            + f"<updated>{when.isoformat()}</updated></entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>{escape(link)}</id>"
        f'<link rel="alternate" href="{escape(link)}"/><updated>{updated.isoformat()}</updated>'
        f"{''.join(entries)}</feed>\n"
    ).encode()


RSS_POSTS = [
    Post(
        "ana-3",
        "Third post: on listening",
        "https://ana.example.org/p/3",
        datetime(2024, 11, 20, 9, 30, tzinfo=UTC),
    ),
    Post("ana-2", "  Second post  ", "/p/2", datetime(2024, 11, 13, 8, 0, tzinfo=UTC)),
    Post(
        "ana-1",
        "First post",
        "https://ana.example.org/p/1",
        datetime(2024, 11, 6, 17, 45, tzinfo=UTC),
    ),
]
ATOM_POSTS = [
    Post(
        "tag:pete.example.org,2024:2",
        "Notes from the workshop",
        "https://pete.example.org/2024/notes",
        datetime(2024, 11, 18, 12, 0, tzinfo=UTC),
    ),
    Post(
        "tag:pete.example.org,2024:1",
        "Hello & welcome",
        "https://pete.example.org/2024/hello",
        datetime(2024, 10, 1, 7, 15, tzinfo=UTC),
    ),
]
RSS_FEED = rss("Ana's blog", RSS_POSTS)
ATOM_FEED = atom("Pete writes", ATOM_POSTS)
FEED_MODIFIED = datetime(2024, 11, 20, 10, 0, tzinfo=UTC)
MALFORMED = b"<?xml version='1.0'?><notafeed><oops></notafeed"
PAGE = b"<!DOCTYPE html><html><head><title>Ana</title></head><body><p>Hi</p></body></html>"
HUGE_SIZE = 3_000_000
_CHANNEL = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Bomb</title>'
ENTITY_BOMB = (  # the declaration on a line of its own, where feedparser's loose parser finds it
    b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY big "' + b"x" * 60_000 + b'">\n]>\n'
    b'<rss version="2.0"><channel><title>Bomb</title><item><title>t</title><description>'
    + b"&big;" * 10_000
    + b"</description></item></channel></rss>"
)
ATTRIBUTE_BOMB = (
    _CHANNEL
    + b"<item "
    + b" ".join(b'a%d="x"' % n for n in range(100_000))
    + b"><title>t</title></item></channel></rss>"
)


@functools.cache
def zeros_gzip(size: int) -> bytes:
    """A valid gzip stream of ``size`` zero bytes (a multiple of 1 MiB), built in under 1 s.

    After a full flush zlib's state repeats, so one compressed megabyte is repeated; the
    trailer's CRC is computed over all of it, so a decoder that reads to the end accepts it.
    """
    block = bytes(1 << 20)
    blocks = size // len(block)
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    first = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    again = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    assert packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH) == again
    crc = 0
    for _ in range(blocks):
        crc = zlib.crc32(block, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    body = first + again * (blocks - 1) + packer.flush(zlib.Z_FINISH)
    return header + body + struct.pack("<II", crc, size & 0xFFFFFFFF)


@dataclass(frozen=True)
class Seen:
    """One request the server received: its path (with query) and headers."""

    path: str
    headers: dict[str, str]

    def header(self, name: str) -> str | None:
        """A header by case-insensitive name, or None."""
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


@dataclass
class Reply:
    """What a route answers: ``Reply(200, b"...", {"Content-Type": "application/rss+xml"})``.

    ``body`` may be an iterable of chunks (streamed, no Content-Length unless given);
    ``delay`` seconds pass before the status line, ``body_delay`` before the body;
    ``trickle`` > 0 sends, after the status line, one byte of a header every ``trickle``
    seconds until the client hangs up.
    """

    status: int = 200
    body: bytes | Iterable[bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    body_delay: float = 0.0
    trickle: float = 0.0


Handler = Callable[[Seen], Reply]


class FeedServer:
    """The loopback blog; a context manager that starts and stops it.

    >>> with FeedServer() as blog:
    ...     blog.url("/rss.xml")
    'http://127.0.0.1:54321/rss.xml'
    """

    def __init__(self, slow_seconds: float = 3.0, trickle_seconds: float = 0.5) -> None:
        self.slow_seconds = slow_seconds
        self.trickle_seconds = trickle_seconds
        self.hits: Counter[str] = Counter()
        self.requests: list[Seen] = []
        self.bytes_sent: Counter[str] = Counter()
        self._routes: dict[str, Handler] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.feed("/rss.xml", RSS_FEED, modified=FEED_MODIFIED)
        self.feed(
            "/atom.xml", ATOM_FEED, modified=FEED_MODIFIED, content_type="application/atom+xml"
        )
        self.route("/malformed.xml", lambda _: _xml(MALFORMED))
        self.route("/page.html", lambda _: Reply(200, PAGE, {"Content-Type": "text/html"}))
        self.route("/huge.xml", lambda _: _xml(_filler(HUGE_SIZE)))
        self.route(
            "/huge-declared.xml",
            lambda _: _xml(_filler(HUGE_SIZE), {"Content-Length": str(HUGE_SIZE)}),
        )
        self.route("/endless.xml", lambda _: _xml(_filler(1_000_000_000)))
        self.route("/loop/a", lambda _: _redirect("/loop/b"))
        self.route("/loop/b", lambda _: _redirect("/loop/a"))
        self.route("/to-metadata", lambda _: _redirect("http://169.254.169.254/latest/meta-data/"))
        self.route("/to-private", lambda _: _redirect("http://10.0.0.1/feed.xml"))
        self.route("/to-ftp", lambda _: _redirect("ftp://ana.example.org/feed.xml"))
        self.route("/moved", lambda _: _redirect("/rss.xml", status=301))
        self.route("/slow.xml", lambda _: _xml(RSS_FEED, delay=self.slow_seconds))
        self.route("/slow-body.xml", lambda _: _xml(RSS_FEED, body_delay=self.slow_seconds))
        self.route("/hang.xml", lambda _: _xml(RSS_FEED, delay=3600))
        self.route("/trickle/headers.xml", lambda _: Reply(200, trickle=self.trickle_seconds))
        self.route("/trickle/body.xml", lambda _: _xml(self._trickled_body()))
        self.route("/bomb/entities.xml", lambda _: _xml(ENTITY_BOMB))
        self.route("/bomb/attributes.xml", lambda _: _xml(ATTRIBUTE_BOMB))
        gzipped = {"Content-Encoding": "gzip"}
        self.route(
            "/bomb/gzip-gzip.xml",
            lambda _: _xml(_gzip(zeros_gzip(2**31)), {"Content-Encoding": "gzip, gzip"}),
        )
        self.route("/bomb/gzip-in-gzip.xml", lambda _: _xml(_gzip(zeros_gzip(2**30)), gzipped))
        self.route("/bomb/gzip.xml", lambda _: _xml(zeros_gzip(200 * 2**20), gzipped))
        self.route(
            "/bomb/gzip-3.xml",
            lambda _: _xml(_gzip(_gzip(_gzip(RSS_FEED))), {"Content-Encoding": "gzip,gzip,gzip"}),
        )
        self.route("/bomb/br.xml", lambda _: _xml(RSS_FEED, {"Content-Encoding": "br"}))
        self.route("/gzip.xml", lambda _: _xml(_gzip(RSS_FEED), gzipped))
        self.route(
            "/deflate.xml", lambda _: _xml(zlib.compress(RSS_FEED), {"Content-Encoding": "deflate"})
        )
        self.route(
            "/raw-deflate.xml",
            lambda _: _xml(_raw_deflate(RSS_FEED), {"Content-Encoding": "deflate"}),
        )

    # -- configuration -------------------------------------------------------------------

    def route(self, path: str, handler: Handler) -> None:
        """Answer GET ``path`` (exact, query ignored) with ``handler(seen) -> Reply``."""
        with self._lock:
            self._routes[path] = handler

    def feed(
        self,
        path: str,
        document: bytes,
        *,
        modified: datetime | None = None,
        content_type: str = "application/rss+xml",
    ) -> None:
        """Serve ``document`` at ``path`` with an ETag (its hash) and 304s; call again to update.

        >>> blog.feed("/ana.xml", rss("Ana's blog", [Post("p1", "Hello", "/p/1", None)]))
        """
        etag = '"' + hashlib.sha256(document).hexdigest()[:16] + '"'
        modified = modified or datetime.now(UTC).replace(microsecond=0)
        last_modified = format_datetime(modified, usegmt=True)

        def serve(seen: Seen) -> Reply:
            headers = {"ETag": etag, "Last-Modified": last_modified}
            if _not_modified(seen, etag, modified):
                return Reply(304, b"", headers)
            return Reply(200, document, {**headers, "Content-Type": content_type})

        self.route(path, serve)

    def url(self, path: str = "/") -> str:
        """The absolute URL of ``path`` on this server."""
        return f"{self.base_url}{path}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        assert self._server is not None, "use FeedServer as a context manager"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def seen(self, path: str) -> list[Seen]:
        """The requests received for ``path`` (query ignored), oldest first."""
        with self._lock:
            return [r for r in self.requests if r.path.split("?", 1)[0] == path]

    # -- lifecycle -----------------------------------------------------------------------

    def __enter__(self) -> FeedServer:
        server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="feed-server", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # -- serving -------------------------------------------------------------------------

    def _answer(self, seen: Seen) -> Reply:
        path = seen.path.split("?", 1)[0]
        with self._lock:
            self.hits[path] += 1
            self.requests.append(seen)
            handler = self._routes.get(path)
        if handler is not None:
            return handler(seen)
        if path.startswith("/chain/") and path[7:].isdigit():
            left = int(path[7:])
            return _redirect(f"/chain/{left - 1}") if left > 0 else _xml(RSS_FEED)
        if path.startswith("/status/") and path[8:].isdigit():
            return Reply(int(path[8:]), b"status\n", {"Content-Type": "text/plain"})
        return Reply(404, b"not found\n", {"Content-Type": "text/plain"})

    def _trickled_body(self) -> Iterator[bytes]:
        """The start of a feed, then one byte every ``trickle_seconds`` until stopped."""
        yield _CHANNEL
        while not self._stopping.wait(self.trickle_seconds):
            yield b" "

    def _count(self, path: str, size: int) -> None:
        with self._lock:
            self.bytes_sent[path] += size

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # one request per connection; the body ends at close

            def do_GET(self) -> None:
                seen = Seen(self.path, dict(self.headers.items()))
                reply = owner._answer(seen)
                if reply.delay and owner._stopping.wait(reply.delay):
                    return
                try:
                    if reply.trickle:
                        self._trickle(reply.trickle)
                        return
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    body = reply.body
                    if isinstance(body, bytes) and "Content-Length" not in reply.headers:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.flush()
                    if reply.body_delay and owner._stopping.wait(reply.body_delay):
                        return
                    path = seen.path.split("?", 1)[0]
                    for chunk in [body] if isinstance(body, bytes) else body:
                        self.wfile.write(chunk)
                        owner._count(path, len(chunk))
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading: expected for huge bodies and timeouts

            def _trickle(self, every: float) -> None:
                """A status line, then a header that never ends, one byte at a time."""
                self.wfile.write(b"HTTP/1.0 200 OK\r\nX-Slowly: ")
                self.wfile.flush()
                while not owner._stopping.wait(every):
                    self.wfile.write(b"x")
                    self.wfile.flush()

            def log_message(self, format: str, *args: object) -> None:
                pass

        return RequestHandler


def _xml(
    body: bytes | Iterable[bytes],
    headers: dict[str, str] | None = None,
    *,
    delay: float = 0.0,
    body_delay: float = 0.0,
) -> Reply:
    return Reply(
        200,
        body,
        {"Content-Type": "application/rss+xml", **(headers or {})},
        delay=delay,
        body_delay=body_delay,
    )


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, 9, mtime=0)


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


def _redirect(location: str, status: int = 302) -> Reply:
    return Reply(status, b"", {"Location": location})


def _filler(total: int, chunk_size: int = 64 * 1024) -> Iterator[bytes]:
    """``total`` bytes of an RSS document that never ends, in chunks."""
    head = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Huge</title>'
    yield head
    sent = len(head)
    item = b"<item><title>x</title><guid>x</guid></item>"
    block = item * (chunk_size // len(item))
    while sent < total:
        piece = block[: total - sent]
        yield piece
        sent += len(piece)


def _not_modified(seen: Seen, etag: str, modified: datetime) -> bool:
    """The conditional-GET rule: If-None-Match wins; else If-Modified-Since >= modified."""
    if_none_match = seen.header("If-None-Match")
    if if_none_match is not None:
        tags = [tag.strip() for tag in if_none_match.split(",")]
        return etag in tags or "*" in tags
    if_modified_since = seen.header("If-Modified-Since")
    if if_modified_since:
        try:
            return parsedate_to_datetime(if_modified_since) >= modified
        except (TypeError, ValueError):
            return False
    return False
