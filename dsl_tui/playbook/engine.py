"""The trust's playbook: its social media policy as data, and triage of a concern against it.

``load_playbook()`` reads ``data/playbook.toml`` (or a trust's own file) and checks all of it; a
malformed file raises ``PlaybookInvalid`` naming the file, the key and, where it can, the line.
``Playbook.next_question(answers)`` walks the triage questions one at a time;
``Playbook.triage(answers)`` gives the category, risk, steps with deadlines, routes and warnings.
No code here knows any category: every rule is a condition on the answers (``playbook.rules``).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path

from dsl_tui.errors import NotFound, PlaybookInvalid, UsageError
from dsl_tui.model import Question, Risk, Route, StepPlan, TriageResult
from dsl_tui.paths import data_dir
from dsl_tui.playbook.build import build_parts
from dsl_tui.playbook.rules import BadEntry, more_urgent
from dsl_tui.playbook.schema import (
    Category,
    PlaybookParts,
    PolicySection,
    Retention,
    School,
    read_sections,
)
from dsl_tui.playbook.where import describe

PLAYBOOK_FILE = "playbook.toml"
SECTIONS_FILE = "policy-sections.toml"
#: Environment variable naming a trust's own playbook file (instead of the shipped one).
PLAYBOOK_ENV = "DSL_TUI_PLAYBOOK"

__all__ = [
    "Category",
    "Playbook",
    "PolicySection",
    "Retention",
    "School",
    "load_playbook",
    "parse_playbook",
]


class Playbook:
    """A checked playbook: schools, categories, routes, questions, rules and steps."""

    def __init__(self, parts: PlaybookParts, sections: Mapping[str, PolicySection]) -> None:
        self.version: str = parts.version
        self.trust: str = parts.trust
        self.schools: tuple[School, ...] = parts.schools
        self.categories: dict[str, Category] = dict(parts.categories)
        self.routes: dict[str, Route] = dict(parts.routes)
        self.actors: dict[str, str] = dict(parts.actors)
        self.steps: dict[str, StepPlan] = dict(parts.steps)
        self.retention: dict[str, Retention] = dict(parts.retention)
        self._parts = parts
        self._sections = dict(sections)

    # --- questions -------------------------------------------------------------------------

    def questions(self) -> tuple[Question, ...]:
        """Every triage question, in the order the wizard asks them."""
        return tuple(asked.question for asked in self._parts.questions)

    def question(self, key: str) -> Question:
        """One question by key."""
        for asked in self._parts.questions:
            if asked.question.key == key:
                return asked.question
        raise NotFound(f"The playbook has no question called {key!r}.")

    def relevant_answers(self, answers: Mapping[str, str]) -> dict[str, str]:
        """The answers on the path the wizard would take, in order; answers off it are dropped.

        An answer left over from a branch the DSL went back out of (e.g. after changing what the
        concern is about) is ignored, so it cannot change the outcome. An answer that is not one of
        the question's choices raises ``UsageError``.
        """
        return {q.key: given for q, given in self._walk(answers) if given is not None}

    def next_question(self, answers: Mapping[str, str]) -> Question | None:
        """The next question to ask given the answers so far, or None when triage is complete."""
        return next((q for q, given in self._walk(answers) if given is None), None)

    def _walk(self, answers: Mapping[str, str]) -> Iterator[tuple[Question, str | None]]:
        """Each question the wizard asks, in order, with its answer (None: not answered yet)."""
        facts: dict[str, str] = {}
        for asked in self._parts.questions:
            question = asked.question
            if not asked.ask_if.holds(facts):
                continue
            if question.key not in answers:
                yield question, None
                continue
            given = answers[question.key]
            if given not in _answers_of(question):
                # The value itself stays out of the message: it could be text a user typed.
                raise UsageError(f"The answer to {question.key!r} is not one the question offers.")
            facts[question.key] = given
            yield question, given

    # --- triage ----------------------------------------------------------------------------

    def triage(self, answers: Mapping[str, str]) -> TriageResult:
        """Category, risk, steps, routes and warnings for these answers (partial answers allowed).

        The first category rule that holds gives the category (and maybe a risk); risk rules can
        only raise the risk; every step rule that holds adds its steps (each once). Steps come
        soonest deadline first (ties in playbook order, undated last).
        ``call_now`` lists routes to phone at once; ``routes`` lists every route that applies.
        """
        facts: dict[str, str] = self.relevant_answers(answers)
        parts = self._parts
        rule = next(r for r in parts.category_rules if r.when.holds(facts))
        category = self.categories[rule.category]
        risk = rule.risk or category.risk
        reasons = [rule.reason or f"The answers point to: {category.title} ({category.clause})."]
        facts["category"] = category.key
        facts["group"] = category.group
        for risk_rule in parts.risk_rules:
            if risk_rule.when.holds(facts):
                risk = more_urgent(risk, risk_rule.risk)
                reasons.append(risk_rule.reason)
        facts["risk"] = risk.value
        steps: dict[str, StepPlan] = {}
        calls: dict[str, Route] = {}
        routes: dict[str, Route] = {}
        warnings: list[str] = []
        for step_rule in parts.step_rules:
            if not step_rule.when.holds(facts):
                continue
            for key in step_rule.steps:
                steps.setdefault(key, self.steps[key])
            for key in step_rule.call_now:
                calls.setdefault(key, self.routes[key])
            for key in step_rule.routes:
                routes.setdefault(key, self.routes[key])
            warnings.extend(w for w in step_rule.warnings if w not in warnings)
        for step in steps.values():
            if step.route:
                routes.setdefault(step.route, self.routes[step.route])
        all_routes = {**calls, **routes}
        return TriageResult(
            category=category.key,
            category_title=category.title,
            clause=category.clause,
            risk=risk,
            steps=tuple(sorted(steps.values(), key=_by_deadline)),
            call_now=tuple(calls.values()),
            routes=tuple(all_routes.values()),
            warnings=tuple(warnings),
            reasons=tuple(reasons),
            retention=category.retention,
        )

    # --- reference -------------------------------------------------------------------------

    def clause_text(self, clause: str) -> str:
        """The policy's own words for a clause such as ``9.3`` (or ``10.1, KCSIE``); "" if unknown.

        Several clauses come back one after another, each headed by its reference.
        """
        refs = [part.strip() for part in clause.split(",") if part.strip()]
        known = [self._sections[ref] for ref in refs if ref in self._sections]
        if len(known) == 1 and len(refs) == 1:
            return known[0].text
        return "\n\n".join(f"{s.ref} {s.title}\n{s.text}" for s in known)

    def policy_sections(self) -> tuple[PolicySection, ...]:
        """Every clause the help screen can show: the policy's sections, then national guidance."""
        return tuple(sorted(self._sections.values(), key=lambda s: s.guidance))

    def retention_years(self, key: str) -> int | None:
        """Years a kind of record is kept (from ``Retention.starts``); None means keep."""
        if key not in self.retention:
            raise NotFound(f"The playbook has no retention rule called {key!r}.")
        return self.retention[key].years

    def school(self, key_or_prefix: str) -> School:
        """A school by its key or its case-id prefix."""
        for school in self.schools:
            if key_or_prefix in (school.key, school.prefix):
                return school
        raise NotFound(f"The playbook has no school {key_or_prefix!r}.")

    def risk_levels(self) -> tuple[Risk, ...]:
        """Risk levels, most urgent first."""
        return tuple(Risk)


