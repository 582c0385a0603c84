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

# message shortcuts (callback ids)
TRACK_AS_ACTION = "track_as_action"

# What the manifest declares; tests check that each is declared and handled.
COMMANDS = ("/action", "/reflect")
SHORTCUTS = (TRACK_AS_ACTION,)
EVENTS: tuple[str, ...] = ("app_home_opened",)
