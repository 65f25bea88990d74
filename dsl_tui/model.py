"""The words of a DSL's work as frozen dataclasses: cases, people, steps, notes, decisions.

Shared by the playbook, the casebook, the export and the screens. Every type is immutable; a
change makes a new copy (``dataclasses.replace``). Times are timezone-aware UTC ``datetime``s;
the screens show them in local time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum


class Risk(StrEnum):
    """Risk level that triage gives a concern; ``NONE`` is "not a safeguarding matter"."""

    IMMEDIATE = "immediate"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NONE = "none"

    @property
    def rank(self) -> int:
        """0 for the most urgent level; sorts a dashboard by urgency."""
        return list(Risk).index(self)


class Status(StrEnum):
    """Where a case stands."""

    NEW = "new"
    OPEN = "open"
    AWAITING = "awaiting third party"
    ESCALATED = "escalated"
    CLOSED = "closed"


class PersonRole(StrEnum):
    """A person's part in a case decides what the steps say (pupil, staff, parent...)."""

    PUPIL = "pupil"
    STAFF = "staff"
    PARENT = "parent"
    UNKNOWN_ADULT = "unknown adult"
    OTHER = "other"


class StepState(StrEnum):
    """A step is open until done (with an outcome) or set aside (with a reason)."""

    OPEN = "open"
    DONE = "done"
    SET_ASIDE = "set aside"


class NoteKind(StrEnum):
    """Evidence notes keep fact and professional opinion apart."""

    FACT = "fact"
    OPINION = "opinion"


@dataclass(frozen=True)
class Route:
    """Somewhere a DSL can refer or report: police, CEOP, LADO, the helpline... (editable data)."""

    key: str
    name: str
    when: str
    contact: str
    clause: str = ""
    not_for: str = ""


@dataclass(frozen=True)
class AnswerSpec:
    """An answer a step needs recorded before it is done (e.g. the staff member's consent, 9.5)."""

    key: str
    prompt: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Deadline:
    """A step's deadline from the report: a length of time, or a number of working days.

    ``dsl_tui.deadlines.due_at`` turns it into a due time (working days skip weekends, bank
    holidays and the trust's closure days).
    """

    after: timedelta = timedelta(0)
    working_days: int = 0

    @property
    def nominal(self) -> timedelta:
        """The length counting a working day as one calendar day (for sorting, never later)."""
        return self.after + timedelta(days=self.working_days)

    def __str__(self) -> str:
        if self.working_days:
            return f"{self.working_days} working day{'s' if self.working_days > 1 else ''}"
        minutes = int(self.after.total_seconds()) // 60
        if minutes <= 0:
            return "now"
        count, unit = minutes, "minute"
        for size, name in ((1440, "day"), (60, "hour")):
            if minutes % size == 0:
                count, unit = minutes // size, name
                break
        return f"{count} {unit}{'s' if count > 1 else ''}"


