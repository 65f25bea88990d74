"""Working a case by keyboard: steps (with needed answers), notes, decisions, risk, closing."""

from __future__ import annotations

from helpers_app import (
    MemorySession,
    memory_casebook,
    notices,
    type_keys,
    type_text,
    wait_until,
)
from textual.widgets import Label, Static, TabbedContent

from dsl_tui.casebook import Casebook
from dsl_tui.model import (
    ConcernReport,
    NewAccount,
    NewPerson,
    NoteKind,
    PersonRole,
    Risk,
    StepState,
)
from dsl_tui.screens.app import DslApp
from dsl_tui.screens.case_view import CaseScreen
from dsl_tui.screens.dialogs import (
    AccountDialog,
    EvidenceDialog,
    PersonDialog,
    StepDialog,
    TextPrompt,
)

BULLYING = {"immediate_danger": "no", "about": "child_online", "child_harm": "bullying",
            "adult_involved": "no", "bullying_serious": "yes", "perpetrator_pupils": "yes",
            "still_online": "yes"}  # fmt: skip


def one_case() -> tuple[Casebook, str]:
    book = memory_casebook()
    report = ConcernReport(
        school="sra",
        reporter="Form tutor",
        summary="Threatening Instagram messages from two Year 9 pupils",
        people=(NewPerson(PersonRole.PUPIL, "Marigold Thistlewood", "Y8"),),
    )
    return book, book.log_concern(report, BULLYING).id


async def open_case(pilot, app: DslApp) -> CaseScreen:  # type: ignore[no-untyped-def]
    await pilot.pause()
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
    assert isinstance(app.screen, CaseScreen)
    return app.screen


async def test_complete_a_step_with_the_answers_it_needs() -> None:
    book, case_id = one_case()
    case = book.case(case_id, view=False)
    index, step = next((i, s) for i, s in enumerate(case.steps) if s.needs)
    proposed = [s.id for s in case.steps].index(case.next_step().id)  # type: ignore[union-attr]
    assert index > proposed, "the step with needed answers is further down the checklist"
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_case(pilot, app)
        await pilot.press("o")  # first press shows the checklist at the next step
        await pilot.pause()
        await pilot.press(*["down"] * (index - proposed))
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, StepDialog))
        dialog = app.screen
        assert isinstance(dialog, StepDialog) and dialog.step.id == step.id
        await type_text(pilot, "Done with the pupil's parent present")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, StepDialog), "refused without the needed answers"
        assert "needs an answer" in str(app.screen.query_one("#error").render())
        for need in step.needs:
            await pilot.press("tab")
            if need.choices:
                await pilot.press("enter", "down", "enter")
            else:
                await type_text(pilot, "REF-123")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
    done = next(s for s in book.case(case_id, view=False).steps if s.id == step.id)
    assert done.state is StepState.DONE
    assert done.outcome == "Done with the pupil's parent present"
    assert {k for k, _ in done.answers} == {n.key for n in step.needs}


async def test_enter_on_a_step_of_the_checklist_opens_it() -> None:
    book, case_id = one_case()
    case = book.case(case_id, view=False)
    proposed = [s.id for s in case.steps].index(case.next_step().id)  # type: ignore[union-attr]
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_case(pilot, app)
        await pilot.press("o")  # shows the checklist at the proposed step
        await pilot.pause()
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, StepDialog))
        dialog = app.screen
        assert isinstance(dialog, StepDialog)
        assert dialog.step.id == case.steps[proposed + 1].id
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
    assert all(s.state is StepState.OPEN for s in book.case(case_id, view=False).steps)


async def test_add_a_note_and_record_a_decision_not_to_refer() -> None:
    book, case_id = one_case()
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_case(pilot, app)
        await pilot.press("n")
        await pilot.pause()
        await type_text(pilot, "Pupil said the messages stopped on Friday.\nParent informed.")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("tab")
        await type_text(pilot, "Below the threshold; early help offered instead.")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        assert "Parent informed." in str(app.screen.query_one("#notes").render())
    case = book.case(case_id, view=False)
    assert case.notes[-1].text == "Pupil said the messages stopped on Friday.\nParent informed."
    assert case.notes[-1].kind is NoteKind.FACT
    assert case.decisions[-1].kind == "no referral"
    assert "early help" in case.decisions[-1].text


