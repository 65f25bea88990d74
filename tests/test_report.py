"""The yearly report: right counts and medians, and nothing a DSL typed (no names, no free text)."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from helpers_export import PUPIL, STAFF, T0, fake_casebook, sample_case

from dsl_tui.errors import UsageError
from dsl_tui.model import Account, Person, PersonRole, Risk, Status, StepState
from dsl_tui.report import build_report, casebook_report, csv_text, text_lines, write_csv

CANARIES = (
    "Zebedee Quartermaine",
    "Quartermaine",
    "canaryplatform",
    "@zeb.canary",
    "posts insults",
    "Okonkwo",
    "Whitcombe",
    "Amara",
    "handled in school",
)


def canary_cases() -> list:
    """Three cases; two share a pupil and an account; one uses an odd platform name."""
    base = sample_case()
    zeb = Person(id="p9", role=PersonRole.PUPIL, name="Zebedee Quartermaine", year_group="9")
    one = replace(
        base,
        id="C1",
        people=(*base.people, zeb),
        accounts=(Account(id="a1", platform="instagram", handle="@zeb.canary"),),
    )
    later = timedelta(days=40)
    two = replace(
        base,
        id="C2",
        reported_at=T0 + later,
        risk=Risk.HIGH,
        steps=tuple(
            replace(s, done_at=s.done_at and s.done_at + later + later) for s in base.steps
        ),
        status=Status.CLOSED,
        closed_at=T0 + timedelta(days=50),
        people=(zeb,),
        outcome="Zebedee Quartermaine moved school",
        accounts=(
            Account(id="a1", platform="Instagram ", handle="@Zeb.Canary"),
            Account(id="a2", platform="CanaryPlatform", handle="x"),
        ),
    )
    old = replace(base, id="C0", reported_at=T0.replace(year=2025))
    return [one, two, old]


def test_counts_medians_and_months() -> None:
    report = build_report(canary_cases(), 2026)
    assert report.total == 2
    assert dict(report.sections["Risk"]) == {"medium": 1, "high": 1}
    assert dict(report.sections["Platform"]) == {"Instagram": 2, "other": 1}
    assert dict(report.sections["Outcome (status)"]) == {"open": 1, "closed": 1}
    assert dict(report.months)["Mar"] == 1 and dict(report.months)["Apr"] == 1
    # 30 minutes in one case, 40 days and 30 minutes in the other
    assert report.median_hours_to_first_action == (0.5 + 40 * 24 + 0.5) / 2
    assert report.median_days_to_close == 10.0
    assert ("an Instagram account", 2) in report.patterns
    assert ("a pupil in Y9", 2) in report.patterns


def test_keys_outside_the_playbook_are_counted_as_other() -> None:
    report = build_report(
        canary_cases(), 2026, schools={"SRA": "Steel River Academy"}, categories={}, routes={}
    )
    assert dict(report.sections["School"]) == {"Steel River Academy": 2}
    assert dict(report.sections["Category"]) == {"other": 2}


def test_no_name_or_free_text_reaches_the_terminal_or_the_csv(tmp_path: Path) -> None:
    report = build_report(canary_cases(), 2026)
    out = "\n".join(text_lines(report)) + csv_text(report)
    write_csv(report, tmp_path / "r.csv")
    out += (tmp_path / "r.csv").read_text()
    for canary in (*CANARIES, PUPIL, STAFF):
        assert canary.casefold() not in out.casefold(), canary
    rows = list(csv.reader(io.StringIO(csv_text(report))))
    assert rows[0] == ["section", "label", "value"] and ["total", "2026", "2"] in rows


def test_monthly_bars_scale_to_the_busiest_month() -> None:
    cases = [
        replace(sample_case(), id=f"M{i}", reported_at=T0 + timedelta(days=i % 2 * 31))
        for i in range(3)
    ]
    lines = text_lines(build_report(cases, 2026), width=10)
    mar = next(line for line in lines if line.strip().startswith("Mar"))
    apr = next(line for line in lines if line.strip().startswith("Apr"))
    assert mar.endswith("#" * 10) and apr.endswith("#" * 5)


def test_open_steps_do_not_count_as_a_first_action() -> None:
    case = sample_case()
    undone = replace(
        case, steps=tuple(replace(s, state=StepState.OPEN, done_at=None) for s in case.steps)
    )
    assert build_report([undone], 2026).median_hours_to_first_action is None


def test_the_casebook_report_is_audited_once_without_viewing_each_case() -> None:
    book = fake_casebook(*canary_cases())
    report = casebook_report(book, 2026)
    assert report.total == 2
    assert book.audits == [("report", "", "year 2026")]


def test_year_group_written_with_or_without_y_labels_the_same() -> None:
    cases = canary_cases()
    relabelled = [
        replace(
            c, people=tuple(replace(p, year_group="Y9") if p.id == "p9" else p for p in c.people)
        )
        for c in cases
    ]
    assert ("a pupil in Y9", 2) in build_report(relabelled, 2026).patterns


def test_csv_never_overwrites_a_file_that_is_not_a_report(tmp_path: Path) -> None:
    report = build_report(canary_cases(), 2026)
    write_csv(report, tmp_path / "r.csv")
    write_csv(report, tmp_path / "r.csv")  # an earlier report may be replaced
    (tmp_path / "vault.dsl").write_bytes(b"precious")
    with pytest.raises(UsageError):
        write_csv(report, tmp_path / "vault.dsl")
    assert (tmp_path / "vault.dsl").read_bytes() == b"precious"


@pytest.mark.parametrize(
    ("typed", "label"),
    [
        ("Year 9", "a pupil in Y9"),
        ("y9 (Mrs Okonkwo's form)", "a pupil in Y9"),
        ("Reception", "a pupil in R"),
        ("9\x1b]0;pwned\x07\x1b[2J", "a pupil in Y9"),
        ("\x1b]0;pwned\x07 9", "a pupil"),
        ("Quartermaine's form", "a pupil"),
    ],
)
def test_only_the_year_number_of_a_typed_year_group_reaches_the_report(
    typed: str, label: str
) -> None:
    """A year group is free text: a name or a terminal control code typed there must not reach
    the anonymised report."""
    cases = [
        replace(
            c, people=tuple(replace(p, year_group=typed) if p.id == "p9" else p for p in c.people)
        )  # fmt: skip
        for c in canary_cases()
    ]
    report = build_report(cases, 2026)
    assert (label, 2) in report.patterns
    shown = "\n".join(text_lines(report)) + csv_text(report)
    assert "Okonkwo" not in shown and "Quartermaine" not in shown and "\x1b" not in shown


def test_recurring_people_are_counted_without_initials() -> None:
    """Issue #13 finding 12: "pupil Z.Q., Y7" with a year group identifies a child in a school."""
    cases = canary_cases()
    report = build_report(cases, 2026)
    shown = "\n".join(text_lines(report)) + csv_text(report)
    initials = {p.initials for c in cases for p in c.people if p.initials}
    assert initials and not any(i in shown for i in initials)
    assert "a pupil in Y9: 2 cases" in shown or ("a pupil in Y9", 2) in report.patterns


def test_two_recurring_pupils_of_one_year_group_are_told_apart_by_letter() -> None:
    cases = canary_cases()
    twin = [
        replace(c, people=(*c.people, replace(c.people[0], id="p77", name="Odalys Wrenfield")))
        for c in cases
    ]
    labels = [label for label, _ in build_report(twin, 2026).patterns]
    pupils = sorted(label for label in labels if label.startswith("a pupil"))
    assert len(pupils) == 2 and len(set(pupils)) == 2, pupils