def _by_deadline(step: StepPlan) -> tuple[bool, timedelta]:
    """Soonest deadline first, steps without one last; ties keep the playbook's order."""
    return (step.due_after is None, step.due_after or timedelta(0))


def _answers_of(question: Question) -> frozenset[str]:
    """The answers a question accepts."""
    if question.kind == "yes_no":
        return frozenset({"yes", "no"})
    return frozenset(choice.key for choice in question.choices)


def parse_playbook(
    raw: object,
    *,
    source: str = "playbook",
    text: str | None = None,
    sections: Mapping[str, PolicySection] | None = None,
) -> Playbook:
    """Check a playbook already parsed from TOML; raises ``PlaybookInvalid`` naming the key.

    ``text`` (the file's text) lets the message give a line number; ``sections`` defaults to the
    shipped policy text.
    """
    if sections is None:
        sections = load_sections(data_dir() / SECTIONS_FILE)
    try:
        parts = build_parts(raw, dict(sections))
    except BadEntry as err:
        raise PlaybookInvalid(describe(source, err.path, err.problem, text)) from None
    return Playbook(parts, sections)


def load_sections(path: Path) -> dict[str, PolicySection]:
    """Read the policy's clause texts (``policy-sections.toml``)."""
    text = _read(path, "policy text")
    try:
        return read_sections(_parse_toml(text, path, "policy text"))
    except BadEntry as err:
        raise PlaybookInvalid(describe(str(path), err.path, err.problem, text)) from None


