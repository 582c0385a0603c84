"""HTTP mode: Bolt's WSGI adapter on waitress, with ``/healthz``."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress.server import create_server

__all__ = ["make_wsgi_app", "make_server", "EVENTS_PATH"]

EVENTS_PATH = "/slack/events"


def make_wsgi_app(app: App, healthy: Callable[[], bool] = lambda: True):
    """``POST /slack/events`` for Slack (commands, interactivity, events); ``GET /healthz``."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def wsgi(environ: dict, start_response) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz" and environ.get("REQUEST_METHOD") == "GET":
            ok = healthy()
            start_response(
                "200 OK" if ok else "503 Service Unavailable",
                [("Content-Type", "text/plain; charset=utf-8")],
            )
            return [b"ok\n" if ok else b"unhealthy\n"]
        return slack(environ, start_response)

    return wsgi


def make_server(app: App, host: str, port: int, threads: int = 8):
    """A waitress server (one process, ``threads`` worker threads); ``.run()`` serves."""
    return create_server(
        make_wsgi_app(app),
        host=host,
        port=port,
        threads=threads,
        ident="nudge",
        clear_untrusted_proxy_headers=True,
    )
