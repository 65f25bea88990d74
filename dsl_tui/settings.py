"""Settings the DSL chooses when starting the app: the idle lock.

The idle lock is set per start, by ``dsl-tui --idle-lock MINUTES`` or the ``DSL_TUI_IDLE_LOCK``
environment variable (the option wins), between :data:`IDLE_LOCK_MIN` and :data:`IDLE_LOCK_MAX`
minutes, :data:`IDLE_LOCK_DEFAULT` if neither is given. Why not a setting inside the app or the
vault: someone at an unlocked screen could then lengthen it from the keyboard, and the trust's
IT can fix it for a desk in the shortcut that starts dsl-tui; why not the local state folder: that
is not authenticated, and a value there would be changed silently. Anything outside the range is
refused (exit 2), never clamped, so the DSL knows what they got.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from dsl_tui.errors import UsageError

#: Shortest and longest idle time before the app locks itself, in minutes.
IDLE_LOCK_MIN = 1
IDLE_LOCK_MAX = 30
#: The idle time when none is given (DESIGN: 5 minutes).
IDLE_LOCK_DEFAULT = 5
#: The environment variable that sets it.
IDLE_LOCK_ENV = "DSL_TUI_IDLE_LOCK"


def idle_lock_minutes(option: str | int | None, environ: Mapping[str, str] | None = None) -> int:
    """The idle lock in minutes, from the command-line option, else the environment, else 5.

    UsageError if the value is not a whole number of minutes from 1 to 30.
    """
    env = os.environ if environ is None else environ
    value = option if option is not None else env.get(IDLE_LOCK_ENV)
    if value is None or value == "":
        return IDLE_LOCK_DEFAULT
    try:
        minutes = int(str(value).strip())
    except ValueError:
        minutes = -1
    if not IDLE_LOCK_MIN <= minutes <= IDLE_LOCK_MAX:
        raise UsageError(
            f"The idle lock must be a whole number of minutes from {IDLE_LOCK_MIN} to "
            f"{IDLE_LOCK_MAX} (--idle-lock or {IDLE_LOCK_ENV})."
        )
    return minutes
