"""The trust's playbook: its social media policy as data, and triage of a concern against it.

``load_playbook()`` reads ``data/playbook.toml`` (or a trust's own file) and checks all of it; a
malformed file raises ``PlaybookInvalid`` naming the file, the key and, where it can, the line.
``Playbook.next_question(answers)`` walks the triage questions one at a time;
``Playbook.triage(answers)`` gives the category, risk, steps with deadlines, routes and warnings.
No code here knows any category: every rule is a condition on the answers (``playbook.rules``).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from dsl_tui.deadlines import WorkingCalendar, due_at
from dsl_tui.errors import NotFound, PlaybookInvalid, UsageError
from dsl_tui.model import Facet, Question, Risk, Route, StepPlan, TriageResult
from dsl_tui.paths import data_dir
from dsl_tui.playbook.build import build_parts
from dsl_tui.playbook.rules import BadEntry, join_answer, more_urgent, split_answer
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
        #: Steps as a case without actor rules shows them (title placeholders filled in).
        self.steps: dict[str, StepPlan] = {k: self._cast(p, {}, {}) for k, p in parts.steps.items()}
        self.retention: dict[str, Retention] = dict(parts.retention)
        #: The days the trust works, for working-day deadlines (``dsl_tui.deadlines.due_at``).
        self.calendar: WorkingCalendar = parts.calendar
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

    def facet_question(self) -> Question | None:
        """The question whose answer may be several sides of the concern (``multi = true``)."""
        return next((a.question for a in self._parts.questions if a.question.multi), None)

    def relevant_answers(self, answers: Mapping[str, str]) -> dict[str, str]:
        """The answers on the path the wizard would take, in order; answers off it are dropped.

        An answer left over from a branch the DSL went back out of (e.g. after changing what the
        concern is about) is ignored, so it cannot change the outcome. An answer that is not one of
        the question's choices raises ``UsageError``. A multi-choice answer comes back with its
        choices in the question's order (``"staff_content+staff_conduct"`` and its reverse are
        one answer).
        """
        return {q.key: given for q, given in self._walk(answers) if given is not None}

    def next_question(self, answers: Mapping[str, str]) -> Question | None:
        """The next question to ask given the answers so far, or None when triage is complete.

        With several sides chosen, the follow-up questions of every side are asked, one at a
        time, in the playbook's order (questions shared by two sides are asked once).
        """
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
            given = _checked_answer(question, answers[question.key])
            facts[question.key] = given
            yield question, given

    # --- triage ----------------------------------------------------------------------------

    def triage(self, answers: Mapping[str, str]) -> TriageResult:
        """Category, risk, steps, routes and warnings for these answers (partial answers allowed).

        The first category rule that holds gives the category (and maybe a risk); risk rules can
        only raise the risk; every step rule that holds adds its steps (each once). Steps come
        soonest deadline first (ties in playbook order, undated last).
        ``call_now`` lists routes to phone at once; ``routes`` lists every route that applies.

        A concern with several sides (several answers to the facet question) is triaged once per
        side, on the answers of that side's path, and the results are joined: every step once
        (``sources`` names the sides that gave it), the most urgent risk, every route, call and
        warning; the primary side (most urgent, then first in the question's order) gives the
        category, and ``facets`` lists each side's own category and risk.
        """
        facts = self.relevant_answers(answers)
        facet = self.facet_question()
        sides = split_answer(facts[facet.key]) if facet and facet.key in facts else ()
        if facet is None or len(sides) < 2:
            return self._triage_side(facts)
        results = [
            (side, self._triage_side(self.relevant_answers({**facts, facet.key: side})))
            for side in sides
        ]
        return _join(facet, results, self.steps)

    def _triage_side(self, answers: dict[str, str]) -> TriageResult:
        """Triage of one side of a concern (the answers on its path only)."""
        facts = dict(answers)
        parts = self._parts
        rule = next(r for r in parts.category_rules if r.when.holds(facts))
        category = self.categories[rule.category]
        risk = rule.risk or category.risk
        reasons = [rule.reason or f"The answers point to: {category.title} ({category.clause})."]
        facts["category"] = category.key
        facts["group"] = category.group
        for risk_rule in parts.risk_rules:
            if not risk_rule.step_up and risk_rule.when.holds(facts):
                risk = more_urgent(risk, risk_rule.risk)
                reasons.append(risk_rule.reason)
        # Rules that step the risk up (e.g. a vulnerable child) raise it one level above what
        # the rules above gave, at most to their own level, once however many of them hold.
        base = risk
        for risk_rule in parts.risk_rules:
            if risk_rule.step_up and risk_rule.when.holds(facts):
                raised = more_urgent(base, _one_above(base))
                risk = more_urgent(risk, less_urgent(raised, risk_rule.risk))
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
                steps.setdefault(key, self._due_at_risk(parts.steps[key], risk))
            for key in step_rule.call_now:
                calls.setdefault(key, self.routes[key])
            for key in step_rule.routes:
                routes.setdefault(key, self.routes[key])
            warnings.extend(w for w in step_rule.warnings if w not in warnings)
        actors: dict[str, str] = {}
        moved: dict[str, str] = {}
        for actor_rule in parts.actor_rules:
            if actor_rule.when.holds(facts):
                for old, new in actor_rule.actors:
                    actors.setdefault(old, new)
                for old, new in actor_rule.routes:
                    moved.setdefault(old, new)
                if actor_rule.reason:
                    reasons.append(actor_rule.reason)
        cast = {key: self._cast(plan, actors, moved) for key, plan in steps.items()}
        routes = {moved.get(k, k): self.routes[moved.get(k, k)] for k in routes}
        for step in cast.values():
            if step.route:
                routes.setdefault(step.route, self.routes[step.route])
        all_routes = {**calls, **routes}
        retention = next(
            (r.retention for r in parts.retention_rules if r.when.holds(facts)),
            category.retention,
        )
        return TriageResult(
            category=category.key,
            category_title=category.title,
            clause=category.clause,
            risk=risk,
            steps=tuple(sorted(cast.values(), key=_by_deadline)),
            call_now=tuple(calls.values()),
            routes=tuple(all_routes.values()),
            warnings=tuple(warnings),
            reasons=tuple(reasons),
            retention=retention,
            retention_rules=(retention,),
        )

    def _due_at_risk(self, plan: StepPlan, risk: Risk) -> StepPlan:
        """A step with the deadline its ``due_by_risk`` table gives at this risk (if any)."""
        due = self._parts.due_by_risk.get(plan.key, {}).get(risk)
        if due is None:
            return plan
        return replace(plan, due=due[0], due_words=due[1])

    def _cast(
        self, plan: StepPlan, actors: Mapping[str, str], routes: Mapping[str, str]
    ) -> StepPlan:
        """A step as this case has it: its actor (after actor rules), its route and its words.

        ``{headteacher}`` in a title or detail becomes the name of whoever takes the
        headteacher's part in this case (e.g. the chair of governors).
        """
        names = {key: self.actors[actors.get(key, key)] for key in self.actors}
        actor_key = actors.get(plan.actor_key, plan.actor_key)
        route = routes.get(plan.route, plan.route) if plan.route else plan.route
        return replace(
            plan,
            actor=self.actors.get(actor_key, plan.actor),
            actor_key=actor_key,
            title=fill_names(plan.title, names),
            detail=fill_names(plan.detail, names),
            route=route,
        )

    def due_at(self, reported: datetime, step: StepPlan) -> datetime | None:
        """When ``step`` is due for a concern reported at ``reported``, on the trust's calendar."""
        return due_at(reported, step.due, self.calendar)

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


def _one_above(risk: Risk) -> Risk:
    """The next more urgent level (immediate stays immediate)."""
    levels = list(Risk)
    return levels[max(risk.rank - 1, 0)]


def less_urgent(a: Risk, b: Risk) -> Risk:
    """The less urgent of two risk levels."""
    return a if a.rank >= b.rank else b


def _by_deadline(step: StepPlan) -> tuple[bool, timedelta]:
    """Soonest deadline first, steps without one last; ties keep the playbook's order.

    A working day counts as a calendar day here: the order does not depend on the report's day.
    """
    nominal = step.due.nominal if step.due else None
    return (nominal is None, nominal or timedelta(0))


def _join(
    facet: Question, results: list[tuple[str, TriageResult]], plain: Mapping[str, StepPlan]
) -> TriageResult:
    """One result for a concern with several sides: each side's result, joined."""
    labels = {c.key: c.label for c in facet.choices}
    # The most urgent side leads (its category is the case's); ties keep the question's order.
    ordered = sorted(results, key=lambda pair: pair[1].risk.rank)
    steps: dict[str, StepPlan] = {}
    for side, result in ordered:
        for step in result.steps:
            had = steps.get(step.key)
            if had is None:
                steps[step.key] = replace(step, sources=(side,))
                continue
            sources = (*had.sources, side)
            # A side where an actor rule moved the step (e.g. away from the headteacher) wins:
            # a step is never left with someone the concern is about.
            moved = step.actor_key != plain[step.key].actor_key
            kept = step if moved else had
            # The earliest deadline wins (a side at a higher risk may have made it sooner).
            soonest = min((had, step), key=_by_deadline)
            steps[step.key] = replace(
                kept, sources=sources, due=soonest.due, due_words=soonest.due_words
            )
    primary = ordered[0][1]
    risk = primary.risk
    for _, result in ordered:
        risk = more_urgent(risk, result.risk)

    def union(field: str) -> tuple[Any, ...]:
        seen: dict[Any, None] = {}
        for _, result in ordered:
            seen.update(dict.fromkeys(getattr(result, field)))
        return tuple(seen)

    return TriageResult(
        category=primary.category,
        category_title=primary.category_title,
        clause=primary.clause,
        risk=risk,
        steps=tuple(sorted(steps.values(), key=_by_deadline)),
        call_now=union("call_now"),
        routes=union("routes"),
        warnings=union("warnings"),
        reasons=union("reasons"),
        retention=primary.retention,
        facets=tuple(
            Facet(side, labels.get(side, side), r.category, r.category_title, r.clause, r.risk)
            for side, r in ordered
        ),
        retention_rules=union("retention_rules"),
    )


_NAME = re.compile(r"\{([a-z][a-z0-9_]*)\}")


def fill_names(text: str, names: Mapping[str, str]) -> str:
    """``{actor}`` placeholders in a step's words, filled with the actors' names.

    Inside a sentence a name is written in lower case ("tell the headteacher"), unless it is an
    acronym ("CEOP") or starts the text.
    """

    def name(match: re.Match[str]) -> str:
        found = names.get(match.group(1))
        if found is None:
            return match.group(0)
        if match.start() > 0 and found[1:2].islower():
            return found[0].lower() + found[1:]
        return found

    return _NAME.sub(name, text)


def _checked_answer(question: Question, given: str) -> str:
    """The answer as the walk keeps it; ``UsageError`` if the question does not offer it."""
    # The value itself stays out of the messages: it could be text a user typed.
    if question.multi and isinstance(given, str):
        chosen = set(split_answer(given))
        order = [c.key for c in question.choices]
        if chosen and chosen <= set(order) and len(split_answer(given)) == len(chosen):
            return join_answer(key for key in order if key in chosen)
        raise UsageError(f"The answer to {question.key!r} is not one the question offers.")
    if given not in _answers_of(question):
        raise UsageError(f"The answer to {question.key!r} is not one the question offers.")
    return given


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
