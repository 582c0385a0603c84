"""Blog feeds: parsing RSS and Atom, and fetching them safely from a loopback blog.

Nothing here leaves 127.0.0.1: literal IPs need no DNS, host names are resolved by a
stand-in ``getaddrinfo``, and an autouse guard fails any real connection elsewhere.
"""

from __future__ import annotations

import codecs
import socket
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from bot import feeds
from bot.domain.errors import ParseError
from bot.domain.feeds import (
    ATTRIBUTES_MAX,
    ELEMENTS_MAX,
    ENTRIES_MAX,
    TITLE_MAX,
    FeedEntry,
    new_entries,
    parse_feed,
)
from bot.feeds import USER_AGENT, check_url, fetch_feed
from tests.feeds_server import (
    ATTRIBUTE_BOMB,
    ENTITY_BOMB,
    RSS_FEED,
    FeedServer,
    Post,
    atom,
    rss,
)

BASE = "https://ana.example.org/feed.xml"


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail a request to anything but 127.0.0.1 instead of sending it; resolve no real names."""
    real = httpx.HTTPTransport.handle_request

    def guarded(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        assert request.url.host == "127.0.0.1", f"test tried to reach {request.url}"
        return real(self, request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", guarded)
    resolve_as(monkeypatch, {"localhost": "127.0.0.1"})  # and no real DNS lookups


@pytest.fixture
def blog() -> Iterator[FeedServer]:
    with FeedServer(slow_seconds=2.0) as server:
        yield server


def resolve_as(monkeypatch: pytest.MonkeyPatch, names: dict[str, str]) -> list[str]:
    """Make ``getaddrinfo`` answer ``names`` (host → IP) and fail for other names; log calls."""
    real = socket.getaddrinfo
    calls: list[str] = []

    def fake(host: str, port: int, *args: object, **kwargs: object) -> list:
        calls.append(host)
        if host in names:
            return real(names[host], port, *args, **kwargs)
        try:  # numeric hosts ("10.0.0.1", "::1", "2130706433") need no DNS
            if ":" in host:
                socket.inet_pton(socket.AF_INET6, host)
            else:
                socket.inet_aton(host)
        except OSError:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return calls


# -- parsing (pure) ----------------------------------------------------------------------


def test_rss_2_is_read_with_titles_links_ids_and_utc_dates():
    feed = parse_feed(RSS_FEED, BASE)

    assert feed.title == "Ana's blog"
    assert feed.entries == [
        FeedEntry(
            "ana-3",
            "Third post: on listening",
            "https://ana.example.org/p/3",
            datetime(2024, 11, 20, 9, 30, tzinfo=UTC),
        ),
        FeedEntry(
            "ana-2",
            "Second post",
            "https://ana.example.org/p/2",
            datetime(2024, 11, 13, 8, 0, tzinfo=UTC),
        ),
        FeedEntry(
            "ana-1",
            "First post",
            "https://ana.example.org/p/1",
            datetime(2024, 11, 6, 17, 45, tzinfo=UTC),
        ),
    ]


def test_atom_is_read_with_ids_links_and_dates():
    document = atom(
        "Pete writes",
        [
            Post(
                "tag:pete,2024:1",
                "Hello & welcome",
                "/2024/hello",
                datetime(2024, 10, 1, 7, 15, tzinfo=UTC),
            ),
            Post(
                "tag:pete,2024:2",
                "Notes <b>from</b> the workshop",
                "/2024/notes",
                datetime(2024, 11, 18, 12, 0, tzinfo=UTC),
            ),
        ],
    )

    feed = parse_feed(document, "https://pete.example.org/atom.xml")

    assert feed.title == "Pete writes"
    assert [(e.id, e.title, e.link) for e in feed.entries] == [
        (
            "tag:pete,2024:2",
            "Notes <b>from</b> the workshop",
            "https://pete.example.org/2024/notes",
        ),
        ("tag:pete,2024:1", "Hello & welcome", "https://pete.example.org/2024/hello"),
    ]
    assert feed.entries[0].published == datetime(2024, 11, 18, 12, 0, tzinfo=UTC)


def test_atom_updated_is_used_when_there_is_no_published_date():
    document = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>P</title>'
        b"<entry><id>e1</id><title>T</title><link href='/1'/>"
        b"<updated>2024-03-05T10:00:00+02:00</updated></entry></feed>"
    )

    [entry] = parse_feed(document, "https://p.example.org/").entries

    assert entry.published == datetime(2024, 3, 5, 8, 0, tzinfo=UTC)
    assert entry.published.tzinfo is UTC


def test_an_entry_without_an_id_is_known_by_its_link_and_one_without_either_is_skipped():
    document = (
        b"<rss version='2.0'><channel><title>A</title>"
        b"<item><title>Linked</title><link>/p/9</link></item>"
        b"<item><title>Nothing to know it by</title></item>"
        b"</channel></rss>"
    )

    entries = parse_feed(document, BASE).entries

    assert [(e.id, e.link, e.published) for e in entries] == [
        ("https://ana.example.org/p/9", "https://ana.example.org/p/9", None)
    ]


def test_titles_are_stripped_and_bounded_and_entries_capped():
    long_title = "word " * 200
    posts = [
        Post(f"p{i}", long_title, f"/p/{i}", datetime(2024, 1, 1, tzinfo=UTC))
        for i in range(ENTRIES_MAX + 20)
    ]

    feed = parse_feed(rss("  Spacey\n  title ", posts), BASE)

    assert feed.title == "Spacey title"
    assert len(feed.entries) == ENTRIES_MAX
    assert len(feed.entries[0].title) == TITLE_MAX
    assert feed.entries[0].title.endswith("…")


def test_javascript_links_are_dropped():
    document = (
        b"<rss version='2.0'><channel><title>A</title>"
        b"<item><guid>x1</guid><title>T</title><link>javascript:alert(1)</link></item>"
        b"</channel></rss>"
    )

    [entry] = parse_feed(document, BASE).entries

    assert entry.link == ""


@pytest.mark.parametrize(
    "content",
    [
        b"<?xml version='1.0'?><notafeed><oops></notafeed",
        b"<!DOCTYPE html><html><head><title>My blog</title></head><body>Hi</body></html>",
        b"<html><head><title>Blog</title></head></html>",
        b"",
        b"just some text",
        b'{"items": []}',
    ],
)
def test_what_is_not_a_feed_is_a_parse_error_with_an_example(content: bytes):
    with pytest.raises(ParseError) as raised:
        parse_feed(content, BASE)

    assert raised.value.message.startswith("That doesn't look like an RSS or Atom feed: ")
    assert raised.value.example == "/nudge blog feed https://myblog.example.org/feed.xml"


def test_a_truncated_feed_with_readable_posts_is_still_read():
    feed = parse_feed(RSS_FEED[: RSS_FEED.index(b"<item>", RSS_FEED.index(b"<item>") + 1)], BASE)

    assert feed.title == "Ana's blog"
    assert [e.id for e in feed.entries] == ["ana-3"]


def test_new_entries_are_the_unseen_ones_newest_first():
    def entry(entry_id: str, day: int | None) -> FeedEntry:
        when = datetime(2024, 11, day, tzinfo=UTC) if day else None
        return FeedEntry(entry_id, entry_id, f"https://a.example.org/{entry_id}", when)

    entries = [entry("p1", 1), entry("p3", 3), entry("undated", None), entry("p2", 2)]

    assert [e.id for e in new_entries(entries, seen_ids={"p1"})] == ["p3", "p2", "undated"]
    assert new_entries(entries, seen_ids={"p1", "p2", "p3", "undated"}) == []
    assert [e.id for e in new_entries(entries, seen_ids=set())] == ["p3", "p2", "p1", "undated"]


# -- what makes parsing explode is refused before feedparser sees it ----------------------

UNSAFE = "That feed uses XML features I don't read"


def timed_parse(content: bytes) -> tuple[ParseError | None, float]:
    started = time.process_time()
    try:
        parse_feed(content, BASE)
    except ParseError as error:
        return error, time.process_time() - started
    return None, time.process_time() - started


@pytest.mark.parametrize(
    "content",
    [
        ENTITY_BOMB,
        b'<!DOCTYPE rss [<!ENTITY % p "x">]><rss version="2.0"><channel/></rss>',
        b'<!DOCTYPE rss [<!ATTLIST rss a CDATA "x">]><rss version="2.0"><channel/></rss>',
        b'<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "x.dtd" [ ]>\n<rss version="2.0"/>',
        # the loose parser's own way in: a declaration hidden in a CDATA section of the prolog
        b'<![CDATA[\n<!ENTITY big "' + b"x" * 1000 + b'">\n]]><!DOCTYPE rss>'
        b'<rss version="2.0"><channel><title>&big;</title></channel></rss>',
        # in an encoding a byte scan would not see through
        codecs.BOM_UTF16_LE
        + ENTITY_BOMB.replace(b'"1.0"', b'"1.0" encoding="utf-16"').decode().encode("utf-16-le"),
        b'<?xml version="1.0" encoding="utf-7"?>'
        + '<!DOCTYPE rss [<!ENTITY big "xxxx">]><rss version="2.0"/>'.encode("utf-7"),
    ],
)
def test_entity_and_document_type_declarations_are_refused_before_parsing(content: bytes):
    error, cpu = timed_parse(content)

    assert error is not None and error.message.startswith(UNSAFE)
    assert "entities" in error.message
    assert error.example == "/nudge blog feed https://myblog.example.org/feed.xml"
    print(f"refused in {cpu * 1000:.1f} ms of CPU: {content[:60]!r}")


def test_a_post_quoting_a_declaration_in_cdata_is_read():
    quoted = b'<![CDATA[<p>Write <code><!ENTITY name "value"></code> in a DTD.</p>]]>'
    document = (
        b"<rss version='2.0'><channel><title>XML tips</title><item><guid>e1</guid>"
        b"<title>Entities</title><description>" + quoted + b"</description></item>"
        b"</channel></rss>"
    )

    assert [e.title for e in parse_feed(document, BASE).entries] == ["Entities"]


def test_an_element_with_too_many_attributes_is_refused_at_once():
    error, cpu = timed_parse(ATTRIBUTE_BOMB)  # 100,000 attributes took 75 s of CPU

    assert error is not None and f"more than {ATTRIBUTES_MAX} attributes" in error.message
    print(f"100,000 attributes ({len(ATTRIBUTE_BOMB):,} bytes) refused in {cpu:.3f} s of CPU")
    attributes = " ".join(f'a{n}="{">" * 3}"' for n in range(ATTRIBUTES_MAX + 1))
    hidden = f"<rss version='2.0'><channel {attributes}><title>T</title></channel></rss>"
    assert timed_parse(hidden.encode())[0] is not None  # a '>' in a value hides nothing
    fine = " ".join(f'a{n}="x"' for n in range(ATTRIBUTES_MAX))
    ok = f"<rss version='2.0'><channel {fine}><title>T</title></channel></rss>"
    assert parse_feed(ok.encode(), BASE).title == "T"


def test_too_many_elements_are_refused_and_a_large_real_feed_is_not():
    flood = b"<rss version='2.0'><channel><title>T</title><item>"
    flood += b"<x/>" * (ELEMENTS_MAX + 1) + b"</item></channel></rss>"
    error, cpu = timed_parse(flood)
    assert error is not None and "elements" in error.message
    print(f"{ELEMENTS_MAX + 1:,} elements refused in {cpu:.3f} s of CPU")

    paragraph = (
        '<p>Text with <a href="https://a.example/x?a=1&amp;b=2">a link</a> and <em>more</em>.</p>'
    )
    body = f"<![CDATA[{paragraph * 170}]]>"
    posts = [Post(f"p{n}", f"Post {n}", f"/p/{n}", None) for n in range(100)]
    full_text = rss("Long reads", posts).replace(
        b"</guid>", b"</guid><description>" + body.encode() + b"</description>"
    )
    error, cpu = timed_parse(full_text)
    assert error is None
    print(f"a real feed of {len(full_text):,} bytes, 100 full posts, read in {cpu:.2f} s of CPU")


# -- check_url ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/feed.xml",
        "http://192.168.1.10/feed.xml",
        "http://172.16.0.5/feed.xml",
        "http://127.0.0.1/feed.xml",
        "http://100.64.0.1/feed.xml",
        "http://0.0.0.0/feed.xml",
        "http://224.0.0.1/feed.xml",
        "http://240.0.0.1/feed.xml",
        "http://2130706433/feed.xml",
        "http://[::1]/feed.xml",
        "http://[::]/feed.xml",
        "http://[::ffff:127.0.0.1]/feed.xml",
        "http://[::ffff:169.254.169.254]/feed.xml",
        "http://[fe80::1]/feed.xml",
        "http://[fc00::1]/feed.xml",
        "http://[ff02::1]/feed.xml",
        "http://[64:ff9b::a00:1]/feed.xml",
        "http://[2002:a00:1::]/feed.xml",
    ],
)
def test_private_loopback_link_local_and_reserved_addresses_are_refused(url: str):
    with pytest.raises(ParseError) as raised:
        check_url(url, allow_private=False)

    assert "private or local network" in raised.value.message
    assert raised.value.example == "/nudge blog feed https://myblog.example.org/feed.xml"
    check_url(url, allow_private=True)  # the operator may allow them


@pytest.mark.parametrize(
    "url",
    ["https://1.1.1.1/feed.xml", "http://[2606:4700:4700::1111]/feed", "http://8.8.8.8:8080/rss"],
)
def test_public_addresses_pass(url: str):
    check_url(url, allow_private=False)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://ana.example.org/feed.xml", "https:// or http://"),
        ("file:///etc/passwd", "https:// or http://"),
        ("javascript:alert(1)", "https:// or http://"),
        ("ana.example.org/feed.xml", "https:// or http://"),
        ("https:///feed.xml", "no site name"),
        ("https://user:secret@1.1.1.1/feed.xml", "user name or password"),
        ("https://1.1.1.1/" + "x" * 2000, "too long"),
        ("", "I need the address"),
        ("http://exa mple.org/", "web address"),
        ("http://bad_host!.example.org/", "web address"),
    ],
)
def test_bad_urls_are_refused_with_a_reason(url: str, reason: str):
    with pytest.raises(ParseError) as raised:
        check_url(url, allow_private=True)

    assert reason in raised.value.message


def test_a_host_name_is_refused_when_it_resolves_to_a_private_address(monkeypatch):
    resolve_as(monkeypatch, {"intranet.example.org": "10.1.2.3"})

    with pytest.raises(ParseError, match="private or local network"):
        check_url("https://intranet.example.org/feed.xml", allow_private=False)


def test_an_unknown_host_is_a_friendly_parse_error(monkeypatch):
    resolve_as(monkeypatch, {})

    with pytest.raises(ParseError, match="I couldn't find the site nowhere.example.org"):
        check_url("https://nowhere.example.org/feed.xml", allow_private=False)


# -- fetch_feed against the loopback blog ------------------------------------------------


def test_rss_and_atom_are_fetched_and_parsed(blog: FeedServer):
    rss_result = fetch_feed(blog.url("/rss.xml"), allow_private=True)
    atom_result = fetch_feed(blog.url("/atom.xml"), allow_private=True)

    assert rss_result.status == "ok" and rss_result.error is None
    assert rss_result.title == "Ana's blog"
    assert [e.id for e in rss_result.entries] == ["ana-3", "ana-2", "ana-1"]
    assert rss_result.entries[1].link == blog.url("/p/2")  # relative to the feed's URL
    assert rss_result.etag and rss_result.modified == "Wed, 20 Nov 2024 10:00:00 GMT"
    assert rss_result.final_url == blog.url("/rss.xml")
    assert atom_result.title == "Pete writes"
    assert [e.title for e in atom_result.entries] == ["Notes from the workshop", "Hello & welcome"]
    [request] = blog.seen("/rss.xml")
    assert request.header("User-Agent") == USER_AGENT
    assert request.header("If-None-Match") is None


def test_a_second_fetch_with_the_etag_is_not_modified(blog: FeedServer):
    first = fetch_feed(blog.url("/rss.xml"), allow_private=True)

    second = fetch_feed(
        blog.url("/rss.xml"), etag=first.etag, modified=first.modified, allow_private=True
    )

    assert second.status == "not_modified"
    assert second.entries == [] and second.error is None
    assert (second.etag, second.modified) == (first.etag, first.modified)
    assert blog.seen("/rss.xml")[1].header("If-None-Match") == first.etag
    assert blog.seen("/rss.xml")[1].header("If-Modified-Since") == first.modified


def test_if_modified_since_alone_also_gives_not_modified(blog: FeedServer):
    first = fetch_feed(blog.url("/atom.xml"), allow_private=True)

    second = fetch_feed(blog.url("/atom.xml"), modified=first.modified, allow_private=True)

    assert second.status == "not_modified"


def test_a_changed_feed_is_fetched_again_with_its_new_posts(blog: FeedServer):
    posts = [Post("p1", "One", "/p/1", datetime(2024, 11, 1, tzinfo=UTC))]
    blog.feed("/ana.xml", rss("Ana", posts))
    first = fetch_feed(blog.url("/ana.xml"), allow_private=True)
    blog.feed(
        "/ana.xml",
        rss("Ana", [Post("p2", "Two", "/p/2", datetime(2024, 11, 8, tzinfo=UTC)), *posts]),
    )

    second = fetch_feed(blog.url("/ana.xml"), etag=first.etag, allow_private=True)

    assert second.status == "ok"
    assert [e.id for e in new_entries(second.entries, {e.id for e in first.entries})] == ["p2"]


@pytest.mark.parametrize("path", ["/malformed.xml", "/page.html"])
def test_malformed_content_is_an_error(blog: FeedServer, path: str):
    result = fetch_feed(blog.url(path), allow_private=True)

    assert result.status == "error"
    assert result.error.startswith("That doesn't look like an RSS or Atom feed")


@pytest.mark.parametrize("path", ["/huge.xml", "/huge-declared.xml"])
def test_an_oversized_feed_is_an_error(blog: FeedServer, path: str):
    result = fetch_feed(blog.url(path), allow_private=True)

    assert result.status == "error"
    assert "too large" in result.error


def test_an_endless_body_is_abandoned_without_reading_it_all(blog: FeedServer):
    started = time.monotonic()

    result = fetch_feed(blog.url("/endless.xml"), allow_private=True, max_bytes=100_000)

    assert "too large" in result.error
    assert time.monotonic() - started < 5
    time.sleep(0.2)  # let the server notice the hang-up
    assert blog.bytes_sent["/endless.xml"] < 50_000_000  # of 1 GB on offer


@pytest.mark.parametrize("path", ["/gzip.xml", "/deflate.xml", "/raw-deflate.xml"])
def test_compressed_feeds_are_read(blog: FeedServer, path: str):
    result = fetch_feed(blog.url(path), allow_private=True)

    assert result.status == "ok" and [e.id for e in result.entries] == ["ana-3", "ana-2", "ana-1"]
    assert blog.seen(path)[0].header("Accept-Encoding") == "gzip, deflate"


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/bomb/gzip-gzip.xml", "too large"),  # 2 GiB behind 5 kB, in two layers
        ("/bomb/gzip.xml", "too large"),  # 200 MB behind 200 kB
        ("/bomb/gzip-in-gzip.xml", "doesn't look like an RSS or Atom feed"),
        ("/bomb/gzip-3.xml", "compressed the feed 3 times over"),
        ("/bomb/br.xml", "in a way I can't read (br)"),
    ],
)
def test_compression_bombs_are_refused_within_the_size_bound(
    blog: FeedServer, path: str, reason: str
):
    tracemalloc.start()
    try:
        result = fetch_feed(blog.url(path), allow_private=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert result.status == "error" and reason in result.error
    print(f"{path}: {result.error} (peak {peak / 1e6:.1f} MB allocated while fetching)")
    assert peak < 12_000_000  # the 2 MB body, once per layer and once joined, with room


@pytest.mark.parametrize(
    ("path", "reason"),
    [("/loop/a", "redirects in a loop"), ("/chain/6", "redirects more than 5 times")],
)
def test_redirect_loops_and_long_chains_are_errors(blog: FeedServer, path: str, reason: str):
    result = fetch_feed(blog.url(path), allow_private=True)

    assert result.status == "error"
    assert reason in result.error
    assert sum(blog.hits.values()) <= 6


def test_five_redirects_are_followed_and_the_final_url_reported(blog: FeedServer):
    result = fetch_feed(blog.url("/chain/5"), allow_private=True)

    assert result.status == "ok"
    assert result.final_url == blog.url("/chain/0")
    assert [blog.hits[f"/chain/{n}"] for n in range(6)] == [1] * 6


def test_a_redirect_to_a_private_address_is_refused(blog: FeedServer, monkeypatch):
    # Treat the loopback blog as public so that only the redirect's target is private.
    real = feeds._refusal
    monkeypatch.setattr(
        feeds, "_refusal", lambda address: None if address.is_loopback else real(address)
    )

    for path in ("/to-metadata", "/to-private"):
        result = fetch_feed(blog.url(path), allow_private=False)

        assert result.status == "error"
        assert "private or local network" in result.error
    assert fetch_feed(blog.url("/moved"), allow_private=False).status == "ok"


def test_a_redirect_to_ftp_is_refused(blog: FeedServer):
    result = fetch_feed(blog.url("/to-ftp"), allow_private=True)

    assert result.status == "error"
    assert "https:// or http://" in result.error
    assert result.final_url == "ftp://ana.example.org/feed.xml"


def test_loopback_is_refused_without_allow_private_and_fetched_with_it(blog: FeedServer):
    refused = fetch_feed(blog.url("/rss.xml"))
    localhost = fetch_feed(blog.url("/rss.xml").replace("127.0.0.1", "localhost"))

    assert refused.status == localhost.status == "error"
    assert "private or local network" in refused.error
    assert blog.hits["/rss.xml"] == 0
    assert fetch_feed(blog.url("/rss.xml"), allow_private=True).status == "ok"


def test_refused_urls_are_error_results_not_exceptions():
    for url in ("ftp://ana.example.org/feed.xml", "file:///etc/passwd", "http://10.0.0.1/"):
        result = fetch_feed(url)

        assert result.status == "error" and result.error


@pytest.mark.parametrize("path", ["/slow.xml", "/slow-body.xml"])
def test_a_slow_server_times_out_as_an_error(blog: FeedServer, path: str):
    started = time.monotonic()

    result = fetch_feed(blog.url(path), allow_private=True, timeout=0.3)

    assert result.status == "error"
    assert "too long" in result.error
    assert time.monotonic() - started < 1.5


def test_http_error_statuses_are_errors_with_the_status(blog: FeedServer):
    assert fetch_feed(blog.url("/status/404"), allow_private=True).error == (
        "The feed's server answered 404 Not Found."
    )
    assert "500" in fetch_feed(blog.url("/status/500"), allow_private=True).error
    assert "404" in fetch_feed(blog.url("/no-such-feed.xml"), allow_private=True).error


def test_a_refused_connection_is_an_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    result = fetch_feed(f"http://127.0.0.1:{port}/feed.xml", allow_private=True)

    assert result.status == "error"
    assert "couldn't connect" in result.error


def test_an_unknown_host_is_an_error_result(monkeypatch):
    resolve_as(monkeypatch, {})

    result = fetch_feed("https://nowhere.example.org/feed.xml")

    assert result.status == "error"
    assert "couldn't find the site nowhere.example.org" in result.error


def test_the_connection_goes_to_the_checked_address_with_the_host_name_kept(
    blog: FeedServer, monkeypatch
):
    calls = resolve_as(monkeypatch, {"ana.example.org": "127.0.0.1"})
    port = blog.url().split(":")[-1].rstrip("/")

    result = fetch_feed(f"http://ana.example.org:{port}/rss.xml", allow_private=True)

    assert result.status == "ok"
    assert result.final_url == f"http://ana.example.org:{port}/rss.xml"
    assert blog.seen("/rss.xml")[0].header("Host") == f"ana.example.org:{port}"
    assert calls.count("ana.example.org") == 1  # resolved once: no second answer to rebind


def test_https_is_pinned_to_the_ip_with_sni_and_host_header_for_the_name(monkeypatch):
    resolve_as(monkeypatch, {"ana.example.org": "127.0.0.1"})
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, stream=httpx.ByteStream(RSS_FEED))  # as from a network

    with httpx.Client(transport=httpx.MockTransport(handler), follow_redirects=True) as client:
        result = fetch_feed("https://ana.example.org/feed.xml", allow_private=True, client=client)

    assert result.status == "ok"
    [request] = sent
    assert str(request.url) == "https://127.0.0.1/feed.xml"
    assert request.headers["Host"] == "ana.example.org"
    assert request.extensions["sni_hostname"] == "ana.example.org"
    assert request.headers["User-Agent"] == USER_AGENT
