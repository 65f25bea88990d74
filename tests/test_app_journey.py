"""The whole journey of a DSL who has never seen the app, by keyboard only, on an 80x24 terminal.

First run (create the vault), log a concern about a pupil sent threatening messages on Instagram,
answer the triage questions, create the case, open it from the dashboard, work every step the app
proposes (one set aside with its reason), record evidence and a note, close the case, lock and
unlock. Then the vault itself, opened afterwards, must hold all of it with its audit trail.
Only keys are pressed: no screen method is called and no field is set directly.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from helpers_app import PASSPHRASE, notices, type_keys, wait_until
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from dsl_tui import session
from dsl_tui.model import ConcernReport, NewPerson, NoteKind, PersonRole, StepState
from dsl_tui.screens.app import DslApp
from dsl_tui.screens.case_view import CaseScreen
from dsl_tui.screens.dashboard import DashboardScreen
from dsl_tui.screens.dialogs import EvidenceDialog, NoteDialog, StepDialog, TextPrompt
from dsl_tui.screens.unlock import CreateVaultScreen, UnlockScreen
from dsl_tui.screens.wizard import ConcernWizard
from dsl_tui.screens.wizard_danger import DangerScreen

SIZE = (80, 24)
DSL = "Hollis Brandt-Achebe"
PUPIL = "Jodie Marchbanks"
SUMMARY = "Two Y9 pupils sent Jodie threats on Instagram."
CHILD_WORDS = "They said they would get me after school."

#: The triage answers, as the keys a DSL presses (y, n or the choice's number; the sides of the
#: concern are ticked, then Enter).
TRIAGE_KEYS: dict[str, tuple[str, ...]] = {
    "immediate_danger": ("n",),
    "about": ("1", "enter"),  # a child's safety online
    "child_harm": ("1",),  # online bullying
    "vulnerability": ("1", "enter"),  # none of these
    "adult_involved": ("n",),
    "bullying_serious": ("y",),  # threats of violence
    "perpetrator_pupils": ("y",),
    "still_online": ("y",),
}

#: The same answers as the playbook's keys, for a case made without the wizard.
BULLYING = {"immediate_danger": "no", "about": "child_online", "child_harm": "bullying",
            "adult_involved": "no", "bullying_serious": "yes", "perpetrator_pupils": "yes",
            "still_online": "yes", "vulnerability": "no"}  # fmt: skip

#: How each step the bullying playbook proposes is finished, keyed by the start of its title:
#: ("done", outcome, answers) where a choice answer is the number of Down presses in its list,
#: or ("aside", reason).
WORK: dict[str, tuple[Any, ...]] = {
    "Speak with the child": ("done", "Spoke with Jodie; her words recorded.", ()),
    "Keep records": ("done", "Screenshots kept.", ("Instagram DMs, 24/11 21:40",)),
    "Decide whether to refer": ("done", "Discussed with the deputy.",
                                (2, "Threshold not met; early help.")),
    "Decide whether and when": ("done", "Mother phoned.", (1,)),
    "Report to the police": ("done", "Reported on 101.", ("REF-4471",)),
    "Report the content": ("aside", "The sender deleted the account first."),
    "Offer the child support": ("done", "Weekly check-in.", (1,)),
    "Check the content": ("done", "Checked: gone.", (1,)),
    "Deal with the pupils": ("done", "Both pupils sanctioned.", ()),
    "Give the child": ("done", "Advice given to Jodie.", ()),
    "Assess the risk": ("done", "Safety plan agreed with Jodie.", ()),
}  # fmt: skip

EVIDENCE = "Screenshots of three DMs with threats"
EVIDENCE_WHERE = "Instagram, Jodie's phone"
NOTE = "Jodie is calmer.\nMother agrees to the plan."
OUTCOME = "Threats stopped; pupils sanctioned."


@pytest.fixture(autouse=True)
def _local_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSL_TUI_STATE", str(tmp_path / "state"))


def text_of(app: DslApp, selector: str) -> str:
    """What a Static on the current screen shows."""
    return str(app.screen.query_one(selector, Static).render())


def fits(dialog: Any) -> bool:
    """True when the whole dialog box shows above the footer, down to its last line."""
    box = dialog.query_one("#box").region
    last = dialog.query_one("#error").region
    return box.y >= 0 and box.bottom <= SIZE[1] - 1 and last.bottom < box.bottom


async def on_screen(pilot: Pilot[Any], kind: type) -> Any:
    """Wait for a screen of this kind to be on top, and return it."""
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, kind))
    return pilot.app.screen


async def create_vault(pilot: Pilot[Any]) -> None:
    """First run: name, role (keep DSL), passphrase twice; Enter moves on and finally creates."""
    await on_screen(pilot, CreateVaultScreen)
    await type_keys(pilot, DSL + "\n")
    await pilot.press("enter")  # keep the role "DSL"
    await type_keys(pilot, PASSPHRASE + "\n")
    await type_keys(pilot, PASSPHRASE + "\n")
    await on_screen(pilot, DashboardScreen)


async def log_the_concern(pilot: Pilot[Any]) -> None:
    """The wizard: the report, the triage questions, then Enter on the result creates the case."""
    await pilot.press("n")
    await on_screen(pilot, DangerScreen)  # immediate danger is asked before anything is typed
    await pilot.press(*TRIAGE_KEYS["immediate_danger"])
    wizard = await on_screen(pilot, ConcernWizard)
    await pilot.press("enter", "down", "enter")  # the school list: the first school
    await pilot.press("tab")
    await type_keys(pilot, "Mr Okafor, form tutor")
    await pilot.press("tab", "tab")  # "when" is optional
    await type_keys(pilot, SUMMARY)
    await pilot.press("tab")
    await type_keys(pilot, CHILD_WORDS)
    await pilot.press("tab")
    await type_keys(pilot, PUPIL)
    await pilot.press("tab", "tab")  # keep the role "pupil"
    await type_keys(pilot, "Y8")
    await pilot.press("tab")
    await type_keys(pilot, "2013-11-02")  # date of birth (Y8)
    await pilot.press("tab")
    await type_keys(pilot, "Instagram")
    await pilot.press("tab")
    await type_keys(pilot, "@nightowl_77")
    await pilot.press("ctrl+s")
    await pilot.pause()
    asked = []
    while wizard.phase == "question":
        question = wizard.question
        asked.append(question.key)
        why = wizard.query_one("#q-why")
        assert why.region.bottom <= SIZE[1] - 1, f"why {question.key} matters shows at 80x24"
        await pilot.press(*TRIAGE_KEYS[question.key])
        await pilot.pause()
    assert asked == list(TRIAGE_KEYS)[1:]
    result = text_of(pilot.app, "#r-text")  # type: ignore[arg-type]
    assert "Online bullying" in result and "Steps:" in result
    await pilot.press("enter")
    await on_screen(pilot, CaseScreen)


async def work_the_steps(pilot: Pilot[Any], screen: CaseScreen) -> list[str]:
    """Finish every step the app proposes, in the order it proposes them."""
    app: DslApp = pilot.app  # type: ignore[assignment]
    await pilot.press("o")  # the first O shows the checklist at the step due next
    await pilot.pause()
    done: list[str] = []
    for _ in range(len(WORK)):
        case = screen.case
        assert case is not None
        proposed = case.next_step()
        assert proposed is not None
        title = proposed.title
        [work] = [w for start, w in WORK.items() if title.startswith(start)]
        if work[0] == "aside":
            await pilot.press("s")
            await on_screen(pilot, TextPrompt)
            await type_keys(pilot, work[1])
        else:
            await pilot.press("o")
            dialog = await on_screen(pilot, StepDialog)
            assert dialog.step.id == proposed.id, "O opens the step the app proposes"
            assert fits(dialog), f"the dialog for {title!r} fits 80x24"
            await type_keys(pilot, work[1])
            for answer in work[2]:
                await pilot.press("tab")
                if isinstance(answer, int):
                    await pilot.press("enter", *["down"] * answer, "enter")
                else:
                    await type_keys(pilot, answer)
        await pilot.press("ctrl+s")
        await on_screen(pilot, CaseScreen)
        done.append(title)
        assert app.screen is screen
    return done


@pytest.mark.slow
async def test_first_run_to_closed_case_by_keyboard_only(tmp_path: Path) -> None:
    path = tmp_path / "school.dsl"
    app = DslApp(vault_path=path)
    async with app.run_test(size=SIZE) as pilot:
        await create_vault(pilot)
        await log_the_concern(pilot)
        await pilot.press("escape")  # back to the dashboard, then open the case from there
        dashboard = await on_screen(pilot, DashboardScreen)
        assert "Open 1" in text_of(app, "#counts")
        await pilot.press("enter")
        screen: CaseScreen = await on_screen(pilot, CaseScreen)
        assert PUPIL in text_of(app, "#summary")

        titles = await work_the_steps(pilot, screen)
        assert len(titles) == len(WORK)

        # Evidence: an empty description is refused and nothing is saved.
        await pilot.press("v")
        assert fits(await on_screen(pilot, EvidenceDialog))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, EvidenceDialog)
        assert "Describe the evidence" in text_of(app, "#error")
        assert screen.case is not None and screen.case.evidence == ()
        await type_keys(pilot, EVIDENCE)
        await pilot.press("tab")
        await type_keys(pilot, EVIDENCE_WHERE)
        await pilot.press("ctrl+s")
        await on_screen(pilot, CaseScreen)

        await pilot.press("n")
        await on_screen(pilot, NoteDialog)
        await type_keys(pilot, NOTE)
        await pilot.press("ctrl+s")
        await on_screen(pilot, CaseScreen)
        notes = text_of(app, "#notes")
        assert "Mother agrees to the plan." in notes and EVIDENCE in notes

        await pilot.press("x")
        await on_screen(pilot, TextPrompt)
        await type_keys(pilot, OUTCOME)
        await pilot.press("ctrl+s")
        await on_screen(pilot, CaseScreen)
        assert "CLOSED" in text_of(app, "#case-title")
        case_id = screen.case_id

        await pilot.press("ctrl+l")
        await on_screen(pilot, UnlockScreen)
        assert app.is_locked
        await type_keys(pilot, PASSPHRASE + "\n")
        dashboard = await on_screen(pilot, DashboardScreen)
        table = dashboard.query_one("#cases", DataTable)
        await pilot.press("c")  # closed cases
        await wait_until(pilot, lambda: table.row_count == 1)
        assert str(table.get_row_at(0)[0]) == case_id
        await pilot.press("slash")  # search every word of the case: here, the evidence note
        await type_keys(pilot, "mother agrees\n")
        await wait_until(pilot, lambda: "mother agrees" in text_of(app, "#counts"))
        assert table.row_count == 1 and str(table.get_row_at(0)[0]) == case_id
        await pilot.press("escape")  # clear the search
        await wait_until(pilot, lambda: "Search" not in text_of(app, "#counts"))
        await pilot.press("enter")
        await on_screen(pilot, CaseScreen)
        assert "CLOSED" in text_of(app, "#case-title")
        assert OUTCOME in text_of(app, "#summary")
        assert not any("wrong" in n.lower() for n in notices(app))
    assert app.return_code in (0, None)

    book = session.unlock(path, PASSPHRASE)
    try:
        case = book.case(case_id, view=False)
        assert case.status.value == "closed" and case.outcome == OUTCOME
        assert [(p.name, p.date_of_birth) for p in case.people] == [(PUPIL, date(2013, 11, 2))]
        assert case.accounts[0].platform == "Instagram"
        assert [(e.description, e.location) for e in case.evidence] == [(EVIDENCE, EVIDENCE_WHERE)]
        assert case.notes[-1].text == NOTE and case.notes[-1].kind is NoteKind.FACT
        assert len(case.steps) == len(titles), "every step the app proposed was worked"
        states = {s.title: s for s in case.steps}
        for title in titles:
            step = states[title]
            [work] = [w for start, w in WORK.items() if title.startswith(start)]
            if work[0] == "aside":
                assert step.state is StepState.SET_ASIDE and step.reason == work[1]
            else:
                assert step.state is StepState.DONE and step.outcome == work[1]
                assert [k for k, _ in step.answers] == [n.key for n in step.needs]
                typed = [a for a in work[2] if isinstance(a, str)]
                assert [v for v in dict(step.answers).values() if v in typed] == typed
        answers = {k: v for s in case.steps for k, v in s.answers}
        assert answers["csc_decision"] == "not referred"
        assert answers["parents_told"] == "yes" and answers["content_removed"] == "yes"
        assert answers["police_reference"] == "REF-4471"

        trail = [(e.action, e.detail) for e in book.audit_log() if e.case_id == case_id]
        assert trail[0] == ("create", "") and ("close", "") in trail
        assert trail.index(("close", "")) > max(i for i, t in enumerate(trail) if t[1])
        assert {("change", f"step {s.id}") for s in case.steps} <= set(trail)
        assert ("change", f"evidence {case.evidence[0].id}") in trail
        assert ("change", f"note {case.notes[-1].id}") in trail
        actions = [e.action for e in book.audit_log()]
        assert "create vault" in actions and "lock" in actions
        assert actions.count("unlock") >= 2, "the unlock by keys, and this one, are audited"
        assert book.verify_audit() == []
    finally:
        session.lock(book)


async def test_ctrl_q_keeps_the_unsaved_note_and_closes_the_vault(tmp_path: Path) -> None:
    path = tmp_path / "school.dsl"
    book = session.create(path, DSL, "DSL", PASSPHRASE)
    try:
        report = ConcernReport(school="sra", reporter="Form tutor", summary=SUMMARY,
                               people=(NewPerson(PersonRole.PUPIL, PUPIL, "Y8"),))  # fmt: skip
        case_id = book.log_concern(report, BULLYING).id
    finally:
        session.lock(book)
    app = DslApp(vault_path=path)
    async with app.run_test(size=SIZE) as pilot:
        await on_screen(pilot, UnlockScreen)
        await type_keys(pilot, PASSPHRASE + "\n")
        await on_screen(pilot, DashboardScreen)
        await pilot.press("enter", "n")
        await on_screen(pilot, NoteDialog)
        await type_keys(pilot, "Half a note")
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: not app.is_running)
    assert app.is_locked, "the app forgets the casebook on the way out"
    book = session.unlock(path, PASSPHRASE)  # would be refused if the vault were still open
    try:
        assert book.load_draft(f"note:{case_id}") == {"text": "Half a note"}
        assert [e.action for e in book.audit_log()][-2:] == ["lock", "unlock"]
    finally:
        session.lock(book)
