"""One verb contract for every slash command.

A command's listener reads the text into a parsed command whose ``verb`` names what to do
(the reading, and every "did you mean", is the domain's: ``bot.domain.*.parse_*``), then
hands it to :func:`run_command`. A verb is a plain function::

    def _list(parsed: ActionCommand, actor: Actor, client: WebClient, deps: Deps) -> Replies

given the member (``actor``), the listener's interactive client (quick to give up: a
member is waiting) and the dependencies. It returns its replies, one or several (a long
preview); the first is carried in the acknowledgement (``handlers.listeners``). What it
changes republishes what shows it through ``handlers.changes``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.deps import Deps
from bot.domain.people import Actor
from handlers.blocks.common import Rendered

__all__ = ["Replies", "Verb", "run_command"]

Replies = Rendered | list[Rendered] | None


class Parsed(Protocol):
    verb: str


Verb = Callable[[Any, Actor, WebClient, Deps], Replies]


def run_command(
    verbs: Mapping[str, Verb],
    parsed: Parsed,
    actor: Actor,
    client: WebClient,
    deps: Deps,
    respond: Respond,
) -> None:
    """Do ``parsed.verb`` and give the member its replies, ephemerally, in order."""
    replies = verbs[parsed.verb](parsed, actor, client, deps)
    for text, blocks in replies if isinstance(replies, list) else [replies] if replies else []:
        respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
