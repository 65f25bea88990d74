"""Textual idioms the screens keep (issue #11, item 6), by keys and by reading the screens' code.

Slow saves (a file encrypted into the vault, an export, closing the vault on lock, which may
compact it) run in a thread worker while the screen says it is busy, and a failure is one
sentence. Dialog flows read top to bottom (``@work(group=DIALOG)`` + ``push_screen_wait``, never
a callback); screens get the casebook from ``DeskScreen``, never by reaching through the app; no
screen writes Textual's private attributes. Every person here is fictional.
"""

from __future__ import annotations

import ast
import re
import threading
from pathlib import Path
from typing import Any

import pytest
import textual
from helpers_app import MemorySession, memory_casebook, notices, type_text, wait_until
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Static

from dsl_tui.casebook import Casebook
from dsl_tui.errors import StorageError
from dsl_tui.model import Case, ConcernReport, NewPerson, PersonRole
from dsl_tui.report import build_report
from dsl_tui.screens import export_screen
from dsl_tui.screens.app import DslApp
from dsl_tui.screens.case_view import CaseScreen
from dsl_tui.screens.dashboard import DashboardScreen
from dsl_tui.screens.dialogs import ConfirmDialog, EvidenceDialog
from dsl_tui.screens.export_screen import ExportScreen
from dsl_tui.screens.report_screen import ReportScreen
from dsl_tui.screens.unlock import UnlockScreen

SCREENS = Path(__file__).resolve().parents[1] / "screens"
BULLYING = {"immediate_danger": "no", "about": "child_online", "child_harm": "bullying",
            "adult_involved": "no", "bullying_serious": "no", "perpetrator_pupils": "yes",
            "still_online": "yes"}  # fmt: skip
PUPIL = "Ottoline Marchbanks-Ayo"


def one_case() -> tuple[Casebook, str]:
    """A casebook with one bullying case about a fictional pupil."""
    book = memory_casebook()
    report = ConcernReport("sra", "Form tutor", "Unkind messages in a group chat",
                           people=(NewPerson(PersonRole.PUPIL, PUPIL, "Y8"),))  # fmt: skip
    return book, book.log_concern(report, BULLYING).id


async def poll(pilot: Pilot[Any], condition: Any, tries: int = 250) -> None:
    """Let the app run until ``condition()`` holds, without waiting on workers (a test holds
    a thread worker back on purpose)."""
    for _ in range(tries):
        await pilot.pause(0.02)
        if condition():
            return
    raise AssertionError("the app never reached the expected state")


async def give_evidence_file(pilot: Pilot[Any], path: Path) -> None:
    """V on the case, describe the evidence, give the file, Ctrl+S."""
    await pilot.press("v")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, EvidenceDialog))
    await type_text(pilot, "Export of the group chat as text")
    await pilot.press("tab", "tab")
    await type_text(pilot, str(path))
    await pilot.press("ctrl+s")


# ---------------------------------------------------------------------- slow saves in threads


async def test_an_evidence_file_is_saved_in_a_thread_while_the_case_shows_it_is_busy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = tmp_path / "chat.txt"
    chat.write_text("[18:02] a: you're not coming\n")
    book, case_id = one_case()
    release = threading.Event()
    threads: list[threading.Thread] = []
    real = book.add_evidence_file

    def slow_save(*args: Any, **kwargs: Any) -> Case:
        threads.append(threading.current_thread())
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(book, "add_evidence_file", slow_save)
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        case_screen = app.screen
        assert isinstance(case_screen, CaseScreen)
        await give_evidence_file(pilot, chat)
        await poll(pilot, lambda: bool(threads))
        # The screen still draws and answers while the file is saved: it says it is busy and
        # the case's keys wait (greyed out) until the save is done.
        assert case_screen.saving and case_screen.query_one("#tabs").loading
        assert case_screen.check_action("close_case", ()) is None
        assert case_screen.check_action("tab", ("tab-notes",)) is True
        release.set()
        await wait_until(pilot, lambda: not case_screen.saving)
        assert any("with its file" in n for n in notices(app)), notices(app)
        assert not case_screen.query_one("#tabs").loading
    assert threads[0] is not threading.main_thread()
    [item] = book.case(case_id, view=False).evidence
    assert item.filename == "chat.txt"


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (StorageError("The disk is full: nothing was saved."), "The disk is full"),
        (RuntimeError(f"{PUPIL} at 12 Larkspur Row"), "Something unexpected went wrong"),
    ],
)
async def test_a_failed_evidence_save_is_one_sentence_and_the_app_carries_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception, says: str
) -> None:
    chat = tmp_path / "chat.txt"
    chat.write_text("[18:02] a: you're not coming\n")
    book, case_id = one_case()

    def failing_save(*args: Any, **kwargs: Any) -> Case:
        raise error

    monkeypatch.setattr(book, "add_evidence_file", failing_save)
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        await give_evidence_file(pilot, chat)
        await wait_until(pilot, lambda: any(says in n for n in notices(app)))
        assert isinstance(app.screen, CaseScreen) and not app.screen.saving
        assert not [n for n in notices(app) if PUPIL in n or "Larkspur" in n]
    assert app.return_code in (0, None)
    assert book.case(case_id, view=False).evidence == ()