async def test_change_of_risk_asks_why() -> None:
    book, case_id = one_case()
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_case(pilot, app)
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("enter", "end", "enter")  # the lowest level: none
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "needs the reason" in str(app.screen.query_one("#error").render())
        await pilot.press("tab")
        await type_text(pilot, "Messages were a misunderstood game")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
    assert book.case(case_id, view=False).risk is Risk.NONE


async def test_close_is_blocked_while_steps_are_open_then_closes() -> None:
    book, case_id = one_case()
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(100, 30)) as pilot:
        await open_case(pilot, app)
        await pilot.press("x")
        await pilot.pause()
        assert any("still open" in n for n in notices(app))
        assert isinstance(app.screen, CaseScreen)
        await pilot.press("o")  # go to the checklist, at the step due next
        await pilot.pause()
        steps = book.case(case_id, view=False).steps
        # The last step first (arrow keys down to it); then the cursor follows the step the app
        # proposes next, from the top of the list.
        await pilot.press(*["down"] * len(steps))
        for step in [steps[-1], *steps[:-1]]:
            await pilot.press("s")
            await wait_until(pilot, lambda: isinstance(app.screen, TextPrompt))
            assert step.title[:30] in str(app.screen.query_one(Label).render())
            await type_text(pilot, "Not needed: handled by the Head of Year")
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "write something" in str(app.screen.query_one("#error").render())
        await type_text(pilot, "Resolved; both pupils apologised, monitoring ended.")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        assert "CLOSED" in str(app.screen.query_one("#case-title").render())
    case = book.case(case_id, view=False)
    assert case.status.value == "closed" and case.outcome.startswith("Resolved")


async def test_a_closed_case_offers_only_what_works_and_reopens_with_a_reason() -> None:
    book, case_id = one_case()
    case = book.case(case_id, view=False)
    for step in case.steps:
        book.set_aside_step(case_id, step.id, "Handled by the Head of Year")
    book.close(case_id, "Resolved; monitoring ended.")
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("c")  # closed cases
        await open_case(pilot, app)
        screen = app.screen
        assert isinstance(screen, CaseScreen)
        footer = {b.binding.action for b in screen.active_bindings.values() if b.enabled}
        keys = {b.binding.key for b in screen.active_bindings.values() if b.enabled}
        assert "x" not in keys and "o" not in keys and "r" not in keys, footer
        assert "u" in keys
        await pilot.press("x")  # the dead end is gone: nothing opens
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("u")
        await wait_until(pilot, lambda: isinstance(app.screen, TextPrompt))
        await pilot.press("ctrl+s")  # no reason: refused, the dialog stays
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        await type_text(pilot, "The pupil reported new messages from the same account.")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        assert "OPEN" in str(screen.query_one("#case-title").render())
        keys = {b.binding.key for b in screen.active_bindings.values() if b.enabled}
        assert "x" in keys and "u" not in keys
    reopened = book.case(case_id, view=False)
    assert reopened.status.value == "open" and reopened.closed_at is None
    assert any("new messages from the same account" in e.text for e in book.chronology(case_id))
    assert book.audit_log()[-1].detail == "status open"


async def test_a_refusal_from_the_casebook_is_a_notice_not_a_crash() -> None:
    book, case_id = one_case()
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_case(pilot, app)
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("tab")  # keep the same level: the casebook refuses
        await type_text(pilot, "No change really")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        assert any("already at risk level" in n for n in notices(app))
        assert app.is_running


