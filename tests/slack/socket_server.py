"""A loopback Socket Mode server speaking Slack's envelope protocol over WebSocket.

    >>> with SocketModeServer() as server:
    ...     standin.socket_url = server.url           # apps.connections.open hands it out
    ...     handler.connect()                          # Bolt's SocketModeHandler
    ...     envelope_id = server.send_envelope("slash_commands", command_payload(...))
    ...     server.wait_for_ack(envelope_id)
    {'envelope_id': '...'}

slack_sdk's built-in client connects without TLS to any port other than 443 (whatever the
scheme), and needs a path in the URL (it sends ``GET {path}?{query}``), so ``url`` is
``ws://127.0.0.1:PORT/link/``.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

__all__ = ["SocketModeServer"]

# Slack marks envelopes of these types as accepting a response payload.
PING_INTERVAL = 0.2  # seconds
ACCEPTS_RESPONSE_PAYLOAD = {"slash_commands": True, "interactive": True, "events_api": False}


class SocketModeServer:
    """Serves Socket Mode on 127.0.0.1 in a thread; ``start()``/``stop()`` or ``with``."""

    def __init__(self, app_id: str = "A0001") -> None:
        self.app_id = app_id
        self.connections = 0  # connections accepted so far
        self.received: list[dict[str, Any]] = []  # every message the client sent
        self._open: list[ServerConnection] = []
        self._retiring: list[ServerConnection] = []  # told to disconnect, closed on reconnect
        self._acks: dict[str, dict[str, Any]] = {}
        self._changed = threading.Condition()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> SocketModeServer:
        """Listen on a free loopback port."""
        # Frequent pings, as Slack sends them: each wakes the client's blocking recv, so
        # slack_sdk's close() and reconnects wait a fraction of a second, not 3 s.
        self._server = serve(
            self._serve, "127.0.0.1", 0, compression=None, ping_interval=PING_INTERVAL
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="socket-mode-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close every connection and stop listening."""
        for connection in list(self._open):
            connection.close()
        if self._server is not None:
            self._server.shutdown()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SocketModeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The WebSocket URL for apps.connections.open to hand out."""
        assert self._server is not None, "SocketModeServer is not started"
        return f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/link/"

    @property
    def open_connections(self) -> int:
        """Connections currently open."""
        return len(self._open)

    def _serve(self, connection: ServerConnection) -> None:
        with self._changed:
            self.connections += 1
            self._open.append(connection)
            self._changed.notify_all()
        try:
            connection.send(
                json.dumps(
                    {
                        "type": "hello",
                        "num_connections": len(self._open),
                        "connection_info": {"app_id": self.app_id},
                        "debug_info": {
                            "host": "applink-loopback",
                            "build_number": 1,
                            "approximate_connection_time": 18060,
                        },
                    }
                )
            )
            self._close_retiring()
            for raw in connection:
                message = json.loads(raw)
                with self._changed:
                    self.received.append(message)
                    if "envelope_id" in message:
                        self._acks[message["envelope_id"]] = message
                    self._changed.notify_all()
        except (ConnectionClosed, ValueError):
            pass
        finally:
            with self._changed:
                self._open.remove(connection)
                self._changed.notify_all()

    def _close_retiring(self) -> None:
        """Close connections told to disconnect, once their replacement is open.

        Slack closes them a few seconds later. Without the close, slack_sdk's built-in
        client takes up to its 3 s socket timeout to drop the old connection, because
        closing it waits for the receive lock held by a blocking ``recv``.
        """
        with self._changed:
            retiring, self._retiring = self._retiring, []
        for connection in retiring:
            connection.close()

    def wait_for_connections(self, n: int, timeout: float = 5.0) -> None:
        """Wait until ``n`` connections have been accepted in all and one is open."""
        with self._changed:
            ok = self._changed.wait_for(lambda: self.connections >= n and self._open, timeout)
        assert ok, f"expected {n} Socket Mode connections within {timeout}s, saw {self.connections}"

    def send_envelope(
        self,
        type: str,  # noqa: A002 - Slack's field name
        payload: dict[str, Any],
        accepts_response_payload: bool | None = None,
    ) -> str:
        """Send ``payload`` in an envelope to the newest open connection; returns its id.

        ``accepts_response_payload`` defaults to what Slack sends for ``type``.
        """
        self.wait_for_connections(1, timeout=3.0)
        envelope_id = str(uuid.uuid4())
        if accepts_response_payload is None:
            accepts_response_payload = ACCEPTS_RESPONSE_PAYLOAD.get(type, False)
        envelope = {
            "envelope_id": envelope_id,
            "type": type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
            "retry_attempt": 0,
            "retry_reason": "",
        }
        deadline = time.monotonic() + 3.0
        while True:  # like Slack: deliver over a live connection, not one being closed
            self.wait_for_connections(1, timeout=3.0)
            try:
                self._open[-1].send(json.dumps(envelope))
                return envelope_id
            except ConnectionClosed:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def wait_for_ack(self, envelope_id: str, timeout: float = 3.0) -> dict[str, Any]:
        """The client's ack of ``envelope_id`` (``{"envelope_id", "payload"?}``)."""
        with self._changed:
            ok = self._changed.wait_for(lambda: envelope_id in self._acks, timeout)
            if ok:
                return self._acks[envelope_id]
        raise AssertionError(
            f"no ack for envelope {envelope_id} within {timeout}s; received: {self.received}"
        )

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the client to reconnect, as Slack does before recycling a connection."""
        message = json.dumps(
            {"type": "disconnect", "reason": reason, "debug_info": {"host": "loopback"}}
        )
        deadline = time.monotonic() + 3.0
        while True:  # to a live connection: one the client is closing by itself cannot be told
            self.wait_for_connections(1, timeout=3.0)
            connection = self._open[-1]
            try:
                connection.send(message)
            except ConnectionClosed:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
                continue
            self._retiring.append(connection)
            return
