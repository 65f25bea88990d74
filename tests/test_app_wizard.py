"""Logging a concern through the wizard, by keyboard: report, triage questions, result, case."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers_app import (
    PASSPHRASE,
    USER,
    MemorySession,
    answer_by_keys,
    memory_casebook,
    notices,
    type_text,
    wait_until,
)
from textual.pilot import Pilot
from textual.widgets import OptionList

from dsl_tui import session
from dsl_tui.casebook import Casebook
from dsl_tui.model import Risk
from dsl_tui.screens.app import DslApp
from dsl_tui.screens.case_view import CaseScreen
from dsl_tui.screens.format import risk_label
from dsl_tui.screens.wizard import ConcernWizard
from dsl_tui.screens.wizard_danger import DangerScreen

BULLYING = {"immediate_danger": "no", "about": "child_online", "child_harm": "bullying",
            "vulnerability": "no", "adult_involved": "no", "bullying_serious": "yes",
            "perpetrator_pupils": "yes", "still_online": "yes"}  # fmt: skip
GROOMING = {"immediate_danger": "no", "about": "child_online", "child_harm": "grooming",
            "vulnerability": "no", "contact_offline": "no", "location_known": "no",
            "adult_works_with_children": "no", "still_online": "no",
            "family_is_risk": "no"}  # fmt: skip
IMMEDIATE = {"immediate_danger": "yes", "about": "child_online", "child_harm": "grooming",
             "vulnerability": "no", "contact_offline": "yes", "adult_works_with_children": "no",
             "still_online": "no", "family_is_risk": "no"}  # fmt: skip
STAFF_CONTENT = {"immediate_danger": "no", "about": "staff_content", "subject_is_head": "no",
                 "content_kind": "inflammatory",
                 "content_author": "pupil", "content_threatening": "yes",
                 "threat_level": "general", "content_alleges_harm": "no"}  # fmt: skip
STAFF_BREACH = {"immediate_danger": "no", "about": "staff_conduct", "subject_is_head": "no",
                "breach_kind": "lewd",
                "involves_children": "no", "breach_unlawful": "no",
                "staff_also_targeted": "no"}  # fmt: skip
NUDES = {"immediate_danger": "no", "about": "nudes", "nudes_adult": "no", "nudes_extortion": "no",
         "nudes_coercion": "no", "nudes_concerning_acts": "no", "nudes_under_13": "no",
         "nudes_immediate_risk": "no", "nudes_shared_onward": "no", "nudes_ai_made": "no",
         "nudes_online": "no", "vulnerability": "no"}  # fmt: skip


def wizard(app: DslApp) -> ConcernWizard:
    screen = app.screen
    assert isinstance(screen, ConcernWizard), type(screen).__name__
    return screen


async def fill_report(pilot: Pilot[Any], summary: str, person: str = "Tobias Featherstone") -> None:
    """Fill the report page with the keyboard: school, reporter, summary, one pupil, platform."""
    await pilot.press("enter", "down", "enter")  # open the school list, take the first school
    await pilot.press("tab")
    await type_text(pilot, "Form tutor")
    await pilot.press("tab", "tab")  # skip "when"
    await type_text(pilot, summary)
    await pilot.press("tab")
    await type_text(pilot, "they said they would hurt me")
    await pilot.press("tab")
    await type_text(pilot, person)
    await pilot.press("tab", "tab")  # keep role "pupil"
    await type_text(pilot, "Y8")
    await pilot.press("tab", "tab")  # date of birth not known
    await type_text(pilot, "Instagram")
    await pilot.press("tab")
    await type_text(pilot, "@nightowl_77")


async def open_wizard(pilot: Pilot[Any], danger: str = "no") -> None:
    """N on the dashboard, then the immediate-danger question that comes first (Y or N); after
    "yes", Enter goes on from the call-now screen to the form without recording a call."""
    await pilot.press("n")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, DangerScreen))
    await pilot.press(danger[0])
    if danger == "yes":
        await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConcernWizard))


async def answer_all(pilot: Pilot[Any], answers: dict[str, str]) -> list[str]:
    """Answer each question the wizard asks with its key (y, n or the choice's number)."""
    asked: list[str] = []
    screen = wizard(pilot.app)  # type: ignore[arg-type]
    while screen.phase == "question":
        question = screen.question
        assert question is not None
        asked.append(question.key)
        await answer_by_keys(pilot, question, answers[question.key])
        await pilot.pause()
    return asked


#: The folder of the current test's real vault, and the casebooks to close after it.
_FOLDER: list[Path] = []
_OPEN: list[Casebook] = []


@pytest.fixture(autouse=True)
def _real_vault_folder(tmp_path: Path) -> Iterator[None]:
    _FOLDER[:] = [tmp_path]
    yield
    while _OPEN:
        book = _OPEN.pop()
        if book.vault is not None:
            session.lock(book)


async def log(
    answers: dict[str, str], summary: str, create_key: str = "ctrl+s"
) -> tuple[DslApp, Any, list[str], str]:
    """Run the whole wizard against a real vault in a temporary folder, then close the vault and
    open it again from disk: the casebook returned is the reopened one."""
    path = _FOLDER[0] / "school.dsl"
    book = session.create(path, USER, "DSL", PASSPHRASE)
    _OPEN.append(book)
    app = DslApp(vault_path=path, casebook=book)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await open_wizard(pilot, answers["immediate_danger"])
        await fill_report(pilot, summary)
        await pilot.press("ctrl+s")
        await pilot.pause()
        asked = await answer_all(pilot, answers)
        assert wizard(app).phase == "result"
        result_text = str(app.screen.query_one("#r-text").render())
        await pilot.press(create_key)
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
    session.lock(book)
    reopened = session.unlock(path, PASSPHRASE)
    _OPEN.append(reopened)
    return app, reopened, asked, result_text


async def test_bullying_with_threatening_instagram_messages() -> None:
    app, book, asked, result = await log(BULLYING, "Threatening messages on Instagram")
    assert asked == list(BULLYING)[1:], "immediate danger was asked first, before the report"
    [case_id] = book.case_ids()
    case = book.case(case_id)
    assert case.category == book.playbook.triage(BULLYING).category
    assert case.summary == "Threatening messages on Instagram"
    assert case.child_words == "they said they would hurt me"
    assert [(p.name, p.year_group) for p in case.people] == [("Tobias Featherstone", "Y8")]
    assert case.accounts[0].platform == "Instagram"
    assert case.accounts[0].handle == "@nightowl_77"
    assert "Steps:" in result and case.steps
    assert book.load_draft("concern") is None, "the draft is discarded once the case exists"


async def test_grooming_by_an_adult_goes_to_police_and_ceop() -> None:
    app, book, _, result = await log(GROOMING, "An adult asked for photos", "enter")
    case = book.case(book.case_ids()[0])
    expected = book.playbook.triage(GROOMING)
    assert case.risk is expected.risk and case.risk in (Risk.IMMEDIATE, Risk.HIGH)
    for route in expected.routes:
        assert route.name in result or any(route.key == s.route for s in case.steps)
    for step in expected.steps:
        assert step.title in result


async def test_content_about_staff() -> None:
    _, book, _, result = await log(STAFF_CONTENT, "Post about a teacher")
    case = book.case(book.case_ids()[0])
    expected = book.playbook.triage(STAFF_CONTENT)
    assert case.category == expected.category
    assert [s.title for s in case.steps] == [s.title for s in expected.steps]
    assert "9.5" in " ".join(s.clause for s in case.steps)


async def test_staff_breach() -> None:
    _, book, _, result = await log(STAFF_BREACH, "Lewd post by a member of staff")
    case = book.case(book.case_ids()[0])
    assert case.category == book.playbook.triage(STAFF_BREACH).category
    assert "10.1" in " ".join(s.clause for s in case.steps)


async def test_nudes_warning_is_shown_before_any_answer() -> None:
    book = memory_casebook()
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await open_wizard(pilot)
        await fill_report(pilot, "Image shared in a group chat")
        await pilot.press("ctrl+s")
        await pilot.pause()
        warnings: list[str] = []
        screen = wizard(app)
        while screen.phase == "question":
            box = screen.query_one("#q-warning")
            if box.display:
                warnings.append(str(box.render()))
            question = screen.question
            assert question is not None
            await answer_by_keys(pilot, question, NUDES[question.key])
            await pilot.pause()
        assert any("WARNING" in w and "copy" in w and "attach" in w for w in warnings)
        result = str(screen.query_one("#r-text").render())
        assert "Never view, copy" in result or "never" in result.lower()


async def test_an_incomplete_report_is_refused_with_the_reason() -> None:
    book = memory_casebook()
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await open_wizard(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert wizard(app).phase == "report"
        assert "Choose the school." in notices(app)


async def test_going_back_changes_an_answer() -> None:
    book = memory_casebook()
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await open_wizard(pilot)
        await fill_report(pilot, "Messages")
        await pilot.press("ctrl+s")
        await pilot.pause()
        screen = wizard(app)
        assert screen.answers == {"immediate_danger": "no"}
        assert screen.question is not None and screen.question.key == "about"
        await pilot.press("b")
        await pilot.pause()
        assert screen.answers == {} and screen.question is not None
        assert screen.question.key == "immediate_danger"
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, DangerScreen))
        assert app.screen.phase == "call", "changing to yes shows who to call now"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConcernWizard))
        assert screen.answers["immediate_danger"] == "yes"
        assert screen.question is not None and screen.question.key == "about"