async def test_an_unexpected_error_is_a_clear_notice_without_its_text() -> None:
    book, case_id = one_case()

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Marigold Thistlewood secret detail")

    book.add_note = broken  # type: ignore[method-assign]
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_case(pilot, app)
        await pilot.press("n")
        await pilot.pause()
        await type_text(pilot, "A note that cannot be saved")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        shown = " ".join(notices(app))
        assert "Something unexpected went wrong (RuntimeError)" in shown
        assert "Marigold" not in shown and "secret" not in shown
        assert app.is_running and not app.is_locked


async def test_evidence_by_keys_refuses_an_empty_description_and_saves_nothing() -> None:
    book, case_id = one_case()
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_case(pilot, app)
        await pilot.press("v")
        await wait_until(pilot, lambda: isinstance(app.screen, EvidenceDialog))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, EvidenceDialog), "an empty description is refused"
        assert "Describe the evidence" in str(app.screen.query_one("#error").render())
        await type_keys(pilot, "   \n  ")  # only blanks: still empty
        await pilot.press("tab")
        await type_keys(pilot, "Instagram")  # a place alone is not evidence
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, EvidenceDialog)
        assert book.case(case_id, view=False).evidence == ()
        await pilot.press("escape")  # cancel: nothing kept
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        assert book.case(case_id, view=False).evidence == ()
        await pilot.press("v")
        await wait_until(pilot, lambda: isinstance(app.screen, EvidenceDialog))
        assert not str(app.screen.query_one("#error").render()).strip(), "a fresh dialog"
        await type_keys(pilot, "Screenshot of a DM saying [b]meet me[/b]")
        await pilot.press("tab")
        await type_keys(pilot, "Instagram, @nightowl_77")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        notes = str(app.screen.query_one("#notes").render())
        assert "Screenshot of a DM saying [b]meet me[/b]" in notes, "shown as typed, not markup"
    [item] = book.case(case_id, view=False).evidence
    assert item.description == "Screenshot of a DM saying [b]meet me[/b]"
    assert item.location == "Instagram, @nightowl_77"
    assert not item.sha256, "a description only: no file is attached"


async def test_add_a_person_and_an_account_found_out_later_by_keys() -> None:
    """The sender is named a day later: P adds them (a bad date of birth is refused first),
    A adds their account, and the case now shows the other case sharing that account."""
    book, case_id = one_case()
    other = book.log_concern(
        ConcernReport(school="kha", reporter="Parent", summary="Messages from the same account",
                      accounts=(NewAccount("Instagram", handle="@nightowl_77"),)),
        BULLYING,
    )  # fmt: skip
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("slash")
        await type_keys(pilot, "Thistlewood")
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(app.screen.query_one("#cases").rows) == 1)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PersonDialog))
        await type_keys(pilot, "Corin Ashgrove")
        await pilot.press("tab", "tab")  # keep the role "pupil"
        await type_keys(pilot, "Y9")
        await pilot.press("tab")
        await type_keys(pilot, "14/03/2012")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PersonDialog), "an unreadable date is refused"
        assert "YYYY-MM-DD" in str(app.screen.query_one("#error").render())
        assert len(book.case(case_id, view=False).people) == 1
        await pilot.press(*["backspace"] * 10)
        await type_keys(pilot, "2012-03-14")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, AccountDialog))
        await type_keys(pilot, "Instagram\t@NightOwl_77")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
        await wait_until(pilot, lambda: other.id in str(app.screen.query_one("#summary").render()))
    case = book.case(case_id, view=False)
    added = case.people[-1]
    assert (added.name, added.year_group, str(added.date_of_birth)) == (
        "Corin Ashgrove", "Y9", "2012-03-14")  # fmt: skip
    assert case.accounts[-1].handle == "@NightOwl_77"
    assert [row.id for row, _ in book.linked(case_id)] == [other.id]


