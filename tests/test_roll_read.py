"""Reading a school roll exported by the MIS (made-up pupils): headers mapped, every row checked."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dsl_tui.errors import UsageError
from dsl_tui.roll import parse_roll, parse_year, read_roll

ROLLS = Path(__file__).parent / "rolls"
TODAY = date(2026, 12, 2)


def test_a_sims_export_maps_by_header_with_preferred_names_and_uk_dates() -> None:
    roll = read_roll(ROLLS / "sims.csv", today=TODAY)
    assert [(p.upn, p.name, p.date_of_birth, p.year_group, p.reg_group) for p in roll.pupils] == [
        ("A123456789012", "Barnaby Quince", date(2013, 3, 14), "8", "8QR"),
        ("B234567890123", "Otti Fairweather-Brook", date(2012, 11, 2), "9", "9FB"),
        ("C34567890123A", "Peregrine Ravensworth-Hale", date(2012, 2, 29), "9", "9FB"),
    ]
    assert roll.pupils[1].legal_forename == "Ottoline", "the legal name is kept too"
    assert roll.ignored_columns == ("Adno", "Gender")


def test_an_arbor_export_with_quoted_iso_dates_and_names_in_other_alphabets() -> None:
    roll = read_roll(ROLLS / "arbor.csv", today=TODAY)
    assert [(p.name, p.date_of_birth, p.year_group) for p in roll.pupils] == [
        ("Clem Ashdown", date(2014, 6, 1), "7"),
        ("Zoë Łukasiewicz", date(2015, 9, 30), "5"),
    ]
    assert roll.ignored_columns == ("Student ID",)


def test_a_bromcom_export_with_a_bom_semicolons_crlf_and_reception() -> None:
    roll = read_roll(ROLLS / "bromcom.csv", today=TODAY)
    assert [(p.upn, p.name, p.year_group, p.reg_group) for p in roll.pupils] == [
        ("F678901234567", "Iggy Pemberton-Vale", "R", "RB"),
        ("G789012345678", "Wilhelmina Crosby", "3", "3C"),
    ]


def test_a_malformed_roll_names_every_bad_row_without_its_data_and_keeps_nothing() -> None:
    with pytest.raises(UsageError) as caught:
        read_roll(ROLLS / "malformed.csv", today=TODAY)
    message = caught.value.message
    assert message.startswith("Nothing was imported: 5 row(s) need fixing")
    for expected in ("row 3: the UPN", "row 4: the forename or surname is empty",
                     "row 5: the date of birth is not a date", "row 6: the year group",
                     "row 7: the same UPN as row 2"):  # fmt: skip
        assert expected in message
    for name in ("Marigold", "Thistlewood", "Adaeze", "NOTAUPN", "31/02/2013", "Year 17"):
        assert name not in message, "no value from the file is echoed"


def test_missing_columns_are_named_with_the_headers_found() -> None:
    with pytest.raises(UsageError, match="lacks columns for: date of birth") as caught:
        parse_roll("UPN,Forename,Surname,Year\nA123456789012,Ann,Bee,7\n", today=TODAY)
    assert "'UPN', 'Forename', 'Surname', 'Year'" in caught.value.message
    with pytest.raises(UsageError, match="two columns for legal surname"):
        parse_roll("UPN,Surname,Legal Surname,Forename,DOB,Year\n", today=TODAY)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("UPN,Forename,Surname,DOB,Year\n", "no pupils"),
        ("UPN,Forename,Surname,DOB,Year\nA123456789012,Ann,Bee,01/01/2030,7\n", "in the future"),
        ("UPN,Forename,Surname,DOB,Year\nA123456789012,Ann,Bee,01/01/1850,7\n", "before 1900"),
    ],
)
def test_bad_rolls_are_one_clear_sentence(text: str, problem: str) -> None:
    with pytest.raises(UsageError, match=problem):
        parse_roll(text, today=TODAY)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not found"):
        read_roll(tmp_path / "roll.csv", today=TODAY)


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("Year 7", "7"),
        ("Y10", "10"),
        ("7", "7"),
        ("NC Year 11", "11"),
        ("yr 3", "3"),
        ("Reception", "R"),
        ("R", "R"),
        ("N1", "N1"),
        ("Year 0", None),
        ("Year 15", None),
        ("Sixth form", None),
    ],  # fmt: skip
)
def test_year_groups_as_schools_write_them(given: str, kept: str | None) -> None:
    assert parse_year(given) == kept
