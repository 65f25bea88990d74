"""``dsl-tui playbook review --out FILE``: the printable review the safeguarding governor signs
each year (policy 11.2), read back as a person would, with ``w3m -dump``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from helpers_playbook import playbook_text, shipped
from helpers_vault import run_cli

from dsl_tui.playbook.lint import every_path

needs_w3m = pytest.mark.skipif(shutil.which("w3m") is None, reason="w3m is not installed")


def dump(path: Path) -> str:
    """The page as text, the way a text browser (and, near enough, a printer) lays it out."""
    done = subprocess.run(["w3m", "-dump", "-cols", "200", "-T", "text/html", str(path)],
                          capture_output=True, text=True, check=True, timeout=120)  # fmt: skip
    return " ".join(done.stdout.split())


def shipped_review(folder: Path) -> tuple[Path, str]:
    out = folder / "review.html"
    done = run_cli("playbook", "review", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "written" in done.stdout
    return out, dump(out)


@pytest.fixture(scope="module")
def review(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return shipped_review(tmp_path_factory.mktemp("review"))


@needs_w3m
@pytest.mark.slow  # the whole playbook is walked (tens of seconds)
def test_every_side_and_every_distinct_result_is_there(review: tuple[Path, str]) -> None:
    _, text = review
    playbook = shipped()
    sides: dict[str, set[tuple[object, ...]]] = {}
    for answers in every_path(playbook):
        r = playbook.triage(answers)
        key = (r.category, r.risk, tuple(s.key for s in r.steps), tuple(x.key for x in r.routes),
               tuple(x.key for x in r.call_now), r.warnings)  # fmt: skip
        sides.setdefault(answers["about"], set()).add(key)
    about = {c.key: c.label for c in playbook.question("about").choices}
    for side, results in sides.items():
        assert f"{about[side]}: {len(results)} results" in text
    total = sum(len(r) for r in sides.values())
    assert text.count("Result ") >= total and f"lead to {total} distinct results" in text
    assert f"Playbook version {playbook.version}" in text


@needs_w3m
def test_a_result_shows_its_steps_with_deadline_actor_and_clause(review: tuple[Path, str]) -> None:
    _, text = review
    sextortion = {"immediate_danger": "no", "about": "nudes", "nudes_adult": "no",
                  "nudes_coercion": "yes", "nudes_online": "no"}  # fmt: skip
    result = shipped().triage(sextortion)
    assert f"{result.category_title} (policy {result.clause})" in text
    for step in result.steps:
        assert f"{step.deadline} {step.title}" in text and step.actor in text
    assert "nudes coercion: yes" in text, "the path that reaches it is listed"
    assert "1 working day" in text and "CALL NOW: Police" in text


@needs_w3m
def test_the_appendix_quotes_the_policy_and_the_sign_off_has_lines(
    review: tuple[Path, str],
) -> None:
    _, text = review
    appendix = text.split("Appendix A: the policy's own words")[1]
    for ref in ("5.3", "9.3", "10.2", "Appendix A"):
        words = " ".join(shipped().clause_text(ref).split())[:80]
        assert words and words in appendix, ref
    sign_off = text.split("Sign-off (policy 11.2)")[1]
    for label in ("Name", "Role", "Date", "Signature", "Safeguarding governor"):
        assert label in sign_off


@needs_w3m
@pytest.mark.slow  # the whole playbook is walked (tens of seconds)
def test_every_text_from_the_playbook_is_escaped(tmp_path: Path) -> None:
    own = tmp_path / "our-playbook.toml"
    hostile = "Tell <b>Mr & Mrs</b> Quill-Ashworth <script>alert(1)</script>"
    step = shipped().steps["speak_to_child"].title
    own.write_text(playbook_text().replace(step, hostile, 1), encoding="utf-8")
    out = tmp_path / "review.html"
    done = run_cli("playbook", "review", str(own), "--out", str(out))
    assert done.returncode == 0, done.stderr
    page = out.read_text(encoding="utf-8")
    assert "<script>" not in page and "<b>Mr" not in page
    assert hostile in dump(out), "shown as the words written, not as markup"
    for banned in ("<script", "<img", "<link", "src=", "href="):
        assert banned not in page.lower()


@pytest.mark.slow  # the whole playbook is walked (tens of seconds)
def test_a_bad_path_is_exit_2_and_nothing_else_is_replaced(tmp_path: Path) -> None:
    missing = run_cli("playbook", "review", "--out", str(tmp_path / "no-such" / "r.html"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    folder = run_cli("playbook", "review", "--out", str(tmp_path))
    assert folder.returncode == 2 and "Traceback" not in folder.stderr
    letter = tmp_path / "letter.html"
    letter.write_text("<p>Not a review</p>", encoding="utf-8")
    kept = run_cli("playbook", "review", "--out", str(letter))
    assert kept.returncode == 2 and letter.read_text(encoding="utf-8") == "<p>Not a review</p>"
    out = tmp_path / "review.html"
    assert run_cli("playbook", "review", "--out", str(out)).returncode == 0
    assert run_cli("playbook", "review", "--out", str(out)).returncode == 0, "replaces a review"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["letter.html", "review.html"]