def default_playbook_path() -> Path:
    """The playbook in use: ``DSL_TUI_PLAYBOOK`` (a trust's own file) if set, else the shipped."""
    own = os.environ.get(PLAYBOOK_ENV, "").strip()
    return Path(own).expanduser() if own else data_dir() / PLAYBOOK_FILE


def load_playbook(path: Path | None = None) -> Playbook:
    """Load and check a playbook: a trust's own file if given, else ``default_playbook_path()``.

    A ``policy_text = "file.toml"`` entry (relative to the playbook) points at the policy's clause
    texts; without it the shipped ``policy-sections.toml`` is used.
    """
    path = Path(path) if path is not None else default_playbook_path()
    text = _read(path, "playbook")
    raw = _parse_toml(text, path, "playbook")
    own = raw.get("policy_text")
    if own is None:
        sections_path = data_dir() / SECTIONS_FILE
    elif isinstance(own, str) and own.strip():
        sections_path = path.parent / own.strip()
    else:
        raise PlaybookInvalid(
            describe(str(path), ("policy_text",), "this must be a file name", text)
        )
    return parse_playbook(raw, source=str(path), text=text, sections=load_sections(sections_path))


#: A playbook or policy text larger than this is refused unread (the shipped one is ~60 KiB).
MAX_PLAYBOOK_BYTES = 4 * 1024 * 1024


def _read(path: Path, what: str) -> str:
    """A file's text, or ``PlaybookInvalid`` saying it could not be read.

    Only regular files of bounded size are read, so a path such as ``/dev/zero`` or a FIFO can
    neither exhaust memory nor hang the app.
    """
    try:
        if not path.is_file():
            if not path.exists():
                raise FileNotFoundError(path)
            raise PlaybookInvalid(f"The {what} file {path} is not a regular file.")
        with path.open("rb") as handle:
            raw = handle.read(MAX_PLAYBOOK_BYTES + 1)
        if len(raw) > MAX_PLAYBOOK_BYTES:
            raise PlaybookInvalid(
                f"The {what} file {path} is larger than {MAX_PLAYBOOK_BYTES // (1024 * 1024)} MiB."
            )
        return raw.decode("utf-8")
    except FileNotFoundError:
        raise PlaybookInvalid(f"The {what} file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as err:
        reason = getattr(err, "strerror", None) or "it is not UTF-8 text"
        raise PlaybookInvalid(f"The {what} file {path} could not be read: {reason}.") from None


def _parse_toml(text: str, path: Path, what: str) -> dict[str, object]:
    """Parse TOML, or ``PlaybookInvalid`` with tomllib's own position (line and column)."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise PlaybookInvalid(f"The {what} file {path} is not valid TOML: {err}.") from None
    except RecursionError:
        raise PlaybookInvalid(f"The {what} file {path} is nested too deeply to read.") from None
