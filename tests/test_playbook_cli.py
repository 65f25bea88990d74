"""``dsl-tui playbook check``: a trust checks its edited playbook before using it."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers_playbook import playbook_text

from dsl_tui.cli import main
from dsl_tui.playbook import load_playbook


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "our-playbook.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.slow  # the whole playbook is walked (tens of seconds)
def test_the_shipped_playbook_is_sound(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["playbook", "check"]) == 0
    out = capsys.readouterr().out
    assert "Steel River Academy Trust" in out and "The playbook is sound." in out


def test_a_malformed_playbook_exits_2_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, playbook_text().replace('due = "24 hours"', 'due = "24 hourz"', 1))
    assert main(["playbook", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "24 hourz" in err and ".due (line " in err and "Traceback" not in err
    assert err.count("\n") == 1


@pytest.mark.slow  # the whole playbook is walked (tens of seconds)
def test_a_rule_hidden_behind_a_broader_one_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = '[[category_rules]]\nwhen = "@nudes_branch"'
    text = playbook_text().replace(
        first, '[[category_rules]]\nwhen = "about=child_online"\ncategory = "online_bullying"\n\n'
        + first,
    )  # fmt: skip
    path = write(tmp_path, text)
    assert main(["playbook", "check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "problem: No path ends in the category 'grooming_exploitation'." in out


def test_the_environment_chooses_a_trust_playbook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, playbook_text().replace('version = "', 'version = "ours-', 1))
    monkeypatch.setenv("DSL_TUI_PLAYBOOK", str(path))
    assert load_playbook().version.startswith("ours-")
