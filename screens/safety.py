"""No traceback reaches the screen: domain errors become a clear notice, anything else a safe one.

``guarded`` wraps an action or handler: a ``DslError`` is shown as its own sentence; an unexpected
error is shown as a fixed sentence (never its text, which could hold case data) and the casebook's
state is left as the domain left it (every domain write is all-or-nothing).
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from textual.app import App
from textual.dom import DOMNode

from dsl_tui.errors import DslError

log = logging.getLogger("dsl_tui.screens")

F = TypeVar("F", bound=Callable[..., Any])

UNEXPECTED = (
    "Something unexpected went wrong ({kind}). Nothing was half-saved; "
    "your cases are safe. Please report it."
)


def show_error(app: App[Any], error: BaseException) -> None:
    """Tell the DSL what went wrong in one sentence (no traceback, no case data)."""
    if isinstance(error, DslError):
        app.notify(error.message, title="Not done", severity="error", markup=False, timeout=8)
        return
    log.error("unexpected %s", type(error).__name__)
    app.notify(
        UNEXPECTED.format(kind=type(error).__name__),
        title="Unexpected error",
        severity="error",
        markup=False,
        timeout=12,
    )


def guarded(method: F) -> F:
    """Run a widget or screen method, turning any error into a notice instead of a crash."""
    if inspect.iscoroutinefunction(method):

        @functools.wraps(method)
        async def run_async(self: DOMNode, *args: Any, **kwargs: Any) -> Any:
            try:
                return await method(self, *args, **kwargs)
            except Exception as error:  # noqa: BLE001 - the screen's last guard
                show_error(self.app, error)
                return None

        return run_async  # type: ignore[return-value]

    @functools.wraps(method)
    def run(self: DOMNode, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except Exception as error:  # noqa: BLE001 - the screen's last guard
            show_error(self.app, error)
            return None

    return run  # type: ignore[return-value]
