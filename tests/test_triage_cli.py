"""``dsl-tui triage``: the playbook run on answers from the command line, as a subprocess."""

from __future__ import annotations

import json
from pathlib import Path

from helpers_playbook import playbook_text, shipped
from helpers_vault import run_cli

#: Sextortion: a pupil is told to pay or an image they sent will be shared.
SEXTORTION = {"immediate_danger": "no", "about": "nudes", "nudes_adult": "no",
              "nudes_extortion": "yes", "nudes_immediate_risk": "no", "nudes_shared_onward": "no",
              "nudes_ai_made": "no", "nudes_online": "no", "vulnerability": "no"}  # fmt: skip
#: Threatening posts about a teacher by a pupil.
STAFF_CONTENT = {"immediate_danger": "no", "about": "staff_content", "content_kind": "inflammatory",
                 "content_author": "pupil", "content_threatening": "yes",
                 "threat_level": "general"}  # fmt: skip


def args(answers: dict[str, str]) -> list[str]:
    return [part for k, v in answers.items() for part in ("--answer", f"{k}={v}")]


def test_a_sextortion_concern_shows_category_risk_steps_and_warnings() -> None:
    done = run_cli("triage", *args(SEXTORTION))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    expected = shipped().triage(SEXTORTION)
    assert f"Category: {expected.category_title}" in out
    assert f"Risk: {expected.risk.value.upper()}" in out
    assert "PARTIAL" not in out and "Next question" not in out
    lines = out.splitlines()
    for step in expected.steps:
        [line] = [i for i, text in enumerate(lines) if text.endswith(f"  {step.title}")]
        assert step.deadline in lines[line]
        assert f"who: {step.actor}; policy {step.clause}" in lines[line + 1]
    assert "1 working day" in out, "a working-day deadline is shown in the playbook's words"
    assert any(s.route == "ceop" for s in expected.steps) and "CEOP" in out
    for warning in expected.warnings:
        assert warning in out


def test_a_child_in_immediate_danger_lists_who_to_call_now() -> None:
    done = run_cli("triage", "--answer", "immediate_danger=yes")
    assert done.returncode == 0, done.stderr
    for route in shipped().triage({"immediate_danger": "yes"}).call_now:
        assert f"CALL NOW: {route.name}: {route.contact}" in done.stdout
    assert "now" in done.stdout.split("Steps")[1] or "15 minutes" in done.stdout


def test_content_about_staff_gives_the_9_x_steps() -> None:
    done = run_cli("triage", *args(STAFF_CONTENT))
    assert done.returncode == 0, done.stderr
    expected = shipped().triage(STAFF_CONTENT)
    assert expected.category == "staff_content" and expected.category_title in done.stdout
    clauses = {s.clause for s in expected.steps}
    assert {"9.1", "9.2", "9.3", "9.5"} <= {c for cl in clauses for c in cl.split(", ")}
    for step in expected.steps:
        assert step.title in done.stdout
    assert "policy 9.5" in done.stdout and "24 hours" in done.stdout


def test_incomplete_answers_show_the_next_question_and_its_choices() -> None:
    done = run_cli("triage", "--answer", "immediate_danger=no")
    assert done.returncode == 0, done.stderr
    about = shipped().question("about")
    assert "PARTIAL" in done.stdout and f"Next question: about: {about.text}" in done.stdout
    for choice in about.choices:
        assert f"--answer about={choice.key}" in done.stdout and choice.label in done.stdout


def test_an_unknown_question_is_exit_2_listing_the_questions() -> None:
    done = run_cli("triage", "--answer", "abuot=nudes")
    assert done.returncode == 2
    assert "no question 'abuot'" in done.stderr and "Traceback" not in done.stderr
    for question in shipped().questions():
        assert question.key in done.stderr
    assert done.stdout == ""


