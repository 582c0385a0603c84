"""HTTP mode: waitress serving ``POST /slack/events`` to Bolt, and ``/healthz``; installed
by many workspaces, also Bolt's OAuth flow at ``GET /slack/install`` and
``GET /slack/oauth_redirect``.

Every request to ``/slack/events`` is checked here, in one place, before Bolt sees it:
Slack's signature over the raw body with slack_sdk's ``SignatureVerifier``, then the body
read as Slack sends it. A request that is not verified gets 401 and nothing else (no
listener, no Web API call, no outbound request); a verified body Slack would never send
gets 400. The one unsigned request Slack sends, its certificate check, gets an empty 200
and goes no further. Bolt's own signature check is off in HTTP mode for that reason
(:func:`bot.app.build_app`): it would trip over the same inputs (below).

The OAuth flow's two pages are not Slack's requests but a browser's (the installer's):
unsigned by nature, they go to Bolt's ``OAuthFlow``, which checks the one-time ``state``
(issued here, held in the browser's cookie too) and trades the ``code`` with Slack; they
carry no body and reach no listener. Served only when installed by many workspaces.

>>> server = make_server(app, "127.0.0.1", 0, signing_secret=secret)  # doctest: +SKIP
>>> server.run()  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import resource
from collections.abc import Callable, Iterable
from urllib.parse import parse_qs, parse_qsl

from slack_bolt import App
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.request import BoltRequest
from slack_sdk.signature import SignatureVerifier
from waitress.server import create_server

from bot.readiness import Readiness, Report

__all__ = [
    "make_wsgi_app",
    "make_server",
    "read_slack_body",
    "is_ssl_check",
    "is_verified",
    "Refused",
    "EVENTS_PATH",
    "HEALTH_PATH",
    "VERIFIED",
]

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
VERIFIED = "nudge_request_verified"  # set in the context of every request that passed the check

# waitress's limits, chosen for Slack's traffic: small bodies (a few KB), one request per
# connection or a short keep-alive, an answer wanted within 3 s. waitress's own defaults
# (in brackets) suit a web site and let 100 idle connections shut everyone out.
THREADS = 8  # worker threads answering requests [4]
CONNECTION_LIMIT = 1000  # open connections at once; past it new ones wait unaccepted [100]
CHANNEL_TIMEOUT = 10  # seconds a connection may send nothing before it is closed [120]
CLEANUP_INTERVAL = 2  # seconds between sweeps for such connections [30]
MAX_BODY_BYTES = 1024 * 1024  # a longer body gets 413 from its Content-Length, unread [1 GB]
MAX_HEADER_BYTES = 32 * 1024  # request line and headers; Slack's are under 2 KB [256 KB]
INBUF_OVERFLOW = 64 * 1024  # a body past this waits in a temporary file, not memory [512 KB]
FILES_BESIDE_CONNECTIONS = 64  # descriptors kept for the database, logs and Web API calls
# Fields in a form body: a slash command has 13, an interactive payload one.
MAX_FORM_FIELDS = 100

_JSON = "application/json"


class Refused(Exception):
    """A request answered with ``status`` before Bolt saw it, for ``reason`` (logged)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def _verified_text(
    verifier: SignatureVerifier, body: bytes, timestamp: str | None, signature: str | None
) -> str:
    """``body`` as text if Slack signed it within five minutes; else :class:`Refused` (401).

    ``SignatureVerifier.is_valid`` raises instead of answering ``False`` when the
    timestamp is not an integer (``int("abc")``, ``"t, t"`` from a repeated header), when
    the signature holds a non-ASCII character (``hmac.compare_digest``), or when the body
    is not UTF-8; inside Bolt that became a 500 and the error handler acted on the
    unverified body. So those are refused here first.
    """
    if not timestamp or not signature:
        raise Refused(401, "no signature")
    if not (timestamp.isascii() and timestamp.isdigit()):
        raise Refused(401, "malformed timestamp")
    if not signature.isascii():
        raise Refused(401, "malformed signature")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(401, "body not UTF-8") from None
    if not verifier.is_valid(text, timestamp, signature):
        raise Refused(401, "wrong or expired signature")
    return text


