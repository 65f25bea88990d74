"""Policy clause by clause: given these answers, triage gives this category, risk and these steps.

Each row is one situation a DSL meets. Steps are checked by key with their deadline (from the report
time) and their clause, so a change to the playbook that drops or delays a step the policy requires
fails here with the clause named in the test id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from helpers_playbook import answered, shipped

from dsl_tui.model import Risk

H = lambda n: timedelta(hours=n)  # noqa: E731
D = lambda n: timedelta(days=n)  # noqa: E731
NO_DUE = None
NOW = timedelta(0)

#: What each staff-breach path (10.1-10.4) must carry.
BREACH_STEPS = {
    "tell_headteacher_breach": (H(24), "10.1"),
    "disciplinary_investigation": (D(7), "10.1"),
    "seriousness_assessment": (D(7), "10.2"),
    "hr_advice": (D(2), "10.3"),
    "disciplinary_outcome": (NO_DUE, "10.4"),
    "offer_support_staff_subject": (D(2), "9.6"),
}
#: What content about a member of staff (8.1) must carry (9.1, 9.3, 9.4, 9.6, 8.2).
STAFF_CONTENT_STEPS = {
    "report_senior_manager": (NOW, "8.1"),
    "investigate_promptly": (D(2), "9.1"),
    "keep_records": (H(24), "8.2"),
    "ask_host_removal": (H(24), "9.3"),
    "check_removal": (H(48), "9.4"),
    "offer_staff_support": (D(2), "9.6"),
    "contact_posh": (D(2), "9.3"),
}
IMMEDIATE_STEPS = {
    "call_police_now": (NOW, "7.2"),
    "refer_csc_now": (H(1), "7.2"),
    "tell_headteacher_urgent": (H(1), "7.2"),
}
UKCIS_REFERRAL = {"refer_csc_now": (H(1), "7.2"), "report_police_now": (H(1), "UKCIS 2024")}
LADO = "KCSIE 2025 Part 4"
PREVENT = "Prevent duty guidance 2023, KCSIE 2025 Annex B"
#: Steps whose deadline follows the risk (issue #19) cite KCSIE Part 1 beside the policy clause.
SPEAK = "7.2, KCSIE 2025 Part 1"
CSC_DECISION = "7.2, KCSIE 2025 Part 1"
PARENTS = "6.1, KCSIE 2025 Part 1"
SAFETY = "6.1, KCSIE 2025 Part 1"
EXPLOITATION = "KCSIE 2025 Annex B exploitation"
MENTAL_HEALTH = "KCSIE 2025 Annex B mental health"
MISSING = "KCSIE 2025 Annex B missing education"
STAFF_SAFETY = "HSWA 1974 s.2"
#: The nudes questions every path asks, answered "no" unless a row says otherwise.
NUDES_ALWAYS = {
    "nudes_extortion": "no",
    "nudes_immediate_risk": "no",
    "nudes_shared_onward": "no",
    "nudes_ai_made": "no",
    "nudes_online": "no",
}


@dataclass(frozen=True)
class Row:
    """One situation: answers in, category / risk / steps out."""

    id: str
    answers: dict[str, str]
    category: str
    risk: Risk
    steps: dict[str, tuple[timedelta | None, str]]
    exact: bool = False
    absent: tuple[str, ...] = ()
    call_now: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    needs: dict[str, tuple[str, ...]] = field(default_factory=dict)


def breach(kind: str, **more: str) -> dict[str, str]:
    """Answers for a staff breach of this kind; no personal data, staff member not also targeted."""
    if kind == "confidential":
        more.setdefault("personal_data", "no")
    return dict(answered(about="staff_conduct", breach_kind=kind, staff_also_targeted="no", **more))


def nudes(**more: str) -> dict[str, str]:
    """Answers for nudes or semi-nudes of a child; questions not given are answered "no"."""
    return dict(answered(about="nudes", **{**NUDES_ALWAYS, **more}))


def child(harm: str, **more: str) -> dict[str, str]:
    """Answers for a child's safety online with this risk; the content is not online."""
    return dict(answered(about="child_online", child_harm=harm, **more))


CONTENT_BREACHES = [
    "confidential",
    "bullying",
    "discrimination",
    "disrepute",
    "lewd",
    "defamatory",
    "copyright",
]