@dataclass(frozen=True)
class StepPlan:
    """A step that triage proposes, before it becomes part of a case.

    ``due`` is the step's deadline (``dsl_tui.deadlines.due_at`` turns it into a time);
    ``due_after`` is its nominal length (working days counted as calendar days), kept for
    sorting and for callers that give a plain length; when both are given, ``due`` wins.
    ``deadline`` is the deadline in words. ``actor_key`` names the playbook actor behind ``actor``;
    ``sources`` lists the sides of the concern (answers of the facet question, e.g.
    ``staff_conduct``) that gave the step, empty when the concern has one side.
    """

    key: str
    title: str
    actor: str
    clause: str
    due_after: timedelta | None = None
    detail: str = ""
    route: str | None = None
    needs: tuple[AnswerSpec, ...] = ()
    due: Deadline | None = None
    actor_key: str = ""
    sources: tuple[str, ...] = ()

    #: The deadline in the playbook's own words ("1 working day"), as the trust wrote it.
    due_words: str = ""

    def __post_init__(self) -> None:
        # One truth: ``due``. A plain length (older callers, tests) becomes a calendar one.
        if self.due is None:
            if self.due_after is not None:
                object.__setattr__(self, "due", Deadline(after=self.due_after))
        else:
            object.__setattr__(self, "due_after", self.due.nominal)

    @property
    def deadline(self) -> str:
        """The deadline as a DSL reads it, relative to the report: "now", "24 hours",
        "1 working day"; "no deadline" when the step has none."""
        if self.due_words:
            return " ".join(self.due_words.split())
        if self.due is not None and self.due.working_days:
            return str(self.due)
        if self.due_after is None:
            return "no deadline"
        minutes = int(self.due_after.total_seconds() // 60)
        if minutes <= 0:
            return "now"
        for size, unit in ((7 * 1440, "week"), (1440, "day"), (60, "hour"), (1, "minute")):
            if minutes % size == 0:
                count = minutes // size
                return f"{count} {unit}{'' if count == 1 else 's'}"
        return f"{minutes} minutes"  # pragma: no cover - every whole minute fits a unit above


@dataclass(frozen=True)
class Choice:
    """One option of a choice question."""

    key: str
    label: str


@dataclass(frozen=True)
class Question:
    """A triage question, asked one at a time by the wizard."""

    key: str
    text: str
    kind: str  # "yes_no" or "choice"
    why: str = ""
    clause: str = ""
    choices: tuple[Choice, ...] = ()
    warning: str = ""
    #: A choice question whose answer may be several choices (the sides of the concern).
    multi: bool = False


@dataclass(frozen=True)
class Facet:
    """One side of a concern with several sides (e.g. a staff breach, and content about them).

    ``answer`` is the chosen answer of the playbook's facet question; the rest is what triage of
    that side alone found.
    """

    answer: str
    label: str
    category: str
    category_title: str
    clause: str
    risk: Risk


@dataclass(frozen=True)
class TriageResult:
    """What the playbook decides from the answers: category, risk and steps.

    For a concern with several sides, ``category`` (and its title and clause) is the primary
    side's, ``facets`` lists every side (primary first), each step's ``sources`` says which sides
    gave it, and ``retention_rules`` lists each side's records rule (``retention`` is the first).
    """

    category: str
    category_title: str
    clause: str
    risk: Risk
    steps: tuple[StepPlan, ...]
    call_now: tuple[Route, ...] = ()
    routes: tuple[Route, ...] = ()
    warnings: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    retention: str = ""
    facets: tuple[Facet, ...] = ()
    retention_rules: tuple[str, ...] = ()

    @property
    def is_safeguarding(self) -> bool:
        """False for the "not a safeguarding matter" outcome."""
        return self.risk is not Risk.NONE


@dataclass(frozen=True)
class Person:
    """Someone in a case. Pupils carry a year group; the dashboard shows initials only."""

    id: str
    role: PersonRole
    name: str
    year_group: str = ""
    date_of_birth: date | None = None
    school: str = ""
    notes: str = ""

    @property
    def initials(self) -> str:
        """Initials of the name, e.g. "A.B." for "Amara Bell"."""
        parts = [p for p in self.name.replace("-", " ").split() if p[:1].isalpha()]
        return "".join(p[0].upper() + "." for p in parts) or "?"


@dataclass(frozen=True)
class Account:
    """Where it happened online (8.2): platform, handle, web address or phone number."""

    id: str
    platform: str
    handle: str = ""
    url: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Step:
    """A step of a case: who acts, by when, and how it ended."""

    id: str
    key: str
    title: str
    actor: str
    clause: str
    due_at: datetime | None = None
    state: StepState = StepState.OPEN
    done_at: datetime | None = None
    done_by: str = ""
    outcome: str = ""
    reason: str = ""
    detail: str = ""
    route: str | None = None
    needs: tuple[AnswerSpec, ...] = ()
    answers: tuple[tuple[str, str], ...] = ()

    def overdue(self, now: datetime) -> bool:
        """True when the step is still open and its due time has passed."""
        return self.state is StepState.OPEN and self.due_at is not None and now > self.due_at


@dataclass(frozen=True)
class EvidenceItem:
    """A record of abuse kept (8.2): what, where, when captured, and an optional encrypted file."""

    id: str
    description: str
    location: str = ""
    captured_at: datetime | None = None
    added_at: datetime | None = None
    added_by: str = ""
    blob_id: str | None = None
    sha256: str | None = None
    filename: str = ""


@dataclass(frozen=True)
class EvidenceNote:
    """A timestamped, append-only note. A correction is a new note pointing at the old one."""

    id: str
    at: datetime
    by: str
    text: str
    kind: NoteKind = NoteKind.FACT
    corrects: str | None = None


@dataclass(frozen=True)
class Decision:
    """A decision with its rationale, e.g. not to refer (KCSIE) or a change of risk level."""

    id: str
    at: datetime
    by: str
    kind: str
    text: str


@dataclass(frozen=True)
class ChronologyEntry:
    """One line of a case's chronology, oldest first."""

    at: datetime
    by: str
    kind: str
    text: str
    ref: str = ""


@dataclass(frozen=True)
class NewPerson:
    """A person as entered when logging a concern (no id yet)."""

    role: PersonRole
    name: str
    year_group: str = ""
    date_of_birth: date | None = None


@dataclass(frozen=True)
class NewAccount:
    """An account or address as entered when logging a concern."""

    platform: str
    handle: str = ""
    url: str = ""
    phone: str = ""


@dataclass(frozen=True)
class EmergencyCall:
    """A call made at once for a child in immediate danger (7.2), before the concern was typed:
    the route called (a playbook route key such as ``police``), when, and its reference."""

    route: str
    at: datetime
    reference: str = ""


@dataclass(frozen=True)
class ConcernReport:
    """What the DSL records when logging a concern, before triage makes it a case."""

    school: str
    reporter: str
    summary: str
    reported_at: datetime | None = None
    occurred_at: datetime | None = None
    child_words: str = ""
    people: tuple[NewPerson, ...] = ()
    accounts: tuple[NewAccount, ...] = ()


@dataclass(frozen=True)
class Case:
    """A whole case as the casebook returns it."""

    id: str
    school: str
    reporter: str
    reported_at: datetime
    occurred_at: datetime | None
    summary: str
    child_words: str
    category: str
    category_title: str
    clause: str
    risk: Risk
    status: Status
    answers: tuple[tuple[str, str], ...] = ()
    people: tuple[Person, ...] = ()
    accounts: tuple[Account, ...] = ()
    steps: tuple[Step, ...] = ()
    evidence: tuple[EvidenceItem, ...] = ()
    notes: tuple[EvidenceNote, ...] = ()
    decisions: tuple[Decision, ...] = ()
    outcome: str = ""
    closed_at: datetime | None = None
    review_on: date | None = None
    received_from: str = ""
    received_at: datetime | None = None
    transferred_to: str = ""
    owner: str = ""
    #: The playbook version the case was triaged under ("" for cases made before it was kept):
    #: its steps stay as triaged then, even after the trust changes its playbook.
    playbook_version: str = ""

    def next_step(self) -> Step | None:
        """The open step due soonest (undated steps last)."""
        open_steps = [s for s in self.steps if s.state is StepState.OPEN]
        if not open_steps:
            return None
        return min(open_steps, key=lambda s: (s.due_at is None, s.due_at or datetime.max))


def triaged_under(playbook_version: str) -> str:
    """How a case's page and case file name the playbook it was triaged under."""
    if playbook_version:
        return f"playbook version {playbook_version}"
    return "playbook version not recorded (logged before cases kept it)"


@dataclass(frozen=True)
class CaseSummary:
    """One dashboard row; people are shown by initials and year group only."""

    id: str
    school: str
    category_title: str
    risk: Risk
    status: Status
    reported_at: datetime
    next_step: str = ""
    next_due: datetime | None = None
    overdue: bool = False
    people: str = ""
    owner: str = ""
    open_steps: int = 0


@dataclass(frozen=True)
class Counts:
    """The figures a DSL glances at on the dashboard."""

    open: int
    overdue: int
    due_today: int
    closed: int = 0


@dataclass(frozen=True)
class AuditEntry:
    """One link of the hash-chained audit log: who, when, what, which case."""

    seq: int
    at: datetime
    who: str
    action: str
    case_id: str = ""
    detail: str = ""
    prev: str = ""
    hash: str = ""


__all__ = [name for name in dir() if not name.startswith("_") and name[0].isupper()]


@dataclass(frozen=True)
class Transfer:
    """One case sent to another school, and whether the receiver has confirmed its receipt."""

    case_id: str
    to_school: str
    receipt_code: str
    sent_at: datetime
    acknowledged_at: datetime | None = None
