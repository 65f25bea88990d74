"""The casebook on the trust's real playbook: ids, steps and their needs, retention rules."""

from __future__ import annotations

import ast
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from helpers_casebook import T0, Clock, bullying_report

from dsl_tui.casebook import Casebook
from dsl_tui.deadlines import LONDON
from dsl_tui.errors import CaseRuleError
from dsl_tui.model import NewPerson, PersonRole, Risk
from dsl_tui.playbook import load_playbook

PLAYBOOK = load_playbook()
REPO = Path(__file__).resolve().parents[1]


def walk(**fixed: str) -> dict[str, str]:
    """Answers to every question the playbook asks, "no" or the first choice unless given."""
    answers: dict[str, str] = {}
    while (question := PLAYBOOK.next_question(answers)) is not None:
        default = "no" if question.kind == "yes_no" else question.choices[0].key
        answers[question.key] = fixed.get(question.key, default)
    return answers


def book(clock: Clock | None = None) -> Casebook:
    return Casebook.in_memory(user="Priya Ramanathan", playbook=PLAYBOOK, clock=clock or Clock())


GROOMING = walk(about="child_online", child_harm="grooming")
STAFF_THREAT = walk(
    about="staff_content", content_author="pupil", content_threatening="yes", threat_level="general"
)
NOT_SAFEGUARDING = walk(about="other")


def test_real_triage_makes_steps_due_from_the_report_time() -> None:
    casebook = book()
    case = casebook.log_concern(bullying_report(school="sra"), GROOMING)
    result = PLAYBOOK.triage(GROOMING)
    assert case.id == "SRA-2026-0001"
    assert case.category == result.category and case.risk is result.risk
    assert [s.key for s in case.steps] == [p.key for p in result.steps]
    for step, plan in zip(case.steps, result.steps, strict=True):
        assert step.clause == plan.clause and step.actor == plan.actor
        if plan.due_after is not None:
            assert step.due_at == T0 + plan.due_after


def test_a_step_with_needs_names_what_is_missing() -> None:
    casebook = book()
    case = casebook.log_concern(bullying_report(school="sra"), STAFF_THREAT)
    step = next(s for s in case.steps if len(s.needs) >= 2)
    with pytest.raises(CaseRuleError) as caught:
        casebook.complete_step(case.id, step.id, "Done")
    for need in step.needs:
        assert need.prompt in caught.value.message
    answers = {n.key: (n.choices[0] if n.choices else "Ref 12/345") for n in step.needs}
    done = casebook.complete_step(case.id, step.id, "Done", answers)
    assert dict(next(s for s in done.steps if s.id == step.id).answers) == answers


def test_retention_on_the_real_rules() -> None:
    clock = Clock()
    casebook = book(clock)
    abuse = casebook.log_concern(bullying_report(school="sra"), GROOMING)
    assert abuse.review_on == date(2026 + 75, 3, 2)  # "keep": reviewed after 75 years
    general = casebook.log_concern(bullying_report(school="sra"), NOT_SAFEGUARDING)
    assert general.risk is Risk.NONE
    for step in general.steps:
        casebook.set_aside_step(general.id, step.id, "Not a safeguarding matter.")
    clock.advance(days=30)
    closed = casebook.close(general.id, "Handled under the behaviour policy.")
    assert closed.review_on == date(2032, 4, 1)  # 6 years from closure
    staff = casebook.log_concern(
        bullying_report(school="sra", people=(NewPerson(PersonRole.STAFF, "Martin Holloway"),)),
        walk(about="staff_conduct", breach_kind="unlawful", involves_children="yes",
             harm_threshold="yes"),
    )  # fmt: skip
    assert staff.review_on == date(2036, 3, 2)  # 10 years from the allegation (reported at T0)


def test_answers_off_the_wizards_path_are_not_kept() -> None:
    # "content_author" belongs to the staff-content branch; a child-online concern drops it.
    answers = {**GROOMING, "content_author": "pupil"}
    case = book().log_concern(bullying_report(school="sra"), answers)
    assert dict(case.answers) == PLAYBOOK.relevant_answers(GROOMING)
    assert "content_author" not in dict(case.answers)


def test_working_day_steps_skip_the_trusts_closure_days() -> None:
    reported = datetime(2026, 12, 18, 10, 0, tzinfo=LONDON)
    casebook = book(Clock(reported + timedelta(hours=1)))
    staff = casebook.log_concern(
        bullying_report(
            school="sra", reported_at=reported,
            people=(NewPerson(PersonRole.STAFF, "Martin Holloway"),),
        ),
        walk(about="staff_conduct", breach_kind="unlawful", involves_children="yes",
             harm_threshold="yes"),
    )  # fmt: skip
    lado = next(s for s in staff.steps if s.key == "refer_lado")
    # 22 December 2026 to 1 January 2027 are closure days in the shipped playbook.
    assert lado.due_at == datetime(2027, 1, 4, 10, 0, tzinfo=LONDON)
    assert staff.playbook_version == PLAYBOOK.version


def test_the_casebook_calls_its_playbook_without_probing_it() -> None:
    """The casebook takes a typed Playbook: no getattr / hasattr guesses at what it has."""
    for path in sorted((REPO / "dsl_tui" / "casebook").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        probes = [
            node.lineno
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr")
        ]
        assert probes == [], f"{path.name} probes an object at lines {probes}"
