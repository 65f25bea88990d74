"""Checks a loaded playbook by walking every path through its questions, for a trust editing it.

Loading already refuses a malformed file. This finds what is well-formed but probably wrong: a
question no path asks, a category or step no path reaches (e.g. a category rule hidden behind an
earlier, broader one), a route nothing uses, a path that ends with no steps. It tries every answer
to every question, so it is meant for a one-off check (tests, or a trust's editor), not for each
triage.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from dsl_tui.model import Question
from dsl_tui.playbook.engine import Playbook

#: Stop walking after this many complete paths: the question tree is surely too big for a DSL.
MAX_PATHS = 50_000


@dataclass(frozen=True)
class LintReport:
    """What a walk of every path found."""

    paths: int
    longest: int
    problems: tuple[str, ...]


def _answers_of(question: Question) -> list[str]:
    return ["yes", "no"] if question.kind == "yes_no" else [c.key for c in question.choices]


def every_path(playbook: Playbook, limit: int = MAX_PATHS) -> Iterator[dict[str, str]]:
    """Every complete set of answers the wizard can produce (at most ``limit``)."""
    count = 0
    stack: list[dict[str, str]] = [{}]
    while stack and count < limit:
        answers = stack.pop()
        question = playbook.next_question(answers)
        if question is None:
            count += 1
            yield answers
            continue
        for answer in reversed(_answers_of(question)):
            stack.append({**answers, question.key: answer})


def lint(playbook: Playbook) -> LintReport:
    """Walk every path and list what no path reaches."""
    questions: set[str] = set()
    categories: set[str] = set()
    steps: set[str] = set()
    routes: set[str] = set()
    problems: list[str] = []
    paths = longest = 0
    for answers in every_path(playbook):
        paths += 1
        longest = max(longest, len(answers))
        questions.update(answers)
        result = playbook.triage(answers)
        categories.add(result.category)
        steps.update(step.key for step in result.steps)
        routes.update(route.key for route in result.routes)
        if not result.steps:
            problems.append(f"A path ends with no steps: {_path(answers)}.")
    if paths >= MAX_PATHS:
        problems.append(f"More than {MAX_PATHS} paths: the questions branch too much to check.")
    problems += [f"No path asks the question {k!r}." for k in _missing(playbook, questions)]
    problems += [
        f"No path ends in the category {k!r}." for k in _unused(playbook.categories, categories)
    ]
    problems += [f"No path gives the step {k!r}." for k in _unused(playbook.steps, steps)]
    problems += [f"No path uses the route {k!r}." for k in _unused(playbook.routes, routes)]
    return LintReport(paths, longest, tuple(dict.fromkeys(problems)))


def _missing(playbook: Playbook, asked: set[str]) -> list[str]:
    return [q.key for q in playbook.questions() if q.key not in asked]


def _unused(defined: Mapping[str, object], used: set[str]) -> list[str]:
    return [key for key in defined if key not in used]


def _path(answers: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in answers.items())
