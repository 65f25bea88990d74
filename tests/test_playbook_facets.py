"""Concerns with several sides: every side's questions are asked, every side's steps kept."""

from __future__ import annotations

from itertools import combinations

import pytest
from helpers_playbook import answered, raw_playbook, sections, shipped

from dsl_tui.errors import PlaybookInvalid, UsageError
from dsl_tui.model import Risk
from dsl_tui.playbook import parse_playbook
from dsl_tui.playbook.lint import every_path

#: A member of staff posted a pupil's details, and a parent's post about them followed.
BREACH = dict(breach_kind="confidential", involves_children="no", breach_unlawful="no")
CONTENT = dict(content_kind="inflammatory", content_author="parent", content_threatening="no")
BULLYING = dict(child_harm="bullying", adult_involved="no", bullying_serious="no",
                perpetrator_pupils="yes", still_online="yes")  # fmt: skip


def test_about_takes_several_sides() -> None:
    question = shipped().question("about")
    assert question.multi and shipped().facet_question() == question


def test_each_sides_follow_up_questions_are_asked_one_at_a_time() -> None:
    playbook = shipped()
    answers = {"immediate_danger": "no", "about": "staff_content+staff_conduct"}
    given = {**BREACH, **CONTENT, "subject_is_head": "no"}
    asked = []
    while (question := playbook.next_question(answers)) is not None:
        asked.append(question.key)
        assert question.kind == "yes_no" or question.key in given, question.key
        answers[question.key] = given.get(question.key, "no")
    wanted = ["subject_is_head", "content_kind", "content_author", "content_threatening",
              "breach_kind", "involves_children", "breach_unlawful"]  # fmt: skip
    # Both sides' questions, each once, in the playbook's order (shared ones asked once).
    assert [key for key in asked if key in wanted] == wanted
    assert len(asked) == len(set(asked))


def test_the_order_of_the_sides_does_not_matter() -> None:
    playbook = shipped()
    one = answered(about="staff_conduct+staff_content", **BREACH, **CONTENT)
    other = answered(about="staff_content+staff_conduct", **BREACH, **CONTENT)
    assert playbook.relevant_answers(one)["about"] == "staff_content+staff_conduct"
    assert playbook.triage(one) == playbook.triage(other)


@pytest.mark.parametrize("bad", ["", "+", "staff_content+staff_content", "staff_content+nope"])
def test_a_malformed_multi_answer_is_refused(bad: str) -> None:
    with pytest.raises(UsageError):
        shipped().triage(answered(about=bad))


def test_a_breach_and_content_about_the_staff_member_keeps_both_sides_steps() -> None:
    playbook = shipped()
    both = playbook.triage(answered(about="staff_conduct+staff_content", **BREACH, **CONTENT))
    breach = playbook.triage(answered(about="staff_conduct", **BREACH))
    content = playbook.triage(answered(about="staff_content", **CONTENT))
    keys = [s.key for s in both.steps]
    assert len(keys) == len(set(keys)), "each step once"
    assert set(keys) == {s.key for s in breach.steps} | {s.key for s in content.steps}
    steps = {s.key: s for s in both.steps}
    assert steps["disciplinary_investigation"].sources == ("staff_conduct",)
    assert steps["ask_host_removal"].sources == ("staff_content",)
    assert [f.answer for f in both.facets] == ["staff_content", "staff_conduct"]
    assert {f.category for f in both.facets} == {"staff_content", "breach_confidential"}
    assert both.category == both.facets[0].category
    assert {r.key for r in both.routes} >= {r.key for r in breach.routes + content.routes}
    assert set(both.warnings) == set(breach.warnings) | set(content.warnings)


