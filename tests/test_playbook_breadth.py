"""Issue #19, the engine side: deadlines that follow the risk, risk stepped up by vulnerability.

The playbook's content (each Annex B harm, the properties over every path) is checked in
``test_triage_table.py`` and ``test_triage_routes.py``; here the features the content relies on,
each checked on a small edit of the shipped playbook.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers_playbook import answered, raw_playbook, sections, shipped

from dsl_tui.errors import PlaybookInvalid
from dsl_tui.model import Risk
from dsl_tui.playbook import parse_playbook

BULLYING = dict(
    answered(
        about="child_online",
        child_harm="bullying",
        adult_involved="no",
        bullying_serious="no",
        perpetrator_pupils="no",
    )
)


def _steps(raw: dict[str, Any]) -> dict[str, Any]:
    steps = raw["steps"]
    assert isinstance(steps, dict)
    return steps


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ({"urgent": "4 hours"}, '"urgent" is not a risk level'),
        ({"high": "soonish"}, '"soonish" is not a duration'),
        ({"high": 4}, "this must be a duration"),
        ({}, "due_by_risk is a table"),
    ],
)
def test_a_bad_due_by_risk_is_refused_naming_the_key(table: object, problem: str) -> None:
    raw = raw_playbook()
    _steps(raw)["speak_to_child"]["due_by_risk"] = table
    with pytest.raises(PlaybookInvalid, match="steps.speak_to_child.due_by_risk") as caught:
        parse_playbook(raw, sections=sections())
    assert problem in str(caught.value)


def test_without_due_by_risk_the_step_keeps_its_usual_deadline_at_any_risk() -> None:
    raw = raw_playbook()
    del _steps(raw)["speak_to_child"]["due_by_risk"]
    playbook = parse_playbook(raw, sections=sections())
    high = {**BULLYING, "bullying_serious": "yes"}
    assert playbook.triage(high).risk is Risk.HIGH
    step = next(s for s in playbook.triage(high).steps if s.key == "speak_to_child")
    assert step.deadline == "1 working day"
    shipped_step = next(s for s in shipped().triage(high).steps if s.key == "speak_to_child")
    assert shipped_step.deadline == "4 hours"


def test_step_up_must_be_true_or_false() -> None:
    raw = raw_playbook()
    rules = raw["risk_rules"]
    assert isinstance(rules, list)
    next(r for r in rules if r.get("step_up"))["step_up"] = "yes"
    with pytest.raises(PlaybookInvalid, match="step_up is true or false"):
        parse_playbook(raw, sections=sections())


def test_without_step_up_a_vulnerability_rule_would_jump_straight_to_its_level() -> None:
    """``step_up`` is what keeps a low-risk concern from going straight to high."""
    low = dict(
        answered(
            about="child_online",
            child_harm="inappropriate",
            inappropriate_kind="hateful",
            adult_involved="no",
            vulnerability="send",
        )
    )
    assert shipped().triage(low).risk is Risk.MEDIUM, "low, raised one level"
    raw = raw_playbook()
    rules = raw["risk_rules"]
    assert isinstance(rules, list)
    for rule in rules:
        rule.pop("step_up", None)
    assert parse_playbook(raw, sections=sections()).triage(low).risk is Risk.HIGH


def test_joined_sides_keep_the_earliest_deadline_of_a_shared_step() -> None:
    """A child side at high risk and a nudes side at medium both give ``speak_to_child``."""
    playbook = shipped()
    answers = dict(
        answered(
            about="child_online+nudes",
            child_harm="bullying",
            adult_involved="no",
            bullying_serious="yes",
            perpetrator_pupils="no",
            nudes_adult="no",
            nudes_extortion="no",
            nudes_coercion="no",
            nudes_concerning_acts="no",
            nudes_under_13="no",
            nudes_immediate_risk="no",
            nudes_shared_onward="no",
            nudes_ai_made="no",
            nudes_online="no",
        )
    )
    assert playbook.next_question(answers) is None
    result = playbook.triage(answers)
    step = next(s for s in result.steps if s.key == "speak_to_child")
    assert step.deadline == "4 hours" and set(step.sources) == {"child_online", "nudes"}


def test_the_version_is_bumped_so_older_cases_keep_theirs() -> None:
    assert shipped().version == "2026.12-2"