async def test_leaving_keeps_a_draft_that_comes_back() -> None:
    book = memory_casebook()
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await open_wizard(pilot)
        await fill_report(pilot, "Half-told story")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ConcernWizard)
        assert book.load_draft("concern")["report"]["summary"] == "Half-told story"
        await pilot.press("n")
        await pilot.pause()
        assert "Half-told story" in wizard(app).query_one("#summary").text  # type: ignore[attr-defined]


@pytest.mark.parametrize("answers", [BULLYING])
async def test_result_page_lists_steps_with_deadlines(answers: dict[str, str]) -> None:
    _, book, _, result = await log(answers, "Messages")
    expected = book.playbook.triage(answers)
    assert f"RISK: {risk_label(expected.risk).upper()}" in result.upper()
    assert "within" in result or "NOW" in result


async def test_immediate_danger_says_who_to_call_now() -> None:
    book = memory_casebook()
    expected = book.playbook.triage(IMMEDIATE)
    assert expected.call_now, "the playbook names someone to call for a child in danger"
    _, book, _, result = await log(IMMEDIATE, "A child says an adult is outside the house")
    assert "CALL NOW" in result
    for route in expected.call_now:
        assert route.name in result and route.contact in result
    assert book.case(book.case_ids()[0]).risk is Risk.IMMEDIATE