ROWS: list[Row] = [
    # --- 5.2, each bullet: disciplinary route, content taken down --------------------------------
    *[
        Row(
            f"5.2-{kind}",
            breach(kind, involves_children="no", breach_unlawful="no"),
            f"breach_{kind}",
            Risk.LOW,
            {**BREACH_STEPS, "content_taken_down": (H(24), "9.3")},
            exact=True,
            routes=("headteacher", "hr"),
            needs={"seriousness_assessment": ("nature", "time_visible", "recirculation", "impact")},
        )
        for kind in CONTENT_BREACHES
    ],
    Row(
        "5.2-unlawful-10.5",
        breach("unlawful", involves_children="no"),
        "breach_unlawful",
        Risk.HIGH,
        {**BREACH_STEPS, "report_police_unlawful": (H(24), "10.5")},
        routes=("police",),
    ),
    Row(
        "10.5-unlawful-answer",
        breach("lewd", involves_children="no", breach_unlawful="yes"),
        "breach_lewd",
        Risk.HIGH,
        {"report_police_unlawful": (H(24), "10.5")},
    ),
    Row(
        "5.2-children-harm-threshold-lado",
        breach("lewd", involves_children="yes", harm_threshold="yes", breach_unlawful="no"),
        "breach_lewd",
        Risk.HIGH,
        {**BREACH_STEPS, "refer_lado": (D(1), LADO)},
        absent=("low_level_concern",),
        routes=("lado",),
    ),
    Row(
        "5.2-children-below-threshold-low-level-concern",
        breach("bullying", involves_children="yes", harm_threshold="no", breach_unlawful="no"),
        "breach_bullying",
        Risk.MEDIUM,
        {**BREACH_STEPS, "low_level_concern": (D(2), LADO)},
        absent=("refer_lado",),
    ),
    # --- 5.3, 5.4, 5.5 ---------------------------------------------------------------------------
    Row(
        "5.3-parents",
        breach(
            "friend_request",
            friend_with="parent",
            friend_accepted="yes",
            involves_children="no",
            breach_unlawful="no",
        ),
        "breach_friend_request",
        Risk.LOW,
        {**BREACH_STEPS, "remove_contacts": (D(2), "5.3")},
        exact=True,
    ),
    Row(
        "5.3-pupils-low-level",
        breach(
            "friend_request",
            friend_with="pupil",
            friend_accepted="yes",
            harm_threshold="no",
            breach_unlawful="no",
        ),
        "breach_friend_request",
        Risk.MEDIUM,
        {"remove_contacts": (D(2), "5.3"), "low_level_concern": (D(2), LADO)},
    ),
    Row(
        "5.4-lessons",
        breach("lesson_use", involves_children="no", breach_unlawful="no"),
        "breach_lesson_use",
        Risk.LOW,
        BREACH_STEPS,
        exact=True,
    ),
    Row(
        "5.5-school-systems",
        breach("school_systems", involves_children="no", breach_unlawful="no"),
        "breach_school_systems",
        Risk.LOW,
        BREACH_STEPS,
        exact=True,
    ),
    # --- Appendix A ------------------------------------------------------------------------------
    Row(
        "AppA-pupil-messages-headteacher",
        dict(
            answered(
                about="pupil_contact",
                contact_sender="pupil",
                contact_concerning="no",
                staff_replied="no",
            )
        ),
        "pupil_contact",
        Risk.LOW,
        {
            "report_to_headteacher_contact": (H(24), "Appendix A"),
            "advise_staff_no_reply": (H(24), "Appendix A"),
        },
        exact=True,
        routes=("headteacher",),
        needs={"report_to_headteacher_contact": ("headteacher_decision",)},
    ),
    Row(
        "AppA-pupil-messages-concerning",
        dict(
            answered(
                about="pupil_contact",
                contact_sender="pupil",
                contact_concerning="yes",
                staff_replied="no",
            )
        ),
        "pupil_contact",
        Risk.MEDIUM,
        {
            "report_to_headteacher_contact": (H(24), "Appendix A"),
            "assess_pupil_wellbeing": (H(24), "7.1"),
        },
    ),
    Row(
        "AppA-staff-replied-lado",
        dict(
            answered(
                about="pupil_contact",
                contact_sender="pupil",
                contact_concerning="no",
                staff_replied="yes",
                harm_threshold="yes",
            )
        ),
        "breach_pupil_contact",
        Risk.HIGH,
        {
            "report_to_headteacher_contact": (H(24), "Appendix A"),
            **BREACH_STEPS,
            "refer_lado": (D(1), LADO),
        },
    ),
    Row(
        "AppA-staff-contact-breach-low-level",
        breach("pupil_contact", harm_threshold="no", breach_unlawful="no"),
        "breach_pupil_contact",
        Risk.MEDIUM,
        {**BREACH_STEPS, "low_level_concern": (D(2), LADO)},
        absent=("refer_lado", "content_taken_down"),
    ),
    # --- 6.1 each risk ---------------------------------------------------------------------------
    Row(
        "6.1-bullying-pupils",
        dict(
            answered(
                about="child_online",
                child_harm="bullying",
                adult_involved="no",
                bullying_serious="no",
                perpetrator_pupils="yes",
                still_online="no",
            )
        ),
        "online_bullying",
        Risk.MEDIUM,
        {
            "speak_to_child": (D(1), SPEAK),
            "keep_records": (H(24), "8.2"),
            "support_child": (D(2), "6.1"),
            "behaviour_policy_bullying": (D(7), "6.1"),
            "online_safety_advice": (D(7), "6.1"),
        },
        absent=("report_police", "csc_referral_decision"),
    ),
    Row(
        "6.1-bullying-threats-still-online",
        dict(
            answered(
                about="child_online",
                child_harm="bullying",
                adult_involved="no",
                bullying_serious="yes",
                perpetrator_pupils="no",
                still_online="yes",
            )
        ),
        "online_bullying",
        Risk.HIGH,
        {
            "report_police": (H(24), "7.2"),
            "csc_referral_decision": (H(4), CSC_DECISION),
            "report_to_platform": (H(24), "6.1"),
            "check_platform_removal": (D(3), "6.1"),
        },
        absent=("behaviour_policy_bullying",),
        routes=("report_harmful_content", "police"),
    ),
    Row(
        "6.1-grooming",
        dict(
            answered(
                about="child_online",
                child_harm="grooming",
                contact_offline="no",
                adult_works_with_children="no",
            )
        ),
        "grooming_exploitation",
        Risk.HIGH,
        {
            "report_police_urgent": (H(4), "7.2"),
            "report_ceop": (H(4), "6.1"),
            "keep_records": (H(24), "8.2"),
        },
        routes=("police", "ceop"),
    ),
    Row(
        "6.1-grooming-met-child-immediate",
        dict(
            answered(
                about="child_online",
                child_harm="grooming",
                contact_offline="yes",
                adult_works_with_children="no",
            )
        ),
        "grooming_exploitation",
        Risk.IMMEDIATE,
        {**IMMEDIATE_STEPS, "report_ceop": (H(4), "6.1")},
        absent=("report_police_urgent",),
        call_now=("police", "childrens_social_care"),
    ),
    Row(
        # Issue #19: someone not known to be sexually motivated is not a CEOP matter.
        "6.1-locate-or-meet",
        dict(
            answered(
                about="child_online",
                child_harm="locate_meet",
                locate_who="other",
                contact_offline="no",
                adult_works_with_children="no",
            )
        ),
        "locate_or_meet",
        Risk.HIGH,
        {"report_police_urgent": (H(4), "7.2")},
        absent=("report_ceop",),
        routes=("police",),
    ),
    Row(
        "6.1-locate-or-meet-contact-imminent",
        dict(
            answered(
                about="child_online",
                child_harm="locate_meet",
                locate_who="other",
                contact_offline="yes",
                adult_works_with_children="no",
            )
        ),
        "locate_or_meet",
        Risk.IMMEDIATE,
        IMMEDIATE_STEPS,
        call_now=("police", "childrens_social_care"),
    ),
    Row(
        "6.1-inappropriate-material",
        dict(
            answered(
                about="child_online",
                child_harm="inappropriate",
                inappropriate_kind="hateful",
                adult_involved="no",
                still_online="no",
            )
        ),
        "inappropriate_material",
        Risk.LOW,
        {"speak_to_child": (D(1), SPEAK), "online_safety_advice": (D(7), "6.1")},
        absent=("report_police", "report_ceop"),
    ),
    Row(
        "6.1-inappropriate-sexual-from-adult",
        dict(
            answered(
                about="child_online",
                child_harm="inappropriate",
                inappropriate_kind="sexual",
                adult_involved="yes",
                adult_works_with_children="no",
                still_online="yes",
            )
        ),
        # Issue #19: an adult sending sexual material to a child is online sexual abuse (CEOP).
        "grooming_exploitation",
        Risk.HIGH,
        {
            "report_police_urgent": (H(4), "7.2"),
            "report_ceop": (H(4), "6.1"),
            "check_platform_removal": (D(3), "6.1"),
        },
        absent=("report_police",),
    ),
    Row(
        "6.1-encouraging-self-harm",
        dict(
            answered(
                about="child_online",
                child_harm="encouraging",
                adult_involved="no",
                acted_on_it="no",
                harm_today="no",
                still_online="no",
            )
        ),
        "encouraging_harm",
        Risk.MEDIUM,
        {"safety_assessment": (H(24), SAFETY), "support_child": (D(2), "6.1")},
        absent=("csc_referral_decision",),
    ),
    Row(
        "6.1-encouraging-acted-on",
        dict(
            answered(
                about="child_online",
                child_harm="encouraging",
                adult_involved="no",
                acted_on_it="yes",
                harm_today="no",
                still_online="no",
            )
        ),
        "encouraging_harm",
        Risk.HIGH,
        {"safety_assessment": (H(4), SAFETY), "csc_referral_decision": (H(4), CSC_DECISION)},
        needs={"csc_referral_decision": ("csc_decision", "csc_reason")},
    ),
    # --- Nudes and semi-nudes (UKCIS) ------------------------------------------------------------
    Row(
        "UKCIS-school-managed",
        nudes(
            nudes_adult="no", nudes_coercion="no", nudes_concerning_acts="no", nudes_under_13="no"
        ),
        "nudes_sharing",
        Risk.MEDIUM,
        {
            "describe_imagery": (H(1), "UKCIS 2024"),
            "ukcis_initial_review": (H(24), "UKCIS 2024"),
            "ukcis_school_response": (D(2), "UKCIS 2024"),
            "offer_report_remove": (H(24), "UKCIS 2024"),
            "tell_parents_decision": (H(24), PARENTS),
        },
        absent=("refer_csc_now", "report_police_now", "keep_records", "report_iwf"),
        routes=("report_remove",),
        needs={
            "ukcis_school_response": ("no_referral_reason", "imagery_deleted", "support_agreed")
        },
    ),
    *[
        Row(
            f"UKCIS-trigger-{trigger}",
            nudes(**{q: "no" for q in prior}, **{trigger: "yes"}),
            "nudes_sharing",
            Risk.HIGH,
            {**UKCIS_REFERRAL, "describe_imagery": (H(1), "UKCIS 2024")},
            absent=("ukcis_school_response", "keep_records", "csc_referral_decision"),
            routes=("police", "childrens_social_care"),
        )
        for prior, trigger in [
            (("adult_works_with_children",), "nudes_adult"),
            (("nudes_adult",), "nudes_extortion"),
            (("nudes_adult",), "nudes_coercion"),
            (("nudes_adult", "nudes_coercion"), "nudes_concerning_acts"),
            (("nudes_adult", "nudes_coercion", "nudes_concerning_acts"), "nudes_under_13"),
        ]
    ],
    Row(
        "UKCIS-trigger-immediate-risk",
        nudes(
            nudes_adult="no",
            nudes_coercion="no",
            nudes_concerning_acts="no",
            nudes_under_13="no",
            nudes_immediate_risk="yes",
            nudes_online="yes",
        ),
        "nudes_sharing",
        Risk.IMMEDIATE,
        {**IMMEDIATE_STEPS, "report_iwf": (H(24), "UKCIS 2024")},
        absent=("ukcis_school_response", "report_police_now", "csc_referral_decision"),
        call_now=("police", "childrens_social_care"),
        routes=("iwf", "report_remove"),
    ),
    Row(
        "UKCIS-adult-ceop",
        nudes(nudes_adult="yes", adult_works_with_children="no"),
        "nudes_sharing",
        Risk.HIGH,
        {"report_ceop": (H(4), "6.1")},
        absent=("refer_lado",),
        routes=("ceop",),
    ),
    Row(
        "UKCIS-child-imagery-via-inappropriate",
        dict(
            answered(
                about="child_online",
                child_harm="inappropriate",
                inappropriate_kind="child_imagery",
                nudes_adult="no",
                nudes_coercion="no",
                nudes_concerning_acts="no",
                nudes_under_13="no",
                **NUDES_ALWAYS,
            )
        ),
        "nudes_sharing",
        Risk.MEDIUM,
        {"describe_imagery": (H(1), "UKCIS 2024")},
        absent=("keep_records",),
    ),
    # --- 7.1, 7.2, 7.3 ---------------------------------------------------------------------------
    Row(
        "7.1-other-concern",
        dict(answered(about="other", other_risk="yes")),
        "other_concern",
        Risk.MEDIUM,
        {"assess_concern": (D(1), "7.1")},
        exact=True,
    ),
    Row(
        "7.2-immediate-danger-any-concern",
        dict(answered(immediate_danger="yes", about="other")),
        "other_concern",
        Risk.IMMEDIATE,
        {**IMMEDIATE_STEPS, "assess_concern": (D(1), "7.1")},
        exact=True,
        call_now=("police", "childrens_social_care"),
    ),
    Row(
        "7.2-immediate-danger-bullying",
        {
            **answered(
                about="child_online",
                child_harm="bullying",
                adult_involved="no",
                bullying_serious="no",
                perpetrator_pupils="yes",
                still_online="no",
            ),
            "immediate_danger": "yes",
        },
        "online_bullying",
        Risk.IMMEDIATE,
        {**IMMEDIATE_STEPS, "behaviour_policy_bullying": (D(7), "6.1")},
        call_now=("police", "childrens_social_care"),
    ),
    Row(
        "7.3-work-account-abuse",
        dict(
            answered(
                about="work_account",
                content_author="unknown",
                content_threatening="no",
                content_alleges_harm="no",
            )
        ),
        "work_account_abuse",
        Risk.MEDIUM,
        {
            "keep_records": (H(24), "8.2"),
            "block_and_report_account": (H(24), "7.3"),
            "investigate_promptly": (D(2), "9.1"),
            "offer_staff_support": (D(2), "9.6"),
            "contact_posh": (D(2), "9.3"),
        },
        exact=True,
        routes=("posh",),
    ),
    Row(
        "7.3-threatening-by-pupil",
        dict(
            answered(
                about="work_account",
                content_author="pupil",
                content_threatening="yes",
                threat_level="general",
                content_alleges_harm="no",
            )
        ),
        "work_account_abuse",
        Risk.HIGH,
        {"pupil_behaviour_policy": (D(7), "9.2"), "staff_consent_police": (H(24), "9.5")},
        needs={"staff_consent_police": ("staff_consent", "police_reference")},
    ),
    # --- 8.1, 8.2, 9.1-9.6 -----------------------------------------------------------------------
    *[
        Row(
            f"8.1-{kind}",
            dict(
                answered(
                    about="staff_content",
                    content_kind=kind,
                    content_author="unknown",
                    content_threatening="no",
                    content_alleges_harm="no",
                )
            ),
            "staff_content",
            Risk.MEDIUM,
            STAFF_CONTENT_STEPS,
            exact=True,
            routes=("posh",),
            needs={
                "offer_staff_support": ("staff_support",),
                "check_removal": ("removal_checked",),
                "keep_records": ("records_kept",),
            },
        )
        for kind in ("inaccurate", "inappropriate", "inflammatory", "images")
    ],
    Row(
        "9.2-9.5-pupil-threatening",
        dict(
            answered(
                about="staff_content",
                content_kind="images",
                content_author="pupil",
                content_threatening="yes",
                threat_level="general",
                content_alleges_harm="no",
            )
        ),
        "staff_content",
        Risk.HIGH,
        {
            **STAFF_CONTENT_STEPS,
            "pupil_behaviour_policy": (D(7), "9.2"),
            "staff_consent_police": (H(24), "9.5"),
        },
        exact=True,
        routes=("police", "posh"),
    ),
    Row(
        "8.1-by-colleague-is-a-breach",
        dict(
            answered(
                about="staff_content",
                content_kind="inflammatory",
                content_author="colleague",
                content_threatening="no",
                content_alleges_harm="no",
            )
        ),
        "staff_content",
        Risk.MEDIUM,
        {**STAFF_CONTENT_STEPS, **BREACH_STEPS},
        exact=True,
    ),
    # --- Prevent (extremism and radicalisation) --------------------------------------------------
    Row(
        "Prevent-support-for-violence-content-online",
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
        {
            "prevent_referral_decision": (D(1), PREVENT),
            "report_act": (H(24), "Prevent duty guidance 2023"),
            "csc_referral_decision": (H(4), CSC_DECISION),
        },
        absent=("behaviour_policy_bullying",),
        routes=("prevent", "act"),
        needs={"prevent_referral_decision": ("prevent_decision", "prevent_reason")},
    ),
    Row(
        "Prevent-extremist-material-seen",
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
        {"prevent_referral_decision": (D(1), PREVENT)},
        absent=("report_act", "csc_referral_decision", "online_safety_advice"),
    ),
    # --- 12.1 and UK GDPR Art. 33: personal data exposed -----------------------------------------
    Row(
        "12.1-data-breach-no-child-at-risk",
        dict(answered(about="data_breach", data_child_risk="no")),
        "data_breach",
        Risk.LOW,
        {
            "tell_dpo_now": (NOW, "12.1, UK GDPR Art. 33"),
            "ico_report_decision": (H(72), "UK GDPR Art. 33"),
        },
        exact=True,
        needs={"ico_report_decision": ("ico_decision", "ico_reason")},
    ),
    Row(
        "12.1-staff-posted-pupil-data",
        breach("confidential", personal_data="yes", data_child_risk="no", breach_unlawful="no"),
        "data_breach",
        Risk.LOW,
        {
            **BREACH_STEPS,
            "content_taken_down": (H(24), "9.3"),
            "tell_dpo_now": (NOW, "12.1, UK GDPR Art. 33"),
            "ico_report_decision": (H(72), "UK GDPR Art. 33"),
        },
        exact=True,
    ),
    # --- 5.3 and Appendix A: contact that is not a breach ----------------------------------------
    Row(
        "5.3-parent-request-not-accepted",
        breach("friend_request", friend_with="parent", friend_accepted="no"),
        "contact_not_breach",
        Risk.LOW,
        {
            "advise_staff_contact": (D(1), "5.3, Appendix A"),
            "record_contact": (D(1), "5.3"),
        },
        exact=True,
    ),
    Row(
        "5.3-former-pupil-over-18",
        breach("friend_request", friend_with="former_pupil_adult"),
        "contact_not_breach",
        Risk.LOW,
        {"advise_staff_contact": (D(1), "5.3, Appendix A"), "record_contact": (D(1), "5.3")},
        exact=True,
    ),
    Row(
        "AppA-pupil-request-declined",
        breach("friend_request", friend_with="pupil", friend_accepted="no"),
        "pupil_contact",
        Risk.LOW,
        {
            "report_to_headteacher_contact": (H(24), "Appendix A"),
            "advise_staff_no_reply": (H(24), "Appendix A"),
        },
        exact=True,
    ),
    # --- not a safeguarding matter ---------------------------------------------------------------
    Row(
        "not-safeguarding",
        dict(answered(about="other", other_risk="no")),
        "not_safeguarding",
        Risk.NONE,
        {"record_not_safeguarding": (D(1), "7.1")},
        exact=True,
        needs={"record_not_safeguarding": ("reason",)},
    ),
    # --- KCSIE 2025 Annex B harms as they present online (issue #19) ----------------------------
    Row(
        "AnnexB-cce-county-lines",
        child("criminal_exploitation", family_is_risk="no"),
        "criminal_exploitation",
        Risk.HIGH,
        {
            "refer_csc_now": (H(1), "7.2"),
            "report_police_urgent": (H(4), "7.2"),
            "consider_nrm": (D(1), EXPLOITATION),
            "speak_to_child": (H(4), SPEAK),
            "safety_assessment": (H(4), SAFETY),
        },
        absent=("report_ceop", "csc_referral_decision", "behaviour_policy_bullying"),
        routes=("police", "childrens_social_care"),
        needs={"consider_nrm": ("nrm_decision", "nrm_reason")},
    ),
    Row(
        "AnnexB-money-mule-is-cce",
        child("fraud_gambling", fraud_kind="money_mule"),
        "criminal_exploitation",
        Risk.HIGH,
        {"consider_nrm": (D(1), EXPLOITATION), "refer_csc_now": (H(1), "7.2")},
        absent=("report_ceop", "report_fraud"),
    ),
    Row(
        "AnnexB-serious-violence",
        child("serious_violence", violence_imminent="no", family_is_risk="no"),
        "serious_violence",
        Risk.HIGH,
        {
            "report_police_urgent": (H(4), "7.2"),
            "csc_referral_decision": (H(4), CSC_DECISION),
            "safety_assessment": (H(4), SAFETY),
        },
        absent=("report_ceop",),
    ),
    Row(
        "AnnexB-serious-violence-imminent",
        child("serious_violence", violence_imminent="yes", family_is_risk="no"),
        "serious_violence",
        Risk.IMMEDIATE,
        {**IMMEDIATE_STEPS, "speak_to_child": (H(2), SPEAK)},
        absent=("report_ceop", "report_police_urgent"),
        call_now=("police", "childrens_social_care"),
    ),
    Row(
        "AnnexB-domestic-abuse-disclosed",
        child("domestic_abuse"),
        "domestic_abuse",
        Risk.HIGH,
        {
            "which_adult_told": (H(4), "KCSIE 2025 Part 1"),
            "csc_referral_decision": (H(4), CSC_DECISION),
            "safety_assessment": (H(4), SAFETY),
        },
        absent=("tell_parents_decision", "report_ceop"),
        needs={"which_adult_told": ("adult_told", "agreed_with")},
    ),
    Row(
        "AnnexB-forced-marriage",
        child("honour_based", taken_abroad="no"),
        "honour_based_abuse",
        Risk.HIGH,
        {
            "refer_csc_now": (H(1), "7.2"),
            "report_police_urgent": (H(4), "7.2"),
            "contact_fmu": (H(4), "Forced marriage guidance 2023"),
            "which_adult_told": (H(4), "KCSIE 2025 Part 1"),
        },
        absent=("tell_parents_decision", "csc_referral_decision", "report_ceop"),
        routes=("forced_marriage_unit",),
    ),
    Row(
        "AnnexB-forced-marriage-taken-abroad-soon",
        child("honour_based", taken_abroad="yes"),
        "honour_based_abuse",
        Risk.IMMEDIATE,
        {**IMMEDIATE_STEPS, "contact_fmu": (H(4), "Forced marriage guidance 2023")},
        call_now=("police", "childrens_social_care"),
    ),
    Row(
        "AnnexB-mental-health-worry",
        child("mental_health", mh_level="worry", family_is_risk="no"),
        "mental_health",
        Risk.MEDIUM,
        {
            "health_support_referral": (D(2), MENTAL_HEALTH),
            "speak_to_child": (D(1), SPEAK),
            "tell_parents_decision": (H(24), PARENTS),
        },
        absent=("camhs_referral", "csc_referral_decision", "call_police_now"),
        routes=("health_services",),
    ),
    Row(
        "AnnexB-mental-health-harm-happening",
        child("mental_health", mh_level="harming", family_is_risk="no"),
        "mental_health",
        Risk.HIGH,
        {
            "camhs_referral": (D(1), MENTAL_HEALTH),
            "csc_referral_decision": (H(4), CSC_DECISION),
            "safety_assessment": (H(4), SAFETY),
        },
        absent=("health_support_referral", "call_police_now"),
    ),
    Row(
        "AnnexB-mental-health-today",
        child("mental_health", mh_level="today", family_is_risk="no"),
        "mental_health",
        Risk.IMMEDIATE,
        {**IMMEDIATE_STEPS, "camhs_referral": (D(1), MENTAL_HEALTH)},
        absent=("csc_referral_decision",),
        call_now=("police", "childrens_social_care"),
    ),
    Row(
        "Part5-sexual-harassment-by-pupils",
        child("sexual_harassment", upskirting="no", perpetrator_pupils="yes"),
        "sexual_harassment",
        Risk.MEDIUM,
        {
            "child_on_child_risk_plan": (H(24), "KCSIE 2025 Part 5"),
            "harassment_behaviour": (D(7), "KCSIE 2025 Part 5"),
        },
        absent=("report_police", "report_ceop", "behaviour_policy_bullying"),
    ),
    Row(
        "Part5-upskirting-is-an-offence",
        child("sexual_harassment", upskirting="yes", perpetrator_pupils="yes"),
        "sexual_harassment",
        Risk.HIGH,
        {
            "report_police": (H(24), "7.2"),
            "child_on_child_risk_plan": (H(24), "KCSIE 2025 Part 5"),
            "csc_referral_decision": (H(4), CSC_DECISION),
        },
        absent=("report_ceop",),
        routes=("police",),
    ),
    Row(
        "Part2-online-scam",
        child("fraud_gambling", fraud_kind="scam"),
        "fraud_gambling",
        Risk.MEDIUM,
        {"report_fraud": (H(24), "KCSIE 2025 Part 2"), "online_safety_advice": (D(7), "6.1")},
        absent=("report_ceop", "gambling_support"),
        routes=("action_fraud",),
    ),
    Row(
        "Part2-gambling-harm",
        child("fraud_gambling", fraud_kind="gambling"),
        "fraud_gambling",
        Risk.MEDIUM,
        {"gambling_support": (D(7), "KCSIE 2025 Part 2")},
        absent=("report_ceop", "report_fraud"),
        routes=("gambling_support",),
    ),
    Row(
        "AnnexB-missing-education",
        child(
            "missing_education",
            whereabouts_unknown="no",
            met_online_adult="no",
            family_is_risk="no",
        ),
        "missing_education",
        Risk.HIGH,
        {
            "follow_up_absence": (H(1), MISSING),
            "tell_la_missing": (D(1), MISSING),
            "csc_referral_decision": (H(4), CSC_DECISION),
        },
        absent=("report_ceop", "call_police_now"),
        routes=("missing_education",),
    ),
    Row(
        "AnnexB-missing-whereabouts-unknown",
        child(
            "missing_education",
            whereabouts_unknown="yes",
            met_online_adult="no",
            family_is_risk="no",
        ),
        "missing_education",
        Risk.IMMEDIATE,
        {**IMMEDIATE_STEPS, "follow_up_absence": (H(1), MISSING)},
        call_now=("police", "childrens_social_care"),
    ),
    Row(
        "AnnexB-missing-with-someone-met-online-is-grooming-too",
        child(
            "missing_education",
            whereabouts_unknown="no",
            met_online_adult="yes",
            family_is_risk="no",
            adult_works_with_children="no",
        ),
        "grooming_exploitation",
        Risk.HIGH,
        {
            "report_ceop": (H(4), "6.1"),
            "report_police_urgent": (H(4), "7.2"),
            "follow_up_absence": (H(1), MISSING),
            "tell_la_missing": (D(1), MISSING),
        },
    ),
    Row(
        # Issue #19 item 2: a parent who must not have contact is not a CEOP matter.
        "6.1-locate-parent-with-court-order",
        child(
            "locate_meet",
            locate_who="family",
            contact_offline="no",
            location_known="yes",
            adult_works_with_children="no",
        ),
        "locate_or_meet",
        Risk.HIGH,
        {
            "report_police_urgent": (H(4), "7.2"),
            "which_adult_told": (H(4), "KCSIE 2025 Part 1"),
            "safety_assessment": (H(4), SAFETY),
        },
        absent=("report_ceop", "tell_parents_decision"),
    ),
    # --- Staff in danger (issue #19 item 6) -------------------------------------------------------
    Row(
        "HSWA-staff-threat-imminent",
        dict(
            answered(
                about="staff_content",
                content_kind="inflammatory",
                content_author="unknown",
                content_threatening="yes",
                threat_level="imminent",
                content_alleges_harm="no",
            )
        ),
        "staff_content",
        Risk.IMMEDIATE,
        {
            "call_police_staff_now": (NOW, STAFF_SAFETY),
            "tell_staff_now": (NOW, STAFF_SAFETY),
            "tell_headteacher_urgent": (H(1), "7.2"),
        },
        absent=("staff_consent_police", "call_police_now", "refer_csc_now"),
        call_now=("police",),
    ),
    Row(
        "HSWA-staff-home-address-with-a-threat",
        dict(
            answered(
                about="work_account",
                content_author="other",
                content_threatening="yes",
                threat_level="specific",
                content_alleges_harm="no",
            )
        ),
        "work_account_abuse",
        Risk.HIGH,
        {
            "report_police_staff_today": (H(4), STAFF_SAFETY),
            "tell_staff_now": (NOW, STAFF_SAFETY),
        },
        absent=("staff_consent_police",),
        routes=("police",),
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_triage_follows_the_policy(row: Row) -> None:
    playbook = shipped()
    assert playbook.next_question(row.answers) is None, "the row's answers must complete triage"
    result = playbook.triage(row.answers)
    assert (result.category, result.risk) == (row.category, row.risk)
    got = {s.key: s for s in result.steps}
    for key, (due, clause) in row.steps.items():
        assert key in got, f"missing step {key}"
        assert (got[key].due_after, got[key].clause) == (due, clause), key
    if row.exact:
        assert sorted(got) == sorted(row.steps)
    for key in row.absent:
        assert key not in got, f"unexpected step {key}"
    assert tuple(r.key for r in result.call_now) == row.call_now
    route_keys = {r.key for r in result.routes}
    assert set(row.routes) <= route_keys
    for key, needs in row.needs.items():
        assert tuple(n.key for n in got[key].needs) == needs


def test_the_table_covers_every_clause_the_policy_asks_for() -> None:
    clauses = {clause for row in ROWS for _, clause in row.steps.values()}
    clauses |= {shipped().categories[row.category].clause for row in ROWS}
    wanted = {
        "5.2",
        "5.3",
        "5.4",
        "5.5, Appendix A",
        "6.1",
        "6.1, UKCIS 2024",
        "7.1",
        "7.2",
        "7.3",
        "8.1",
        "8.2",
        "9.1",
        "9.2",
        "9.3",
        "9.4",
        "9.5",
        "9.6",
        "10.1",
        "10.2",
        "10.3",
        "10.4",
        "10.5",
        "Appendix A",
        "UKCIS 2024",
        "KCSIE 2025 Part 4",
        "12.1, UK GDPR Art. 33",
        "UK GDPR Art. 33",
        "5.3, Appendix A",
        PREVENT,
        "Prevent duty guidance 2023",
    }
    assert wanted <= clauses
    assert {row.category for row in ROWS} == set(shipped().categories)
    assert {row.risk for row in ROWS} == set(Risk)


def test_5_2_bullets_each_have_their_own_category() -> None:
    categories = {
        shipped().triage(breach(k, involves_children="no", breach_unlawful="no")).category
        for k in [*CONTENT_BREACHES, "unlawful"]
    }
    assert len(categories) == 8
    assert all(shipped().categories[c].clause == "5.2" for c in categories)


def test_immediate_danger_is_known_after_the_first_answer() -> None:
    """The wizard can show the 999 call before the DSL answers anything else."""
    result = shipped().triage({"immediate_danger": "yes"})
    assert result.risk is Risk.IMMEDIATE
    assert [r.key for r in result.call_now] == ["police", "childrens_social_care"]
    assert "999" in result.call_now[0].contact
    assert result.steps[0].key == "call_police_now"
    assert any("999" in w for w in result.warnings)


def test_nudes_warn_never_to_view_and_never_ask_for_screen_prints() -> None:
    result = shipped().triage(
        nudes(
            nudes_adult="no",
            nudes_coercion="no",
            nudes_concerning_acts="no",
            nudes_under_13="no",
            nudes_online="yes",
        )
    )
    assert any("Never view, copy, store, forward" in w for w in result.warnings)
    assert "keep_records" not in {s.key for s in result.steps}
    iwf = shipped().routes["iwf"]
    assert "never" in iwf.not_for.lower() and iwf in result.routes


def test_host_removal_comes_before_the_removal_check() -> None:
    steps = {
        s.key: s
        for s in shipped()
        .triage(
            answered(
                about="staff_content",
                content_kind="images",
                content_author="parent",
                content_threatening="no",
                content_alleges_harm="no",
            )
        )
        .steps
    }
    assert steps["ask_host_removal"].due_after < steps["check_removal"].due_after


def test_retention_follows_the_category() -> None:
    playbook = shipped()
    nudes = playbook.triage(answered(about="nudes", nudes_adult="yes", nudes_online="no"))
    assert nudes.retention == "sexual_abuse" and playbook.retention_years("sexual_abuse") is None
    bullying = playbook.triage(answered(about="child_online", child_harm="bullying"))
    assert bullying.retention == "child_protection"
    assert playbook.retention_years("child_protection") == 25
    staff = playbook.triage(breach("copyright", involves_children="no", breach_unlawful="no"))
    # A copyright breach is a conduct record, never an allegation (KCSIE Part 4 Section 2).
    assert staff.retention == "staff_conduct_record"
    assert playbook.retention_years("staff_allegation") == 10
