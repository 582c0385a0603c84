"""``/nudge mydata`` (the export, by DM) and ``/nudge forget me`` (erasure, after a button).

The ``/nudge`` listener (``handlers.nudges``) calls :func:`send_export` and
:func:`ask_to_forget`; this module registers the two confirmation buttons. Each acts
for the member who asks or clicks, never for anyone else: the steering group included.
"""

from __future__ import annotations

import json
import logging

from slack_bolt import Ack, App, Respond
from slack_bolt.context import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.domain.data_rights import build_export, check_confirmation, confirmation_value
from bot.domain.people import Actor
from handlers import ids
from handlers.blocks import data_rights as blocks
from handlers.blocks.common import Rendered
from handlers.listeners import bind
from storage import member_data

__all__ = [
    "register",
    "send_export",
    "ask_to_forget",
    "forget",
    "on_erase_button",
    "on_keep_button",
]

log = logging.getLogger(__name__)

GONE = frozenset({"message_not_found"})
"""chat.delete errors meaning the message is not there any more: counted as deleted."""


def register(app: App, deps: Deps) -> None:
    """Wire the erasure confirmation's buttons."""
    app.action(ids.FORGET_ERASE)(bind(on_erase_button, deps))
    app.action(ids.FORGET_KEEP)(bind(on_keep_button, deps))


def send_export(deps: Deps, client: WebClient, actor: Actor) -> Rendered:
    """Upload everything stored about ``actor`` as JSON to their DM; the reply says what."""
    now = deps.now()
    with deps.db() as db:
        tables = member_data.export(db, actor.team_id, actor.user_id)
    document = build_export(
        [(table.holding, rows) for table, rows in tables],
        team_id=actor.team_id,
        user_id=actor.user_id,
        generated_at=now,
    )
    channel = client.conversations_open(users=actor.user_id)["channel"]["id"]
    client.files_upload_v2(
        channel=channel,
        filename=f"nudge-my-data-{now:%Y-%m-%d}.json",
        title="Everything Nudge stores about you",
        content=json.dumps(document, indent=2, ensure_ascii=False, default=str),
        initial_comment=blocks.render_export_comment(),
    )
    return blocks.render_export_sent({table.holding: len(rows) for table, rows in tables})


def ask_to_forget(deps: Deps, actor: Actor) -> Rendered:
    """The confirmation question, with buttons bound to ``actor`` and to now."""
    now = deps.now()
    with deps.db() as db:
        tables = member_data.export(db, actor.team_id, actor.user_id)
    counts = {table.holding: len(rows) for table, rows in tables}
    return blocks.render_forget_confirm(
        confirmation_value(actor.team_id, actor.user_id, now), counts
    )


def _delete_messages(client: WebClient, messages: list[tuple[str, str]]) -> tuple[int, int]:
    """chat.delete each message; return (deleted, failed). A failure is logged, not raised."""
    deleted = failed = 0
    for channel, ts in messages:
        try:
            client.chat_delete(channel=channel, ts=ts)
            deleted += 1
        except SlackApiError as err:
            error = err.response.get("error") or str(err.response.status_code)
            if error in GONE:
                deleted += 1
                continue
            failed += 1
            log.warning("erasure: could not delete a message: %s", error)
        except OSError as err:
            failed += 1
            log.warning("erasure: could not delete a message: %s", err)
    return deleted, failed


def forget(deps: Deps, client: WebClient, team_id: str, user_id: str) -> Rendered:
    """Erase ``user_id``: their DMs from the bot (where Slack allows), then their data.

    Messages are deleted first, while their locations are still recorded; the database
    part is then one transaction, which also returns any message sent meanwhile.
    """
    with deps.db() as db:
        messages = member_data.sent_messages(db, team_id, user_id)
    deleted, failed = _delete_messages(client, messages)
    with deps.db() as db:
        erasure = member_data.erase(
            db,
            team_id,
            user_id,
            deps.now(),
            handled=set(messages),
            messages_deleted=deleted,
            messages_failed=failed,
        )
    if erasure.messages:
        more, more_failed = _delete_messages(client, erasure.messages)
        with deps.db() as db:
            member_data.record_messages(db, erasure.id, more, more_failed)
        deleted, failed = deleted + more, failed + more_failed
    log.info(
        "erasure %s: %s rows deleted, %s anonymised, %s messages deleted, %s not",
        erasure.id,
        sum(erasure.deleted.values()),
        sum(erasure.anonymised.values()),
        deleted,
        failed,
    )
    try:
        client.views_publish(user_id=user_id, view=blocks.render_erased_home())
    except (SlackApiError, OSError) as err:  # the home is rebuilt when next opened
        log.warning("erasure %s: could not clear the App Home: %s", erasure.id, err)
    erased = {table.holding: erasure.deleted[table.name] for table in member_data.PERSONAL}
    return blocks.render_forgotten(erased, sum(erasure.anonymised.values()), deleted, failed)


def on_erase_button(
    ack: Ack,
    body: dict,
    action: dict,
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    *,
    deps: Deps,
) -> None:
    """ "Erase my data": only for the member it was offered to, and only while fresh."""
    ack()
    user_id = body["user"]["id"]
    check_confirmation(action.get("value") or "", context.team_id, user_id, deps.now())
    text, blocks_ = forget(deps, client, context.team_id, user_id)
    respond(text=text, blocks=blocks_, response_type="ephemeral", replace_original=True)


def on_keep_button(ack: Ack, respond: Respond, *, deps: Deps) -> None:
    """ "Keep it": nothing happens, and the question goes away."""
    ack()
    text, blocks_ = blocks.render_forget_kept()
    respond(text=text, blocks=blocks_, response_type="ephemeral", replace_original=True)
