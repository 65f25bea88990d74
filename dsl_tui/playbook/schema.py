"""Reads a trust's playbook TOML into checked, typed parts: every problem names its key path.

The shape of the file is described in ``docs/playbook.md`` (and shown by ``data/playbook.toml``).
Checking is strict on purpose: an unknown field, a step without a clause, a rule naming a question,
choice, category, step, route or actor that does not exist, or a bad duration all stop the load
with ``BadEntry`` (turned into ``PlaybookInvalid`` by ``dsl_tui.playbook``), because a silently
ignored typo in a safeguarding playbook is a step a child never gets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from difflib import get_close_matches

from dsl_tui.deadlines import WorkingCalendar
from dsl_tui.model import Deadline, Question, Risk, Route, StepPlan
from dsl_tui.playbook.rules import (
    ActorRule,
    BadEntry,
    CategoryRule,
    Condition,
    KeyPath,
    RetentionRule,
    RiskRule,
    StepRule,
)

KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
PREFIX = re.compile(r"^[A-Z][A-Z0-9]{1,3}$")
#: Facts a condition may test besides the questions; no question may take these names.
RESERVED = frozenset({"category", "group", "risk"})
YES_NO = frozenset({"yes", "no"})
RISKS = frozenset(r.value for r in Risk)
KINDS = ("yes_no", "choice")
#: Longest deadline accepted: beyond a year is surely a typo.
MAX_DUE = timedelta(days=366)
_DURATION = re.compile(
    r"^\s*(\d{1,4})\s*(minutes?|hours?|working days?|days?|weeks?)\s*$", re.IGNORECASE
)
_UNIT = {"minute": 1 / 1440, "hour": 1 / 24, "day": 1.0, "week": 7.0}
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class School:
    """A school of the trust; ``prefix`` starts its case ids (e.g. ``SRA-2026-0001``)."""

    key: str
    name: str
    prefix: str


@dataclass(frozen=True)
class Category:
    """A kind of concern, with the policy clause it comes from and its usual risk."""

    key: str
    title: str
    clause: str
    risk: Risk
    group: str
    retention: str
    description: str = ""


@dataclass(frozen=True)
class Retention:
    """How long a kind of record is kept; ``years`` is None for "keep" (no end set yet)."""

    key: str
    title: str
    years: int | None
    starts: str
    rule: str
    #: Where the rule comes from (e.g. "IRMS toolkit for schools; KCSIE 2025 Part 4").
    source: str = ""


@dataclass(frozen=True)
class PolicySection:
    """A clause of the policy (or of national guidance) in its own words, for the help screen."""

    ref: str
    title: str
    text: str
    guidance: bool = False


@dataclass(frozen=True)
class AskedQuestion:
    """A question together with the condition under which the wizard asks it."""

    question: Question
    ask_if: Condition


@dataclass(frozen=True)
class PlaybookParts:
    """Everything a playbook file holds, checked and typed."""

    version: str
    trust: str
    schools: tuple[School, ...]
    actors: dict[str, str]
    retention: dict[str, Retention]
    routes: dict[str, Route]
    categories: dict[str, Category]
    questions: tuple[AskedQuestion, ...]
    category_rules: tuple[CategoryRule, ...]
    risk_rules: tuple[RiskRule, ...]
    steps: dict[str, StepPlan]
    step_rules: tuple[StepRule, ...]
    actor_rules: tuple[ActorRule, ...] = ()
    retention_rules: tuple[RetentionRule, ...] = ()
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)
    #: A step's deadline at a given risk, where the guidance ties it to the risk (``due_by_risk``).
    due_by_risk: dict[str, dict[Risk, tuple[Deadline, str]]] = field(default_factory=dict)


class Table:
    """A TOML table being read; remembers the fields read so that unknown ones are reported."""

    def __init__(self, raw: object, path: KeyPath, what: str) -> None:
        if not isinstance(raw, dict):
            raise BadEntry(path, f"{what} must be a table")
        self.raw: dict[object, object] = raw
        self.path = path
        self._seen: set[object] = set()

    def value(self, name: str) -> object:
        """The raw value of a field (None when absent), marking it as known."""
        self._seen.add(name)
        return self.raw.get(name)

    def text(self, name: str, *, required: bool = True) -> str:
        """A text field; required ones must not be empty."""
        value = self.value(name)
        if value is None:
            if required:
                raise BadEntry((*self.path, name), f'the field "{name}" is missing')
            return ""
        if not isinstance(value, str):
            raise BadEntry((*self.path, name), "this must be text")
        if required and not value.strip():
            raise BadEntry((*self.path, name), "this must not be empty")
        return value.strip()

    def key(self, name: str, known: dict[str, object] | frozenset[str], what: str) -> str:
        """A field naming something defined elsewhere (a category, route, actor...)."""
        value = self.text(name)
        if value not in known:
            raise BadEntry((*self.path, name), f'"{value}" is not a known {what}')
        return value

    def texts(self, name: str) -> tuple[str, ...]:
        """A list of texts (empty when absent)."""
        value = self.value(name)
        if value is None:
            return ()
        if not isinstance(value, list):
            raise BadEntry((*self.path, name), "this must be a list of texts")
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise BadEntry((*self.path, name, i), "this must be a non-empty text")
        return tuple(item.strip() for item in value)

    def risk(self, name: str, *, required: bool = True) -> Risk | None:
        """A risk level: immediate, high, medium, low or none."""
        if not required and self.raw.get(name) is None:
            self._seen.add(name)
            return None
        value = self.text(name)
        if value not in RISKS:
            raise BadEntry((*self.path, name), f'"{value}" is not a risk level ({_list(RISKS)})')
        return Risk(value)

    def finish(self) -> None:
        """Fail on the first field that was never read: it is unknown (probably a typo)."""
        self.only([str(name) for name in self._seen])

    def only(self, fields: Sequence[str]) -> None:
        """Fail on the first field not in ``fields``, suggesting the nearest known one."""
        for name in self.raw:
            if name not in fields:
                near = get_close_matches(str(name), fields, n=1)
                hint = f' (did you mean "{near[0]}"?)' if near else ""
                raise BadEntry((*self.path, str(name)), f'unknown field "{name}"{hint}')


def keyed_tables(top: Table, name: str, what: str) -> list[tuple[str, Table]]:
    """``[name.key]`` tables, e.g. ``[steps.ask_host_removal]``; at least one is needed."""
    raw = top.value(name)
    if raw is None:
        raise BadEntry((name,), f'the "{name}" table is missing')
    if not isinstance(raw, dict) or not raw:
        raise BadEntry((name,), f'"{name}" must be a table of {what}s')
    out = []
    for key, entry in raw.items():
        check_key(key, (name, key))
        out.append((str(key), Table(entry, (name, key), f"a {what}")))
    return out


def table_list(top: Table, name: str, what: str, *, required: bool = True) -> list[Table]:
    """``[[name]]`` entries, in file order."""
    raw = top.value(name)
    if raw is None and not required:
        return []
    if not isinstance(raw, list) or not raw:
        raise BadEntry((name,), f'"{name}" must be a list of {what}s ([[{name}]] entries)')
    return [Table(item, (name, i), f"a {what}") for i, item in enumerate(raw)]


def check_key(key: object, path: KeyPath) -> str:
    """Keys are short lower-case names, so that conditions can name them."""
    if not isinstance(key, str) or not KEY.match(key):
        raise BadEntry(
            path, 'a key must be lower-case letters, digits and "_", starting with a letter'
        )
    return key


def check_clause(clause: str, path: KeyPath, sections: dict[str, PolicySection]) -> str:
    """A clause reference such as ``9.3``, ``Appendix A`` or ``10.1, KCSIE``, each part known."""
    parts = [part.strip() for part in clause.split(",")]
    for part in parts:
        if part not in sections:
            raise BadEntry(path, f'"{part}" is not a clause of the policy text or a known guidance')
    return ", ".join(parts)


def parse_duration(text: str, path: KeyPath) -> Deadline:
    """``"now"``, ``"30 minutes"``, ``"24 hours"``, ``"2 days"``, ``"1 week"``, ``"1 working day"``.

    Working days are kept as such: ``dsl_tui.deadlines.due_at`` skips weekends, bank holidays
    and the trust's closure days when it counts them.
    """
    if text.strip().lower() == "now":
        return Deadline()
    match = _DURATION.match(text)
    if not match:
        raise BadEntry(path, f'"{text}" is not a duration like "24 hours" or "1 working day"')
    count, unit = int(match.group(1)), match.group(2).lower().rstrip("s")
    if unit == "working day":
        deadline = Deadline(working_days=count)
    else:
        deadline = Deadline(after=timedelta(days=count * _UNIT[unit]))
    # A working day can be up to five calendar days away (a bank holiday weekend, a closure).
    if deadline.nominal > MAX_DUE:
        raise BadEntry(path, f'"{text}" is longer than a year')
    return deadline


def parse_day(text: object, path: KeyPath) -> date:
    """A day written ``YYYY-MM-DD`` (e.g. a closure day of the trust's calendar)."""
    if not isinstance(text, str) or not _DAY.match(text.strip()):
        raise BadEntry(path, 'a day is written as text, "YYYY-MM-DD"')
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadEntry(path, f'"{text}" is not a day of the calendar') from None


def read_sections(raw: object) -> dict[str, PolicySection]:
    """The policy-sections file: ``[sections."5.2"]`` (policy words) and ``[guidance.X]``."""
    top = Table(raw, (), "the policy text file")
    found: dict[str, PolicySection] = {}
    for name, guidance in (("sections", False), ("guidance", True)):
        raw_group = top.value(name)
        if raw_group is None and guidance:
            continue
        if not isinstance(raw_group, dict) or not raw_group:
            raise BadEntry((name,), f'"{name}" must be a table of clauses')
        for ref, entry in raw_group.items():
            if not isinstance(ref, str) or not ref.strip() or "," in ref or ref in found:
                raise BadEntry((name, ref), "a clause needs a unique name without commas")
            table = Table(entry, (name, ref), "a clause")
            found[ref] = PolicySection(ref, table.text("title"), table.text("text"), guidance)
            table.finish()
    top.finish()
    return found


def _list(values: frozenset[str] | tuple[str, ...]) -> str:
    """``a, b or c`` for messages."""
    items = sorted(values) if isinstance(values, frozenset) else list(values)
    return ", ".join(items[:-1]) + " or " + items[-1] if len(items) > 1 else "".join(items)
