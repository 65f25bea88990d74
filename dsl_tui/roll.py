"""The school roll: pupils read from a CSV that the school's MIS exports (SIMS, Arbor, Bromcom).

``dsl-tui roll import FILE.csv --school KEY`` reads the file with :func:`read_roll`; the casebook
keeps the pupils encrypted in the vault, and the wizard and "add person" look them up by name.

Columns are found by their header, not their position: each field has the names the three MIS
exports use (and the obvious variants), compared without case, spaces or punctuation
(``Legal Surname``, ``legal_surname`` and ``LEGAL SURNAME`` are one). A file that lacks a needed
column is refused naming it and the headers it found; columns nobody needs are reported and
ignored. Every row is checked before anything is kept, and every bad row is named in one message
(its row number and what is wrong, never its names or dates): a roll is imported whole or not at
all.

The file is only read. Nothing from it is written anywhere but into the encrypted vault.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from dsl_tui.dates import birth_date_problem
from dsl_tui.errors import UsageError

#: A roll bigger than this is not one school's (a large secondary has ~2,000 pupils).
MAX_ROWS = 20_000
MAX_BYTES = 16 * 1024 * 1024
#: How many bad rows a message lists before it says "and N more".
SHOWN_PROBLEMS = 10

#: Each field and the headers that mean it, normalised (lower case, letters and digits only).
HEADERS: Mapping[str, tuple[str, ...]] = {
    "upn": ("upn", "uniquepupilnumber", "pupilupn"),
    "legal_forename": (
        "legalforename",
        "legalfirstname",
        "forename",
        "firstname",
        "legalforenames",
    ),
    "legal_surname": ("legalsurname", "legallastname", "surname", "lastname", "familyname"),
    "preferred_forename": ("preferredforename", "preferredfirstname", "knownas", "chosenforename"),
    "preferred_surname": ("preferredsurname", "preferredlastname", "chosensurname"),
    "date_of_birth": ("dob", "dateofbirth", "birthdate"),
    "year_group": ("year", "yeargroup", "ncyear", "nationalcurriculumyear", "yearofeducation"),
    "reg_group": (
        "reg",
        "reggroup",
        "registrationgroup",
        "registrationform",
        "form",
        "formgroup",
        "tutorgroup",
        "class",
    ),  # fmt: skip
}
#: Fields a roll cannot do without.
REQUIRED = ("upn", "legal_forename", "legal_surname", "date_of_birth", "year_group")

#: A UPN: a letter, eleven digits, then a digit or a letter (a temporary UPN ends in a letter).
_UPN = re.compile(r"^[A-Z][0-9]{11}[0-9A-Z]$")
#: Year groups as schools write them: "Year 7", "Y7", "7", "NC Year 7", "R", "Reception", "N1".
_YEAR = re.compile(r"^(?:nc\s*)?(?:year|yr|y)?\s*(1[0-4]|[1-9])$")
_EARLY_YEARS = {"r": "R", "reception": "R", "rec": "R", "n": "N", "n1": "N1", "n2": "N2",
                "nursery": "N"}  # fmt: skip
_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")


@dataclass(frozen=True)
class RollPupil:
    """One pupil of the roll, as the casebook keeps it."""

    upn: str
    forename: str
    surname: str
    date_of_birth: date
    year_group: str
    reg_group: str = ""
    legal_forename: str = ""
    legal_surname: str = ""

    @property
    def name(self) -> str:
        """The name a DSL knows the pupil by (preferred names where the roll has them)."""
        return f"{self.forename} {self.surname}"


@dataclass(frozen=True)
class Roll:
    """A whole roll file: its pupils and the columns it did not use."""

    pupils: tuple[RollPupil, ...]
    ignored_columns: tuple[str, ...]


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.casefold())


def column_map(headers: Iterable[str]) -> tuple[dict[str, int], list[str]]:
    """Which column holds each field, and the headers no field uses.

    UsageError when a needed field has no column, or two columns claim one field.
    """
    found: dict[str, int] = {}
    unused: list[str] = []
    names = list(headers)
    for index, header in enumerate(names):
        key = _key(header)
        field = next((f for f, known in HEADERS.items() if key in known), None)
        if field is None:
            unused.append(header.strip())
            continue
        if field in found:
            raise UsageError(
                f"The roll has two columns for {field.replace('_', ' ')} "
                f"({names[found[field]].strip()!r} and {header.strip()!r}); keep one."
            )
        found[field] = index
    missing = [f for f in REQUIRED if f not in found]
    if missing:
        wanted = "; ".join(f"{f.replace('_', ' ')} (e.g. {HEADERS[f][0]!r})" for f in missing)
        shown = ", ".join(repr(h.strip()) for h in names[:20]) or "none"
        raise UsageError(f"The roll lacks columns for: {wanted}. Its headers are: {shown}.")
    return found, unused


def parse_year(text: str) -> str | None:
    """A year group as the app keeps it ("7", "R", "N1"), or None when it is not one."""
    value = " ".join(text.casefold().split())
    if value in _EARLY_YEARS:
        return _EARLY_YEARS[value]
    match = _YEAR.match(value)
    return match.group(1) if match else None


def parse_date(text: str) -> date | None:
    """A date as UK MIS exports write it (dd/mm/yyyy, or ISO), or None."""
    value = text.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def _pupil(row: list[str], columns: Mapping[str, int], today: date) -> RollPupil | str:
    """The pupil of one row, or what is wrong with it (a few words, no value from the row)."""

    def cell(field: str) -> str:
        index = columns.get(field)
        return " ".join(row[index].split()) if index is not None and index < len(row) else ""

    upn = cell("upn").upper()
    if not _UPN.match(upn):
        return "the UPN is not 13 characters (a letter, 11 digits, a digit or letter)"
    legal_forename, legal_surname = cell("legal_forename"), cell("legal_surname")
    if not legal_forename or not legal_surname:
        return "the forename or surname is empty"
    born = parse_date(cell("date_of_birth"))
    if born is None:
        return "the date of birth is not a date (dd/mm/yyyy or yyyy-mm-dd)"
    problem = birth_date_problem(born, today)
    if problem:
        return f"the date of birth is {problem}"
    year = parse_year(cell("year_group"))
    if year is None:
        return "the year group is not one (e.g. 7, Year 7, Y7, R, N1)"
    if any(len(cell(f)) > 100 for f in columns):
        return "a field is longer than 100 characters"
    return RollPupil(
        upn=upn,
        forename=cell("preferred_forename") or legal_forename,
        surname=cell("preferred_surname") or legal_surname,
        date_of_birth=born,
        year_group=year,
        reg_group=cell("reg_group"),
        legal_forename=legal_forename,
        legal_surname=legal_surname,
    )


def parse_roll(text: str, *, today: date) -> Roll:
    """Every pupil of a roll CSV's text; UsageError naming every bad row, and nothing kept."""
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise UsageError("The roll file is empty.")
    if len(rows) - 1 > MAX_ROWS:
        raise UsageError(f"The roll has more than {MAX_ROWS:,} pupils; is it one school's?")
    columns, unused = column_map(rows[0])
    pupils: list[RollPupil] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        got = _pupil(row, columns, today)
        if isinstance(got, str):
            problems.append(f"row {number}: {got}")
            continue
        if got.upn in seen:
            problems.append(f"row {number}: the same UPN as row {seen[got.upn]}")
            continue
        seen[got.upn] = number
        pupils.append(got)
    if problems:
        more = len(problems) - SHOWN_PROBLEMS
        listed = "; ".join(problems[:SHOWN_PROBLEMS]) + (f"; and {more} more" if more > 0 else "")
        raise UsageError(f"Nothing was imported: {len(problems)} row(s) need fixing: {listed}.")
    if not pupils:
        raise UsageError("The roll has headers but no pupils.")
    return Roll(tuple(pupils), tuple(unused))


def read_roll(path: Path, *, today: date) -> Roll:
    """Read a roll CSV (UTF-8 with or without a BOM, or Windows-1252 as older exports write)."""
    if not path.is_file():
        raise UsageError("The roll file was not found (give the CSV the MIS exported).")
    data = path.read_bytes()[: MAX_BYTES + 1]
    if len(data) > MAX_BYTES:
        raise UsageError("The roll file is larger than 16 MB; is it a roll?")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return parse_roll(text, today=today)
