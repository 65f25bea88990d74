"""Create, unlock, lock: a vault's casebook survives closing; failed unlocks are counted and
audited at the next unlock, with no secret kept outside the vault."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers_casebook import CANARY, bullying_report

from dsl_tui import session
from dsl_tui.errors import NotFound, VaultLocked, WrongPassphrase
from dsl_tui.model import NoteKind

PASSPHRASE = "plum orbit canyon velvet 42"


@pytest.fixture(autouse=True)
def _local_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSL_TUI_STATE", str(tmp_path / "state"))


def _report():  # type: ignore[no-untyped-def]
    return bullying_report(pupil=CANARY, school="sra")


def _answers() -> dict[str, str]:
    return {
        "immediate_danger": "no",
        "about": "child_online",
        "child_harm": "bullying",
        "bullying_serious": "no",
        "perpetrator_pupils": "yes",
        "still_online": "yes",
    }


def test_a_case_survives_lock_and_unlock(tmp_path: Path) -> None:
    path = tmp_path / "vault.dsl"
    assert not session.vault_exists(path)
    book = session.create(path, "Priya Ramanathan", "DSL", PASSPHRASE)
    assert session.vault_exists(path)
    case = book.log_concern(_report(), _answers())
    book.add_note(case.id, "She showed me the chat.", NoteKind.FACT)
    book.add_evidence(case.id, "Screenshot of the chat", "Snapchat", data=b"fictional bytes")
    book.save_draft("new-concern", {"summary": "half typed"})
    first_step = case.steps[0]
    answers = {n.key: (n.choices[0] if n.choices else "Recorded.") for n in first_step.needs}
    book.complete_step(case.id, first_step.id, "Talked with her", answers)
    before = book.case(case.id, view=False)
    chronology = book.chronology(case.id)
    session.lock(book)
    assert book.vault is None

    again = session.unlock(path, PASSPHRASE)
    try:
        assert again.case(case.id, view=False) == before
        assert again.chronology(case.id) == chronology
        assert [r.id for r in again.search(CANARY.split()[0])] == [case.id]
        assert again.load_draft("new-concern") == {"summary": "half typed"}
        item = again.case(case.id).evidence[0]
        assert item.blob_id and again.blob(item.blob_id) == b"fictional bytes"
        assert again.verify_audit() == []
        actions = [e.action for e in again.audit_log()]
        assert actions[0] == "create vault" and "lock" in actions and actions[-2:] == [
            "unlock", "view",
        ]  # fmt: skip
    finally:
        session.lock(again)
    # Nothing readable on disk.
    for file in tmp_path.rglob("*"):
        if file.is_file():
            assert CANARY.encode() not in file.read_bytes(), file.name


def test_failed_unlocks_are_counted_then_audited(tmp_path: Path) -> None:
    path = tmp_path / "vault.dsl"
    session.lock(session.create(path, "Priya Ramanathan", "DSL", PASSPHRASE))
    for expected in (1, 2, 3):
        with pytest.raises(WrongPassphrase) as caught:
            session.unlock(path, "not the passphrase at all")
        assert caught.value.failed_attempts == expected  # type: ignore[attr-defined]
    assert session.failed_attempts(path) == 3
    assert session.unlock_delay(1) == 0 and session.unlock_delay(4) > session.unlock_delay(3)
    state = list((tmp_path / "state").glob("unlock-*.json"))
    assert len(state) == 1 and b"not the passphrase" not in state[0].read_bytes()
    assert str(path).encode() not in state[0].read_bytes()
    book = session.unlock(path, PASSPHRASE)
    try:
        assert book.failed_unlocks == 3
        actions = [e.action for e in book.audit_log()]
        assert actions[-4:] == ["failed unlock"] * 3 + ["unlock"]
        assert book.verify_audit() == []
    finally:
        session.lock(book)
    assert session.failed_attempts(path) == 0


def test_a_second_unlock_is_refused_while_open(tmp_path: Path) -> None:
    path = tmp_path / "vault.dsl"
    book = session.create(path, "Priya Ramanathan", "DSL", PASSPHRASE)
    try:
        with pytest.raises(VaultLocked):
            session.unlock(path, PASSPHRASE)
    finally:
        session.lock(book)
    session.lock(session.unlock(path, PASSPHRASE))


def test_lock_drops_every_case_from_memory(tmp_path: Path) -> None:
    book = session.create(tmp_path / "vault.dsl", "Priya Ramanathan", "DSL", PASSPHRASE)
    case = book.log_concern(_report(), _answers())
    session.lock(book)
    assert book.case_ids() == [] and book.summaries(status="all") == []
    assert book.search(CANARY.split()[0]) == []
    with pytest.raises(NotFound):
        book.case(case.id)


def test_deleting_a_case_removes_its_evidence_file(tmp_path: Path) -> None:
    book = session.create(tmp_path / "vault.dsl", "Priya Ramanathan", "DSL", PASSPHRASE)
    try:
        case = book.log_concern(_report(), _answers())
        book.add_evidence(case.id, "Screenshot", data=b"fictional bytes")
        files = [f for f in tmp_path.rglob("*") if f.is_file() and "blobs" in f.parts]
        assert len(files) == 1
        book.delete_case(case.id, "Retention review: destroy.")
        assert not files[0].exists()
    finally:
        session.lock(book)
