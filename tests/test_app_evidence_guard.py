"""The image guard by keys: an image on a case about a child waits for "this is not an image of
a child" (issue #12, item 13). Fictional people; the "image" is a few made-up PNG bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers_app import MemorySession, memory_casebook, notices, type_text, wait_until
from textual.pilot import Pilot

from dsl_tui.model import ConcernReport, NewPerson, PersonRole
from dsl_tui.screens.app import DslApp
from dsl_tui.screens.case_view import CaseScreen
from dsl_tui.screens.dialogs import ConfirmDialog, EvidenceDialog

BULLYING = {"immediate_danger": "no", "about": "child_online", "child_harm": "bullying",
            "adult_involved": "no", "bullying_serious": "no", "perpetrator_pupils": "yes",
            "still_online": "yes"}  # fmt: skip
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


async def attach(pilot: Pilot[Any], path: Path) -> None:
    """V on the case, describe the evidence, say where it is, give the file, Ctrl+S."""
    await pilot.press("v")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, EvidenceDialog))
    await type_text(pilot, "Screenshot of the group chat: text only, no one shown")
    await pilot.press("tab")
    await type_text(pilot, "Snapchat group")
    await pilot.press("tab")
    await type_text(pilot, str(path))
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog))


async def test_an_image_is_attached_only_after_confirming_it_is_not_of_a_child(
    tmp_path: Path,
) -> None:
    shot = tmp_path / "group-chat.png"
    shot.write_bytes(PNG)
    book = memory_casebook()
    pupil = NewPerson(PersonRole.PUPIL, "Wilhelmina Osei-Brandt", "Y7")
    report = ConcernReport("sra", "Form tutor", "Unkind group chat", people=(pupil,))
    case_id = book.log_concern(report, BULLYING).id
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        await attach(pilot, shot)
        question = str(app.screen.query_one("Static").render())
        assert "NOT an image of a child" in question and "Never view, copy or store" in question
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        assert book.case(case_id, view=False).evidence == ()
        assert any("Nothing was attached" in n for n in notices(app))
        await attach(pilot, shot)
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
    [item] = book.case(case_id, view=False).evidence
    assert item.filename == "group-chat.png" and book.blob(item.blob_id or "") == PNG
