"""Playbook test helpers: the shipped file as raw data, and every path through the wizard."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Iterator, Mapping
from functools import cache

from dsl_tui.model import Question
from dsl_tui.paths import data_dir
from dsl_tui.playbook import Playbook, load_playbook
from dsl_tui.playbook.schema import PolicySection

PLAYBOOK_PATH = data_dir() / "playbook.toml"


@cache
def shipped() -> Playbook:
    """The shipped playbook, loaded once per test session (it is immutable in use)."""
    return load_playbook()


@cache
def _raw_text() -> str:
    return PLAYBOOK_PATH.read_text(encoding="utf-8")


def playbook_text() -> str:
    """The shipped playbook's TOML text."""
    return _raw_text()


def raw_playbook() -> dict[str, object]:
    """A fresh, mutable copy of the shipped playbook as tomllib parses it."""
    return copy.deepcopy(_raw_parsed())


@cache
def _raw_parsed() -> dict[str, object]:
    return tomllib.loads(_raw_text())


@cache
def sections() -> dict[str, PolicySection]:
    """The shipped policy texts (so validation tests need not re-read the file)."""
    from dsl_tui.playbook import load_sections

    return load_sections(data_dir() / "policy-sections.toml")


def answers_of(question: Question) -> list[str]:
    """The answers a question accepts."""
    return ["yes", "no"] if question.kind == "yes_no" else [c.key for c in question.choices]


def all_paths(playbook: Playbook, limit: int = 20_000) -> Iterator[dict[str, str]]:
    """Every complete set of answers the wizard can produce, found by trying every answer.

    Fails (AssertionError) if a walk asks the same question twice or runs longer than there are
    questions: that would be a loop.
    """
    count = 0
    total = len(playbook.questions())
    stack: list[dict[str, str]] = [{}]
    while stack:
        answers = stack.pop()
        question = playbook.next_question(answers)
        if question is None:
            count += 1
            assert count <= limit, "too many paths: is the question list exploding?"
            yield answers
            continue
        assert question.key not in answers, f"{question.key} asked twice"
        assert len(answers) < total, "a walk asked more questions than exist"
        for answer in _walked(playbook, question):
            stack.append({**answers, question.key: answer})


def _walked(playbook: Playbook, question: Question) -> list[str]:
    """The answers a walk tries: as ``dsl_tui.playbook.lint`` does, a multi-choice question other
    than the sides of the concern is tried as "no" and as all its other choices at once."""
    facet = playbook.facet_question()
    keys = answers_of(question)
    if question.multi and facet is not None and question.key != facet.key:
        return [keys[0], "+".join(keys[1:])]
    return keys


#: Answered "no" unless a row says otherwise; each is ignored on paths that do not ask it.
DEFAULT_NO = (
    "immediate_danger",
    "subject_is_head",
    # Playbook 2026.12-2 (issue #19): asked on child paths; "no" keeps older rows as they were.
    "vulnerability",
    "family_is_risk",
    "location_known",
    "still_online",
)


def answered(**answers: str) -> Mapping[str, str]:
    """Answers for a triage table row: the questions of ``DEFAULT_NO`` are "no" unless given
    (immediate danger, "the member of staff is the headteacher", the child's vulnerabilities...)."""
    return {**dict.fromkeys(DEFAULT_NO, "no"), **answers}
