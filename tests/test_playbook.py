"""The playbook as a whole: loading, the question walk, its reach, clause texts and schools."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from helpers_playbook import PLAYBOOK_PATH, all_paths, answered, raw_playbook, shipped
from hypothesis import given, settings
from hypothesis import strategies as st

from dsl_tui.errors import NotFound, UsageError
from dsl_tui.model import Risk
from dsl_tui.paths import data_dir
from dsl_tui.playbook import Playbook, load_playbook, parse_playbook
from dsl_tui.playbook.lint import lint

POLICY = Path("/work/shared/policy/social-media-policy.txt")


@pytest.fixture(scope="module")
def paths() -> list[dict[str, str]]:
    """Every complete answer set the wizard can produce."""
    return list(all_paths(shipped()))


def test_default_load_is_the_shipped_playbook() -> None:
    playbook = load_playbook()
    assert isinstance(playbook, Playbook)
    assert playbook.version and playbook.trust == "Steel River Academy Trust"
    assert playbook.questions()[0].key == "immediate_danger"


def test_schools_have_unique_prefixes() -> None:
    schools = shipped().schools
    assert len(schools) >= 4
    assert schools[0].name == "Steel River Academy" and schools[0].prefix == "SRA"
    assert len({s.prefix for s in schools}) == len(schools)
    assert shipped().school("SRA") is schools[0] and shipped().school("sra") is schools[0]
    with pytest.raises(NotFound):
        shipped().school("XYZ")


def test_the_walk_starts_with_immediate_danger_then_follows_the_branch() -> None:
    playbook = shipped()
    assert playbook.next_question({}).key == "immediate_danger"
    assert playbook.next_question({"immediate_danger": "no"}).key == "about"
    nudes = answered(about="nudes")
    assert playbook.next_question(nudes).key == "nudes_adult"
    staff = answered(about="staff_content", content_kind="images")
    assert playbook.next_question(staff).key == "content_author"
    assert playbook.next_question({**staff, "content_author": "pupil"}).key == (
        "content_threatening"
    )


def test_ukcis_questions_stop_at_the_first_referral_trigger() -> None:
    playbook = shipped()
    asked = answered(about="nudes", nudes_adult="no", nudes_extortion="no", nudes_coercion="yes")
    # The other referral triggers are skipped; the questions every path needs are still asked.
    assert playbook.next_question(asked).key == "nudes_immediate_risk"


def test_every_walk_ends_without_repeating_a_question(paths: list[dict[str, str]]) -> None:
    assert len(paths) > 100
    longest = max(len(p) for p in paths)
    # 15 only on the detour to the nudes questions through "inappropriate material", with the
    # child's vulnerabilities and "is someone at home the risk" (playbook 2026.12-2).
    assert longest <= 15, "a DSL should not face much more than a dozen questions"


def test_every_question_category_and_step_is_reachable(paths: list[dict[str, str]]) -> None:
    playbook = shipped()
    questions = {key for p in paths for key in p}
    assert questions == {q.key for q in playbook.questions()}
    results = [playbook.triage(p) for p in paths]
    assert {r.category for r in results} == set(playbook.categories)
    assert {s.key for r in results for s in r.steps} == set(playbook.steps)
    assert {r.risk for r in results} == set(Risk)


def test_only_unclear_concerns_fall_back_to_other(paths: list[dict[str, str]]) -> None:
    for answers in paths:
        result = shipped().triage(answers)
        if result.category in ("other_concern", "not_safeguarding"):
            assert answers["about"] == "other"


def test_every_outcome_is_sound(paths: list[dict[str, str]]) -> None:
    """Each step has a clause with policy text, each route exists, urgent means call now."""
    playbook = shipped()
    for answers in paths:
        result = playbook.triage(answers)
        keys = [s.key for s in result.steps]
        dues = [(s.due_after is None, s.due_after or timedelta(0)) for s in result.steps]
        assert dues == sorted(dues), "steps come soonest deadline first"
        assert len(keys) == len(set(keys)) and keys, answers
        for step in result.steps:
            assert step.clause and playbook.clause_text(step.clause), step.key
            assert step.route is None or step.route in playbook.routes
            assert step.actor in playbook.actors.values()
        assert all(playbook.routes[r.key] == r for r in result.routes)
        assert set(result.call_now) <= set(result.routes)
        staff_only = (
            answers.get("threat_level") == "imminent" and answers["immediate_danger"] == "no"
        )
        if result.risk is Risk.IMMEDIATE and staff_only:
            # A member of staff in danger (issue #19): 999 first, no children's social care.
            assert [r.key for r in result.call_now] == ["police"]
            assert keys[0] == "call_police_staff_now", answers
        elif result.risk is Risk.IMMEDIATE:
            assert [r.key for r in result.call_now] == ["police", "childrens_social_care"]
            assert keys[0] == "call_police_now"
            assert not {"report_police", "report_police_urgent", "report_police_now"} & set(keys)
        else:
            assert result.call_now == ()
        assert result.reasons and result.retention in playbook.retention
        assert result.is_safeguarding == (result.category != "not_safeguarding")
        if result.category == "nudes_sharing":
            assert "keep_records" not in keys and result.warnings


def test_a_stale_answer_from_another_branch_is_ignored() -> None:
    playbook = shipped()
    went_back = answered(about="nudes", child_harm="bullying", nudes_adult="yes", nudes_online="no")
    assert playbook.relevant_answers(went_back) == {
        "immediate_danger": "no",
        "about": "nudes",
        "vulnerability": "no",
        "nudes_adult": "yes",
        "nudes_online": "no",
        "family_is_risk": "no",
    }
    assert playbook.triage(went_back).category == "nudes_sharing"


def test_an_answer_that_is_not_offered_is_refused() -> None:
    with pytest.raises(UsageError, match="about") as caught:
        shipped().next_question(answered(about="Amara Bell said so"))
    assert "Amara" not in str(caught.value), "what was typed must stay out of the message"
    with pytest.raises(UsageError, match="immediate_danger"):
        shipped().triage({"immediate_danger": "maybe"})


def test_questions_explain_themselves() -> None:
    playbook = shipped()
    for question in playbook.questions():
        assert question.why and playbook.clause_text(question.clause), question.key
        assert question.kind in ("yes_no", "choice")
    warned = {q.key for q in playbook.questions() if q.warning}
    assert {"about", "inappropriate_kind", "nudes_concerning_acts"} <= warned
    for key in warned:
        text = playbook.question(key).warning
        assert "not" in text and "view" in text and "description" in text


def test_clause_text_gives_the_policy_words() -> None:
    playbook = shipped()
    assert "within 24 hours" in playbook.clause_text("9.3")
    assert "report this to the Headteacher" in playbook.clause_text("Appendix A")
    both = playbook.clause_text("10.1, KCSIE")
    assert both.startswith("10.1 ") and "LADO" in both and "disciplinary procedure" in both
    assert playbook.clause_text("99.9") == ""
    refs = [s.ref for s in playbook.policy_sections()]
    assert refs[0] == "5.1" and refs[-1] == "UK GDPR Art. 33"


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.skipif(not POLICY.exists(), reason="the policy text is outside this checkout")
def test_clause_texts_are_verbatim_from_the_policy() -> None:
    policy = _words(POLICY.read_text(encoding="utf-8"))
    sections = [s for s in shipped().policy_sections() if not s.guidance]
    wanted = {
        f"{a}.{b}"
        for a, n in [(5, 5), (6, 1), (7, 3), (8, 2), (9, 6), (10, 5)]
        for b in range(1, n + 1)
    } | {"12.1", "Appendix A"}
    assert {s.ref for s in sections} == wanted
    for section in sections:
        for line in section.text.splitlines():
            assert _words(line) in policy, (section.ref, line[:60])


def test_guidance_is_labelled_as_not_the_policy() -> None:
    for section in shipped().policy_sections():
        if section.guidance:
            assert section.text.startswith("Summary of national")


def test_routes_give_contacts_or_say_the_trust_sets_them() -> None:
    routes = shipped().routes
    assert {
        "police",
        "childrens_social_care",
        "ceop",
        "lado",
        "posh",
        "report_harmful_content",
        "iwf",
        "headteacher",
        "hr",
    } <= set(routes)
    assert "999" in routes["police"].contact and "101" in routes["police"].contact
    assert "48 hours" in routes["report_harmful_content"].not_for
    assert "bullying" in routes["ceop"].not_for.lower()
    for key in ("childrens_social_care", "lado", "headteacher", "hr"):
        assert "SET BY THE TRUST" in routes[key].contact


def test_retention_years_of_an_unknown_rule() -> None:
    with pytest.raises(NotFound):
        shipped().retention_years("forever")


def test_a_trust_loads_its_own_copy(tmp_path: Path) -> None:
    own = tmp_path / "our-playbook.toml"
    text = PLAYBOOK_PATH.read_text(encoding="utf-8").replace(
        "SET BY THE TRUST: the local authority's LADO telephone number and secure email address.",
        "LADO: 01632 960 000",
    )
    own.write_text(text, encoding="utf-8")
    playbook = load_playbook(own)
    assert playbook.routes["lado"].contact == "LADO: 01632 960 000"


def test_a_trust_can_ship_its_own_policy_text(tmp_path: Path) -> None:
    shutil.copy(data_dir() / "policy-sections.toml", tmp_path / "words.toml")
    text = (tmp_path / "words.toml").read_text(encoding="utf-8")
    (tmp_path / "words.toml").write_text(
        text.replace("i.e. within 24 hours", "i.e. same day"), encoding="utf-8"
    )
    own = tmp_path / "playbook.toml"
    own.write_text(
        'policy_text = "words.toml"\n' + PLAYBOOK_PATH.read_text(encoding="utf-8"), encoding="utf-8"
    )
    assert "same day" in load_playbook(own).clause_text("9.3")


# Slow since playbook 2026.12-2 (about 30,000 paths, one to two minutes under load): out of the
# quick loop (-m "not slow"); CI runs it. The single-side properties stay in the quick loop.
@pytest.mark.slow
def test_lint_finds_nothing_wrong_in_the_shipped_playbook() -> None:
    report = lint(shipped())
    assert report.problems == ()
    # Two sides of a concern ask both sides' questions: still well under twenty.
    assert report.paths > 100 and report.longest <= 22


@pytest.mark.slow  # the whole playbook is walked (tens of seconds)
def test_lint_finds_a_category_hidden_behind_a_broader_rule() -> None:
    raw = raw_playbook()
    raw["category_rules"].insert(1, {"when": "about=child_online", "category": "online_bullying"})
    raw["steps"]["never_used"] = {"title": "Unused", "actor": "dsl", "clause": "7.1"}
    problems = lint(parse_playbook(raw)).problems
    assert "No path ends in the category 'grooming_exploitation'." in problems
    assert "No path gives the step 'never_used'." in problems
    assert "No path asks the question 'child_harm'." not in problems


_ANSWERS = st.dictionaries(
    st.sampled_from([q.key for q in shipped().questions()]),
    st.sampled_from(
        [
            "yes",
            "no",
            "bullying",
            "nudes",
            "staff_conduct",
            "pupil",
            "child_imagery",
            "pupil_contact",
            "friend_request",
            "other",
            "grooming",
        ]
    ),
)


@settings(max_examples=200, deadline=None)
@given(_ANSWERS)
def test_any_partial_answers_give_a_next_question_or_a_result(answers: dict[str, str]) -> None:
    playbook = shipped()
    try:
        relevant = playbook.relevant_answers(answers)
    except UsageError:
        return  # an answer the question does not offer; the wizard never sends one
    question = playbook.next_question(answers)
    assert question is None or question.key not in relevant
    result = playbook.triage(answers)
    assert result.category in playbook.categories and result.steps
    assert result == playbook.triage(relevant)
