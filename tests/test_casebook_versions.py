"""A case keeps the playbook version it was triaged under (issue #12, item 5).

A trust edits its playbook each year (policy 11.2); a case logged last year keeps the steps it was
given then, and says which playbook gave them. Cases logged before the version was kept still
open, with the version shown as not recorded. Every person here is fictional.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from helpers_casebook import Clock, bullying_report
from helpers_playbook import playbook_text, shipped
from tinydb.operations import delete

from dsl_tui.casebook import Casebook
from dsl_tui.export import casefile_html, casefile_json
from dsl_tui.export.exporter import build_document
from dsl_tui.playbook import Playbook
from dsl_tui.playbook.engine import parse_playbook

BULLYING = {"immediate_danger": "no", "about": "child_online", "child_harm": "bullying",
            "adult_involved": "no", "bullying_serious": "no", "perpetrator_pupils": "yes",
            "still_online": "yes"}  # fmt: skip


def next_year_playbook() -> Playbook:
    """The trust's playbook a year on: a new version, and a step worded differently."""
    import tomllib

    old = shipped()
    text = playbook_text().replace(f'version = "{old.version}"', 'version = "2027.09-1"', 1)
    step = old.triage(BULLYING).steps[0]
    text = text.replace(f'title = "{step.title}"', 'title = "Reworded for 2027"', 1)
    return parse_playbook(tomllib.loads(text), text=text)


def logged_case() -> tuple[Casebook, str]:
    book = Casebook.in_memory(user="Priya Ramanathan", playbook=shipped(), clock=Clock())
    return book, book.log_concern(bullying_report(), BULLYING).id


def test_a_new_case_records_the_playbook_version() -> None:
    book, case_id = logged_case()
    case = book.case(case_id)
    assert case.playbook_version == shipped().version != ""


def test_an_older_case_without_the_version_opens_with_its_steps_as_triaged_then() -> None:
    book, case_id = logged_case()
    steps_then = book.case(case_id).steps
    # As a case logged before the version was kept is stored: no field at all.
    book.db.table("cases").update(delete("playbook_version"))
    reopened = Casebook(book.db, next_year_playbook(), "Priya Ramanathan", clock=Clock())
    case = reopened.case(case_id)
    assert case.playbook_version == ""
    assert case.steps == steps_then, "a later playbook never rewrites a case's steps"
    assert "Reworded for 2027" not in [s.title for s in case.steps]
    # A new case on the new playbook gets the new version and the new wording.
    new = reopened.log_concern(bullying_report(), BULLYING)
    assert new.playbook_version == "2027.09-1"
    assert "Reworded for 2027" in [s.title for s in new.steps]


def _document(book: Casebook, case_id: str) -> dict[str, Any]:
    document, _ = build_document(book, [book.case(case_id)], now=datetime.now(UTC))
    return casefile_json.loads(casefile_json.dumps(document))


def test_the_case_file_carries_the_version_and_older_files_still_read() -> None:
    book, case_id = logged_case()
    document = _document(book, case_id)
    assert document["schema_version"] == 2
    assert document["cases"][0]["playbook_version"] == shipped().version
    [(case, _)] = casefile_json.validate(document)
    assert case.playbook_version == shipped().version
    assert f"playbook version {shipped().version}" in casefile_html.render_html(document)
    # A version 1 file, written before the field existed.
    del document["cases"][0]["playbook_version"]
    document["schema_version"] = 1
    [(old, _)] = casefile_json.validate(document)
    assert old.playbook_version == "" and old.steps == case.steps
    assert "not recorded" in casefile_html.render_html(document)
