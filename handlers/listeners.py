"""Binding listeners to their dependencies, and answering their errors in one place.

Bolt injects arguments by the names of a listener's positional parameters; ``deps``
is keyword-only, so it is ours: ``bind(on_action_command, deps)``. A listener gets the
``deps`` of the workspace the request came from (``Deps.for_team``): installed by many
workspaces, its token, its bot user and its settings.

Errors are answered here, once, for every listener: a ``UserError`` (bad input, an
unknown id, not allowed) becomes a friendly ephemeral reply with an example; Slack
being unreachable, slow or failing on its side (``handlers.delivery.is_outage``) is said
plainly; anything else (a block that could not be built, a message Slack refused, a bug)
is ours: logged with a reference, and the member gets an apology, never a trace.
(Bolt's own error path would also work, but after ``ack()`` it races with the
acknowledgement and can turn it into a 404.)
"""

from __future__ import annotations

import inspect
import json
import logging
import time
import uuid
from collections.abc import Callable

from slack_bolt.kwargs_injection.args import Args
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.deps import Deps
from bot.domain.errors import UserError
from bot.http import is_verified
from bot.logs import request_id
from handlers.blocks.common import Rendered, render_error, render_text
from handlers.delivery import is_outage, slack_error

__all__ = ["bind", "answer_error", "render_failure", "view_metadata"]

log = logging.getLogger("handlers")


def bind(listener: Callable[..., object], deps: Deps) -> Callable[[Args], object]:
    """``listener`` with ``deps`` filled in and its errors answered to the member."""
    names = inspect.getfullargspec(listener).args

    def run(args: Args) -> object:
        token = request_id.set(_request_id(args.body))
        started = time.perf_counter()
        outcome = "ok"
        try:
            team_deps = deps.for_team(args.context.team_id)  # its token, its settings
            return listener(**{name: getattr(args, name) for name in names}, deps=team_deps)
        except Exception as error:  # the one place listener errors end up
            outcome = type(error).__name__
            if args.ack.response is None:
                args.ack()
            answer_error(error, args.request, args.respond, args.client)
            return None
        finally:
            log.info(
                "%s user=%s outcome=%s ms=%.0f",
                listener.__name__,
                _user(args.body),
                outcome,
                (time.perf_counter() - started) * 1000,
            )
            request_id.reset(token)

    run.__name__ = listener.__name__
    run.__qualname__ = listener.__qualname__
    run.__doc__ = listener.__doc__
    return run


def _request_id(body: dict) -> str:
    """Slack's own id for the request where there is one, else a fresh short one."""
    found = body.get("event_id") or body.get("trigger_id") or ""
    return found[-12:] if found else uuid.uuid4().hex[:12]


def _user(body: dict) -> str:
    return (
        (body.get("user") or {}).get("id")
        or body.get("user_id")
        or (body.get("event") or {}).get("user")
        or "-"
    )


def render_failure(error: Exception) -> Rendered:
    """What the member is told about ``error``; unexpected ones are logged with a reference."""
    if isinstance(error, UserError):
        return render_error(error)
    ref = uuid.uuid4().hex[:8]
    if is_outage(error):
        log.warning("slack call failed ref=%s error=%s", ref, slack_error(error) or error)
        return render_text(
            ":hourglass: Slack isn't answering me properly just now, so that didn't finish. "
            f"Please try again in a minute. (ref {ref})"
        )
    log.error("unexpected error ref=%s slack=%s", ref, slack_error(error) or "-", exc_info=error)
    return render_text(
        ":face_with_head_bandage: Sorry, something went wrong on my side. It's logged as "
        f"ref {ref}."
    )


def answer_error(error: Exception, request: BoltRequest, respond, client: WebClient) -> None:
    """Tell the member about ``error``: through the response URL, else by DM.

    Only a request known to come from Slack is answered: an unverified body's
    ``response_url`` and user id are whatever its sender chose.
    """
    if not is_verified(request):
        log.warning("not answering an error on an unverified request: %s", type(error).__name__)
        return
    body = request.body
    text, blocks = render_failure(error)
    try:
        if respond is not None and body.get("response_url"):
            respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
        elif user := (body.get("user") or {}).get("id") or body.get("user_id"):
            client.chat_postMessage(channel=user, text=text, blocks=blocks)
    except (SlackClientError, OSError) as failure:  # Slack is down too: the log has it
        log.warning("could not tell the member about an error: %s", failure)


def view_metadata(view: dict) -> dict:
    """A submitted modal's ``private_metadata`` as we wrote it (a JSON object), else ``{}``.

    >>> view_metadata({"private_metadata": '{"action_id": 3}'}), view_metadata({})
    ({'action_id': 3}, {})
    """
    try:
        found = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}
