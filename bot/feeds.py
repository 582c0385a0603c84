"""Fetching members' blog feeds safely: public http(s) addresses only, bounded in size and time.

>>> check_url("https://myblog.example.org/feed.xml", allow_private=False)  # doctest: +SKIP
>>> result = fetch_feed("https://myblog.example.org/feed.xml", etag=last.etag)  # doctest: +SKIP
>>> result.status, [entry.title for entry in result.entries]  # doctest: +SKIP
('ok', ['Second post', 'First post'])

``allow_private`` comes from ``Settings`` (``NUDGE_ALLOW_PRIVATE_FEEDS``); parsing lives in
``bot.domain.feeds``. The bot itself never calls ``fetch_feed``: ``bot.feed_worker`` runs it
in a child process with memory, CPU and wall-clock limits, so no feed can hurt the bot.

The body is bounded after every layer of content coding: httpx would undo
``Content-Encoding: gzip, gzip`` a whole network read at a time (1.8 kB on the wire became
2 GB), so the raw bytes are read and each layer is undone here, never producing more than
``max_bytes``.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
import zlib
from dataclasses import dataclass, field
from typing import Literal

import httpx

from bot.domain.errors import ParseError
from bot.domain.feeds import FEED_EXAMPLE, FeedEntry, parse_feed

__all__ = [
    "FeedResult",
    "check_url",
    "fetch_feed",
    "USER_AGENT",
    "URL_MAX",
    "MAX_REDIRECTS",
    "CODINGS_MAX",
]

USER_AGENT = "Nudge/0.1 (+feed reader for a Slack practitioner network)"
URL_MAX = 2000
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
)
# Content codings undone (zlib's window bits for each); at most CODINGS_MAX layers of them.
_CODINGS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
CODINGS_MAX = 2
_HOST_NAME = re.compile(r"^(?=.{1,254}$)[a-z0-9_-]{1,63}(?:\.[a-z0-9_-]{1,63})*\.?$", re.I)
# NAT64 (RFC 6052) embeds an IPv4 address in its last 32 bits.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class FeedResult:
    """What one fetch found: ``status`` is "ok", "not_modified" or "error" (then ``error``).

    ``etag`` and ``modified`` are what to send next time; ``final_url`` is where the feed
    was found after redirects (worth storing after a permanent move).
    """

    status: Literal["ok", "not_modified", "error"]
    title: str = ""
    entries: list[FeedEntry] = field(default_factory=list)
    etag: str | None = None
    modified: str | None = None
    final_url: str = ""
    error: str | None = None


def check_url(url: str, allow_private: bool, *, resolve: bool = True) -> None:
    """Refuse, with a ``ParseError`` a member can act on, a feed URL Nudge must not fetch.

    http(s) only, a host, no user name or password, at most ``URL_MAX`` characters, and
    unless ``allow_private`` every address the host resolves to must be public (not
    private, loopback, link-local, multicast, reserved or unspecified, IPv4 or IPv6,
    IPv4-mapped and NAT64 included). Resolves the host name (blocking DNS) unless
    ``resolve`` is false: then only the form and a literal IP address are checked, which
    is quick enough to do while a member waits.

    >>> check_url("https://myblog.example.org/feed.xml", allow_private=False)  # doctest: +SKIP
    >>> check_url("http://169.254.169.254/latest/meta-data/", allow_private=False)
    Traceback (most recent call last):
    bot.domain.errors.ParseError: That address is on a private or local network ...
    """
    if resolve:
        _checked_addresses(url, allow_private)
        return
    _parsed, ascii_host, _port = _checked_form(url)
    if _is_ip_literal(ascii_host) and not allow_private:
        _check_public([ipaddress.ip_address(ascii_host)])


def fetch_feed(
    url: str,
    *,
    etag: str | None = None,
    modified: str | None = None,
    allow_private: bool = False,
    client: httpx.Client | None = None,
    max_bytes: int = 2_000_000,
    timeout: float = 10.0,
) -> FeedResult:
    """Fetch and parse the feed at ``url``; never raises for network or feed problems.

    Every failure is a ``FeedResult(status="error", error=<a reason for the member>)``,
    including a URL that ``check_url`` refuses (call ``check_url`` first to get the
    ``ParseError`` itself, e.g. when a member registers a feed). A 304 answer to the
    conditional GET (``etag`` → If-None-Match, ``modified`` → If-Modified-Since) gives
    "not_modified". Redirects are followed by hand, at most ``MAX_REDIRECTS``, each hop
    checked again (so a public feed can't redirect into the private network) and loops
    refused. The body is streamed and abandoned past ``max_bytes`` (after decompression);
    ``timeout`` bounds connecting and each read, and 3 × ``timeout`` the whole download
    (``bot.feed_worker`` puts one hard deadline over all of it). Each layer of
    ``Content-Encoding`` (gzip or deflate, at most ``CODINGS_MAX``) is undone here with its
    output bounded by ``max_bytes``; another coding is an error.

    DNS rebinding: the host is resolved once, checked, and the connection is made to that
    checked address (the URL's host is replaced by the IP; ``Host`` and, for https, the TLS
    SNI/certificate name stay the original host), so a second, different DNS answer is
    never used. Residual risks: ``getaddrinfo`` itself has no timeout; a ``client`` with a
    proxy sends the pinned request through that proxy; a client reused across calls may
    reuse a pooled TLS connection to the same IP that was verified for another host name.
    Clients made here ignore proxy environment variables (``trust_env=False``).

    >>> fetch_feed("https://myblog.example.org/feed.xml", etag='"v1"').status  # doctest: +SKIP
    'not_modified'
    """
    own_client = client is None
    if client is None:
        client = httpx.Client(follow_redirects=False, trust_env=False, timeout=timeout)
    try:
        return _fetch(
            client,
            url,
            etag=etag,
            modified=modified,
            allow_private=allow_private,
            max_bytes=max_bytes,
            timeout=timeout,
        )
    finally:
        if own_client:
            client.close()


class _Failed(Exception):
    """Internal: a fetch ends with this member-friendly reason."""


def _fetch(
    client: httpx.Client,
    url: str,
    *,
    etag: str | None,
    modified: str | None,
    allow_private: bool,
    max_bytes: int,
    timeout: float,
) -> FeedResult:
    """The redirect loop of ``fetch_feed``; turns every expected failure into an error result."""
    headers = {"User-Agent": USER_AGENT, "Accept": _ACCEPT, "Accept-Encoding": "gzip, deflate"}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    deadline = time.monotonic() + 3 * timeout
    visited: set[str] = set()
    current = url
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            visited.add(current)
            addresses = _checked_addresses(current, allow_private)
            response = _send(client, current, addresses, headers, timeout)
            try:
                if response.status_code in _REDIRECTS:
                    location = response.headers.get("Location", "").strip()
                    if not location:
                        raise _Failed("The feed's server sent a redirect without an address.")
                    try:
                        current = str(httpx.URL(current).join(location))
                    except (httpx.InvalidURL, ValueError) as error:
                        broken = "The feed's server redirected to a broken address."
                        raise _Failed(broken) from error
                    if current in visited:
                        raise _Failed("The feed's address redirects in a loop.")
                    continue
                if response.status_code == 304:
                    return FeedResult(
                        status="not_modified",
                        etag=response.headers.get("ETag") or etag,
                        modified=response.headers.get("Last-Modified") or modified,
                        final_url=current,
                    )
                if not 200 <= response.status_code < 300:
                    answer = f"{response.status_code} {response.reason_phrase}".strip()
                    raise _Failed(f"The feed's server answered {answer}.")
                body = _read_body(response, max_bytes, deadline)
                feed = parse_feed(body, current)
                return FeedResult(
                    status="ok",
                    title=feed.title,
                    entries=feed.entries,
                    etag=response.headers.get("ETag"),
                    modified=response.headers.get("Last-Modified"),
                    final_url=current,
                )
            finally:
                response.close()
        raise _Failed(f"The feed's address redirects more than {MAX_REDIRECTS} times.")
    except (_Failed, ParseError) as error:
        return FeedResult(status="error", final_url=current, error=str(error))


def _send(
    client: httpx.Client,
    url: str,
    addresses: list[Address],
    headers: dict[str, str],
    timeout: float,
) -> httpx.Response:
    """Send a GET to ``url`` pinned to the first checked address that accepts a connection.

    Returns a streamed response (the caller closes it); network failures become
    ``_Failed`` with a plain reason.
    """
    target = httpx.URL(url)
    pinned_headers = dict(headers)
    extensions: dict[str, str] = {}
    if not _is_ip_literal(target.host):
        pinned_headers["Host"] = target.netloc.decode("ascii")
        if target.scheme == "https":
            extensions["sni_hostname"] = target.raw_host.decode("ascii")
    last_error: Exception | None = None
    for address in addresses[:3]:
        request = client.build_request(
            "GET",
            target.copy_with(host=str(address)),
            headers=pinned_headers,
            timeout=httpx.Timeout(timeout),
            extensions=extensions,
        )
        try:
            return client.send(request, stream=True, follow_redirects=False)
        except httpx.ConnectError as error:  # refused or unreachable: try the next address
            last_error = error
        except httpx.TimeoutException as error:
            raise _Failed(
                "The feed's server didn't answer in time."
                if isinstance(error, httpx.ConnectTimeout | httpx.PoolTimeout)
                else "The feed's server took too long to respond."
            ) from error
        except httpx.HTTPError as error:
            raise _Failed("The feed's server sent an answer I couldn't read.") from error
        except OSError as error:
            raise _Failed("I couldn't reach the feed's server.") from error
    if last_error is not None and "certificate" in str(last_error).lower():
        raise _Failed("The feed's server has an invalid HTTPS certificate.") from last_error
    raise _Failed(
        "I couldn't connect to the feed's server (it refused or is unreachable)."
    ) from last_error


def _read_body(response: httpx.Response, max_bytes: int, deadline: float) -> bytes:
    """The decoded body, stopping as soon as any layer passes ``max_bytes`` or the deadline."""
    too_large = f"The feed is too large (more than {max_bytes // 1_000_000 or 1} MB)."
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _Failed(too_large)
    stages = [_Raw(), *_layers(response.headers.get("Content-Encoding", ""))]
    chunks: list[bytes] = []
    try:
        for raw in response.iter_raw():
            if time.monotonic() > deadline:
                raise _Failed("The feed's server took too long to send the feed.")
            for stage in stages:
                raw = stage.feed(raw, max_bytes, too_large)
            chunks.append(raw)
        for n, stage in enumerate(stages):  # what each layer still holds, through the rest
            rest = stage.finish(max_bytes, too_large)
            for later in stages[n + 1 :]:
                rest = later.feed(rest, max_bytes, too_large)
            chunks.append(rest)
    except httpx.TimeoutException as error:
        raise _Failed("The feed's server took too long to send the feed.") from error
    except httpx.HTTPError as error:
        raise _Failed("The feed's server sent an answer I couldn't read.") from error
    except zlib.error as error:
        raise _Failed("The feed's server sent a compressed answer I couldn't read.") from error
    except OSError as error:
        raise _Failed("The connection to the feed's server broke.") from error
    return b"".join(chunks)


class _Raw:
    """The bytes on the wire, counted against the same bound as every decoded layer."""

    def __init__(self) -> None:
        self.size = 0

    def feed(self, data: bytes, max_bytes: int, too_large: str) -> bytes:
        self.size += len(data)
        if self.size > max_bytes:
            raise _Failed(too_large)
        return data

    def finish(self, max_bytes: int, too_large: str) -> bytes:
        return b""


class _Layer:
    """One layer of content coding undone, never producing more than ``max_bytes`` in all.

    zlib's ``max_length`` stops each step one byte past what is left, so a bomb is
    noticed after at most ``max_bytes + 1`` bytes of output, whatever its ratio. A gzip
    stream of several members is read through; "deflate" without its zlib header (as
    some servers send it) is read as raw deflate.
    """

    def __init__(self, coding: str) -> None:
        self.wbits = _CODINGS[coding]
        self.size = 0
        self._started = False
        self._z = zlib.decompressobj(self.wbits)

    def feed(self, data: bytes, max_bytes: int, too_large: str) -> bytes:
        out: list[bytes] = []
        while data:
            try:
                piece = self._z.decompress(data, max_bytes - self.size + 1)
            except zlib.error:
                if self._started or self.wbits != zlib.MAX_WBITS:
                    raise
                self.wbits = -zlib.MAX_WBITS  # deflate without the zlib header
                self._z = zlib.decompressobj(self.wbits)
                continue
            self._started = True
            self._grow(piece, out, max_bytes, too_large)
            if self._z.eof:
                data = self._z.unused_data  # another gzip member, or trailing bytes
                self._z = zlib.decompressobj(self.wbits)
                if data and self.wbits != 16 + zlib.MAX_WBITS:
                    break  # bytes after a deflate stream: ignored, as browsers do
            else:
                data = self._z.unconsumed_tail  # empty: the output fitted below the bound
        return b"".join(out)

    def finish(self, max_bytes: int, too_large: str) -> bytes:
        out: list[bytes] = []
        self._grow(self._z.flush(max_bytes - self.size + 1), out, max_bytes, too_large)
        return b"".join(out)

    def _grow(self, piece: bytes, out: list[bytes], max_bytes: int, too_large: str) -> None:
        self.size += len(piece)
        if self.size > max_bytes:
            raise _Failed(too_large)
        out.append(piece)


def _layers(header: str) -> list[_Layer]:
    """The layers to undo for a ``Content-Encoding`` header, outermost first."""
    codings = [c.strip().lower() for c in header.split(",")]
    codings = [c for c in codings if c and c != "identity"]
    unknown = [c for c in codings if c not in _CODINGS]
    if unknown:
        raise _Failed(
            f"The feed's server compressed the feed in a way I can't read ({unknown[0][:20]})."
        )
    if len(codings) > CODINGS_MAX:
        raise _Failed(f"The feed's server compressed the feed {len(codings)} times over.")
    return [_Layer(coding) for coding in reversed(codings)]


def _checked_addresses(url: str, allow_private: bool) -> list[Address]:
    """``check_url``'s work: the addresses the URL's host resolves to, all of them allowed."""
    parsed, ascii_host, port = _checked_form(url)
    addresses = _resolve(ascii_host, port, parsed.host)
    if not allow_private:
        _check_public(addresses)
    return addresses


def _check_public(addresses: list[Address]) -> None:
    """Refuse if any of ``addresses`` is private, loopback, link-local, reserved…"""
    for address in addresses:
        reason = _refusal(address)
        if reason:
            raise ParseError(
                f"That address is on a private or local network ({reason}), so I can't "
                "read a feed there. Blog feeds need a public address.",
                example=FEED_EXAMPLE,
            )


def _checked_form(url: str) -> tuple[httpx.URL, str, int]:
    """The URL parsed, its host in ASCII and its port, or a ``ParseError`` saying what's wrong."""
    if not isinstance(url, str) or not url.strip():
        raise ParseError("I need the address of your blog's feed.", example=FEED_EXAMPLE)
    if len(url) > URL_MAX:
        raise ParseError(
            f"That address is too long (at most {URL_MAX:,} characters).", example=FEED_EXAMPLE
        )
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, UnicodeError) as error:
        raise ParseError("That doesn't look like a web address.", example=FEED_EXAMPLE) from error
    if parsed.scheme not in ("http", "https"):
        raise ParseError("Feed addresses start with https:// or http://.", example=FEED_EXAMPLE)
    host = parsed.host
    if not host:
        raise ParseError("That address has no site name in it.", example=FEED_EXAMPLE)
    if parsed.userinfo:
        raise ParseError(
            "Please leave any user name or password out of the feed address.",
            example=FEED_EXAMPLE,
        )
    ascii_host = parsed.raw_host.decode("ascii")
    if not (_is_ip_literal(ascii_host) or _HOST_NAME.match(ascii_host)):
        raise ParseError("That doesn't look like a web address.", example=FEED_EXAMPLE)
    return parsed, ascii_host, parsed.port or (443 if parsed.scheme == "https" else 80)


def _resolve(ascii_host: str, port: int, host: str) -> list[Address]:
    """Every address ``ascii_host`` resolves to, in the resolver's order, without duplicates."""
    try:
        infos = socket.getaddrinfo(ascii_host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as error:
        raise ParseError(
            f"I couldn't find the site {host}. Is the address spelled right?",
            example=FEED_EXAMPLE,
        ) from error
    addresses: list[Address] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        try:
            address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        except ValueError:
            continue
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise ParseError(
            f"I couldn't find the site {host}. Is the address spelled right?",
            example=FEED_EXAMPLE,
        )
    return addresses


def _refusal(address: Address) -> str | None:
    """Why a feed may not be fetched from ``address`` ("loopback", ...), or None if public."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo:
            embedded = address.teredo[1]
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return _refusal(embedded)
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("not public", not address.is_global),
    )
    return next((name for name, refused in checks if refused), None)


def _is_ip_literal(host: str) -> bool:
    """True for "127.0.0.1" or "::1" (a URL's host without brackets)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
