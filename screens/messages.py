"""Messages screens send to the app (a screen learns of a change from a message, never by
reaching into another screen)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from dsl_tui.casebook import Casebook


class Unlocked(Message):
    """The vault is open: the unlock or create screen hands the app its casebook."""

    def __init__(self, casebook: Casebook) -> None:
        super().__init__()
        #: The open casebook (the app keeps it until it locks).
        self.casebook = casebook