def is_ssl_check(body: bytes) -> bool:
    """Whether ``body`` is Slack's certificate check, which Slack sends unsigned.

    Slack posts ``ssl_check=1&token=…`` to a command's URL to check its certificate and
    wants a 200. It is answered with an empty 200 here and goes no further, whatever
    else the body holds, so it can carry nothing past the gate.

    >>> is_ssl_check(b"ssl_check=1&token=abc"), is_ssl_check(b"ssl_check=true")
    (True, False)
    """
    try:
        fields = parse_qs(body.decode("ascii"), max_num_fields=MAX_FORM_FIELDS)
    except (UnicodeDecodeError, ValueError):
        return False
    return fields.get("ssl_check") == ["1"]


def read_slack_body(text: str, content_type: str | None) -> dict:
    """The fields of a verified body: JSON (events) or a form (commands, interactivity).

    Bolt's ``slack_bolt.request.internals.parse_body`` looks for the word ``payload``
    anywhere in a form body and, finding no such field, returns ``{}``: a command whose
    text (or whose member's name) contains the word went unhandled. Here a form is read
    as a form, and its ``payload`` field, when there is one, as the JSON it carries.

    >>> read_slack_body("command=%2Faction&text=Check+the+payload+size", None)["text"]
    'Check the payload size'
    >>> read_slack_body('payload=%7B%22type%22%3A%22block_actions%22%7D', None)
    {'type': 'block_actions'}
    >>> read_slack_body("payload=notjson", None)
    Traceback (most recent call last):
    ...
    bot.http.Refused: payload is not JSON
    """
    if content_type == _JSON or text.startswith("{"):  # the rule parse_body uses
        found = _json_object(text, "body")
    else:
        try:
            fields = dict(parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS))
        except ValueError:
            raise Refused(400, "too many form fields") from None
        found = _json_object(fields["payload"], "payload") if "payload" in fields else fields
    if not found:
        raise Refused(400, "empty body")
    return found


def _json_object(text: str, what: str) -> dict:
    try:
        found = json.loads(text)
    except ValueError:
        raise Refused(400, f"{what} is not JSON") from None
    if not isinstance(found, dict):
        raise Refused(400, f"{what} is not a JSON object")
    return found


def is_verified(request: BoltRequest) -> bool:
    """Whether ``request`` came from Slack: over Socket Mode, or signed and checked here."""
    return request.mode == "socket_mode" or request.context.get(VERIFIED) is True


def _headers(environ: dict) -> dict[str, str]:
    """Request headers by lower-case name, as Bolt takes them (``x-slack-signature``)."""
    found = {}
    for key, value in environ.items():
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            found[key.lower().replace("_", "-")] = value
        elif key.startswith("HTTP_"):
            found[key[5:].lower().replace("_", "-")] = value
    return found


