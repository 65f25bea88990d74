"""Test helpers for the security tests: fuzz budgets, hostile text, hostile case files, the CLI.

Every person named here is invented. ``DSL_TUI_FUZZ_EXAMPLES`` raises the number of hypothesis
examples per fuzz test for a long run outside CI (docs/fuzzing.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyrage
from helpers_app import answer_by_keys, memory_casebook, wait_until
from helpers_export import fake_casebook, sample_case
from hypothesis import HealthCheck, settings

from dsl_tui.casebook import Casebook
from dsl_tui.export import casefile_json, package
from dsl_tui.export.casefile_html import render_html
from dsl_tui.export.exporter import build_document
from dsl_tui.model import ConcernReport, NewPerson, PersonRole

REPO = Path(__file__).resolve().parents[1]

#: Examples per fuzz test: modest in CI, raised by DSL_TUI_FUZZ_EXAMPLES for a long local run.
FUZZ_EXAMPLES = int(os.environ.get("DSL_TUI_FUZZ_EXAMPLES", "0") or 0)


def fuzz_settings(ci_examples: int) -> settings:
    """Hypothesis settings: ``ci_examples`` in CI, or the long-run count from the environment."""
    return settings(
        max_examples=FUZZ_EXAMPLES or ci_examples,
        deadline=None,
        derandomize=not FUZZ_EXAMPLES,  # CI runs the same examples every time; long runs explore
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )


#: A canary passphrase: it must never be found in any file, log, message or traceback.
CANARY_PASSPHRASE = "quokka saffron trellis 8817 canary"
#: Text a hostile sender might put in names and notes.
OSC_TITLE = "\x1b]0;pwned\x07"
CLEAR_SCREEN = "\x1b[2J"
HOSTILE_NAME = f"Wren{OSC_TITLE}Ashdown{CLEAR_SCREEN}\x9b31m\x07\x08[bold]x[/] [/link]"
RTL_EMOJI = (
    "\u05e0\u05d5\u05e2\u05d4 \u0644\u064a\u0644\u0649 \U0001f469\u200d\U0001f4bb \u202eevil"
)
HUGE_TEXT = "A" * (1 << 20)


def raw_terminal_controls(text: str) -> list[str]:
    """Control characters a terminal would act on (ESC, BEL, BS, CSI...), and bidi embeddings,
    overrides and isolates that would reorder what is shown; not newline/tab."""
    return [
        ch
        for ch in text
        if (ord(ch) < 0x20 and ch not in "\n\t\r")
        or 0x7F <= ord(ch) <= 0x9F
        or 0x202A <= ord(ch) <= 0x202E
        or 0x2066 <= ord(ch) <= 0x2069
    ]


def run_cli(
    *args: str, stdin: str = "", env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m dsl_tui ARGS`` with ``stdin`` (fast KDF, private state), finished."""
    full_env = {**os.environ, "DSL_TUI_KDF": "floor", **(env or {})}
    full_env.pop("DSL_TUI_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "dsl_tui", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
        cwd=cwd or REPO,
    )


def assert_clean_failure(
    done: subprocess.CompletedProcess[str], codes: tuple[int, ...] = (2,)
) -> None:
    """A failed command: expected exit code, one line on stderr, no traceback, no raw controls."""
    assert done.returncode in codes, (done.returncode, done.stderr[-2000:])
    err = done.stderr.strip()
    assert "Traceback" not in done.stderr and "unexpected" not in err, err[-2000:]
    assert err.startswith("dsl-tui: "), err[-2000:]
    assert len(err.splitlines()) == 1, err[-2000:]
    assert not raw_terminal_controls(done.stderr + done.stdout), repr(err[-300:])


def hostile_document(**changes: Any) -> dict[str, Any]:
    """A valid transfer-pack document whose texts carry escape sequences; ``changes`` edit it."""
    case = sample_case()
    document, _ = build_document(
        fake_casebook(case), [case], now=sample_case().reported_at, transfer_to=HOSTILE_NAME
    )
    record = document["cases"][0]
    record["school"] = CLEAR_SCREEN
    record["category_title"] = HOSTILE_NAME
    record["summary"] = f"{HOSTILE_NAME} {RTL_EMOJI}"
    record["people"][0]["name"] = HOSTILE_NAME
    for entry in document.get("evidence_files", []):
        entry["case_id"] = record["id"]
    document["from_school"] = f"Evil{OSC_TITLE}"
    document.update(changes)
    return document


def case_zip(
    document: Any, evidence: dict[str, bytes] | None = None, html: str | None = None
) -> bytes:
    """The zip payload of a case file holding ``document`` (with a true manifest)."""
    files = {
        "case-file.json": casefile_json.dumps(document),
        "case-file.html": (render_html(document) if html is None else html).encode("utf-8"),
        **(evidence or {}),
    }
    return package.build_zip(files, sample_case().reported_at)


def seal_to_key(payload: bytes, identity_file: Path, out: Path) -> Path:
    """``payload`` as an age file for the X25519 identity in ``identity_file``."""
    identity = pyrage.x25519.Identity.from_str(
        [
            line
            for line in identity_file.read_text().splitlines()
            if line.startswith("AGE-SECRET-KEY-")
        ][0]
    )
    out.write_bytes(pyrage.encrypt(payload, [identity.to_public()]))
    return out


