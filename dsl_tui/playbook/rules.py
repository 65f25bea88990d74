"""The playbook's small condition language and its rules: what ``when`` and ``ask_if`` mean.

A condition is written in the playbook TOML as one of:

``"question=answer"``
    the answer given to that question is this one (yes/no questions answer ``yes`` or ``no``;
    choice questions answer a choice key);
``"question=a|b"``
    the answer is one of these;
``"question!=answer"``
    the answer is not this one; also true when the question was not asked or not answered;
    for a multi-choice question, ``=`` holds when the answer is among those chosen and ``!=``
    when it is not;
``"@name"``
    a named condition from the playbook's ``[conditions]`` table (defined above its first use);
``{ all = [cond, ...] }`` / ``{ any = [cond, ...] }`` / ``{ not = cond }``
    every / at least one / not.

A rule without ``when`` always matches. Besides question keys, rules that run once the category is
known may test ``category=``, ``group=`` (the category's group) and, in step rules, ``risk=``.
Everything named in a condition is checked when the playbook loads, so a typo fails loudly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dsl_tui.model import Risk

#: A place in the playbook: table names, keys and list indexes, e.g. ``("steps", "x", "clause")``.
KeyPath = tuple[object, ...]

#: Deeper than this, a condition is surely a mistake (and would risk a recursion error).
MAX_DEPTH = 12

#: Joins the choices of a multi-choice answer, e.g. ``"staff_conduct+staff_content"``. Keys are
#: lower-case letters, digits and ``_``, so the joined text is unambiguous, and it is stored on a
#: case like any other answer (older cases and case files need no change).
SEPARATOR = "+"


def split_answer(answer: str) -> tuple[str, ...]:
    """The choices of an answer: one for a plain answer, several for a multi-choice one."""
    return tuple(part for part in answer.split(SEPARATOR) if part)


def join_answer(choices: Iterable[str]) -> str:
    """One answer text for several choices (the inverse of ``split_answer``)."""
    return SEPARATOR.join(choices)


_ATOM = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*(!=|=)\s*([a-z0-9_]+(?:\s*\|\s*[a-z0-9_]+)*)\s*$")
_NAMED = re.compile(r"^\s*@([a-z][a-z0-9_]*)\s*$")


class BadEntry(Exception):
    """One problem at one place of the playbook; the loader turns it into ``PlaybookInvalid``."""

    def __init__(self, path: KeyPath, problem: str) -> None:
        super().__init__(problem)
        self.path = path
        self.problem = problem


class Condition:
    """A parsed condition: true or false for a set of facts (answers, category, group, risk)."""

    def holds(self, facts: Mapping[str, str]) -> bool:
        """True when the condition holds for these facts."""
        raise NotImplementedError

    def keys(self) -> frozenset[str]:
        """The facts (question keys, ``category``, ``group``, ``risk``) the condition reads."""
        raise NotImplementedError


@dataclass(frozen=True)
class Always(Condition):
    """The condition of a rule without ``when``."""

    def holds(self, facts: Mapping[str, str]) -> bool:
        """Always true."""
        return True

    def keys(self) -> frozenset[str]:
        """Reads nothing."""
        return frozenset()


@dataclass(frozen=True)
class Is(Condition):
    """``key=a|b`` (or ``key!=a|b`` when ``negate``)."""

    key: str
    values: frozenset[str]
    negate: bool = False

    def holds(self, facts: Mapping[str, str]) -> bool:
        """True when the fact is (or, negated, is not) one of the values.

        For a multi-choice answer, ``about=x`` holds when ``x`` is one of the chosen sides, and
        ``about!=x`` when none of them is ``x``.
        """
        given = facts.get(self.key)
        if given is None:
            found = False
        elif SEPARATOR in given:
            found = any(p in self.values for p in split_answer(given))
        else:
            # A plain answer (the common case): no need to split it.
            found = given in self.values
        return found != self.negate

    def keys(self) -> frozenset[str]:
        """The one fact it reads."""
        return frozenset({self.key})


@dataclass(frozen=True)
class AllOf(Condition):
    """``{ all = [...] }``."""

    parts: tuple[Condition, ...]

    def holds(self, facts: Mapping[str, str]) -> bool:
        """True when every part holds."""
        return all(part.holds(facts) for part in self.parts)

    def keys(self) -> frozenset[str]:
        """The facts its parts read."""
        return frozenset().union(*(part.keys() for part in self.parts))


@dataclass(frozen=True)
class AnyOf(Condition):
    """``{ any = [...] }``."""

    parts: tuple[Condition, ...]

    def holds(self, facts: Mapping[str, str]) -> bool:
        """True when at least one part holds."""
        return any(part.holds(facts) for part in self.parts)

    def keys(self) -> frozenset[str]:
        """The facts its parts read."""
        return frozenset().union(*(part.keys() for part in self.parts))


@dataclass(frozen=True)
class Not(Condition):
    """``{ not = cond }``."""

    part: Condition

    def holds(self, facts: Mapping[str, str]) -> bool:
        """True when the part does not hold."""
        return not self.part.holds(facts)

    def keys(self) -> frozenset[str]:
        """The facts its part reads."""
        return self.part.keys()


def parse_condition(
    raw: object,
    path: KeyPath,
    vocabulary: Mapping[str, frozenset[str]],
    named: Mapping[str, Condition],
    depth: int = 0,
) -> Condition:
    """Parse a condition from TOML, checking every fact and value against ``vocabulary``.

    ``vocabulary`` maps each fact a condition may test to the values it can take; ``named`` holds
    the ``[conditions]`` defined so far. Raises ``BadEntry`` naming the exact place of a problem.
    """
    if depth > MAX_DEPTH:
        raise BadEntry(path, "the condition is nested too deeply")
    if isinstance(raw, str):
        return _parse_text(raw, path, vocabulary, named)
    if isinstance(raw, dict):
        if len(raw) != 1:
            raise BadEntry(path, 'a condition table needs exactly one of "all", "any" or "not"')
        ((op, inner),) = raw.items()
        if op in ("all", "any"):
            where = (*path, op)
            if not isinstance(inner, list) or not inner:
                raise BadEntry(where, f'"{op}" needs a non-empty list of conditions')
            parts = tuple(
                parse_condition(item, (*where, i), vocabulary, named, depth + 1)
                for i, item in enumerate(inner)
            )
            return AllOf(parts) if op == "all" else AnyOf(parts)
        if op == "not":
            return Not(parse_condition(inner, (*path, "not"), vocabulary, named, depth + 1))
        raise BadEntry((*path, op), f'unknown condition "{op}": use "all", "any" or "not"')
    raise BadEntry(
        path, 'a condition is a text like "question=answer" or a table with "all", "any" or "not"'
    )


def _parse_text(
    raw: str,
    path: KeyPath,
    vocabulary: Mapping[str, frozenset[str]],
    named: Mapping[str, Condition],
) -> Condition:
    """Parse ``"key=a|b"``, ``"key!=a"`` or ``"@name"``."""
    by_name = _NAMED.match(raw)
    if by_name:
        name = by_name.group(1)
        if name not in named:
            raise BadEntry(path, f'"@{name}" is not a condition defined above in [conditions]')
        return named[name]
    atom = _ATOM.match(raw)
    if not atom:
        raise BadEntry(path, f'"{_short(raw)}" is not a condition like "question=answer"')
    key, op, text = atom.groups()
    if key not in vocabulary:
        raise BadEntry(path, f'"{key}" in "{_short(raw)}" is not a question known here')
    values = frozenset(v.strip() for v in text.split("|"))
    for value in sorted(values):
        if value not in vocabulary[key]:
            raise BadEntry(path, f'"{value}" is not an answer to "{key}" (in "{_short(raw)}")')
    return Is(key, values, negate=(op == "!="))


def _short(text: str) -> str:
    """A condition text cut short for an error message."""
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class CategoryRule:
    """``[[category_rules]]``: the first one whose ``when`` holds decides the category."""

    when: Condition
    category: str
    risk: Risk | None = None
    reason: str = ""


@dataclass(frozen=True)
class RiskRule:
    """``[[risk_rules]]``: each one that holds may raise the risk (never lower it).

    With ``step_up`` the rule raises the risk one level above what the other rules gave, at most
    to ``risk`` (e.g. a vulnerable child: medium becomes high); several such rules that hold
    each give their reason but raise it once.
    """

    when: Condition
    risk: Risk
    reason: str
    step_up: bool = False


@dataclass(frozen=True)
class StepRule:
    """``[[step_rules]]``: each one that holds adds its steps, routes, calls and warnings."""

    when: Condition
    steps: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    call_now: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActorRule:
    """``[[actor_rules]]``: when it holds, steps of these actors (and routes) go to others.

    E.g. when the concern is about the headteacher, the headteacher's and senior managers' steps
    go to the chair of governors (KCSIE Part 4: the case manager).
    """

    when: Condition
    actors: tuple[tuple[str, str], ...]
    routes: tuple[tuple[str, str], ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class RetentionRule:
    """``[[retention_rules]]``: the first that holds names the records rule for the case."""

    when: Condition
    retention: str
    reason: str = ""


def more_urgent(a: Risk, b: Risk) -> Risk:
    """The more urgent of two risk levels."""
    return a if a.rank <= b.rank else b
