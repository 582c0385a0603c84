"""Opening a modal within the trigger's life: ``views.open`` first, the rest by ``views.update``.

A ``trigger_id`` lasts 3 seconds and is exchanged once. A listener that needed Slack
first (``users.info`` for a time zone, ``chat.getPermalink`` for a link) could miss it
when Slack is slow, and the member would see nothing. So :func:`open_modal` opens the
view built from what the request says at once, then lets ``fill`` make the calls it
needs and replaces the view with ``views.update``, naming the view's ``hash`` so a
view the member has moved on from (submitted, closed, pushed) is left as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.errors import UserError
from handlers.blocks.common import render_answer_modal, render_error_modal
from handlers.delivery import slack_error

__all__ = ["open_modal", "answer_in_modal"]

log = logging.getLogger(__name__)

_GONE = ("hash_conflict", "not_found")  # the member moved on before the update


def open_modal(
    client: WebClient,
    trigger_id: str,
    view: dict,
    fill: Callable[[], dict] | None = None,
) -> None:
    """Open ``view`` now; then, with ``fill``, update it to ``fill()`` if that differs.

    A refusal ``fill`` raises (``NotAllowed``, say) is shown in the modal instead, and
    raised again, so the listener's outcome names it and the member is told as usual.

    >>> open_modal(client, trigger_id, render_due_modal(action, today),
    ...            fill=lambda: render_due_modal(action, today_for_the_member()))  # doctest: +SKIP
    """
    opened = client.views_open(trigger_id=trigger_id, view=view)["view"]
    if fill is None:
        return
    try:
        filled = fill()
    except UserError as refused:
        _update(client, opened, render_error_modal(view["title"]["text"], refused))
        raise
    if filled != view:
        _update(client, opened, filled)


def _update(client: WebClient, opened: dict, view: dict) -> None:
    """Replace the view Slack ``opened``, unless the member has moved on from it."""
    try:
        client.views_update(view_id=opened["id"], hash=opened["hash"], view=view)
    except SlackApiError as err:
        if slack_error(err) not in _GONE:
            raise
        log.info("modal %s not updated: %s", opened["id"], slack_error(err))


def answer_in_modal(ack: Callable[..., object], view: dict, blocks: list[dict]) -> None:
    """Answer a form's submission in its acknowledgement: the form becomes the answer
    (``response_action: update``), under the form's own title; no second request.

    >>> answer_in_modal(ack, view, render_action_created(action, today, me)[1])  # doctest: +SKIP
    """
    title = (view.get("title") or {}).get("text") or "Nudge"
    ack(response_action="update", view=render_answer_modal(title, blocks))
