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
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TypeVar, cast

from rich.segment import Segment
from textual.app import App, SystemCommand
from textual.color import Color
from textual.content import Content
from textual.dom import DOMNode
from textual.filter import LineFilter
from textual.screen import Screen
from textual.widgets import Checkbox, Input, TextArea

from dsl_tui import itlog
from dsl_tui.errors import DslError
from dsl_tui.terminal import safe_line

log = logging.getLogger("dsl_tui.screens")

F = TypeVar("F", bound=Callable[..., object])

#: Worker group of dialog flows (a worker awaiting a dialog's answer): tests' waits skip it.
DIALOG = "dialog"

UNEXPECTED = (
    "Something unexpected went wrong ({kind}). Nothing was half-saved; "
    "your cases are safe. Please report it."
)


def show_error(app: App[R], error: BaseException) -> None:
    """Tell the DSL what went wrong in one sentence (no traceback, no case data).

    A failure (not a typing slip, exit code 2) also goes to the IT log: its type and origin only.
    """
    code = error.exit_code if isinstance(error, DslError) else 1
    if code != 2:
        itlog.record(error, where="app", command="app", exit_code=code)
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
        async def run_async(self: DOMNode, *args: object, **kwargs: object) -> object:
            try:
                return await cast("Awaitable[object]", method(self, *args, **kwargs))
            except Exception as error:  # noqa: BLE001 - the screen's last guard
                show_error(self.app, error)
                return None

        return run_async  # type: ignore[return-value]

    @functools.wraps(method)
    def run(self: DOMNode, *args: object, **kwargs: object) -> object:
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


#: Said when something would take the screen's contents outside the vault.
NO_SCREENSHOTS = (
    "Screenshots are turned off: they would put case details in a plain file outside the vault."
)


R = TypeVar("R")


class KeepsScreenInside(App[R]):
    """An App whose screen contents never leave the process (issue #13 finding 11).

    Textual offers a "Screenshot" in the command palette and an ``action_screenshot`` that write
    the screen (names, narrative) as an SVG to the Downloads folder, readable by anyone, with no
    audit. Here the palette entry is dropped and every way in refuses with a notice. Copying
    (Ctrl+C in a text field) stays inside the app: the text is kept for pasting into another
    field, but never sent to the terminal's clipboard (OSC 52), where clipboard managers keep a
    history on disk; the copy is forgotten on lock (:meth:`forget_clipboard`).
    """

    #: No mouse selection of the screen's text to copy out.
    ALLOW_SELECT = False

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Textual's palette commands, without "Screenshot"."""
        for command in super().get_system_commands(screen):
            if command.title.casefold() != "screenshot":
                yield command

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        """Refused: a screenshot would be plaintext case data outside the vault."""
        self.notify(NO_SCREENSHOTS, title="Not done", severity="warning", markup=False)

    def deliver_screenshot(
        self,
        filename: str | None = None,
        path: str | None = None,
        time_format: str | None = None,
    ) -> str | None:
        """Refused: nothing is written."""
        self.action_screenshot()
        return None

    def save_screenshot(
        self,
        filename: str | None = None,
        path: str | None = None,
        time_format: str | None = None,
    ) -> str:
        """Refused: nothing is written (returns an empty name)."""
        self.action_screenshot()
        return ""

    #: What was copied last, for pasting inside the app (kept here, not in Textual's own field).
    kept_copy: str = ""

    @property
    def clipboard(self) -> str:
        """What a text field's paste (Ctrl+V) inserts: the text copied inside the app."""
        return self.kept_copy

    def copy_to_clipboard(self, text: str) -> None:
        """Keep ``text`` for pasting inside the app only; the terminal's clipboard is not used."""
        self.kept_copy = text

    def forget_clipboard(self) -> None:
        """Drop whatever was copied (on lock)."""
        self.kept_copy = ""
