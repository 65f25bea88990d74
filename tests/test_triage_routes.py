"""Issue #12: triage that holds up on real cases.

Each scenario is a fictional concern a DSL meets, answered as the DSL would answer it; the test
checks the category, risk, steps present and absent, routes, calls to make now and warnings. Then
properties that must hold on every path through the wizard, and a check that every step cites a
clause that exists and is about what the step does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from pathlib import Path

import pytest
from helpers_playbook import answered, shipped

from dsl_tui.model import Risk, TriageResult
from dsl_tui.playbook.lint import every_path

POLICY = Path("/work/shared/policy/social-media-policy.txt")

#: Steps that belong to a disciplinary route (10.1-10.4, 5.3 removal, content taken down).
DISCIPLINARY = {
    "tell_headteacher_breach",
    "disciplinary_investigation",
    "seriousness_assessment",
    "hr_advice",
    "disciplinary_outcome",
    "remove_contacts",
    "content_taken_down",
}
#: The nudes questions every path asks, answered "no" unless a scenario says otherwise.
NUDES_NO = {
    "nudes_extortion": "no",
    "nudes_immediate_risk": "no",
    "nudes_shared_onward": "no",
    "nudes_ai_made": "no",
    "nudes_online": "no",
}
NUDES_NO_TRIGGER = {
    "nudes_adult": "no",
    "nudes_coercion": "no",
    "nudes_concerning_acts": "no",
    "nudes_under_13": "no",
}


@dataclass(frozen=True)
class Scenario:
    """A fictional concern: the DSL's answers, and what triage must give."""

    id: str
    answers: dict[str, str]
    category: str
    risk: Risk
    present: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    call_now: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    due: dict[str, timedelta] = field(default_factory=dict)


def nudes(**more: str) -> dict[str, str]:
    """Answers on the nudes branch: no trigger and nothing else unless given."""
    return dict(answered(about="nudes", **{**NUDES_NO, **NUDES_NO_TRIGGER, **more}))


def conduct(kind: str, **more: str) -> dict[str, str]:
    """Answers about a member of staff's own use of social media."""
    return dict(answered(about="staff_conduct", breach_kind=kind, **more))


