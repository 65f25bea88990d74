"""No traceback and no raw control code reaches the screen.

``guarded`` wraps an action or handler: a ``DslError`` is shown as its own sentence; an unexpected
error is shown as a fixed sentence (never its text, which could hold case data) and the casebook's
state is left as the domain left it (every domain write is all-or-nothing).

``ControlPictures`` is a line filter that shows control characters as harmless pictures in what a
widget renders, so text pasted into a field (an email holding ``"\x1b]0;pwned\x07"``) is never
sent to the terminal raw; ``SafeInput`` and ``SafeTextArea`` are the text fields that use it.
The text itself is kept exactly as typed.
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from rich.segment import Segment
from textual.app import App
from textual.color import Color
from textual.content import Content
from textual.dom import DOMNode
from textual.filter import LineFilter
from textual.widgets import Checkbox, Input, TextArea

from dsl_tui.errors import DslError
from dsl_tui.terminal import safe_line

log = logging.getLogger("dsl_tui.screens")

F = TypeVar("F", bound=Callable[..., Any])

#: Worker group of dialog flows (a worker awaiting a dialog's answer): tests' waits skip it.
DIALOG = "dialog"

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


#: A control character a terminal could act on (C0, DEL, C1), or a bidi embedding, override or
#: isolate (U+202A..U+202E, U+2066..U+2069) that would reorder what is shown.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class ControlPictures(LineFilter):
    """Show control characters in rendered lines as visible pictures (never sent raw)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        """The segments, with control characters in their text shown as pictures."""
        return [
            Segment(safe_line(seg.text), seg.style)
            if not seg.control and _CONTROL.search(seg.text)
            else seg
            for seg in segments
        ]


#: The one filter instance the safe widgets share.
CONTROL_PICTURES = ControlPictures()


class SafeInput(Input):
    """A one-line text field that shows control characters as pictures."""

    def get_line_filters(self) -> Sequence[LineFilter]:
        """The app's filters, then the control pictures."""
        return [*super().get_line_filters(), CONTROL_PICTURES]


class SafeTextArea(TextArea):
    """A text area that shows control characters as pictures."""

    def get_line_filters(self) -> Sequence[LineFilter]:
        """The app's filters, then the control pictures."""
        return [*super().get_line_filters(), CONTROL_PICTURES]


class TickBox(Checkbox):
    """A checkbox whose state reads without colour: ``[x]`` ticked, ``[ ]`` not."""

    def render(self) -> Content:
        """The mark, then the label."""
        mark = "[x]" if self.value else "[ ]"
        label = self.label.pad(1, 1).stylize_before(self.get_visual_style("toggle--label"))
        return Content.assemble(mark, label)
