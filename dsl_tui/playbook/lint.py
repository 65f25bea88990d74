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
from itertools import combinations

from dsl_tui.model import Question
from dsl_tui.playbook.engine import Playbook
from dsl_tui.playbook.rules import join_answer

#: Stop walking after this many complete paths: the question tree is surely too big for a DSL.
MAX_PATHS = 50_000


@dataclass(frozen=True)
class LintReport:
    """What a walk of every path found."""

    paths: int
    longest: int
    problems: tuple[str, ...]


def _answers_of(question: Question, facet: Question | None = None) -> list[str]:
    """The answers a walk tries (the facet question: each single side; pairs come later).

    Another multi-choice question (e.g. the child's vulnerabilities, whose first choice is "no",
    none of these) is tried as "no" and as every other choice at once: its choices only add
    (risk, steps, reasons), so that meets every rule testing it without multiplying the paths
    by each of its choices. Tests check the single choices one by one.
    """
    if question.kind == "yes_no":
        return ["yes", "no"]
    keys = [c.key for c in question.choices]
    if question.multi and facet is not None and question.key != facet.key:
        return [keys[0], join_answer(keys[1:])]
    return keys


def every_path(
    playbook: Playbook, limit: int = MAX_PATHS, *, pairs: bool = False
) -> Iterator[dict[str, str]]:
    """Every complete set of answers the wizard can produce (at most ``limit``).

    The multi-choice question (the sides of a concern) is tried with each single side; with
    ``pairs`` (what ``lint`` and the properties of joined sides use), then with each pair of
    sides too. The default keeps to single sides: a review of each side's outcomes, or a
    property of one side (e.g. "contact that is not a breach has no disciplinary steps"), must
    not read another side's steps as its own.

    Pairs, not every subset: 2^n subsets would multiply the paths of each side together. A
    pair's paths are not the full product of its sides' paths either:
    each path of either side is met once, beside some path of the other side, and the walk then
    goes on to any question only the pair asks. That meets every way two sides' rules touch (a
    shared question asked once, a step both give, an actor rule moving one side's step); a
    triple only repeats such joins. So the paths are the singles and the pairs, and properties
    checked on them are meant to hold for any number of sides.
    """
    count = 0
    facet = playbook.facet_question()
    sides: dict[str, list[dict[str, str]]] = {}
    for answers in _paths_from(playbook, {}):
        if count >= limit:
            return
        count += 1
        if facet is not None and facet.key in answers and _plain(playbook, facet, answers):
            sides.setdefault(answers[facet.key], []).append(answers)
        yield answers
    if facet is None or not pairs:
        return
    for first, second in combinations([c.key for c in facet.choices], 2):
        ones, others = sides.get(first, []), sides.get(second, [])
        if not ones or not others:
            continue
        for i in range(max(len(ones), len(others))):
            # The first side's answers win where both sides answered a shared question.
            both = {**others[i % len(others)], **ones[i % len(ones)]}
            both[facet.key] = join_answer((first, second))
            for answers in _paths_from(playbook, playbook.relevant_answers(both)):
                if count >= limit:
                    return
                count += 1
                yield answers


def _plain(playbook: Playbook, facet: Question, answers: Mapping[str, str]) -> bool:
    """True when every other multi-choice question on the path is answered "none of these".

    Only such paths of a side meet another side in a pair: those answers only add to their own
    side (a raised risk, a step), which the single side's walk already tries both ways.
    """
    return all(
        answers.get(q.key, q.choices[0].key) == q.choices[0].key
        for q in playbook.questions()
        if q.multi and q.key != facet.key
    )


def _paths_from(playbook: Playbook, start: dict[str, str]) -> Iterator[dict[str, str]]:
    """Every way to finish answering from ``start`` (depth first, in the questions' order)."""
    stack: list[dict[str, str]] = [start]
    facet = playbook.facet_question()
    while stack:
        answers = stack.pop()
        question = playbook.next_question(answers)
        if question is None:
            yield answers
            continue
        for answer in reversed(_answers_of(question, facet)):
            stack.append({**answers, question.key: answer})


def lint(playbook: Playbook) -> LintReport:
    """Walk every path and list what no path reaches."""
    questions: set[str] = set()
    categories: set[str] = set()
    steps: set[str] = set()
    routes: set[str] = set()
    problems: list[str] = []
    paths = longest = 0
    for answers in every_path(playbook, pairs=True):
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