def test_an_unknown_answer_is_exit_2_listing_the_answers() -> None:
    done = run_cli("triage", "--answer", "immediate_danger=no", "--answer", "about=nudez")
    assert done.returncode == 2
    keys = [c.key for c in shipped().question("about").choices]
    assert f"must be one or more of: {', '.join(keys)} (" in done.stderr
    assert "nudez" not in done.stderr, "what was typed is not echoed"
    done = run_cli("triage", "--answer", "immediate_danger=maybe")
    assert done.returncode == 2 and "must be one of: yes, no." in done.stderr
    assert run_cli("triage", "--answer", "immediate_danger").returncode == 2


def test_json_parses_and_matches_the_playbook() -> None:
    done = run_cli("triage", "--json", *args(SEXTORTION), "--answer", "content_kind=images")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    expected = shipped().triage(SEXTORTION)
    assert document["complete"] is True and document["next_question"] is None
    assert document["ignored"] == ["content_kind"], "an answer off the path is reported, unused"
    assert document["category"]["key"] == expected.category
    assert document["risk"] == expected.risk.value
    assert [(s["title"], s["deadline"], s["actor"], s["clause"]) for s in document["steps"]] == [
        (s.title, s.deadline, s.actor, s.clause) for s in expected.steps
    ]
    assert [r["key"] for r in document["routes"]] == [r.key for r in expected.routes]
    assert document["warnings"] == list(expected.warnings)
    partial = json.loads(run_cli("triage", "--json").stdout)
    assert partial["complete"] is False
    assert partial["next_question"]["key"] == "immediate_danger"
    assert [c["key"] for c in partial["next_question"]["choices"]] == ["yes", "no"]


def test_a_trust_playbook_is_honoured(tmp_path: Path) -> None:
    own = tmp_path / "our-playbook.toml"
    own.write_text(playbook_text().replace('version = "', 'version = "ours-', 1), encoding="utf-8")
    done = run_cli("triage", "--json", env={"DSL_TUI_PLAYBOOK": str(own)})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["playbook"]["version"].startswith("ours-")


#: A parent posts a staff and pupil spreadsheet with abuse of a teacher: two sides.
BREACH_AND_STAFF = {"immediate_danger": "no", "about": "data_breach+staff_content",
                    "subject_is_head": "no", "content_kind": "inflammatory",
                    "content_author": "parent", "content_threatening": "no",
                    "content_alleges_harm": "no", "data_child_risk": "no"}  # fmt: skip


def test_a_concern_with_two_sides_takes_both_and_says_which_side_gave_each_step() -> None:
    joined = run_cli("triage", *args(BREACH_AND_STAFF))
    assert joined.returncode == 0, joined.stderr
    repeated = dict(BREACH_AND_STAFF, about="staff_content")
    again = run_cli("triage", *args(repeated), "--answer", "about=data_breach")
    assert again.returncode == 0, again.stderr
    assert again.stdout == joined.stdout, "about=a+b and about repeated are one answer"
    expected = shipped().triage(BREACH_AND_STAFF)
    assert len(expected.facets) == 2
    out = joined.stdout
    assert "Sides of this concern" in out
    lines = out.splitlines()
    for step in expected.steps:
        [line] = [i for i, text in enumerate(lines) if text.endswith(f"  {step.title}")]
        [side] = step.sources
        label = next(f.label for f in expected.facets if f.answer == side)
        assert lines[line + 1].endswith(f"; from: {label}")
    assert "data protection officer" in out and "9.6" in out, "both sides' steps are there"
    document = json.loads(run_cli("triage", "--json", *args(BREACH_AND_STAFF)).stdout)
    assert [f["answer"] for f in document["facets"]] == [f.answer for f in expected.facets]
    assert all(step["sources"] for step in document["steps"])


def test_a_side_that_is_not_offered_is_exit_2_listing_the_sides() -> None:
    done = run_cli("triage", "--answer", "about=nudes+homework")
    assert done.returncode == 2
    assert "one or more of: child_online, nudes" in done.stderr
    assert "homework" not in done.stderr, "the typed value is not echoed"
