"""Binding listeners to their dependencies, answering in the acknowledgement, and
answering their errors in one place.

Bolt injects arguments by the names of a listener's positional parameters; ``deps``
is keyword-only, so it is ours: ``bind(on_action_command, deps)``. A listener gets the
``deps`` of the workspace the request came from (``Deps.for_team``): installed by many
workspaces, its token, its bot user and its settings.

The app runs with ``process_before_response=True``: a listener runs on the thread that
answers Slack's request, and whatever it acknowledges is the HTTP response (or the Socket
Mode envelope's payload). A listener is written plainly, ``ack()`` then ``respond(...)``;
``bind`` hands it an :class:`Answer` in their place, which carries a command's first reply
in the acknowledgement itself (one round trip, no response URL call). What must not delay
the answer (a DM to a new owner, App Home republishes, further replies, a button's new
message, which Slack takes only through the response URL) goes through
:func:`after_answer` and runs on ``deps.after_answer``'s workers once the listener is done.
An event's listener runs there whole: the event is acknowledged at once.

Errors are answered here, once, for every listener: a ``UserError`` (bad input, an
unknown id, not allowed) becomes a friendly ephemeral reply with an example; Slack
being unreachable, slow or failing on its side (``handlers.delivery.is_outage``) is said
plainly; anything else (a block that could not be built, a message Slack refused, a bug)
is ours: logged with a reference, and the member gets an apology, never a trace.
(Bolt's own error path would also work, but after ``ack()`` it races with the
acknowledgement and can turn it into a 404.)
"""

from __future__ import annotations

import contextvars
import inspect
import json
import logging
import time
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

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

__all__ = ["bind", "after_answer", "Answer", "answer_error", "render_failure", "view_metadata"]

log = logging.getLogger("handlers")

# The work a running listener has left for after its answer; None outside a listener.
_left_for_later: contextvars.ContextVar[list[Callable[[], object]] | None] = contextvars.ContextVar(
    "left_for_later", default=None
)


def after_answer(task: Callable[..., object], *args: Any, **kwargs: Any) -> None:
    """Run ``task(*args, **kwargs)`` once the member has been answered.

    Inside a listener it waits until the listener is done and then runs on
    ``deps.after_answer``; anywhere else (a scheduled job, a listener's after-work itself)
    it runs now.

    >>> after_answer(refresh_home, deps, client, team_id, [user_id])  # doctest: +SKIP
    """
    queue = _left_for_later.get()
    if queue is None:
        task(*args, **kwargs)
    else:
        queue.append(partial(task, *args, **kwargs))


class Answer:
    """One request's acknowledgement, collected while its listener runs; sent by ``finish``.

    ``ack`` and ``respond`` stand in for Bolt's: the first ``ack(...)`` is kept; a slash
    command's first new ephemeral or in-channel reply becomes the acknowledgement's body;
    every other reply is sent through the response URL after the answer.
    """

    def __init__(self, args: Args) -> None:
        self.args = args
        self.later: list[Callable[[], object]] = []
        self.acked: dict[str, Any] | None = None  # what the listener acknowledged with
        self.reply: dict[str, Any] | None = None
        self._carries_reply = "command" in args.body and "type" not in args.body

    def ack(self, **kwargs: Any) -> None:
        if self.acked is None:
            self.acked = kwargs

    def respond(
        self,
        text: str = "",
        blocks: list | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        **more: Any,
    ) -> None:
        if (
            self._carries_reply
            and self.reply is None
            and not (replace_original or delete_original or more)
            and not self.acked  # e.g. a form's errors: the ack is already spoken for
        ):
            self.reply = {"text": text, "blocks": blocks, "response_type": response_type}
            return
        self.later.append(
            partial(
                self.args.respond,
                text=text,
                blocks=blocks,
                response_type=response_type,
                replace_original=replace_original,
                delete_original=delete_original,
                **more,
            )
        )

    def finish(self, deps: Deps) -> None:
        """Acknowledge (with the reply, if any), then start the work left for later."""
        kwargs = self.acked or {}
        if self.reply is not None:
            kwargs = {k: v for k, v in self.reply.items() if v is not None}
            kwargs.setdefault("response_type", "ephemeral")
        if self.args.ack.response is None:
            self.args.ack(**kwargs)
        for task in self.later:
            run_after(deps, task)


def run_after(deps: Deps, task: Callable[[], object]) -> None:
    """Start ``task`` on ``deps.after_answer``, in the request's context (its log id); when
    every worker is busy and the queue full, run it here rather than lose it."""
    context = contextvars.copy_context()
    if deps.after_answer.submit(context.run, task) is None:
        log.warning("after-answer pool full: running %s before answering", _name(task))
        context.run(task)


def _name(task: Callable[..., object]) -> str:
    inner = getattr(task, "func", task)
    return getattr(inner, "__name__", repr(inner))


def bind(listener: Callable[..., object], deps: Deps) -> Callable[[Args], object]:
    """``listener`` with ``deps`` filled in, its answer carried in the acknowledgement and
    its errors answered to the member."""
    names = inspect.getfullargspec(listener).args

    def run(args: Args) -> object:
        if args.body.get("type") == "event_callback":  # acknowledged at once, handled after
            args.ack()
            run_after(deps, partial(handle, args, None))
            return None
        answer = Answer(args)
        try:
            return handle(args, answer)
        finally:
            answer.finish(deps)

    def handle(args: Args, answer: Answer | None) -> object:
        token = request_id.set(_request_id(args.body))
        later = _left_for_later.set(answer.later if answer is not None else None)
        started = time.perf_counter()
        outcome = "ok"
        given = {"ack": answer.ack, "respond": answer.respond} if answer is not None else {}
        try:
            team_deps = deps.for_team(args.context.team_id)  # its token, its settings
            return listener(
                **{name: given.get(name) or getattr(args, name) for name in names},
                deps=team_deps,
            )
        except Exception as error:  # the one place listener errors end up
            outcome = type(error).__name__
            respond = answer.respond if answer is not None else args.respond
            answer_error(error, args.request, respond, args.client)
            return None
        finally:
            log.info(
                "%s user=%s outcome=%s ms=%.0f",
                listener.__name__,
                _user(args.body),
                outcome,
                (time.perf_counter() - started) * 1000,
            )
            _left_for_later.reset(later)
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
