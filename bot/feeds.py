"""Fetching members' blog feeds safely: public http(s) addresses only, bounded in size and time.

>>> check_url("https://myblog.example.org/feed.xml", allow_private=False)  # doctest: +SKIP
>>> result = fetch_feed("https://myblog.example.org/feed.xml", etag=last.etag)  # doctest: +SKIP
>>> result.status, [entry.title for entry in result.entries]  # doctest: +SKIP
('ok', ['Second post', 'First post'])

``allow_private`` comes from ``Settings`` (``NUDGE_ALLOW_PRIVATE_FEEDS``); parsing lives in
``bot.domain.feeds``.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
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
]

USER_AGENT = "Nudge/0.1 (+feed reader for a Slack practitioner network)"
URL_MAX = 2000
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
)
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


def check_url(url: str, allow_private: bool) -> None:
    """Refuse, with a ``ParseError`` a member can act on, a feed URL Nudge must not fetch.

    http(s) only, a host, no user name or password, at most ``URL_MAX`` characters, and
    unless ``allow_private`` every address the host resolves to must be public (not
    private, loopback, link-local, multicast, reserved or unspecified, IPv4 or IPv6,
    IPv4-mapped and NAT64 included). Resolves the host name (blocking DNS).

    >>> check_url("https://myblog.example.org/feed.xml", allow_private=False)  # doctest: +SKIP
    >>> check_url("http://169.254.169.254/latest/meta-data/", allow_private=False)
    Traceback (most recent call last):
    bot.domain.errors.ParseError: That address is on a private or local network ...
    """
    _checked_addresses(url, allow_private)


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
    ``timeout`` bounds connecting and each read, and 3 × ``timeout`` the whole download.

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
    headers = {"User-Agent": USER_AGENT, "Accept": _ACCEPT}
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
    """The (decoded) body, stopping as soon as it passes ``max_bytes`` or the deadline."""
    too_large = f"The feed is too large (more than {max_bytes // 1_000_000 or 1} MB)."
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _Failed(too_large)
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise _Failed(too_large)
            if time.monotonic() > deadline:
                raise _Failed("The feed's server took too long to send the feed.")
            chunks.append(chunk)
    except httpx.TimeoutException as error:
        raise _Failed("The feed's server took too long to send the feed.") from error
    except httpx.HTTPError as error:
        raise _Failed("The feed's server sent an answer I couldn't read.") from error
    except OSError as error:
        raise _Failed("The connection to the feed's server broke.") from error
    return b"".join(chunks)


def _checked_addresses(url: str, allow_private: bool) -> list[Address]:
    """``check_url``'s work: the addresses the URL's host resolves to, all of them allowed."""
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
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    addresses = _resolve(ascii_host, port, host)
    if not allow_private:
        for address in addresses:
            reason = _refusal(address)
            if reason:
                raise ParseError(
                    f"That address is on a private or local network ({reason}), so I can't "
                    "read a feed there. Blog feeds need a public address.",
                    example=FEED_EXAMPLE,
                )
    return addresses


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
