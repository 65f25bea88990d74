"""The playbook review: every answer path and its result, as one printable HTML page.

The trust's safeguarding governor signs off the playbook each year (policy 11.2). This page puts
in front of them what the playbook does: for each side of the concern (the answer to "what is it
mainly about?"), every result a DSL can reach (category, risk, steps with deadline, who acts and
the clause, who to call now, routes and warnings) and the answer paths that lead to it, then the
policy's own words for every clause cited, the questions, and a sign-off block. Identical results
are shown once with all their paths. Every text is HTML-escaped; the page has no scripts, links
or images, so it prints and archives as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from html import escape

from dsl_tui.model import Question, TriageResult
from dsl_tui.playbook.engine import Playbook
from dsl_tui.playbook.lint import every_path

#: Marks a file as a playbook review, so writing one never replaces any other file.
GENERATOR = "dsl-tui playbook review"
#: The question whose answer sorts paths into sides.
SIDE_QUESTION = "about"

_CSS = """
body { font-family: Georgia, serif; font-size: 11pt; margin: 2em; max-width: 60em; }
h1 { font-size: 18pt; } h2 { font-size: 14pt; border-bottom: 2px solid #333; margin-top: 2em; }
h3 { font-size: 12pt; margin-top: 1.5em; }
table { border-collapse: collapse; margin: 0.5em 0; width: 100%; }
th, td { border: 1px solid #999; padding: 0.2em 0.4em; text-align: left; vertical-align: top; }
.muted { color: #555; } .call { font-weight: bold; }
.result { page-break-inside: avoid; }
.side, .appendix { page-break-before: always; }
.sign td { height: 2.5em; }
"""


@dataclass
class _Result:
    """One distinct result and the answer paths that reach it."""

    result: TriageResult
    paths: list[dict[str, str]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def _same(result: TriageResult) -> tuple[object, ...]:
    """What makes two results the same for the reviewer (reasons are listed, not compared)."""
    return (result.category, result.risk, tuple(s.key for s in result.steps),
            tuple(r.key for r in result.call_now), tuple(r.key for r in result.routes),
            result.warnings)  # fmt: skip


def _sides(playbook: Playbook) -> dict[str, dict[tuple[object, ...], _Result]]:
    """Every path's result, grouped by side, identical results together (in the order met)."""
    sides: dict[str, dict[tuple[object, ...], _Result]] = {}
    for answers in every_path(playbook):
        result = playbook.triage(answers)
        group = sides.setdefault(answers.get(SIDE_QUESTION, ""), {})
        entry = group.setdefault(_same(result), _Result(result))
        # Only the reasons every path shares: a reason one path adds would mislead on the rest.
        entry.reasons = (list(result.reasons) if not entry.paths
                         else [r for r in entry.reasons if r in result.reasons])  # fmt: skip
        entry.paths.append(answers)
    return sides


def _t(text: object) -> str:
    return escape(str(text), quote=True)


def _answer_label(question: Question, answer: str) -> str:
    if question.kind == "yes_no":
        return answer
    return next((c.label for c in question.choices if c.key == answer), answer)


def _path_text(playbook: Playbook, answers: dict[str, str]) -> str:
    """A path as the reviewer reads it: each question (short) and the answer given."""
    parts = []
    for key, answer in answers.items():
        if key == SIDE_QUESTION:
            continue
        parts.append(f"{key.replace('_', ' ')}: {_answer_label(playbook.question(key), answer)}")
    return "; ".join(parts)


def _clauses_of(result: TriageResult) -> list[str]:
    refs = [result.clause, *(s.clause for s in result.steps), *(r.clause for r in result.routes)]
    return [part.strip() for ref in refs for part in ref.split(",") if part.strip()]


def _result_html(playbook: Playbook, number: str, entry: _Result) -> str:
    result = entry.result
    risk = result.risk.value.upper()
    out = [f'<div class="result"><h3>Result {_t(number)}: {_t(result.category_title)} '
           f"(policy {_t(result.clause)}) \u2014 risk {_t(risk)}</h3>"]  # fmt: skip
    for route in result.call_now:
        out.append(f'<p class="call">CALL NOW: {_t(route.name)}: {_t(route.contact)}</p>')
    if entry.reasons:
        out.append("<p><b>Why:</b> " + " ".join(_t(r) for r in entry.reasons) + "</p>")
    rows = "".join(
        f"<tr><td>{n}</td><td nowrap>{_t(s.deadline)}</td><td>{_t(s.title)}</td>"
        f"<td>{_t(s.actor)}</td><td nowrap>{_t(s.clause)}</td></tr>"
        for n, s in enumerate(result.steps, 1)
    )
    out.append(
        "<table><tr><th>#</th><th>Deadline</th><th>Step</th><th>Who</th><th>Policy</th></tr>"
        f"{rows}</table>"
        if rows
        else "<p><b>Steps:</b> none.</p>"
    )
    if result.routes:
        out.append("<p><b>Routes:</b></p><ul>" + "".join(
            f"<li>{_t(r.name)}" + (f" (policy {_t(r.clause)})" if r.clause else "")
            + f": {_t(r.contact)}</li>" for r in result.routes) + "</ul>")  # fmt: skip
    if result.warnings:
        out.append("<p><b>Warnings:</b></p><ul>"
                   + "".join(f"<li>{_t(w)}</li>" for w in result.warnings) + "</ul>")  # fmt: skip
    count = len(entry.paths)
    out.append(f"<p><b>Reached by {count} answer path{'' if count == 1 else 's'}:</b></p><ol>")
    out += [f"<li>{_t(_path_text(playbook, p)) or 'no further questions'}</li>"
            for p in entry.paths]  # fmt: skip
    out.append("</ol></div>")
    return "\n".join(out)


def _appendix_clauses(playbook: Playbook, refs: Iterable[str]) -> str:
    out = ['<h2 class="appendix">Appendix A: the policy\'s own words for each clause cited</h2>']
    titles = {section.ref: section.title for section in playbook.policy_sections()}
    for ref in sorted(set(refs), key=_clause_order):
        text = playbook.clause_text(ref)
        # Lines as <br>, not <pre>: a long policy line must wrap on paper and in text browsers.
        lines = "<br>".join(_t(line) for line in text.strip().splitlines())
        body = f"<p>{lines}</p>" if text else '<p class="muted">(no text in the policy)</p>'
        out.append(f"<h3>{_t(ref)} {_t(titles.get(ref, ''))}</h3>{body}")
    return "\n".join(out)


def _clause_order(ref: str) -> tuple[int, list[int], str]:
    """Numbered clauses in number order (5.2 before 10.1), then named ones (Appendix A, KCSIE)."""
    numbers = ref.split(".")
    if all(n.isdigit() for n in numbers):
        return (0, [int(n) for n in numbers], "")
    return (1, [], ref)


def _appendix_questions(playbook: Playbook) -> str:
    rows = "".join(
        f"<tr><td nowrap>{_t(q.key.replace('_', ' '))}</td><td>{_t(q.text)}</td>"
        f"<td nowrap>{_t(q.clause)}</td></tr>"
        for q in playbook.questions()
    )
    return ('<h2 class="appendix">Appendix B: the triage questions, in the order asked</h2>'
            "<table><tr><th>In the paths</th><th>Question</th><th>Policy</th></tr>"
            f"{rows}</table>")  # fmt: skip


def _sign_off(playbook: Playbook) -> str:
    rows = "".join(
        f"<tr><td>{_t(who)}</td>" + "<td>&nbsp;</td>" * 4 + "</tr>"
        for who in ("Safeguarding governor", "Designated safeguarding lead")
    )
    return (
        '<h2 class="appendix">Sign-off (policy 11.2)</h2>'
        f"<p>We have reviewed playbook version {_t(playbook.version)} of {_t(playbook.trust)}: "
        "every answer path above and its result, against the trust's social media policy. "
        "It is approved for use until the next yearly review.</p>"
        '<table class="sign"><tr><th width="24%">Signing as</th><th width="22%">Name</th>'
        '<th width="16%">Role</th><th width="12%">Date</th><th width="26%">Signature</th></tr>'
        f"{rows}</table>"
        "<p>Changes required before approval (if any):</p>"
        '<table class="sign">' + "<tr><td>&nbsp;</td></tr>" * 3 + "</table>"
    )


def review_html(playbook: Playbook, *, made_on: date) -> str:
    """The whole review page for ``playbook`` (``made_on`` is printed on it)."""
    sides = _sides(playbook)
    side_question = playbook.question(SIDE_QUESTION)
    paths = sum(len(e.paths) for group in sides.values() for e in group.values())
    results = sum(len(group) for group in sides.values())
    head = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="generator" content="{GENERATOR}">'
        f"<title>Playbook review: {_t(playbook.trust)}, version {_t(playbook.version)}</title>"
        f"<style>{_CSS}</style></head><body>"
        f"<h1>Playbook review: {_t(playbook.trust)}</h1>"
        f"<p>Playbook version <b>{_t(playbook.version)}</b>, printed {_t(made_on.isoformat())}. "
        f"{paths} answer paths through {len(playbook.questions())} questions lead to "
        f"{results} distinct results. Each result below lists the steps a DSL is given, with "
        "their deadlines (counted from the time of the report), who acts and the policy clause, "
        "then the answer paths that reach it. The policy's own words for every clause are in "
        "Appendix A; the sign-off is at the end.</p>"
    )
    contents = ["<h2>Contents</h2><ol>"]
    body: list[str] = []
    cited: list[str] = []
    for letter, (side, group) in zip(_letters(), sides.items(), strict=False):
        title = _answer_label(side_question, side) if side else "(not asked)"
        count = sum(len(e.paths) for e in group.values())
        contents.append(f"<li>{_t(letter)}. {_t(title)}: {len(group)} results, {count} paths</li>")
        body.append(f'<h2 class="side">{_t(letter)}. {_t(side_question.text)} '
                    f"\u2014 {_t(title)}</h2>")  # fmt: skip
        for number, entry in enumerate(group.values(), 1):
            body.append(_result_html(playbook, f"{letter}.{number}", entry))
            cited += _clauses_of(entry.result)
    contents.append("</ol>")
    tail = [_appendix_clauses(playbook, cited), _appendix_questions(playbook), _sign_off(playbook)]
    return "\n".join([head, *contents, *body, *tail, "</body></html>\n"])


def _letters() -> Iterable[str]:
    """A, B, ..., Z, AA, AB...: a short name for each side."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    yield from alphabet
    yield from (a + b for a in alphabet for b in alphabet)
