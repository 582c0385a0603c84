"""Binding listeners to their dependencies.

Bolt injects arguments by the names of a listener's positional parameters; ``deps``
is keyword-only, so it is ours: ``bind(on_action_command, deps)``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from bot.deps import Deps

__all__ = ["bind"]


def bind(listener: Callable[..., object], deps: Deps) -> Callable[..., object]:
    """``listener`` with ``deps`` filled in, keeping its name for Bolt's logs."""
    bound = functools.partial(listener, deps=deps)
    bound.__name__ = listener.__name__  # type: ignore[attr-defined]
    bound.__qualname__ = listener.__qualname__  # type: ignore[attr-defined]
    bound.__module__ = listener.__module__
    return bound