def test_harm_to_a_child_and_a_staff_breach_take_the_highest_risk_and_earliest_deadline() -> None:
    playbook = shipped()
    unlawful = {**BREACH, "breach_unlawful": "yes"}
    both = playbook.triage(answered(about="child_online+staff_conduct", **BULLYING, **unlawful))
    child = playbook.triage(answered(about="child_online", **BULLYING))
    staff = playbook.triage(answered(about="staff_conduct", **unlawful))
    assert both.risk is Risk.HIGH and child.risk is Risk.MEDIUM and staff.risk is Risk.HIGH
    assert both.category == staff.category, "the most urgent side leads"
    assert both.facets[1].category == "online_bullying"
    steps = {s.key: s for s in both.steps}
    # keep_records is in both: it keeps the earliest deadline and names both sides.
    dues = [s.due.nominal for s in both.steps if s.due]
    assert dues == sorted(dues)
    assert "speak_to_child" in steps and "report_police_unlawful" in steps
    assert steps["speak_to_child"].sources == ("child_online",)
    assert both.retention_rules[0] == both.retention
    assert set(both.retention_rules) == {"child_protection", "staff_conduct_record"}


def test_a_step_both_sides_give_is_listed_once_with_both_sources() -> None:
    playbook = shipped()
    both = playbook.triage(
        answered(about="child_online+work_account", **BULLYING,
                 content_author="unknown", content_threatening="no")
    )  # fmt: skip
    keep = [s for s in both.steps if s.key == "keep_records"]
    assert len(keep) == 1 and set(keep[0].sources) == {"child_online", "work_account"}


def test_one_side_answers_as_before() -> None:
    playbook = shipped()
    result = playbook.triage(answered(about="staff_conduct", **BREACH))
    assert result.facets == () and all(s.sources == () for s in result.steps)


# The walks over pairs of sides are slow since playbook 2026.12-2 (about 24,000 pair paths):
# out of the quick loop (-m "not slow"); CI runs them.
@pytest.mark.slow
def test_every_path_tries_each_side_and_each_pair_but_not_every_subset() -> None:
    playbook = shipped()
    facet = playbook.facet_question()
    assert facet is not None
    seen = {a["about"] for a in every_path(playbook, pairs=True) if "about" in a}
    singles = {a["about"] for a in every_path(playbook) if "about" in a}
    keys = [c.key for c in facet.choices]
    assert seen == set(keys) | {f"{a}+{b}" for a, b in combinations(keys, 2)}
    assert singles == set(keys)


@pytest.mark.slow
def test_every_pair_path_joins_its_sides_without_losing_a_step() -> None:
    playbook = shipped()
    for answers in every_path(playbook, pairs=True):
        sides = answers.get("about", "").split("+")
        if len(sides) < 2:
            continue
        both = playbook.triage(answers)
        for side in sides:
            alone = playbook.triage({**answers, "about": side})
            assert {s.key for s in alone.steps} <= {s.key for s in both.steps}, answers
            assert both.risk.rank <= alone.risk.rank


def test_only_a_choice_question_takes_several_answers() -> None:
    raw = raw_playbook()
    questions = raw["questions"]
    assert isinstance(questions, list)
    questions[0]["multi"] = True
    with pytest.raises(PlaybookInvalid, match="only a choice question"):
        parse_playbook(raw, sections=sections())


def test_only_one_question_takes_several_answers() -> None:
    raw = raw_playbook()
    questions = raw["questions"]
    assert isinstance(questions, list)
    next(q for q in questions if q["key"] == "child_harm")["multi"] = True
    with pytest.raises(
        PlaybookInvalid,
        match=r'second question with several answers needs "no" \(none of these\) first',
    ):
        parse_playbook(raw, sections=sections())


def test_a_later_multi_choice_question_is_a_fact_not_a_side() -> None:
    """The child's vulnerabilities take several answers but do not split the concern."""
    playbook = shipped()
    assert playbook.facet_question() is not None
    assert playbook.facet_question().key == "about"  # type: ignore[union-attr]
    answers = answered(
        about="child_online",
        child_harm="bullying",
        vulnerability="send+young_carer",
        adult_involved="no",
        bullying_serious="no",
        perpetrator_pupils="no",
    )
    result = playbook.triage(answers)
    assert result.facets == ()
    assert sum("raised" in r for r in result.reasons) == 2
