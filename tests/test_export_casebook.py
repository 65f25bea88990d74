"""Export and import against the real casebook: a transfer from one school's vault to another's."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers_export import OTTOLINE as PUPIL
from helpers_export import worked_case

from dsl_tui.casebook import Casebook
from dsl_tui.errors import UsageError
from dsl_tui.export import (
    acknowledge,
    cases_of_person,
    export_cases,
    import_case_file,
    keygen,
    open_case_file,
    transfers,
)
from dsl_tui.model import Risk
from dsl_tui.report import casebook_report, text_lines


@pytest.fixture()
def key(tmp_path: Path) -> tuple[Path, str]:
    identity = tmp_path / "northfield.key"
    return identity, keygen(identity)


def test_transfer_keeps_the_chronology_and_closes_the_loop(
    tmp_path: Path, key: tuple[Path, str]
) -> None:
    identity, public = key
    sender = Casebook.in_memory(user="Priya Ramanathan")
    case_id = worked_case(sender)
    sent_chronology = sender.chronology(case_id)
    pack = tmp_path / "pack.age"
    sent = export_cases(
        sender, [case_id], pack, recipients=[public], transfer_to="Northfield Academy"
    )
    assert sender.case(case_id).transferred_to == "Northfield Academy"
    assert [t.case_id for t in transfers(sender, awaiting_only=True)] == [case_id]
    exports = [e for e in sender.audit_log() if e.action == "export"]
    assert [(e.case_id, e.detail) for e in exports] == [(case_id, "transfer pack")]
    assert sender.verify_audit() == []

    receiver = Casebook.in_memory(user="Rosalind Achebe")
    when = datetime.now(UTC)
    result = import_case_file(receiver, pack, identity=identity, now=when)
    assert result.receipt_code == sent.receipt_code
    [new_id] = result.case_ids
    got = receiver.case(new_id)
    assert got.received_from == "Steel River Academy" and got.received_at == when
    assert got.risk is Risk.HIGH and got.people[0].name == PUPIL
    received_chronology = receiver.chronology(new_id)
    kept = [(e.at, e.kind, e.text) for e in received_chronology if e.kind != "received"]
    assert kept == [(e.at, e.kind, e.text) for e in sent_chronology]
    assert received_chronology[-1].kind == "received"
    assert receiver.blob(got.evidence[0].blob_id or "") == b"PNGDATA"
    assert [s.id for s in receiver.search("Fairweather")] == [new_id]
    assert any(e.action == "import" and e.case_id == new_id for e in receiver.audit_log())
    assert receiver.verify_audit() == []

    with pytest.raises(UsageError):
        acknowledge(sender, case_id, "AAAAA-BBBBB")
    done = acknowledge(sender, case_id, result.receipt_code.lower().replace("-", " "))
    assert done.acknowledged_at is not None
    assert transfers(sender, awaiting_only=True) == []


def test_person_selects_every_case_naming_them(tmp_path: Path, key: tuple[Path, str]) -> None:
    book = Casebook.in_memory()
    first, second = worked_case(book), worked_case(book)
    worked_case(book, "Barnaby Quince")
    assert cases_of_person(book, "  ottoline   FAIRWEATHER-brook ") == [first, second]
    export_cases(book, cases_of_person(book, PUPIL), tmp_path / "p.age", recipients=[key[1]])
    opened = open_case_file(tmp_path / "p.age", identity=key[0])
    assert [c.id for c, _ in opened.cases] == [first, second]
    assert opened.document["clauses"]  # the policy's words behind the steps travel with them


def test_report_from_the_casebook_names_no_one() -> None:
    book = Casebook.in_memory()
    worked_case(book)
    worked_case(book)
    report = casebook_report(book, datetime.now(UTC).year)
    text = "\n".join(text_lines(report))
    assert report.total == 2 and "Steel River Academy" in text
    for secret in ("Ottoline", "Fairweather", "fictional.handle", "insulting", "Gideon"):
        assert secret.casefold() not in text.casefold()
    assert "a pupil in Y9: 2 cases" in text and "O.F.B." not in text
    assert "a Snapchat account: 2 cases" in text


def test_a_case_received_twice_gets_a_fresh_id(tmp_path: Path, key: tuple[Path, str]) -> None:
    identity, public = key
    sender = Casebook.in_memory()
    case_id = worked_case(sender)
    receiver = Casebook.in_memory()
    ids = []
    for name in ("one.age", "two.age"):
        export_cases(
            sender,
            [case_id],
            tmp_path / name,
            recipients=[public],
            transfer_to="Northfield Academy",
        )
        ids += import_case_file(receiver, tmp_path / name, identity=identity).case_ids
    assert ids == [case_id, f"{case_id}-R1"]
    assert len(transfers(sender, awaiting_only=True)) == 2
