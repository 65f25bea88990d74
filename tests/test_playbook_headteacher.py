"""A concern about the headteacher goes to the chair of governors (KCSIE Part 4), and records
are kept by the rule for what triage found (an allegation, a conduct record, a child's record)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from helpers_playbook import answered, raw_playbook, sections, shipped

from dsl_tui.casebook import Casebook
from dsl_tui.errors import PlaybookInvalid
from dsl_tui.model import ConcernReport, NewPerson, PersonRole
from dsl_tui.playbook import parse_playbook

HEAD_ACTORS = {"Headteacher", "Senior manager"}
LEWD = dict(breach_kind="lewd", involves_children="yes", harm_threshold="yes",
            breach_unlawful="no")  # fmt: skip


def test_staff_paths_ask_whether_the_subject_is_the_headteacher() -> None:
    playbook = shipped()
    for about in ("staff_conduct", "staff_content", "work_account", "pupil_contact"):
        answers = {"immediate_danger": "no", "about": about}
        assert playbook.next_question(answers).key == "subject_is_head", about
    child = {"immediate_danger": "no", "about": "child_online"}
    assert playbook.next_question(child).key == "child_harm"


def test_about_the_headteacher_the_chair_of_governors_takes_their_steps() -> None:
    playbook = shipped()
    usual = playbook.triage(answered(about="staff_conduct", **LEWD))
    head = playbook.triage(answered(about="staff_conduct", subject_is_head="yes", **LEWD))
    assert HEAD_ACTORS & {s.actor for s in usual.steps}
    assert not HEAD_ACTORS & {s.actor for s in head.steps}
    chair = playbook.actors["chair_of_governors"]
    moved = [s for s in head.steps if s.actor == chair]
    assert {s.key for s in moved} >= {"disciplinary_investigation", "hr_advice"}
    assert all(s.actor_key == "chair_of_governors" for s in moved)
    assert "chair_of_governors" in {r.key for r in head.routes}
    assert "headteacher" not in {r.key for r in head.routes}
    assert any("KCSIE Part 4" in reason for reason in head.reasons)


def test_titles_naming_the_headteacher_read_correctly() -> None:
    playbook = shipped()
    usual = {s.key: s for s in playbook.triage(answered(about="staff_conduct", **LEWD)).steps}
    head = {
        s.key: s
        for s in playbook.triage(
            answered(about="staff_conduct", subject_is_head="yes", **LEWD)
        ).steps
    }
    assert usual["tell_headteacher_breach"].title == "Tell the headteacher"
    assert head["tell_headteacher_breach"].title == "Tell the chair of governors or trust CEO"
    assert head["tell_headteacher_breach"].route == "chair_of_governors"
    assert "chair of governors" in head["refer_lado"].detail
    for step in head.values():
        assert "headteacher" not in step.title.lower() and "{" not in step.title, step.key
    assert "{" not in "".join(s.title + s.detail for s in playbook.steps.values())


def test_low_level_concern_about_the_head_is_shared_with_the_chair() -> None:
    answers = answered(about="staff_conduct", subject_is_head="yes",
                       **{**LEWD, "harm_threshold": "no"})  # fmt: skip
    steps = {s.key: s for s in shipped().triage(answers).steps}
    assert steps["low_level_concern"].title.endswith("with the chair of governors or trust CEO")


def test_an_actor_rule_naming_an_unknown_actor_is_refused() -> None:
    raw = raw_playbook()
    rules = raw["actor_rules"]
    assert isinstance(rules, list)
    rules[0]["replace"] = {"headteacher": "chair"}
    with pytest.raises(PlaybookInvalid, match='"chair" is not a known actor'):
        parse_playbook(raw, sections=sections())


def test_a_title_naming_an_unknown_actor_is_refused() -> None:
    raw = raw_playbook()
    steps = raw["steps"]
    assert isinstance(steps, dict)
    steps["refer_lado"]["title"] = "Refer with the {headteacher_x}"
    with pytest.raises(PlaybookInvalid, match="headteacher_x"):
        parse_playbook(raw, sections=sections())


# --- retention by what triage found ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "rule"),
    [
        (answered(about="child_online", child_harm="bullying"), "child_protection"),
        (answered(about="nudes", nudes_adult="yes", nudes_online="no"), "sexual_abuse"),
        (answered(about="staff_conduct", **LEWD), "staff_allegation"),
        (answered(about="staff_conduct", **{**LEWD, "harm_threshold": "no"}),
         "staff_conduct_record"),
        (answered(about="staff_conduct", breach_kind="copyright", involves_children="no",
                  breach_unlawful="no"), "staff_conduct_record"),
        (answered(about="staff_conduct", breach_kind="lesson_use", involves_children="no",
                  breach_unlawful="no"), "staff_conduct_record"),
        (answered(about="pupil_contact", contact_sender="pupil", contact_concerning="no",
                  staff_replied="yes", harm_threshold="yes"), "staff_allegation"),
        (answered(about="other", other_risk="no"), "general"),
    ],
    ids=["child", "sexual", "allegation", "low-level", "copyright", "lesson-use",
         "pupil-contact-allegation", "not-safeguarding"],
)  # fmt: skip
def test_retention_follows_what_triage_found(answers: dict[str, str], rule: str) -> None:
    assert shipped().triage(answers).retention == rule


def test_every_retention_rule_cites_its_source() -> None:
    for rule in shipped().retention.values():
        assert rule.source, rule.key
    assert "KCSIE" in shipped().retention["staff_allegation"].source
    assert "Part 4 Section 2" in shipped().retention["staff_conduct_record"].source


def staff_case(casebook: Casebook, answers: dict[str, str]) -> date | None:
    """Log a staff case with a member of staff born in 1980; its review date."""
    report = ConcernReport(
        school="sra", reporter="Ines Okafor", summary="A post by a member of staff.",
        people=(NewPerson(PersonRole.STAFF, "Tobias Wren", date_of_birth=date(1980, 5, 1)),),
    )  # fmt: skip
    return casebook.log_concern(report, answers).review_on


def test_an_allegation_is_kept_to_pension_age_and_a_conduct_record_is_not() -> None:
    casebook = Casebook.in_memory(clock=lambda: datetime(2026, 3, 2, 9, tzinfo=UTC))
    allegation = staff_case(casebook, answered(about="staff_conduct", **LEWD))
    copyright_ = staff_case(
        casebook,
        answered(about="staff_conduct", breach_kind="copyright", involves_children="no",
                 breach_unlawful="no"),
    )  # fmt: skip
    assert allegation == date(2047, 5, 1)  # born 1980 + pension age 67, longer than 10 years
    assert copyright_ == date(2032, 3, 2)  # the trust's placeholder: 6 years from the concern


def test_two_sides_keep_the_longest_of_their_rules() -> None:
    casebook = Casebook.in_memory(clock=lambda: datetime(2026, 3, 2, 9, tzinfo=UTC))
    both = answered(about="child_online+staff_conduct", child_harm="bullying", **LEWD)
    # The child's record (no pupil's birth date known: 25 years from the report) outlasts the
    # allegation's (pension age, 2047); on its own the staff side would give 2047.
    assert staff_case(casebook, both) == date(2051, 3, 2)


def test_a_case_stored_before_retention_rules_still_opens_and_keeps_its_rule() -> None:
    from tinydb.operations import delete

    clock = lambda: datetime(2026, 3, 2, 9, tzinfo=UTC)  # noqa: E731
    casebook = Casebook.in_memory(clock=clock)
    old_answers = {"immediate_danger": "no", "about": "staff_conduct", **LEWD}  # no subject
    case = casebook.log_concern(
        ConcernReport(school="sra", reporter="Ines Okafor", summary="An older case."), old_answers
    )
    # What an older version stored: no list of rules, one "retention" key.
    casebook.db.table("cases").update(delete("retention_rules"))
    assert "retention_rules" not in casebook.db.table("cases").all()[0]
    reopened = Casebook(casebook.db, casebook.playbook, "Ines Okafor", clock=clock)
    assert reopened.case(case.id).category == case.category
    born = NewPerson(PersonRole.STAFF, "Tobias Wren", date_of_birth=date(1980, 5, 1))
    assert reopened.add_person(case.id, born).review_on == date(2047, 5, 1)
