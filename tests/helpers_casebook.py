"""Test helpers for the casebook: a small stand-in playbook, a settable clock, fictional reports.

Every person, handle and number here is invented. The stand-in playbook answers like the real
one (schools, questions, triage, retention years) with a handful of hand-made outcomes, so the
casebook's rules can be tested without the trust's playbook file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from dsl_tui.casebook import Casebook
from dsl_tui.deadlines import PLAIN_CALENDAR, WorkingCalendar
from dsl_tui.model import (
    AnswerSpec,
    Choice,
    ConcernReport,
    NewAccount,
    NewPerson,
    PersonRole,
    Question,
    Risk,
    Route,
    StepPlan,
    TriageResult,
)
from dsl_tui.playbook import Category, Retention

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

#: A name that must never reach the audit log (checked by the audit tests).
CANARY = "Zephyrine Quillfeather"


@dataclass(frozen=True)
class FakeSchool:
    """A school as the playbook describes it."""

    key: str
    name: str
    prefix: str


POLICE = Route("police", "Police", "a crime or immediate danger", "999", "6.1")

BULLYING = TriageResult(
    category="online_bullying",
    category_title="Online bullying",
    clause="9.2",
    risk=Risk.MEDIUM,
    steps=(
        StepPlan("talk_child", "Talk to the child", "DSL", "9.6", timedelta(hours=4)),
        StepPlan("ask_host", "Ask the host to remove the content", "DSL", "9.3",
                 timedelta(hours=24)),
        StepPlan("behaviour", "Apply the behaviour policy", "Head of Year", "9.2",
                 timedelta(days=3)),
    ),
    reasons=("A pupil posted hurtful content about another pupil.",),
    retention="child_protection",
)  # fmt: skip

STAFF_CONTENT = TriageResult(
    category="staff_threat",
    category_title="Threatening content about staff",
    clause="9.5",
    risk=Risk.HIGH,
    steps=(
        StepPlan(
            "police_consent",
            "Report to the police with the staff member's consent",
            "Headteacher",
            "9.5",
            timedelta(hours=2),
            needs=(AnswerSpec("consent", "Did the staff member consent?", ("yes", "no")),),
        ),
        StepPlan("support", "Offer support and counselling", "Headteacher", "9.6",
                 timedelta(days=1)),
    ),
    routes=(POLICE,),
    retention="staff_allegation",
)  # fmt: skip

GROOMING = TriageResult(
    category="grooming",
    category_title="Grooming or sexual exploitation",
    clause="6.1",
    risk=Risk.IMMEDIATE,
    steps=(StepPlan("call_police", "Call the police now", "DSL", "6.1", timedelta(minutes=30)),),
    call_now=(POLICE,),
    retention="sexual_abuse",
)

NOT_SAFEGUARDING = TriageResult(
    category="none",
    category_title="Not a safeguarding matter",
    clause="",
    risk=Risk.NONE,
    steps=(),
    retention="child_protection",
)

QUESTIONS = (
    Question("immediate", "Is a child at immediate risk?", "yes_no"),
    Question(
        "about",
        "What is the concern about?",
        "choice",
        choices=(
            Choice("bullying", "Bullying"),
            Choice("staff", "Content about staff"),
            Choice("grooming", "Grooming"),
            Choice("other", "Something else"),
        ),
    ),
)


@dataclass
class FakePlaybook:
    """Stands in for ``dsl_tui.playbook.Playbook`` with hand-made triage outcomes."""

    version: str = "test"
    schools: tuple[FakeSchool, ...] = (
        FakeSchool("SRA", "St Rowan's Academy", "SRA"),
        FakeSchool("HBS", "Hollybrook School", "HBS"),
    )
    years: dict[str, int | None] = field(
        default_factory=lambda: {"child_protection": 25, "sexual_abuse": 75, "staff_allegation": 10}
    )
    #: No categories, so no case has a category group.
    categories: dict[str, Category] = field(default_factory=dict)
    #: No retention rules of its own: each review counts from the kind the key names.
    retention: dict[str, Retention] = field(default_factory=dict)
    #: Weekends and bank holidays only (no closure days).
    calendar: WorkingCalendar = PLAIN_CALENDAR

    def relevant_answers(self, answers: Mapping[str, str]) -> dict[str, str]:
        """Every answer given (the stand-in has no branches to back out of)."""
        return dict(answers)

    def questions(self) -> tuple[Question, ...]:
        """Every question, in order."""
        return QUESTIONS

    def next_question(self, answers: Mapping[str, str]) -> Question | None:
        """The first question not yet answered."""
        for question in QUESTIONS:
            if question.key not in answers:
                return question
        return None

    def triage(self, answers: Mapping[str, str]) -> TriageResult:
        """A hand-made outcome chosen by the "about" answer."""
        about = answers.get("about", "other")
        if answers.get("immediate") == "yes" or about == "grooming":
            return GROOMING
        return {"bullying": BULLYING, "staff": STAFF_CONTENT}.get(about, NOT_SAFEGUARDING)

    def retention_years(self, key: str) -> int | None:
        """Years a kind of record is kept."""
        return self.years.get(key)


class Clock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock on."""
        self.now += timedelta(**delta)


def fake_casebook(clock: Clock | None = None, user: str = "Priya Ramanathan") -> Casebook:
    """An in-memory casebook on the stand-in playbook."""
    return Casebook.in_memory(user=user, playbook=FakePlaybook(), clock=clock or Clock())


def bullying_report(
    pupil: str = "Amara Okonkwo-Bell",
    handle: str = "@sk8r_jay",
    reported_at: datetime | None = T0,
    **extra: object,
) -> ConcernReport:
    """A fictional report of online bullying between two pupils."""
    fields: dict[str, object] = {
        "school": "SRA",
        "reporter": "Daniel Whitcombe",
        "summary": f"{pupil} was sent insulting messages in a group chat.",
        "reported_at": reported_at,
        "occurred_at": (reported_at - timedelta(days=1)) if reported_at else None,
        "child_words": "They keep calling me names in the chat.",
        "people": (
            NewPerson(PersonRole.PUPIL, pupil, "Y8", date(2013, 5, 14)),
            NewPerson(PersonRole.PUPIL, "Theo Marchetti", "Y8"),
        ),
        "accounts": (NewAccount("Snapchat", handle=handle),),
    }
    fields.update(extra)
    return ConcernReport(**fields)  # type: ignore[arg-type]


BULLYING_ANSWERS = {"immediate": "no", "about": "bullying"}
STAFF_ANSWERS = {"immediate": "no", "about": "staff"}
GROOMING_ANSWERS = {"immediate": "no", "about": "grooming"}
