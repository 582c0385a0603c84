"""Pytest fixtures for the loopback Slack, a plugin named in the root ``conftest.py``::

pytest_plugins = ["tests.slack.fixtures"]
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.standin import SlackStandIn

from .socket_server import SocketModeServer

__all__ = ["socket_server", "standin"]


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    """A started Slack stand-in; the test fails if the bot made a malformed Web API call.

    Call ``standin.expect_protocol_errors()`` in a test that provokes them on purpose.
    """
    with SlackStandIn() as slack:
        yield slack
        if not slack.protocol_errors_expected:
            errors = "\n".join(f"  {error}" for error in slack.protocol_errors)
            assert slack.protocol_errors == [], f"malformed Slack API calls:\n{errors}"


@pytest.fixture
def socket_server(standin: SlackStandIn) -> Iterator[SocketModeServer]:
    """A Socket Mode server that ``standin``'s apps.connections.open hands out."""
    with SocketModeServer() as server:
        standin.socket_url = server.url
        yield server
        standin.socket_url = None
