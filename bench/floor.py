"""The floor for the benchmark: a Bolt app that only acks, served like Nudge (waitress, HTTP,
signatures checked by ``bot.http``).

    python -m bench.floor SECRET TOKEN API_URL [--process-before-response]
    # prints "Serving on http://127.0.0.1:PORT/..."

Bolt's default listener runner acks from a worker thread and the request thread polls for
the ack every 10 ms; with ``--process-before-response`` the listener runs on the request
thread and its ack is the response at once (the true floor; Nudge runs this way).

Bolt calls ``auth.test`` once for its token; ``API_URL`` is the stand-in's, so nothing
leaves loopback.
"""

from __future__ import annotations

import logging
import re
import sys
import threading

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.http import make_server

__all__ = ["build_floor_app", "main"]


def build_floor_app(
    signing_secret: str, token: str, api_url: str, *, process_before_response: bool = False
) -> App:
    """Every slash command and ``app_home_opened`` acknowledged, nothing else done."""
    app = App(
        client=WebClient(token=token, base_url=api_url),
        signing_secret=signing_secret,
        token_verification_enabled=False,
        request_verification_enabled=False,  # bot.http checks signatures, as for Nudge
        process_before_response=process_before_response,
    )

    @app.command(re.compile(r"^/.*"))
    def on_any_command(ack: Ack) -> None:
        """Ack and stop."""
        ack()

    @app.event("app_home_opened")
    def on_home(ack: Ack) -> None:
        """Ack and stop."""
        ack()

    return app


def main(argv: list[str]) -> int:
    """Serve the floor app on a free loopback port until killed."""
    logging.basicConfig(level=logging.WARNING)
    secret = argv[0]
    app = build_floor_app(
        *argv[:3], process_before_response="--process-before-response" in argv[3:]
    )
    server = make_server(app, "127.0.0.1", 0, signing_secret=secret)
    print(f"Serving on http://127.0.0.1:{server.effective_port}/slack/events", flush=True)
    threading.Thread(target=server.run, daemon=True).start()
    threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
