"""Loopback Slack for tests beyond the stand-in: a Socket Mode server and the fixtures.

The stand-in itself, its signed sender and its payloads have one public path,
:mod:`bot.standin`. The fixtures (``standin``, ``socket_server``) are a pytest plugin,
``tests.slack.fixtures``, named in ``pytest_plugins`` of the root ``conftest.py``.
"""

from .socket_server import SocketModeServer

__all__ = ["SocketModeServer"]