async def test_the_export_runs_in_a_thread_greys_out_export_and_says_why_it_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book, case_id = one_case()
    release = threading.Event()
    threads: list[threading.Thread] = []

    def failing_export(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread())
        release.wait(10)
        raise OSError(f"{PUPIL}: no room")

    monkeypatch.setattr(export_screen, "export_cases", failing_export)
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportScreen))
        screen = app.screen
        assert isinstance(screen, ExportScreen) and not screen.query_one("#busy").display
        await pilot.press("tab", "down", "enter")  # a one-time passphrase
        await pilot.press("tab")
        screen.query_one("#out", export_screen.Input).clear()
        await type_text(pilot, str(tmp_path / "case.age"))
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await poll(pilot, lambda: bool(threads))
        assert screen.saving and screen.query_one("#busy").display
        assert screen.check_action("export", ()) is None, "one export at a time"
        assert "Exporting" in str(screen.query_one("#message", Static).render())
        release.set()
        await wait_until(pilot, lambda: not screen.saving)
        said = str(screen.query_one("#message", Static).render())
        assert said == "\u26a0 The export failed (OSError); nothing was written.", said
        assert not screen.query_one("#busy").display
    assert threads[0] is not threading.main_thread()
    assert not (tmp_path / "case.age").exists()


class ThreadNotingSession(MemorySession):
    """The in-memory session, noting which thread closes the vault."""

    def __init__(self, casebook: Casebook) -> None:
        super().__init__(casebook)
        self.closed_on: list[threading.Thread] = []

    def lock(self, casebook: Casebook) -> None:
        self.closed_on.append(threading.current_thread())
        super().lock(casebook)


async def test_locking_closes_the_vault_in_a_thread_then_shows_the_door() -> None:
    book, _ = one_case()
    session = ThreadNotingSession(book)
    app = DslApp(casebook=book, session=session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: isinstance(app.screen, UnlockScreen))
        assert app.is_locked and session.locks == 1
    assert session.closed_on and session.closed_on[0] is not threading.main_thread()


async def test_a_year_that_cannot_be_loaded_is_a_notice_and_the_report_stays() -> None:
    def load(year: int) -> Any:
        raise StorageError("The vault is locked; unlock it again to continue.")

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(ReportScreen(build_report([], 2026), load))

    app = Host()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("left")
        await wait_until(pilot, lambda: bool(notices(app)))
        assert "The vault is locked" in notices(app)[0]
        assert isinstance(app.screen, ReportScreen) and app.screen.report.year == 2026
    assert app.return_code in (0, None)


async def test_the_dashboard_and_a_case_take_the_casebook_from_the_desk() -> None:
    book, case_id = one_case()
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen) and app.screen.casebook is book
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        assert app.screen.casebook is book


# ---------------------------------------------------------------------- the screens' code


def screen_modules() -> list[tuple[str, ast.Module]]:
    """Every module of the screens package, parsed."""
    return [
        (p.name, ast.parse(p.read_text(encoding="utf-8"))) for p in sorted(SCREENS.glob("*.py"))
    ]


def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == name
    ]


def test_no_dialog_answer_comes_back_through_a_callback() -> None:
    found = [
        f"{name}:{call.lineno}"
        for name, tree in screen_modules()
        for call in _calls(tree, "push_screen")
        if len(call.args) > 1
        or any(k.arg in ("callback", "wait_for_dismiss") for k in call.keywords)
    ]
    assert not found, f"use @work(group=DIALOG) + await push_screen_wait(...): {found}"


def _is_dialog_worker(decorator: ast.expr) -> bool:
    """``@work(..., group=DIALOG)``."""
    return (
        isinstance(decorator, ast.Call)
        and isinstance(decorator.func, ast.Name)
        and decorator.func.id == "work"
        and any(
            k.arg == "group" and isinstance(k.value, ast.Name) and k.value.id == "DIALOG"
            for k in decorator.keywords
        )
    )


def test_every_flow_that_waits_on_a_screen_is_a_dialog_worker() -> None:
    flows: list[str] = []
    wrong: list[str] = []
    for name, tree in screen_modules():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _calls(
                node, "push_screen_wait"
            ):
                flows.append(node.name)
                if not any(_is_dialog_worker(d) for d in node.decorator_list):
                    wrong.append(f"{name}:{node.name}")
    assert not wrong, f"awaits a screen outside the DIALOG worker group: {wrong}"
    assert {"_ask_danger", "action_discard", "action_record_call", "_confirm_and_export"} <= set(
        flows
    )


def textual_private_names() -> set[str]:
    """Private attribute names Textual's own classes set on themselves."""
    root = Path(textual.__file__).parent
    pattern = re.compile(r"self\.(_[a-z]\w*)\s*(?::[^=\n]+)?=(?!=)")
    return {m for p in root.rglob("*.py") for m in pattern.findall(p.read_text(encoding="utf-8"))}


def test_no_screen_writes_textuals_private_attributes() -> None:
    private = textual_private_names()
    assert {"_clipboard", "_return_code", "_exception"} <= private
    written = [
        f"{name}:{node.lineno} {target.attr}"
        for name, tree in screen_modules()
        for node in ast.walk(tree)
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign))
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        for target in (target.elts if isinstance(target, ast.Tuple) else [target])
        if isinstance(target, ast.Attribute) and target.attr in private
    ]
    assert not written, f"use Textual's public API (exit(return_code=...), ...): {written}"


def test_screens_take_the_casebook_from_desk_screen_not_through_the_app() -> None:
    reaching = [
        f"{p.name}:{number}"
        for p in sorted(SCREENS.glob("*.py"))
        if p.name not in ("base.py", "app.py")
        for number, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if 'cast("DslApp"' in line or "self.app.casebook" in line
    ]
    assert not reaching, f"subclass DeskScreen (screens/base.py) instead: {reaching}"