async def test_a_concern_with_two_sides_is_ticked_and_keeps_both_sides_steps() -> None:
    """A member of staff posted a pupil's details and a parent's post about them followed."""
    book = memory_casebook()
    app = DslApp(casebook=book, session=MemorySession(book))
    playbook = book.playbook
    about = playbook.question("about")
    keys = [c.key for c in about.choices]
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await open_wizard(pilot)  # not in immediate danger
        await fill_report(pilot, "A teacher's post named a pupil; a parent's reply attacked her")
        await pilot.press("ctrl+s")
        await pilot.pause()
        screen = wizard(app)
        assert screen.question is not None and screen.question.key == "about"
        await pilot.press("enter")  # nothing ticked yet: a message, and the question stays
        await pilot.pause()
        assert screen.question.key == "about"
        assert any("at least one side" in n for n in notices(app))
        await pilot.press(str(keys.index("staff_content") + 1))  # tick with its number
        for _ in range(keys.index("staff_conduct")):  # and with space on the highlighted one
            await pilot.press("down")
        await pilot.press("space", "1", "1")  # "1" ticked and unticked again
        await pilot.pause()
        options = screen.query_one("#q-answers", OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(len(keys))]
        ticked = [prompts[keys.index("staff_content")], prompts[keys.index("staff_conduct")]]
        assert [p for p in prompts if "[x]" in p] == ticked
        assert all("[ ]" in p for p in prompts if p not in ticked), "an unticked side shows its box"
        shown = "\n".join(options.render_line(y).text for y in range(options.size.height))
        assert shown.count("[x]") == 2 and shown.count("[ ]") == len(keys) - 2, "not read as markup"
        await pilot.press("enter")
        await pilot.pause()
        chosen = {"content_kind": "inflammatory", "content_author": "parent",
                  "breach_kind": "confidential"}  # fmt: skip
        answers: dict[str, str] = {}
        while screen.phase == "question":  # every yes/no question not chosen above: no
            question = screen.question
            assert question is not None and question.key not in answers, "asked once"
            answers[question.key] = chosen.get(question.key, "no")
            await answer_by_keys(pilot, question, answers[question.key])
            await pilot.pause()
        asked = list(answers)
        assert asked[0] == "subject_is_head" and set(chosen) <= set(asked), "both sides' questions"
        assert screen.phase == "result"
        result = str(screen.query_one("#r-text").render())
        assert "from: Content about a member of staff" in result
        assert "from: Staff breach: confidential information posted" in result
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen))
    [case_id] = book.case_ids()
    case = book.case(case_id)
    expected = playbook.triage({"immediate_danger": "no",
                                "about": "staff_content+staff_conduct", **answers})  # fmt: skip
    assert dict(case.answers)["about"] == "staff_content+staff_conduct"
    assert [s.key for s in case.steps] == [s.key for s in expected.steps]
    assert {"ask_host_removal", "disciplinary_investigation"} <= {s.key for s in case.steps}


async def test_a_pupil_on_the_roll_is_completed_as_typed_with_year_and_birth_date() -> None:
    from textual.widgets import Input

    from dsl_tui.roll import read_roll

    book = memory_casebook()
    rolls = Path(__file__).parent / "rolls"
    book.import_roll("sra", read_roll(rolls / "sims.csv", today=book.now().date()))
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_wizard(pilot)
        await pilot.press("enter", "down", "enter")  # Steel River Academy, whose roll it is
        await pilot.press("tab")
        await type_text(pilot, "Form tutor")
        await pilot.press("tab", "tab")
        await type_text(pilot, "Messages in a class group chat")
        await pilot.press("tab", "tab")  # no words of the child's yet
        await type_text(pilot, "otti")
        await pilot.pause()
        name = app.screen.query_one("#person-1-name", Input)
        await wait_until(pilot, lambda: name._suggestion == "Otti Fairweather-Brook")
        await pilot.press("right")  # take the suggestion
        await pilot.pause()
        assert name.value == "Otti Fairweather-Brook"
        assert app.screen.query_one("#person-1-year", Input).value == "Y9"
        assert app.screen.query_one("#person-1-dob", Input).value == "2012-11-02"
        await pilot.press("ctrl+a")  # someone not on the roll is typed as they are
        await pilot.pause()
        await type_text(pilot, "Jasper Unlisted")
        await pilot.pause()
        assert app.screen.query_one("#person-2-name", Input).value == "Jasper Unlisted"
        assert app.screen.query_one("#person-2-year", Input).value == ""