def without_evidence(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with no evidence files listed (so a zip without them is consistent)."""
    copy = json.loads(json.dumps(document))
    copy["evidence_files"] = []
    for record in copy["cases"]:
        record["evidence"] = [{**e, "blob_id": None} for e in record.get("evidence", [])]
    return copy


def rendered(app: Any) -> str:
    """Everything the app would write to the terminal for a full redraw of its screen, as text."""
    update = app.screen._compositor.render_update(full=True)
    return "\n".join("".join(segment.text for segment in strip) for strip in update.strips)


async def paste(pilot: Any, text: str) -> None:
    """Paste ``text`` into the focused field the way a terminal delivers a paste (one event)."""
    from textual import events

    assert pilot.app.focused is not None, "no field has the cursor"
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()


# ---------------------------------------------------------------- driving the TUI's forms by keys
#: Answers that triage a concern as cyber-bullying by pupils.
BULLYING = {"immediate_danger": "no", "about": "child_online", "child_harm": "bullying",
            "adult_involved": "no", "bullying_serious": "yes", "perpetrator_pupils": "yes",
            "still_online": "yes",
            "vulnerability": "no"}  # fmt: skip
PUPIL = "Marigold Thistlewood"


def one_case(*, steps_ended: bool = False) -> tuple[Casebook, str]:
    """An in-memory casebook with one fictional open case (its steps set aside if asked)."""
    book = memory_casebook()
    report = ConcernReport(
        school="sra", reporter="Form tutor", summary="Unkind messages in a game chat.",
        people=(NewPerson(PersonRole.PUPIL, PUPIL, "Y8"),),
    )  # fmt: skip
    case = book.log_concern(report, BULLYING)
    if steps_ended:
        for step in case.steps:
            book.set_aside_step(case.id, step.id, "Handled in the linked case.")
    return book, case.id


def vault_state(book: Casebook, case_id: str) -> tuple[Any, ...]:
    """What must not move when a form refuses: the audit log and the case as stored."""
    return tuple(book.audit_log()), book.case(case_id, view=False)


def kept(text: str, *, one_line: bool) -> str:
    """What a field keeps of pasted text: a one-line field keeps the first line; both strip."""
    if one_line:
        text = text.splitlines()[0] if text else ""
    return text.strip()


def assert_nothing_raw(app: Any) -> None:
    """What the terminal would be sent for the screen holds no raw control code."""
    shown = rendered(app)
    assert not raw_terminal_controls(shown), repr([c for c in raw_terminal_controls(shown)][:5])


def error_line(app: Any) -> str:
    """The refusal sentence a dialog shows under its fields."""
    from textual.widgets import Static

    return str(app.screen.query_one("#error", Static).render())


async def clear_field(pilot: Any) -> None:
    """Empty the focused one-line field by keys (Home, then Ctrl+K), if it holds text."""
    if getattr(pilot.app.focused, "value", ""):
        await pilot.press("home", "ctrl+k")


async def fill(pilot: Any, values: dict[str, str]) -> None:
    """Tab to each field (by id; Tab goes round, so any order works) and put its value there,
    replacing what was in it; an empty value only empties the field."""
    for field, value in values.items():
        for _ in range(14):  # more than any form's fields: Tab has gone round once
            if getattr(pilot.app.focused, "id", None) == field:
                break
            await pilot.press("tab")
        assert getattr(pilot.app.focused, "id", None) == field, f"the form has no {field}"
        await clear_field(pilot)
        if value:
            await paste(pilot, value)


async def open_case(pilot: Any) -> None:
    """From the dashboard, Enter opens the one case."""
    from dsl_tui.screens.case_view import CaseScreen

    await pilot.pause()
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, CaseScreen))


#: The wizard's text fields in Tab order after the school, and whether each is one line.
WIZARD_FIELDS = (
    ("reporter", True), ("occurred", True), ("summary", False), ("child_words", False),
    ("person-1-name", True), ("person-1-role", None), ("person-1-year", True),
    ("platform", True), ("handle", True),
)  # fmt: skip


async def fill_report(pilot: Any, values: dict[str, str]) -> None:
    """N on the dashboard, choose the first school, then fill the report's fields."""
    from dsl_tui.screens.wizard import ConcernWizard
    from dsl_tui.screens.wizard_danger import DangerScreen

    await pilot.press("n")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, DangerScreen))
    await pilot.press("n")  # not in immediate danger: asked before anything is typed
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConcernWizard))
    await pilot.press("enter", "down", "enter")  # the first school
    await fill(pilot, {field: value for field, value in values.items() if value})


async def triage_and_create(pilot: Any) -> None:
    """Answer each question with Y, N or its number (a bullying concern), then Enter."""
    screen = pilot.app.screen
    while screen.phase == "question":
        question = screen.question
        await answer_by_keys(pilot, question, BULLYING[question.key])
    assert screen.phase == "result"
    assert_nothing_raw(pilot.app)
    await pilot.press("enter")
