"""Every ``action_id`` and ``callback_id`` the bot uses, in one place.

The manifest, the listeners and the tests all read these names, so a button cannot
be rendered with an id that no listener handles.
"""

__all__ = [
    "ACTION_DONE",
    "ACTION_MODAL",
    "TRACK_AS_ACTION",
    "REFLECTION_SHARE",
    "REFLECT_MODAL",
    "REMIND_FOLLOW_UP",
    "NUDGE_DONE",
    "NUDGE_SNOOZE",
    "NUDGE_TRACK",
    "NUDGE_NEW_DUE",
    "NUDGE_FOLLOW_UP_MODAL",
    "NUDGE_DUE_MODAL",
    "ACTION_LEARNED",
    "WEEKNOTE_DRAFT",
    "FORGET_ERASE",
    "FORGET_KEEP",
    "WORKSTREAM_MODAL",
    "TRACK_MEETING",
    "MEETING_MODAL",
    "CONVERSATION_MODAL",
    "CONVERSATION_SHARE",
    "CONVERSATION_LOG",
    "COMMANDS",
    "SHORTCUTS",
    "EVENTS",
]

# /action
ACTION_DONE = "action_done"
ACTION_MODAL = "action_modal"
ACTION_MODAL_TITLE = "title"
ACTION_MODAL_OWNER = "owner"
ACTION_MODAL_DUE = "due"
ACTION_MODAL_WORKSTREAM = "workstream"
ACTION_MODAL_NOTES = "notes"

# /reflect
REFLECTION_SHARE = "reflection_share"
REFLECT_MODAL = "reflect_modal"
REFLECT_MODAL_TEXT = "reflection_text"
REFLECT_MODAL_TAGS = "reflection_tags"
REFLECT_MODAL_VISIBILITY = "reflection_visibility"
# the loop: "What did you learn?" on a done action (the value is the action id) opens the
# reflection modal linked to it; "Draft my weeknote" on the blogging nudge
ACTION_LEARNED = "action_learned"
WEEKNOTE_DRAFT = "weeknote_draft"
# /nudge: buttons on reminder DMs (the value is the reminder id; snooze ids end in 1h/1d/1w)
NUDGE_DONE = "nudge_done"
NUDGE_SNOOZE = "nudge_snooze"
NUDGE_TRACK = "nudge_track"
NUDGE_NEW_DUE = "nudge_new_due"  # on an overdue action's DM; the value is the action id
NUDGE_FOLLOW_UP_MODAL = "nudge_follow_up_modal"
NUDGE_FOLLOW_UP_WHEN = "when"
NUDGE_DUE_MODAL = "nudge_due_modal"
NUDGE_DUE_DATE = "due"
# /nudge forget me: the confirmation (the value binds it to the member, see bot.domain.data_rights)
FORGET_ERASE = "forget_erase"
FORGET_KEEP = "forget_keep"

# /workstream: the form to add or edit one (its private_metadata names the tag edited)
WORKSTREAM_MODAL = "workstream_modal"
# "Track actions from this message": the form with a row per line of the minutes
MEETING_MODAL = "meeting_modal"
# /conversation: the form; "Share with the network" on a private one (the value is its id);
# "How did it go?" on a follow-up marked done and "Log a conversation" on a stay-in-touch
# nudge, both opening the form (the value: reminder:<id> or cadence:<id>)
CONVERSATION_MODAL = "conversation_modal"
CONVERSATION_SHARE = "conversation_share"
CONVERSATION_LOG = "conversation_log"

# message shortcuts (callback ids)
TRACK_AS_ACTION = "track_as_action"
REMIND_FOLLOW_UP = "remind_follow_up"
TRACK_MEETING = "track_meeting"

# What the manifest declares; tests check that each is declared and handled.
COMMANDS = ("/action", "/reflect", "/nudge", "/digest", "/workstream", "/conversation", "/network")
SHORTCUTS = (TRACK_AS_ACTION, REMIND_FOLLOW_UP, TRACK_MEETING)
APP_UNINSTALLED, TOKENS_REVOKED = "app_uninstalled", "tokens_revoked"
EVENTS: tuple[str, ...] = ("app_home_opened", APP_UNINSTALLED, TOKENS_REVOKED)
