"""Every ``action_id`` and ``callback_id`` the bot uses, in one place.

The manifest, the listeners and the tests all read these names, so a button cannot
be rendered with an id that no listener handles.
"""

__all__ = [
    "ACTION_DONE",
    "ACTION_MODAL",
    "TRACK_AS_ACTION",
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

# message shortcuts (callback ids)
TRACK_AS_ACTION = "track_as_action"

# What the manifest declares; tests check that each is declared and handled.
COMMANDS = ("/action", "/digest")
SHORTCUTS = (TRACK_AS_ACTION,)
EVENTS: tuple[str, ...] = ()