def _read(environ: dict) -> bytes:
    """The request body; waitress has already refused any over ``MAX_BODY_BYTES``."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(min(length, MAX_BODY_BYTES)) if length > 0 else b""


def _bolt_request(environ: dict, headers: dict[str, str], fields: dict) -> BoltRequest:
    """A verified request for Bolt: its fields as JSON, which ``parse_body`` reads as is
    (also when Bolt copies the request for a lazy listener); Bolt's own headers dropped,
    since the signature covers only the body."""
    kept = {k: v for k, v in headers.items() if not k.startswith("x-slack-bolt-")}
    kept["content-type"] = _JSON
    return BoltRequest(
        body=json.dumps(fields),
        query=environ.get("QUERY_STRING", ""),
        headers=kept,
        context={VERIFIED: True},
    )


def _plain(start_response, status: str, text: str, head: bool = False, **extra: str):
    body = text.encode()
    headers = [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", str(len(body))),
        *extra.items(),
    ]
    start_response(status, headers)
    return [] if head else [body]


def make_wsgi_app(
    app: App, signing_secret: str, ready: Callable[[], Report] | None = None
) -> Callable[[dict, Callable], Iterable[bytes]]:
    """``POST /slack/events`` (verified, then Bolt) and ``GET``/``HEAD /healthz`` (``ready``)."""
    verifier = SignatureVerifier(signing_secret)
    ready = ready or (lambda: Report(True, ()))

    def wsgi(environ: dict, start_response) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == HEALTH_PATH:
            if method not in ("GET", "HEAD"):
                return _plain(start_response, "405 Method Not Allowed", "", Allow="GET, HEAD")
            report = ready()
            status = "200 OK" if report.ready else "503 Service Unavailable"
            return _plain(start_response, status, report.text(), head=method == "HEAD")
        flow = app.oauth_flow
        if flow is not None and path in (flow.install_path, flow.redirect_uri_path):
            if method != "GET":
                return _plain(start_response, "405 Method Not Allowed", "", Allow="GET")
            request = BoltRequest(
                body="", query=environ.get("QUERY_STRING", ""), headers=_headers(environ)
            )
            if path == flow.install_path:
                answer = flow.handle_installation(request)
            else:
                answer = flow.handle_callback(request)
            response = WsgiHttpResponse(
                status=answer.status, headers=answer.headers, body=answer.body
            )
            start_response(response.status, response.get_headers())
            return response.get_body()
        if path != EVENTS_PATH:
            return _plain(start_response, "404 Not Found", "Not Found\n")
        if method != "POST":
            return _plain(start_response, "405 Method Not Allowed", "", Allow="POST")
        body = _read(environ)
        headers = _headers(environ)
        try:
            text = _verified_text(
                verifier,
                body,
                headers.get("x-slack-request-timestamp"),
                headers.get("x-slack-signature"),
            )
            content_type = (headers.get("content-type") or "").split(";")[0].strip() or None
            fields = read_slack_body(text, content_type)
        except Refused as refused:
            if refused.status == 401 and is_ssl_check(body):
                return _plain(start_response, "200 OK", "")
            log.warning(
                "refused a request: %s (%d bytes from %s)",
                refused.reason,
                len(body),
                environ.get("REMOTE_ADDR", "-"),
            )
            status = "401 Unauthorized" if refused.status == 401 else "400 Bad Request"
            return _plain(start_response, status, f"{status[4:]}\n")
        answer = app.dispatch(_bolt_request(environ, headers, fields))
        response = WsgiHttpResponse(status=answer.status, headers=answer.headers, body=answer.body)
        start_response(response.status, response.get_headers())
        return response.get_body()

    return wsgi


def _connection_limit() -> int:
    """``CONNECTION_LIMIT``, within the open-file limit (raised to its ceiling if need be).

    Every connection is a file descriptor; past the limit ``accept()`` fails and waitress
    retries it in a loop, so the connection limit must stay below it.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = CONNECTION_LIMIT + FILES_BESIDE_CONNECTIONS
    if soft != resource.RLIM_INFINITY and soft < wanted:
        ceiling = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (ceiling, hard))
        soft = ceiling
    limit = min(CONNECTION_LIMIT, soft - FILES_BESIDE_CONNECTIONS)
    if limit < CONNECTION_LIMIT:
        log.warning("the open-file limit allows %d connections, not %d", limit, CONNECTION_LIMIT)
    return max(limit, 1)


def make_server(
    app: App, host: str, port: int, *, signing_secret: str, readiness: Readiness | None = None
):
    """A waitress server with the limits above; ``.run()`` serves.

    With ``readiness``, ``/healthz`` reports it, and it watches this server's worker
    threads (the ones that answer members' requests).
    """
    server = create_server(
        make_wsgi_app(app, signing_secret, readiness),
        host=host,
        port=port,
        threads=THREADS,
        connection_limit=_connection_limit(),
        channel_timeout=CHANNEL_TIMEOUT,
        cleanup_interval=CLEANUP_INTERVAL,
        max_request_body_size=MAX_BODY_BYTES + 1,  # waitress refuses a length >= this
        max_request_header_size=MAX_HEADER_BYTES,
        inbuf_overflow=INBUF_OVERFLOW,
        asyncore_use_poll=True,  # select() cannot watch more than 1024 sockets
        ident="nudge",
        clear_untrusted_proxy_headers=True,
    )
    if readiness is not None:
        readiness.watch("requests", _submitter(server.task_dispatcher))
    return server


class _Probe:
    """A task for waitress's dispatcher that only runs ``function`` (``service``)."""

    def __init__(self, function: Callable[[], None]) -> None:
        self.service = function

    def cancel(self) -> None:
        """Dropped at shutdown: nothing to undo."""


def _submitter(dispatcher) -> Callable[[Callable[[], None]], None]:
    """Queue a function behind the requests waiting for one of waitress's workers."""
    return lambda function: dispatcher.add_task(_Probe(function))
