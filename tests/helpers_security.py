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
from helpers_export import fake_casebook, sample_case
from hypothesis import HealthCheck, settings

from dsl_tui.export import casefile_json, package
from dsl_tui.export.casefile_html import render_html
from dsl_tui.export.exporter import build_document

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
    """Control characters a terminal would act on (ESC, BEL, BS, CSI...); not newline/tab."""
    return [ch for ch in text if (ord(ch) < 0x20 and ch not in "\n\t\r") or 0x7F <= ord(ch) <= 0x9F]


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