async def test_number_keys_switch_tabs_and_the_detail_pane_shows_the_whole_record() -> None:
    book, case_id = one_case()
    case = book.case(case_id, view=False)
    long_outcome = "Spoke with the pupil and both parents; " * 6
    book.complete_step(case_id, case.steps[0].id, long_outcome.strip())
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_case(pilot, app)
        tabs = screen.query_one("#tabs", TabbedContent)
        await pilot.press("2")
        await pilot.pause()
        assert tabs.active == "tab-steps"
        first = book.case(case_id, view=False).steps[0]
        detail = " ".join(str(screen.query_one("#step-detail", Static).render()).split())
        assert first.title in detail, "the title is whole, not cut"
        assert long_outcome.strip() in detail, "the outcome is readable in the app"
        await pilot.press("3")
        await pilot.pause()
        assert tabs.active == "tab-chronology"
        entry = book.chronology(case_id)[0]
        shown = " ".join(str(screen.query_one("#entry-detail", Static).render()).split())
        assert " ".join(entry.text.split()) in shown
        await pilot.press("down")
        await pilot.pause()
        entry = book.chronology(case_id)[1]
        shown = " ".join(str(screen.query_one("#entry-detail", Static).render()).split())
        assert " ".join(entry.text.split()) in shown
        await pilot.press("1")
        await pilot.pause()
        assert tabs.active == "tab-summary"


async def test_a_refusal_goes_away_once_the_text_changes() -> None:
    book, _ = one_case()
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_case(pilot, app)
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("u")  # an open case: nothing (Reopen is for closed cases)
        await pilot.press("n")
        await wait_until(pilot, lambda: not isinstance(app.screen, CaseScreen))
        await pilot.press("ctrl+s")
        await pilot.pause()
        error = app.screen.query_one("#error", Static)
        assert str(error.render()).startswith("\u26a0")
        await type_text(pilot, "Spoke with the pupil's form tutor.")
        await pilot.pause()
        assert str(error.render()) == "", "no stale message beside text that fixed it"


async def test_the_summary_names_the_school_and_every_side_of_the_concern() -> None:
    book = memory_casebook()
    answers = {"immediate_danger": "no", "about": "data_breach+staff_content",
               "subject_is_head": "no", "content_kind": "inflammatory",
               "content_author": "parent", "content_threatening": "no",
               "content_alleges_harm": "no", "data_child_risk": "no"}  # fmt: skip
    assert book.playbook.next_question(answers) is None, "a complete triage"
    summary = "A class list with addresses posted with abuse of a teacher"
    report = ConcernReport(school="sra", reporter="Office manager", summary=summary)
    book.log_concern(report, answers)
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_case(pilot, app)
        shown = " ".join(str(screen.query_one("#summary").render()).split())
    question = book.playbook.facet_question()
    assert question is not None
    labels = {c.key: c.label for c in question.choices}
    assert f"Sides of this concern: {labels['staff_content']}; {labels['data_breach']}" in shown
    assert f"School: {book.school_name('sra')}" in shown and book.school_name("sra") != "sra"


async def test_add_person_completes_a_pupil_from_the_cases_school_roll() -> None:
    from pathlib import Path

    from textual.widgets import Input

    from dsl_tui.roll import read_roll

    book, case_id = one_case()  # a case at Steel River Academy (sra)
    rolls = Path(__file__).parent / "rolls"
    book.import_roll("sra", read_roll(rolls / "sims.csv", today=book.now().date()))
    book.import_roll("kha", read_roll(rolls / "arbor.csv", today=book.now().date()))
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_case(pilot, app)
        await pilot.press("p")
        await wait_until(pilot, lambda: app.screen.query("#name"))
        name = app.screen.query_one("#name", Input)
        await type_text(pilot, "cle")  # Clementine is on another school's roll: no suggestion
        await pilot.pause()
        assert name._suggestion == ""
        await pilot.press("backspace", "backspace", "backspace")
        await type_text(pilot, "barn")
        await wait_until(pilot, lambda: name._suggestion == "Barnaby Quince")
        await pilot.press("right")
        await pilot.pause()
        assert app.screen.query_one("#year", Input).value == "Y8"
        assert app.screen.query_one("#dob", Input).value == "2013-03-14"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
    added = book.case(case_id, view=False).people[-1]
    assert (added.name, added.year_group, str(added.date_of_birth)) == (
        "Barnaby Quince", "Y8", "2013-03-14")  # fmt: skip
