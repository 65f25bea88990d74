"""Issue #5, end to end: a DSL exports a fictional demo case from the app by keyboard alone; a
senior manager opens it on another machine with the standard ``age`` tool, checks the manifest
with ``sha256sum`` and reads it in a (text) browser.

The manager's key is made with Debian's ``age-keygen``; the file is decrypted with ``age -d`` in
a subprocess after the app has exited. A passphrase export is decrypted by ``age -d`` on a
pseudo-terminal (``age`` reads passphrases from a terminal only), typing the passphrase the app
showed on screen once.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from helpers_app import USER, MemorySession, memory_casebook, wait_until
from helpers_security import raw_terminal_controls
from test_export_age_interop import run_with_tty
from textual.pilot import Pilot
from textual.widgets import Static

from dsl_tui.casebook import Casebook
from dsl_tui.export.redact import initials
from dsl_tui.screens.app import DslApp
from dsl_tui.screens.dialogs import ConfirmDialog
from dsl_tui.screens.export_screen import ExportScreen

pytestmark = pytest.mark.skipif(
    shutil.which("age") is None or shutil.which("age-keygen") is None,
    reason="the age tools are not installed (Debian package: age)",
)

#: Where a manager's text browser comes from (Debian package of the same name).
W3M = shutil.which("w3m")


def manager_key(folder: Path) -> tuple[Path, str]:
    """A senior manager's identity file made by ``age-keygen``, and its public key."""
    key = folder / "key.txt"
    made = subprocess.run(
        ["age-keygen", "-o", str(key)], capture_output=True, text=True, check=True
    )
    public = made.stderr.strip().split()[-1]  # "Public key: age1..."
    assert public.startswith("age1"), made.stderr
    return key, public


def demo_casebook() -> tuple[Casebook, str]:
    """Fictional demo cases; the most urgent one (top of the dashboard) also has a decision."""
    book = memory_casebook(6)
    case_id = book.summaries()[0].id
    book.record_decision(
        case_id, "no referral", "Consulted the deputy DSL; the pupil's parents are supportive."
    )
    return book, case_id


def message(app: DslApp) -> str:
    """What the export screen says under the form, as rendered."""
    return str(app.screen.query_one("#message", Static).render())


async def export_by_keys(
    pilot: Pilot[Any], out: str, *, public_key: str = "", redact: bool = False
) -> str:
    """From the dashboard: E, the case, the recipient, the file, (redaction), Ctrl+S, Y.

    ``out`` is typed as given (a name in the current folder keeps the typing short). Returns
    what the screen says afterwards.
    """
    app = pilot.app
    await pilot.press("e")
    await wait_until(pilot, lambda: isinstance(app.screen, ExportScreen))
    await pilot.press("tab")  # the case id is filled in: on to the recipient choice
    if public_key:
        await pilot.press("tab", *public_key)
    else:
        await pilot.press("down", "enter")  # a one-time passphrase (the key field hides)
    await pilot.press("tab", "home", "ctrl+k", *out)
    if redact:
        await pilot.press("tab", "space", "tab", "space")  # pupils, then staff, as initials
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
    await pilot.press("y")
    await wait_until(pilot, lambda: "Written:" in message(app) or "\u26a0" in message(app))
    return message(app)


