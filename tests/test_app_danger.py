"""Immediate danger first (issue #12, item 9), by keys at 80x24.

Pressing N on the dashboard asks "Is a child in immediate danger right now?" before anything is
typed. Yes shows who to call now at once; R records the call; the form then continues with the
question answered, and the case is created with the call on its "call the police" step.
Every person here is fictional.
"""

from __future__ import annotations

from typing import Any

from helpers_app import (
    T0,
    MemorySession,
    answer_by_keys,
    memory_casebook,
    type_text,
    wait_until,
)
from textual.pilot import Pilot

from dsl_tui.model import Risk, StepState
from dsl_tui.screens.app import DslApp
from dsl_tui.screens.case_view import CaseScreen
from dsl_tui.screens.wizard import ConcernWizard
from dsl_tui.screens.wizard_danger import CallDialog, DangerScreen

REST = {"about": "child_online", "child_harm": "grooming", "vulnerability": "no",
        "contact_offline": "yes", "adult_works_with_children": "no", "still_online": "no",
        "family_is_risk": "no"}  # fmt: skip


async def fill_report(pilot: Pilot[Any]) -> None:
    """The report page: first school, reporter, what happened, one pupil."""
    await pilot.press("enter", "down", "enter")
    await pilot.press("tab")
    await type_text(pilot, "Ms Adeyemi-Hart, form tutor")
    await pilot.press("tab", "tab")
    await type_text(pilot, "A pupil says a man from an online game is waiting outside school")
    await pilot.press("tab", "tab")
    await type_text(pilot, "Cosima Verhoeven-Blake")


async def answer_rest(pilot: Pilot[Any], answers: dict[str, str]) -> list[str]:
    """Answer each triage question asked; the keys of those asked."""
    asked: list[str] = []
    screen: Any = pilot.app.screen
    while screen.phase == "question":
        question = screen.question
        asked.append(question.key)
        await answer_by_keys(pilot, question, answers[question.key])
        await pilot.pause()
    return asked


async def test_yes_shows_who_to_call_records_the_call_and_the_case_keeps_it() -> None:
    book = memory_casebook()
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, DangerScreen))
        ask = str(app.screen.query_one("#danger-ask").render())
        assert "Is a child in immediate danger right now?" in ask
        await pilot.press("y")
        await pilot.pause()
        shown = str(app.screen.query_one("#danger-call").render())
        assert "CALL 999 NOW" in shown
        for key in ("police", "childrens_social_care"):
            assert book.playbook.routes[key].contact in " ".join(shown.split())
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, CallDialog))
        assert app.screen.query_one("#call-at").value == "09:30"  # type: ignore[attr-defined]
        await type_text(pilot, "CAD 0417 24/11")  # the reference field has the cursor
        await pilot.press("shift+tab")
        await pilot.press(*"\b\b\b\b\b", *"09:22")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConcernWizard))
        wizard: Any = app.screen
        assert wizard.phase == "report" and wizard.answers == {"immediate_danger": "yes"}
        await fill_report(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        asked = await answer_rest(pilot, REST)
        assert "immediate_danger" not in asked, "the question is not asked twice"
        assert wizard.phase == "result"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        summary = str(app.screen.query_one("#summary").render())
        assert f"Triaged under playbook version {book.playbook.version}" in summary
    [case_id] = book.case_ids()
    case = book.case(case_id)
    assert case.risk is Risk.IMMEDIATE
    call = next(s for s in case.steps if s.route == "police" and s.key == "call_police_now")
    assert call.state is StepState.DONE
    assert call.done_at is not None and call.done_at.strftime("%H:%M") == "09:22"
    assert dict(call.answers)["police_reference"] == "CAD 0417 24/11"
    assert "Called Police at 09:22" in call.outcome
    assert any("Called Police at 09:22" in e.text for e in book.chronology(case_id))
    assert case.reported_at == T0


async def test_no_goes_straight_to_the_form() -> None:
    book = memory_casebook()
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, DangerScreen))
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, ConcernWizard))
        wizard: Any = app.screen
        assert wizard.phase == "report" and wizard.answers == {"immediate_danger": "no"}
        assert app.focused is not None and app.focused.id == "school"
        await fill_report(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert wizard.question is not None and wizard.question.key == "about"


async def test_a_call_recorded_survives_leaving_the_form() -> None:
    """The call is kept with the draft: leaving and coming back does not lose it."""
    book = memory_casebook()
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, DangerScreen))
        await pilot.press("y", "r")
        await wait_until(pilot, lambda: isinstance(app.screen, CallDialog))
        await type_text(pilot, "Ref 7781")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConcernWizard))
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConcernWizard))
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, ConcernWizard))
        wizard: Any = app.screen
        assert [c.reference for c in wizard.calls] == ["Ref 7781"]
        assert wizard.answers["immediate_danger"] == "yes"
