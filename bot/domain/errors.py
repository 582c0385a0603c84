"""Errors a member can be told about, by name.

Domain and storage code raise these; handlers turn them into a friendly ephemeral
reply. Anything else is unexpected and is logged once by the app's error handler.
"""

from __future__ import annotations

__all__ = ["UserError", "ParseError", "DidYouMean", "NotFound", "NotAllowed"]


class UserError(Exception):
    """Something the member can fix, with a message and an example of what works.

    >>> UserError("I need a title.", example="/action Draft the charter response").example
    '/action Draft the charter response'
    """

    def __init__(self, message: str, example: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.example = example


class ParseError(UserError):
    """What the member typed could not be read."""


class DidYouMean(ParseError):
    """A command that was nearly a verb, or a verb whose words did not fit: nothing is done,
    and the member is offered the command they probably meant.

    >>> DidYouMean("/action list @pete").message
    'Did you mean `/action list @pete`?'
    """

    def __init__(self, suggestion: str, more: str = "") -> None:
        super().__init__(
            f"Did you mean `{suggestion}`?" + (f" {more}" if more else ""), example=suggestion
        )
        self.suggestion = suggestion


class NotFound(UserError):
    """The id the member gave names nothing they can see."""


class NotAllowed(UserError):
    """The member may not do this."""