SCENARIOS: list[Scenario] = [
    # 1. Extremism and Prevent ----------------------------------------------------------------
    Scenario(
        # A Year 10 pupil shares a banned group's video in a class chat and says the attack it
        # shows was "deserved"; the video is still up on a public channel.
        "prevent-support-for-violence",
        dict(
            answered(
                about="child_online",
                child_harm="extremism",
                extremism_violence="yes",
                extremist_content_online="yes",
            )
        ),
        "extremism_radicalisation",
        Risk.HIGH,
        present=("prevent_referral_decision", "report_act", "csc_referral_decision"),
        absent=("behaviour_policy_bullying", "report_to_platform", "check_platform_removal"),
        routes=("prevent", "act"),
        warnings=("Prevent", "never the behaviour policy alone", "never download"),
        due={"prevent_referral_decision": timedelta(days=1)},
    ),
    Scenario(
        # A Year 8 pupil was shown extremist memes by an older cousin; no support for violence.
        "prevent-material-seen-only",
        dict(
            answered(
                about="child_online",
                child_harm="inappropriate",
                inappropriate_kind="extremist",
                extremism_violence="no",
                extremist_content_online="no",
            )
        ),
        "extremism_radicalisation",
        Risk.MEDIUM,
        present=("prevent_referral_decision", "speak_to_child"),
        absent=("report_act", "behaviour_policy_bullying"),
        routes=("prevent",),
    ),
    # 2. Nudes and semi-nudes (UKCIS 2024) -----------------------------------------------------
    Scenario(
        # A Year 9 pupil's image, sent to a boyfriend, was passed round a year-group chat.
        "ukcis-passed-round-by-pupils",
        nudes(nudes_shared_onward="pupils"),
        "nudes_sharing",
        Risk.HIGH,
        present=(
            "refer_csc_now",
            "report_police_now",
            "offer_report_remove",
            "child_on_child_risk_assessment",
            "pupils_behaviour_nudes",
            "support_child",
        ),
        absent=("csc_referral_decision", "ukcis_school_response", "report_iwf", "keep_records"),
        routes=("police", "childrens_social_care", "report_remove"),
    ),
    Scenario(
        # A pupil used a "nudify" app on a classmate's holiday photo and showed it to friends.
        "ukcis-ai-made-by-a-pupil",
        nudes(nudes_ai_made="pupils", nudes_shared_onward="pupils"),
        "nudes_sharing",
        Risk.HIGH,
        present=("refer_csc_now", "child_on_child_risk_assessment", "offer_report_remove"),
        absent=("csc_referral_decision",),
        warnings=("made or altered with AI is treated exactly as real imagery",),
    ),
    Scenario(
        # An "online girlfriend" demands £200 from a Year 11 boy or she shares his image.
        "ukcis-financial-sexual-extortion",
        nudes(nudes_adult="no", nudes_extortion="yes"),
        "nudes_sharing",
        Risk.HIGH,
        present=("report_police_now", "report_ceop", "refer_csc_now", "offer_report_remove"),
        absent=("csc_referral_decision", "ukcis_school_response"),
        routes=("police", "ceop"),
        warnings=(
            "never to pay",
            "stop all contact",
            "not to delete the account or the messages",
            "username",
            "payment details",
        ),
    ),
    Scenario(
        # The same extortion, and the boy told his form tutor he wants to end his life tonight.
        "ukcis-extortion-and-suicidal-today",
        nudes(nudes_adult="no", nudes_extortion="yes", nudes_immediate_risk="yes"),
        "nudes_sharing",
        Risk.IMMEDIATE,
        present=("call_police_now", "refer_csc_now", "report_ceop"),
        absent=("report_police_now", "csc_referral_decision"),
        call_now=("police", "childrens_social_care"),
        warnings=("must not be left alone", "never to pay"),
    ),
    Scenario(
        # Two Year 11 pupils (both 16) exchanged images; nothing else; not online.
        "ukcis-school-managed-still-offers-report-remove",
        nudes(),
        "nudes_sharing",
        Risk.MEDIUM,
        present=("ukcis_school_response", "offer_report_remove", "describe_imagery"),
        absent=("report_iwf", "refer_csc_now", "child_on_child_risk_assessment"),
        routes=("report_remove",),
    ),
    Scenario(
        # The image turned up on a website: the IWF takes the address as well.
        "ukcis-found-at-a-web-address",
        nudes(nudes_online="yes"),
        "nudes_sharing",
        Risk.MEDIUM,
        present=("report_iwf", "offer_report_remove"),
        routes=("iwf", "report_remove"),
    ),
    # 3. The LADO from every path --------------------------------------------------------------
    Scenario(
        # A youth football coach messages a Year 7 pupil on Snapchat, asking to keep it secret.
        "lado-grooming-by-a-coach",
        dict(
            answered(
                about="child_online",
                child_harm="grooming",
                contact_offline="no",
                adult_works_with_children="yes",
            )
        ),
        "grooming_exploitation",
        Risk.HIGH,
        present=("report_police_urgent", "report_ceop", "refer_lado"),
        routes=("lado", "police", "ceop"),
        warnings=("LADO",),
        due={"refer_lado": timedelta(days=1)},
    ),
    Scenario(
        # A supply teacher asked a pupil for photos over a gaming chat.
        "lado-nudes-asked-for-by-supply-teacher",
        nudes(nudes_adult="yes", adult_works_with_children="yes"),
        "nudes_sharing",
        Risk.HIGH,
        present=("refer_lado", "report_ceop", "report_police_now", "refer_csc_now"),
        absent=("csc_referral_decision",),
    ),
    Scenario(
        # A teaching assistant sends a pupil mocking messages; the DSL judges the threshold met.
        "lado-bullying-by-a-teaching-assistant",
        dict(
            answered(
                about="child_online",
                child_harm="bullying",
                adult_involved="yes",
                adult_works_with_children="yes",
                harm_threshold="yes",
                bullying_serious="no",
                perpetrator_pupils="no",
                still_online="no",
            )
        ),
        "online_bullying",
        Risk.HIGH,
        present=("refer_lado", "report_police", "csc_referral_decision"),
        absent=("low_level_concern",),
    ),
    Scenario(
        # A parent's post claims a named teacher "grabbed" their child in the corridor.
        "lado-post-alleging-harm-by-a-teacher",
        dict(
            answered(
                about="staff_content",
                content_kind="inaccurate",
                content_author="parent",
                content_threatening="no",
                content_alleges_harm="yes",
                harm_threshold="yes",
            )
        ),
        "staff_content",
        Risk.HIGH,
        present=("refer_lado", "report_senior_manager", "ask_host_removal", "offer_staff_support"),
        routes=("lado",),
        due={"report_senior_manager": timedelta(0)},
    ),
    # 4. Staff support (9.6) ------------------------------------------------------------------
    Scenario(
        # A teacher's old lewd post resurfaced and she is now being piled on by strangers.
        "9.6-conduct-case-where-staff-is-also-targeted",
        conduct("lewd", involves_children="no", breach_unlawful="no", staff_also_targeted="yes"),
        "breach_lewd",
        Risk.LOW,
        present=("offer_staff_support", "disciplinary_investigation"),
        absent=("offer_support_staff_subject",),
    ),
    Scenario(
        # A teacher posted about a colleague's divorce: a conduct matter, support offered.
        "9.6-support-for-the-staff-member-in-question",
        conduct(
            "confidential",
            personal_data="no",
            involves_children="no",
            breach_unlawful="no",
            staff_also_targeted="no",
        ),
        "breach_confidential",
        Risk.LOW,
        present=("offer_support_staff_subject", "disciplinary_investigation"),
    ),
    # 5. Data protection ----------------------------------------------------------------------
    Scenario(
        # A spreadsheet of pupils' names and medical needs was posted in a parents' WhatsApp group.
        "gdpr-spreadsheet-in-parents-group",
        dict(answered(about="data_breach", data_child_risk="no")),
        "data_breach",
        Risk.LOW,
        present=("tell_dpo_now", "ico_report_decision"),
        absent=("low_level_concern", "refer_lado", *DISCIPLINARY),
        due={"tell_dpo_now": timedelta(0), "ico_report_decision": timedelta(hours=72)},
    ),
    Scenario(
        # A teacher posted a class photo naming a child in care whose address must stay secret.
        "gdpr-staff-post-names-a-child-who-must-not-be-found",
        conduct(
            "confidential",
            personal_data="yes",
            data_child_risk="yes",
            harm_threshold="no",
            breach_unlawful="no",
            staff_also_targeted="no",
        ),
        "data_breach",
        Risk.HIGH,
        present=(
            "tell_dpo_now",
            "ico_report_decision",
            "csc_referral_decision",
            "disciplinary_investigation",
            "content_taken_down",
            "low_level_concern",
        ),
    ),
    # 6. Contact that is not a breach ---------------------------------------------------------
    Scenario(
        # A parent sent a teacher a Facebook friend request; she did not accept it.
        "5.3-parent-request-only-received",
        conduct("friend_request", friend_with="parent", friend_accepted="no"),
        "contact_not_breach",
        Risk.LOW,
        present=("advise_staff_contact", "record_contact"),
        absent=(*DISCIPLINARY, "offer_support_staff_subject", "low_level_concern"),
    ),
    Scenario(
        # A former pupil, now 19, follows and messages a teacher on Instagram.
        "5.3-former-pupil-now-19-messages-a-teacher",
        dict(
            answered(
                about="pupil_contact", contact_sender="former_pupil_adult", contact_concerning="no"
            )
        ),
        "contact_not_breach",
        Risk.LOW,
        present=("advise_staff_contact", "record_contact"),
        absent=(*DISCIPLINARY, "report_to_headteacher_contact"),
    ),
    Scenario(
        # A teacher accepted a Year 12 pupil's friend request: still a 5.3 breach.
        "5.3-pupil-request-accepted-is-a-breach",
        conduct(
            "friend_request",
            friend_with="pupil",
            friend_accepted="yes",
            harm_threshold="no",
            breach_unlawful="no",
            staff_also_targeted="no",
        ),
        "breach_friend_request",
        Risk.MEDIUM,
        present=("remove_contacts", "disciplinary_investigation", "low_level_concern"),
    ),
    # 7. Deadlines as the clauses say ---------------------------------------------------------
    Scenario(
        # A pupil posted an edited photo of a teacher on TikTok.
        "8.1-immediately-and-9.3-removed-within-24-hours",
        dict(
            answered(
                about="staff_content",
                content_kind="images",
                content_author="pupil",
                content_threatening="no",
                content_alleges_harm="no",
            )
        ),
        "staff_content",
        Risk.MEDIUM,
        present=("report_senior_manager", "ask_host_removal", "check_removal"),
        due={
            "report_senior_manager": timedelta(0),
            "ask_host_removal": timedelta(hours=24),
            "check_removal": timedelta(hours=48),
        },
    ),
    # 8. Self-harm today ----------------------------------------------------------------------
    Scenario(
        # A pupil in a "challenge" group chat says she will cut herself tonight.
        "self-harm-today-is-immediate",
        dict(
            answered(
                about="child_online",
                child_harm="encouraging",
                adult_involved="no",
                acted_on_it="no",
                harm_today="yes",
                still_online="no",
            )
        ),
        "encouraging_harm",
        Risk.IMMEDIATE,
        present=("call_police_now", "refer_csc_now", "safety_assessment"),
        absent=("csc_referral_decision",),
        call_now=("police", "childrens_social_care"),
        warnings=("must not be left alone",),
    ),
]


