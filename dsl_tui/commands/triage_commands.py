"""``dsl-tui triage --answer QUESTION=ANSWER ...``: run the playbook on answers, without a vault.

For a DSL (or the trust) checking what the playbook says about a kind of concern before or
without logging one: category, risk, steps with deadlines, who to call now, routes and warnings,
and the next question while the answers are incomplete. Nothing is stored and no vault is opened;
``DSL_TUI_PLAYBOOK`` chooses a trust's own playbook as everywhere else. An unknown question or
answer is exit 2 with the valid ones listed.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from dsl_tui.errors import UsageError
from dsl_tui.jsontypes import Doc
from dsl_tui.model import Question, Route, StepPlan, TriageResult
from dsl_tui.playbook import Playbook, load_playbook
from dsl_tui.playbook.rules import SEPARATOR, join_answer, split_answer

if TYPE_CHECKING:
    from dsl_tui import cli


def answers_accepted(question: Question) -> tuple[str, ...]:
    """The answers a question accepts, in the order the wizard offers them."""
    if question.kind == "yes_no":
        return ("yes", "no")
    return tuple(choice.key for choice in question.choices)


def parse_answers(playbook: Playbook, given: Sequence[str]) -> dict[str, str]:
    """``QUESTION=ANSWER`` pairs checked against the playbook; UsageError lists the valid ones.

    The typed value is never echoed back: the message names the question and what it accepts.
    """
    keys = [q.key for q in playbook.questions()]
    answers: dict[str, str] = {}
    for pair in given:
        key, sep, value = pair.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise UsageError("Give each answer as QUESTION=ANSWER, e.g. --answer about=nudes.")
        if key not in keys:
            raise UsageError(
                f"The playbook has no question {key[:40]!r}; its questions are: "
                + ", ".join(keys)
                + "."
            )
        question = playbook.question(key)
        accepted = answers_accepted(question)
        if question.multi:
            # Every side that applies: ``about=a+b``, or ``about=a --answer about=b``.
            chosen = split_answer(value)
            if not chosen or any(part not in accepted for part in chosen):
                raise UsageError(
                    f"The answer to {key!r} must be one or more of: " + ", ".join(accepted)
                    + f" (several joined with {SEPARATOR!r}, or the question repeated)."
                )  # fmt: skip
            before = split_answer(answers.get(key, ""))
            answers[key] = join_answer(c for c in accepted if c in before or c in chosen)
            continue
        if value not in accepted:
            raise UsageError(f"The answer to {key!r} must be one of: " + ", ".join(accepted) + ".")
        if key in answers and answers[key] != value:
            raise UsageError(f"The question {key!r} was answered twice, differently.")
        answers[key] = value
    return answers


def _route(route: Route) -> dict[str, str]:
    return {"key": route.key, "name": route.name, "contact": route.contact,
            "when": route.when, "clause": route.clause}  # fmt: skip


def _step(step: StepPlan) -> Doc:
    minutes = None if step.due_after is None else int(step.due_after.total_seconds() // 60)
    return {"key": step.key, "title": step.title, "deadline": step.deadline,
            "due_after_minutes": minutes, "actor": step.actor, "clause": step.clause,
            "route": step.route, "detail": step.detail,
            "sources": list(step.sources)}  # fmt: skip


def _question(question: Question) -> Doc:
    choices = (
        [{"key": "yes", "label": "Yes"}, {"key": "no", "label": "No"}]
        if question.kind == "yes_no"
        else [{"key": c.key, "label": c.label} for c in question.choices]
    )
    return {"key": question.key, "text": question.text, "kind": question.kind,
            "why": question.why, "clause": question.clause, "warning": question.warning,
            "choices": choices}  # fmt: skip


def triage_document(playbook: Playbook, given: dict[str, str]) -> Doc:
    """The triage of ``given`` as plain data (what ``--json`` prints)."""
    used = playbook.relevant_answers(given)
    result = playbook.triage(used)
    following = playbook.next_question(used)
    return {
        "playbook": {"version": playbook.version, "trust": playbook.trust},
        "answers": used,
        "ignored": [key for key in given if key not in used],
        "complete": following is None,
        "category": {
            "key": result.category,
            "title": result.category_title,
            "clause": result.clause,
        },  # fmt: skip
        "risk": result.risk.value,
        "facets": [
            {
                "answer": f.answer,
                "label": f.label,
                "category": f.category,
                "title": f.category_title,
                "clause": f.clause,
                "risk": f.risk.value,
            }
            for f in result.facets
        ],  # fmt: skip
        "reasons": list(result.reasons),
        "call_now": [_route(r) for r in result.call_now],
        "steps": [_step(s) for s in result.steps],
        "routes": [_route(r) for r in result.routes],
        "warnings": list(result.warnings),
        "next_question": _question(following) if following else None,
    }


def triage_lines(playbook: Playbook, given: dict[str, str]) -> list[str]:
    """The triage of ``given`` as a DSL reads it on a terminal."""
    used = playbook.relevant_answers(given)
    result: TriageResult = playbook.triage(used)
    following = playbook.next_question(used)
    out = [f"Playbook {playbook.version} ({playbook.trust})"]
    if following is not None:
        out.append("PARTIAL: the answers are incomplete; the result may still change.")
    ignored = [key for key in given if key not in used]
    if ignored:
        out.append("Not asked on this path, so ignored: " + ", ".join(ignored) + ".")
    out += [
        f"Category: {result.category_title} ({result.category}; policy {result.clause})",
        f"Risk: {result.risk.value.upper()}",
    ]
    out += [f"  why: {reason}" for reason in result.reasons]
    if len(result.facets) > 1:
        out += ["Sides of this concern (each adds its own steps):"]
        out += [
            f"  - {f.label}: {f.category_title} ({f.category}; policy {f.clause}), "
            f"risk {f.risk.value.upper()}"
            for f in result.facets
        ]
    labels = {f.answer: f.label for f in result.facets}
    for route in result.call_now:
        out.append(f"CALL NOW: {route.name}: {route.contact}")
    if result.warnings:
        out += ["", "Warnings:"] + [f"  ! {w}" for w in result.warnings]
    out += ["", "Steps (deadlines count from the time of the report):"]
    width = max((len(s.deadline) for s in result.steps), default=0)
    for number, step in enumerate(result.steps, 1):
        out.append(f"{number:>3}. {step.deadline:<{width}}  {step.title}")
        side = ""
        if len(result.facets) > 1 and step.sources:
            side = "; from: " + ", ".join(labels.get(key, key) for key in step.sources)
        out.append(f"     {'':<{width}}  who: {step.actor}; policy {step.clause}{side}")
    if not result.steps:
        out.append("  none")
    if result.routes:
        out += ["", "Routes:"]
        for route in result.routes:
            clause = f" (policy {route.clause})" if route.clause else ""
            out.append(f"  {route.name}{clause}: {route.contact}")
    if following is not None:
        out += ["", f"Next question: {following.key}: {following.text}"]
        if following.warning:
            out.append(f"  ! {following.warning}")
        if following.kind == "yes_no":
            out.append(f"  --answer {following.key}=yes | --answer {following.key}=no")
        else:
            out += [f"  --answer {following.key}={c.key}   {c.label}" for c in following.choices]
    return out


def _triage(args: argparse.Namespace) -> int:
    """Handler of ``dsl-tui triage``."""
    playbook = load_playbook()
    given = parse_answers(playbook, args.answer or [])
    if args.json:
        print(json.dumps(triage_document(playbook, given), indent=2, ensure_ascii=False))
    else:
        print("\n".join(triage_lines(playbook, given)))
    return 0


def register(subparsers: cli.Subcommands) -> None:
    """Add ``triage`` to the command line."""
    p = subparsers.add_parser(
        "triage",
        help="run the playbook on triage answers (no vault; nothing is stored)",
        description="Show what the playbook decides for these answers: category, risk, steps "
        "with deadlines, who to call now, routes, warnings, and the next question if the "
        "answers are incomplete. DSL_TUI_PLAYBOOK chooses a trust's own playbook.",
    )
    p.add_argument(
        "--answer",
        action="append",
        metavar="QUESTION=ANSWER",
        help="a triage answer, e.g. about=nudes (repeat for each question)",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON (for scripts)")
    p.set_defaults(func=_triage)
