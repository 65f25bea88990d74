"""Hostile text in the TUI: escape sequences, markup-looking brackets, right-to-left text, emoji
and a megabyte note must display as plain text, without crashing and without reaching the
terminal as control codes.

What reaches the terminal is read from the compositor's full-screen update (the strips Textual
writes out), so a raw ESC there would be sent to the DSL's terminal.
"""

from __future__ import annotations

from typing import Any

from helpers_app import MemorySession, memory_casebook, wait_until
from helpers_security import (
    HOSTILE_NAME,
    HUGE_TEXT,
    RTL_EMOJI,
    hostile_document,
    raw_terminal_controls,
)
from textual.widgets import TabbedContent

from dsl_tui.model import ConcernReport, NewPerson, NoteKind, PersonRole
from dsl_tui.screens.app import DslApp
from dsl_tui.screens.case_view import CaseScreen
from dsl_tui.screens.viewer import CaseFileViewer

BULLYING = {"immediate_danger": "no", "about": "child_online", "child_harm": "bullying",
            "adult_involved": "no", "bullying_serious": "yes", "perpetrator_pupils": "yes",
            "still_online": "yes"}  # fmt: skip


def screen_text(app: Any) -> str:
    """Everything the app would write to the terminal for a full redraw, as text."""
    update = app.screen._compositor.render_update(full=True)
    return "\n".join("".join(segment.text for segment in strip) for strip in update.strips)


def hostile_casebook() -> tuple[Any, str]:
    book = memory_casebook()
    report = ConcernReport(
        school="sra", reporter=HOSTILE_NAME, summary=f"{HOSTILE_NAME} {RTL_EMOJI}",
        people=(NewPerson(PersonRole.PUPIL, HOSTILE_NAME, "Y8"),),
    )  # fmt: skip
    case_id = book.log_concern(report, BULLYING).id
    book.add_note(case_id, f"{HOSTILE_NAME}\n{HUGE_TEXT}", NoteKind.FACT)
    return book, case_id


async def open_hostile_case() -> tuple[DslApp, Any]:
    book, _ = hostile_casebook()
    return DslApp(casebook=book, session=MemorySession(book)), book


async def test_the_case_view_shows_brackets_literally_and_survives_a_megabyte_note() -> None:
    app, _ = await open_hostile_case()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        shown = screen_text(app)
        assert "[bold]x[/] [/link]" in shown  # markup-looking text is shown, not interpreted
        assert RTL_EMOJI.split()[0] in shown  # Hebrew passes through
        app.screen.query_one(TabbedContent).active = "tab-notes"
        await pilot.pause()
        assert "AAAA" in screen_text(app)  # the megabyte note is on screen, the app alive


async def test_the_case_view_never_sends_control_codes_to_the_terminal() -> None:
    app, _ = await open_hostile_case()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert not raw_terminal_controls(screen_text(app))  # dashboard rows
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        assert not raw_terminal_controls(screen_text(app))


async def test_the_case_file_viewer_shows_hostile_text_harmlessly() -> None:
    document = hostile_document()
    document["cases"][0]["notes"][0]["text"] = HUGE_TEXT
    app = CaseFileViewer(document)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        shown = screen_text(app)
        assert not raw_terminal_controls(shown), repr(shown[:400])
        assert "\u241b]0;pwned\u2407" in shown  # visible pictures of ESC and BEL
        assert "[bold]x[/]" in shown


BIDI = "".join(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))


def test_bidi_overrides_are_shown_as_marks_by_safe_line_and_safe_text() -> None:
    """Issue #13 finding 7: "\u202egpj.exe" must not read as "exe.jpg"."""
    from dsl_tui.terminal import safe_line, safe_text

    for shown in (safe_line(f"Wren{BIDI}Ashdown"), safe_text(f"Wren{BIDI}\nAshdown")):
        assert not raw_terminal_controls(shown)
        assert shown.count("\ufffd") == len(BIDI)
    assert safe_text("\u05e0\u05d5\u05e2\u05d4 \U0001f469") == "\u05e0\u05d5\u05e2\u05d4 \U0001f469"


def test_the_app_line_filter_shows_bidi_overrides_as_marks() -> None:
    from rich.segment import Segment
    from textual.color import Color

    from dsl_tui.screens.safety import CONTROL_PICTURES

    out = CONTROL_PICTURES.apply([Segment(f"Wren \u202egpj.exe{BIDI}")], Color(0, 0, 0))
    text = "".join(segment.text for segment in out)
    assert not raw_terminal_controls(text) and "\ufffdgpj.exe" in text