@pytest.mark.parametrize("case", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_triage_of_a_real_case(case: Scenario) -> None:
    playbook = shipped()
    assert playbook.next_question(case.answers) is None, "the answers must complete triage"
    result = playbook.triage(case.answers)
    assert (result.category, result.risk) == (case.category, case.risk)
    steps = {s.key: s for s in result.steps}
    assert set(case.present) <= set(steps), set(case.present) - set(steps)
    assert not set(case.absent) & set(steps), set(case.absent) & set(steps)
    assert set(case.routes) <= {r.key for r in result.routes}
    assert tuple(r.key for r in result.call_now) == case.call_now
    for words in case.warnings:
        assert any(words.lower() in w.lower() for w in result.warnings), words
    for key, due in case.due.items():
        assert steps[key].due_after == due, key


def test_routes_for_prevent_act_and_report_remove() -> None:
    routes = shipped().routes
    assert routes["prevent"].contact.startswith("SET BY THE TRUST")
    assert "gov.uk/report-terrorism" in routes["act"].contact
    assert "childline.org.uk/remove" in routes["report_remove"].contact
    assert "whether or not it is online" in routes["report_remove"].when


def test_decisions_are_recorded_with_reasons() -> None:
    steps = shipped().steps
    choices = {n.key: n.choices for s in steps.values() for n in s.needs}
    assert choices["prevent_decision"] == ("referred", "not referred")
    assert "prevent_reason" in {n.key for n in steps["prevent_referral_decision"].needs}
    assert choices["ico_decision"] == ("reported", "not reported")
    assert "ico_reason" in {n.key for n in steps["ico_report_decision"].needs}
    for key in ("staff_support", "subject_support"):
        assert choices[key] == ("offered", "accepted", "declined")


# --- properties over every path -------------------------------------------------------------


@cache
def outcomes() -> tuple[tuple[dict[str, str], TriageResult], ...]:
    """Every complete set of answers the wizard can produce, with its triage."""
    playbook = shipped()
    return tuple((answers, playbook.triage(answers)) for answers in every_path(playbook))


def keys(result: TriageResult) -> set[str]:
    """The keys of a result's steps."""
    return {s.key for s in result.steps}


def test_every_path_ends_with_a_step() -> None:
    assert len(outcomes()) > 1000
    for answers, result in outcomes():
        assert result.steps, answers


def test_no_path_both_refers_now_and_decides_whether_to_refer() -> None:
    for answers, result in outcomes():
        assert not {"refer_csc_now", "csc_referral_decision"} <= keys(result), answers


def test_contact_that_is_not_a_breach_has_no_disciplinary_steps() -> None:
    seen = 0
    for answers, result in outcomes():
        if result.category == "contact_not_breach":
            seen += 1
            assert not DISCIPLINARY & keys(result), answers
            assert {"advise_staff_contact", "record_contact"} <= keys(result)
    assert seen


def test_every_serious_child_case_goes_to_police_or_social_care() -> None:
    playbook = shipped()
    for answers, result in outcomes():
        group = playbook.categories[result.category].group
        child = group in ("child_online", "nudes") or answers.get("data_child_risk") == "yes"
        if child and result.risk in (Risk.HIGH, Risk.IMMEDIATE):
            agencies = {s.route for s in result.steps} & {"police", "childrens_social_care"}
            assert agencies, answers


def test_a_child_who_means_to_harm_themselves_today_is_immediate_whatever_else() -> None:
    seen = 0
    for answers, result in outcomes():
        if "yes" in (answers.get("harm_today"), answers.get("nudes_immediate_risk")):
            seen += 1
            assert result.risk is Risk.IMMEDIATE, answers
            assert [r.key for r in result.call_now] == ["police", "childrens_social_care"]
    assert seen


def test_nudes_paths_always_ask_the_questions_that_change_the_outcome() -> None:
    for answers, result in outcomes():
        if result.category == "nudes_sharing":
            for key in ("nudes_immediate_risk", "nudes_extortion", "nudes_shared_onward"):
                assert key in answers, (key, answers)
            assert "offer_report_remove" in keys(result)
            assert ("report_iwf" in keys(result)) == (answers["nudes_online"] == "yes")


def test_extremism_is_never_a_behaviour_matter_alone() -> None:
    for answers, result in outcomes():
        if result.category == "extremism_radicalisation":
            assert "prevent_referral_decision" in keys(result), answers
            assert "behaviour_policy_bullying" not in keys(result)


def test_an_adult_who_works_with_children_reaches_the_lado_or_the_threshold_question() -> None:
    seen = 0
    for answers, result in outcomes():
        if answers.get("adult_works_with_children") != "yes":
            continue
        seen += 1
        # Grooming, trying to meet a child, or sexual imagery: the threshold is met as it stands.
        offence = answers.get("child_harm") in ("grooming", "locate_meet")
        if offence or answers.get("nudes_adult") == "yes":
            assert "refer_lado" in keys(result), answers
        else:
            assert "harm_threshold" in answers, answers
        if answers.get("harm_threshold") == "yes":
            assert "refer_lado" in keys(result)
    assert seen


def test_staff_who_are_targeted_or_whose_conduct_is_in_question_are_offered_support() -> None:
    playbook = shipped()
    for answers, result in outcomes():
        group = playbook.categories[result.category].group
        if group == "staff_targeted" or answers.get("staff_also_targeted") == "yes":
            assert "offer_staff_support" in keys(result), answers
        if answers.get("about") == "staff_conduct" and result.category not in (
            "contact_not_breach",
            "pupil_contact",
        ):
            assert keys(result) & {"offer_staff_support", "offer_support_staff_subject"}, answers


def test_a_data_breach_is_not_a_low_level_concern_when_no_child_is_at_risk() -> None:
    for answers, result in outcomes():
        if result.category == "data_breach":
            assert {"tell_dpo_now", "ico_report_decision"} <= keys(result)
            if answers.get("data_child_risk") == "no":
                assert not {"low_level_concern", "refer_lado"} & keys(result), answers


# --- citations that fit (issue #12, item 12) ------------------------------------------------

#: What a step citing each clause must be about: every pattern in the tuple must match the step's
#: title or detail (alternatives inside one pattern with "|"). A new clause needs a row here.
CLAUSE_WORDS: dict[str, tuple[str, ...]] = {
    "5.3": (r"friend|contact|parent",),
    "6.1": (r"child|pupil|ceop|platform|online",),
    "7.1": (r"assess|concern|safeguarding",),
    "7.2": (r"police|social care|999|headteacher|child",),
    "7.3": (r"work account|block",),
    "8.1": (r"senior manager",),
    "8.2": (r"record|keep",),
    "9.1": (r"investigat",),
    "9.2": (r"behaviour policy",),
    "9.3": (r"remov|take it down|taken down|amend",),
    "9.4": (r"check|\bisp\b",),
    "9.5": (r"police", r"consent"),
    "9.6": (r"support",),
    "10.1": (r"investigat",),
    "10.2": (r"seriousness|nature|recirculation",),
    "10.3": (r"\bhr\b",),
    "10.4": (r"outcome|disciplinary",),
    "10.5": (r"police",),
    "12.1": (r"data",),
    "Appendix A": (r"headteacher|pupil|personal profile|school accounts",),
    "UKCIS 2024": (r"imagery|image|nude|ukcis|review",),
    "KCSIE 2025 Part 4": (r"lado|low-level|allegation|harm threshold",),
    "KCSIE 2025 Part 5": (r"child-on-child|behaviour policy",),
    "KCSIE 2025 Annex B": (r"prevent|channel|radicalis",),
    "Prevent duty guidance 2023": (r"prevent|\bact\b|terroris|extremis",),
    "UK GDPR Art. 33": (r"\bico\b|data protection officer|data breach",),
    "KCSIE 2025 Part 1": (r"child|parent|adult|safety plan",),
    "KCSIE 2025 Part 2": (r"social worker|virtual school|fraud|gambling",),
    "KCSIE 2025 Annex B exploitation": (r"national referral mechanism|exploit|modern slavery",),
    "KCSIE 2025 Annex B mental health": (r"camhs|school nurse|mental health",),
    "KCSIE 2025 Annex B missing education": (r"absence|missing",),
    "Forced marriage guidance 2023": (r"forced marriage",),
    "HSWA 1974 s.2": (r"member of staff", r"police|told|tell"),
}


def _refs(clause: str) -> list[str]:
    return [part.strip() for part in clause.split(",") if part.strip()]


def test_every_step_cites_a_clause_that_exists() -> None:
    playbook = shipped()
    known = {s.ref: s for s in playbook.policy_sections()}
    policy = POLICY.read_text(encoding="utf-8") if POLICY.exists() else None
    for step in playbook.steps.values():
        for ref in _refs(step.clause):
            assert ref in known, (step.key, ref)
            if policy is not None and not known[ref].guidance:
                assert ref in policy, (step.key, ref)


def test_every_step_is_about_what_its_clause_asks_for() -> None:
    for step in shipped().steps.values():
        words = f"{step.title} {step.detail}".lower()
        for ref in _refs(step.clause):
            assert ref in CLAUSE_WORDS, f"{step.key} cites {ref}: add it to CLAUSE_WORDS"
            for pattern in CLAUSE_WORDS[ref]:
                assert re.search(pattern, words), f"{step.key} cites {ref} but is not about it"


# --- issue #19: breadth and calibration against KCSIE 2025 -----------------------------------

#: Categories about sexual abuse of a child: the only ones where CEOP may be proposed.
SEXUAL = {"grooming_exploitation", "nudes_sharing", "sexual_harassment"}
#: Steps that get content taken down, one per kind of content.
TAKEDOWN = {"report_to_platform", "report_act", "report_iwf", "ask_host_removal"}
SAME_DAY = timedelta(hours=4)


def _child(result: TriageResult) -> bool:
    return shipped().categories[result.category].group in ("child_online", "nudes")


def test_no_child_path_proposes_ceop_unless_the_category_is_sexual() -> None:
    seen = 0
    for answers, result in outcomes():
        ceop = "report_ceop" in keys(result) or "ceop" in {r.key for r in result.routes}
        if _child(result) and ceop:
            seen += 1
            assert result.category in SEXUAL, answers
    assert seen


def test_every_high_or_immediate_child_path_speaks_to_the_child_the_same_day() -> None:
    seen = 0
    for answers, result in outcomes():
        if _child(result) and result.risk in (Risk.HIGH, Risk.IMMEDIATE):
            seen += 1
            steps = {s.key: s for s in result.steps}
            for key in ("speak_to_child", "safety_assessment"):
                due = steps[key].due_after
                assert due is not None and due <= SAME_DAY, (key, answers)
            parents = steps.get("tell_parents_decision") or steps["which_adult_told"]
            assert parents.due_after is not None and parents.due_after <= SAME_DAY, answers
    assert seen > 1000


def test_at_immediate_risk_the_calls_come_before_everything_else() -> None:
    for answers, result in outcomes():
        if result.risk is Risk.IMMEDIATE:
            first = result.steps[0]
            assert first.key in ("call_police_now", "call_police_staff_now"), answers
            assert first.due_after == timedelta(0)
            later = [s for s in result.steps if s.key in ("speak_to_child", "safety_assessment")]
            assert all(s.due_after and s.due_after > timedelta(hours=1) for s in later)


def test_every_path_with_content_online_has_a_takedown_step() -> None:
    seen = 0
    for answers, result in outcomes():
        online = "yes" in (
            answers.get("still_online"),
            answers.get("extremist_content_online"),
            answers.get("nudes_online"),
        )
        if online or answers.get("about") == "staff_content":
            seen += 1
            assert TAKEDOWN & keys(result), answers
    assert seen


def test_content_still_online_is_asked_wherever_a_child_harm_can_be_posted() -> None:
    playbook = shipped()
    harms = {c.key for c in playbook.question("child_harm").choices}
    asked = {a["child_harm"] for a, _ in outcomes() if "still_online" in a}
    assert asked == harms - {"extremism"}, "extremism asks about ACT reporting instead"
    assert {"grooming", "locate_meet"} <= asked


def test_a_child_with_a_social_worker_has_them_told() -> None:
    seen = 0
    for answers, result in outcomes():
        chosen = set(answers.get("vulnerability", "no").split("+"))
        if _child(result) and chosen & {"looked_after", "cp_cin_plan"}:
            seen += 1
            assert "tell_social_worker" in keys(result), answers
            assert ("tell_virtual_school_head" in keys(result)) == ("looked_after" in chosen)
    assert seen


def test_where_someone_at_home_is_the_risk_telling_parents_is_a_decision_on_who() -> None:
    seen = 0
    for answers, result in outcomes():
        family = (
            answers.get("family_is_risk") == "yes"
            or answers.get("locate_who") == "family"
            or answers.get("child_harm") in ("domestic_abuse", "honour_based")
        )
        if _child(result) and family:
            seen += 1
            assert "which_adult_told" in keys(result), answers
            assert "tell_parents_decision" not in keys(result), answers
    assert seen


@pytest.mark.parametrize(
    ("vulnerability", "words"),
    [
        ("looked_after", "looked after"),
        ("cp_cin_plan", "child protection or child in need plan"),
        ("previously_looked_after", "previously looked after"),
        ("known_to_social_care", "known to children's social care"),
        ("send", "special educational needs"),
        ("young_carer", "young carer"),
        ("under_13", "under 13"),
    ],
)
def test_each_vulnerability_raises_the_risk_and_says_why(vulnerability: str, words: str) -> None:
    base = dict(
        answered(
            about="child_online",
            child_harm="bullying",
            adult_involved="no",
            bullying_serious="no",
            perpetrator_pupils="no",
        )
    )
    plain = shipped().triage(base)
    raised = shipped().triage({**base, "vulnerability": vulnerability})
    assert (plain.risk, raised.risk) == (Risk.MEDIUM, Risk.HIGH)
    assert any(words in r.lower() for r in raised.reasons), raised.reasons
    # Raised once, however many apply, and never to "immediate" by vulnerability alone.
    every = "+".join(c.key for c in shipped().question("vulnerability").choices[1:])
    assert shipped().triage({**base, "vulnerability": every}).risk is Risk.HIGH


def test_knowing_where_the_child_goes_to_school_is_not_a_999_call_by_itself() -> None:
    answers = dict(
        answered(
            about="child_online",
            child_harm="grooming",
            contact_offline="no",
            location_known="yes",
            adult_works_with_children="no",
        )
    )
    result = shipped().triage(answers)
    assert result.risk is Risk.HIGH and result.call_now == ()
    assert {"report_police_urgent", "safety_assessment", "report_ceop"} <= keys(result)
    assert shipped().triage({**answers, "contact_offline": "yes"}).risk is Risk.IMMEDIATE


def test_a_staff_member_in_danger_is_not_left_to_consent() -> None:
    for answers, result in outcomes():
        level = answers.get("threat_level")
        if level in ("imminent", "specific"):
            assert "staff_consent_police" not in keys(result), answers
            assert "tell_staff_now" in keys(result)
            police = {"call_police_staff_now", "report_police_staff_today"} & keys(result)
            assert police, answers
        if level == "general":
            assert "staff_consent_police" in keys(result)


def test_urgency_follows_the_risk_in_the_playbook_not_in_code() -> None:
    """The same step is due later at medium risk and sooner at high (``due_by_risk``)."""
    playbook = shipped()
    medium = dict(
        answered(
            about="child_online",
            child_harm="bullying",
            adult_involved="no",
            bullying_serious="no",
            perpetrator_pupils="no",
        )
    )
    high = {**medium, "bullying_serious": "yes"}
    steps = {s.key: s for s in playbook.triage(medium).steps}
    sooner = {s.key: s for s in playbook.triage(high).steps}
    assert steps["speak_to_child"].deadline == "1 working day"
    assert sooner["speak_to_child"].deadline == "4 hours"
    assert sooner["tell_parents_decision"].deadline == "4 hours"
    # The plain step (as the review and help show it) keeps its usual deadline.
    assert playbook.steps["speak_to_child"].deadline == "1 working day"