def age_decrypt_with_key(key: Path, file: Path, into: Path) -> dict[str, bytes]:
    """``age -d -i key`` the file, unzip it into ``into`` and check it with ``sha256sum -c``."""
    payload = into.with_suffix(".zip")
    done = subprocess.run(
        ["age", "-d", "-i", str(key), "-o", str(payload), str(file)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return unzip_and_check(payload, into)


def unzip_and_check(payload: Path, into: Path) -> dict[str, bytes]:
    """Unzip, then ``sha256sum -c MANIFEST.sha256`` in the folder; the files by name."""
    into.mkdir()
    with zipfile.ZipFile(payload) as archive:
        archive.extractall(into)
    checked = subprocess.run(
        ["sha256sum", "-c", "MANIFEST.sha256"], cwd=into, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "case-file.html: OK" in checked.stdout and "case-file.json: OK" in checked.stdout
    return {p.name: p.read_bytes() for p in into.iterdir() if p.is_file()}


def assert_holds_the_case(files: dict[str, bytes], book: Casebook, case_id: str) -> None:
    """The HTML and the JSON both carry the case: id, summary, people, steps and the decision."""
    case = book.case(case_id, view=False)
    document = json.loads(files["case-file.json"])
    [record] = document["cases"]
    assert record["id"] == case_id and record["summary"] == case.summary
    assert [p["name"] for p in record["people"]] == [p.name for p in case.people]
    assert [s["id"] for s in record["steps"]] == [s.id for s in case.steps]
    assert record["decisions"][0]["kind"] == "no referral"
    html = files["case-file.html"].decode("utf-8")
    assert case_id in html and case.people[0].name in html
    assert case.summary.split()[0] in html and "Consulted the deputy DSL" in html


async def test_an_export_to_a_senior_managers_key_opens_with_age(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key, public = manager_key(tmp_path)
    book, case_id = demo_casebook()
    (tmp_path / "head").mkdir()
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "head" / "case.age"
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        said = await export_by_keys(pilot, "head/case.age", public_key=public)
        assert "Written:" in said and "Receipt code" in said
    assert out.read_bytes().startswith(b"age-encryption.org/v1\n")
    files = age_decrypt_with_key(key, out, tmp_path / "opened")
    assert_holds_the_case(files, book, case_id)
    assert [e.action for e in book.audit_log()].count("export") == 1


async def test_a_one_time_passphrase_shown_once_opens_the_file_with_age(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book, case_id = demo_casebook()
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "case.age"
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        said = await export_by_keys(pilot, "case.age")
        assert "One-time passphrase" in said
        passphrase = said.split()[-1]
        assert re.fullmatch(r"[a-z2-9]{5}(-[a-z2-9]{5}){4}", passphrase), passphrase
        await pilot.press("escape")  # leaving the screen: the passphrase is not shown again
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportScreen))
        assert passphrase not in message(app)
    code, output = run_with_tty(
        ["age", "-d", "-o", str(tmp_path / "p.zip"), str(out)], [passphrase]
    )
    assert code == 0, output[-500:]
    files = unzip_and_check(tmp_path / "p.zip", tmp_path / "opened")
    assert_holds_the_case(files, book, case_id)


#: The headings of case-file.html, in the order a manager reads them.
READING_ORDER = (
    "Case file",
    "OFFICIAL-SENSITIVE",
    "Summary of the concern",
    "People",
    "Chronology",
    "Steps and outcomes",
    "Evidence notes",
    "Decisions and rationale",
    "Policy clauses cited",
)


def w3m_dump(html: Path) -> str:
    """What ``w3m -dump`` shows of the page (as a manager reading it in a text browser)."""
    done = subprocess.run(
        ["w3m", "-dump", "-T", "text/html", "-cols", "100", "-O", "UTF-8", str(html)],
        capture_output=True,
        check=True,
    )
    return done.stdout.decode("utf-8")


@pytest.mark.skipif(W3M is None, reason="no text browser: install the Debian package w3m")
async def test_a_redacted_case_file_reads_in_order_in_a_text_browser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key, public = manager_key(tmp_path)
    book, case_id = demo_casebook()
    case = book.case(case_id, view=False)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "redacted.age"
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        said = await export_by_keys(pilot, "redacted.age", public_key=public, redact=True)
        assert "redacted" in said
    age_decrypt_with_key(key, out, tmp_path / "opened")
    text = w3m_dump(tmp_path / "opened" / "case-file.html")
    (tmp_path / "case-file.txt").write_text(text, encoding="utf-8")  # kept for a reader
    # In order: title, summary, people, chronology, steps, notes, decisions, the clauses.
    places = [text.find(heading) for heading in READING_ORDER]
    where = dict(zip(READING_ORDER, places, strict=True))
    assert -1 not in places and places == sorted(places), where
    steps = text[places[READING_ORDER.index("Steps and outcomes")] :]
    steps = steps[: steps.find("Evidence notes")]
    for step in case.steps:  # each step's policy clause number stands in its row
        assert re.search(rf"(?<![\d.]){re.escape(step.clause)}(?![\d])", steps), step.clause
    # Names as initials (pupils and staff); no full name is left.
    for person in case.people:
        if person.name.lower() != "unknown":
            assert person.name not in text
    assert USER not in text and initials(USER) in text
    # Plain reading text: no tags, entities or terminal escapes left over.
    assert not re.search(r"</?[a-zA-Z][^>]*>", text), "raw HTML tags in the page"
    assert not re.search(r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);", text), "raw entities"
    assert not raw_terminal_controls(text) and "\x1b" not in text
