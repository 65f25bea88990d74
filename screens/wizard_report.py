"""The first page of the concern wizard: the report itself, as a form that gives a ConcernReport.

The form can be saved as a plain dict (a draft, kept encrypted by the casebook) and filled again
from one, so nothing typed is lost when the app locks.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.suggester import Suggester
from textual.widgets import Input, Label, Select, TextArea

from dsl_tui.casebook.roll import RollEntry
from dsl_tui.deadlines import LONDON
from dsl_tui.jsontypes import Doc
from dsl_tui.model import ConcernReport, NewAccount, NewPerson, PersonRole

WHEN_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d", "%d/%m/%Y %H:%M", "%d/%m/%Y")


def parse_when(text: str) -> datetime | None:
    """A date (and time) typed by the DSL, read as London time (the schools' own, GMT or BST),
    as an aware datetime; ValueError if unreadable."""
    text = text.strip()
    if not text:
        return None
    for fmt in WHEN_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=LONDON)
        except ValueError:
            continue
    raise ValueError("Write when it happened as YYYY-MM-DD HH:MM (or leave it empty).")


def parse_birth_date(text: str) -> date | None:
    """A date of birth typed as YYYY-MM-DD, or None when left empty; ValueError if unreadable."""
    text = text.strip()
    return date.fromisoformat(text) if text else None


#: Pupils on the roll whose names start with the words typed (the casebook's ``roll_lookup``,
#: given the text and the school chosen, if any).
RollLookup = Callable[[str, str | None], list[RollEntry]]


class RollSuggester(Suggester):
    """Completes a name from the school roll as it is typed (Right or End takes it)."""

    def __init__(self, pupils: Callable[[str], list[RollEntry]]) -> None:
        super().__init__(use_cache=False, case_sensitive=False)
        self._pupils = pupils

    async def get_suggestion(self, value: str) -> str | None:
        """The first pupil on the roll whose name starts as typed (value comes casefolded)."""
        if len(value.strip()) < 2:
            return None
        for entry in self._pupils(value):
            if entry.pupil.name.casefold().startswith(value):
                return entry.pupil.name
        return None


def roll_match(pupils: Callable[[str], list[RollEntry]] | None, typed: str) -> RollEntry | None:
    """The one pupil on the roll whose whole name is ``typed`` (any case), or None."""
    wanted = " ".join(typed.split()).casefold()
    if pupils is None or len(wanted) < 2:
        return None
    found = [e for e in pupils(wanted) if e.pupil.name.casefold() == wanted]
    return found[0] if len(found) == 1 else None


def year_text(year_group: str) -> str:
    """A roll's year group as the form shows it: "Y8", "R", "N1"."""
    return f"Y{year_group}" if year_group.isdigit() else year_group


class PersonRow(Horizontal):
    """One person in the report: name, role, year group, date of birth (if known)."""

    DEFAULT_CSS = """
    PersonRow { height: auto; }
    PersonRow Input.name { width: 2fr; }
    PersonRow Select { width: 1fr; min-width: 16; }
    PersonRow Input.year { width: 8; }
    PersonRow Input.dob { width: 12; }
    """

    def __init__(
        self,
        number: int,
        data: dict[str, str] | None = None,
        pupils: Callable[[str], list[RollEntry]] | None = None,
    ) -> None:
        super().__init__(id=f"person-{number}")
        self.number = number
        self.data = data or {}
        self.pupils = pupils

    def compose(self) -> ComposeResult:
        suggester = RollSuggester(self.pupils) if self.pupils is not None else None
        yield Input(self.data.get("name", ""), placeholder=f"person {self.number}: name",
                    classes="name", compact=True, id=f"person-{self.number}-name",
                    suggester=suggester)  # fmt: skip
        yield Select(
            [(r.value, r.value) for r in PersonRole],
            value=self.data.get("role", PersonRole.PUPIL.value),
            allow_blank=False,
            compact=True,
            id=f"person-{self.number}-role",
        )
        yield Input(self.data.get("year", ""), placeholder="year", classes="year",
                    compact=True, id=f"person-{self.number}-year")  # fmt: skip
        yield Input(self.data.get("dob", ""), placeholder="born Y-M-D", classes="dob",
                    compact=True, id=f"person-{self.number}-dob")  # fmt: skip

    @on(Input.Changed, ".name")
    def _fill_from_roll(self, event: Input.Changed) -> None:
        """A name that is exactly one pupil's on the roll fills their year and date of birth
        (where still empty); a name not on the roll is kept as typed."""
        found = roll_match(self.pupils, event.value)
        if found is None:
            return
        pupil = found.pupil
        year = self.query_one(".year", Input)
        if not year.value:
            year.value = year_text(pupil.year_group)
        born = self.query_one(".dob", Input)
        if not born.value:
            born.value = pupil.date_of_birth.isoformat()

    def value(self) -> dict[str, str]:
        """The row as plain text."""
        role = self.query_one(Select).value
        return {
            "name": self.query_one(".name", Input).value,
            "role": role if isinstance(role, str) else PersonRole.PUPIL.value,
            "year": self.query_one(".year", Input).value,
            "dob": self.query_one(".dob", Input).value,
        }


class ReportForm(VerticalScroll):
    """School, reporter, when, what happened, the child's own words, people, platform."""

    def __init__(
        self,
        schools: list[tuple[str, str]],
        data: Doc | None = None,
        roll: RollLookup | None = None,
    ) -> None:
        super().__init__(id="report")
        self.schools = schools
        self.data = data or {}
        self.roll = roll

    def pupils(self, text: str) -> list[RollEntry]:
        """Pupils on the roll (of the school chosen, if any) whose names start as typed."""
        if self.roll is None:
            return []
        school = self.query_one("#school", Select).value
        return self.roll(text, school if isinstance(school, str) else None)

    def compose(self) -> ComposeResult:
        data = self.data
        keys = [key for _, key in self.schools]
        school = data.get("school") if data.get("school") in keys else Select.NULL
        yield Label("School")
        yield Select(
            self.schools, value=school, prompt="Choose the school", compact=True, id="school"
        )
        yield Label("Who reported it (name and role)")
        yield Input(data.get("reporter", ""), compact=True, id="reporter")
        yield Label("When it happened (YYYY-MM-DD HH:MM, optional)")
        yield Input(data.get("occurred", ""), compact=True, id="occurred")
        yield Label("What happened (facts: who, what, where, when)")
        yield TextArea(
            data.get("summary", ""),
            compact=True,
            id="summary",
            soft_wrap=True,
            tab_behavior="focus",
        )
        yield Label("The child's own words (as said, unchanged)")
        yield TextArea(data.get("child_words", ""), compact=True, id="child_words", soft_wrap=True,
                       tab_behavior="focus")  # fmt: skip
        yield Label("People (Ctrl+A adds another)")
        people = data.get("people") or [{}]
        for number, person in enumerate(people, 1):
            yield PersonRow(number, person, self.pupils)
        yield Label("Where online: platform and handle, address or phone (optional)", id="where")
        with Horizontal(id="account"):
            yield Input(
                data.get("platform", ""), placeholder="platform", compact=True, id="platform"
            )
            yield Input(data.get("handle", ""), placeholder="handle / address / phone",
                        compact=True, id="handle")  # fmt: skip

    async def add_person(self) -> None:
        """Add a row for one more person, and put the cursor in it."""
        number = len(self.query(PersonRow)) + 1
        row = PersonRow(number, pupils=self.pupils)
        await self.mount(row, before=self.query_one("#where"))
        self.query_one(f"#person-{number}-name", Input).focus()

    def value(self) -> Doc:
        """Everything typed, as plain data (for a draft)."""
        school = self.query_one("#school", Select).value
        return {
            "school": school if isinstance(school, str) else "",
            "reporter": self.query_one("#reporter", Input).value,
            "occurred": self.query_one("#occurred", Input).value,
            "summary": self.query_one("#summary", TextArea).text,
            "child_words": self.query_one("#child_words", TextArea).text,
            "people": [row.value() for row in self.query(PersonRow)],
            "platform": self.query_one("#platform", Input).value,
            "handle": self.query_one("#handle", Input).value,
        }


def report_from(data: Doc) -> ConcernReport | str:
    """The report, or the one reason it is not complete yet (for the DSL to fix)."""
    if not data.get("school"):
        return "Choose the school."
    if not str(data.get("reporter", "")).strip():
        return "Record who reported the concern."
    if not str(data.get("summary", "")).strip():
        return "Record what happened."
    try:
        occurred = parse_when(str(data.get("occurred", "")))
    except ValueError as err:
        return str(err)
    people = []
    for number, p in enumerate(data.get("people", []), start=1):
        if not str(p.get("name", "")).strip():
            continue
        try:
            born = parse_birth_date(str(p.get("dob", "")))
        except ValueError:
            return f"Write person {number}'s date of birth as YYYY-MM-DD (or leave it empty)."
        people.append(NewPerson(
            PersonRole(p.get("role") or "pupil"), p["name"].strip(), p.get("year", "").strip(),
            date_of_birth=born,
        ))  # fmt: skip
    handle = str(data.get("handle", "")).strip()
    platform = str(data.get("platform", "")).strip()
    accounts: tuple[NewAccount, ...] = ()
    if platform or handle:
        if handle.startswith(("http://", "https://", "www.")):
            accounts = (NewAccount(platform, url=handle),)
        elif handle.replace(" ", "").lstrip("+").isdigit():
            accounts = (NewAccount(platform, phone=handle),)
        else:
            accounts = (NewAccount(platform, handle=handle),)
    return ConcernReport(
        school=str(data["school"]),
        reporter=str(data["reporter"]).strip(),
        summary=str(data["summary"]).strip(),
        occurred_at=occurred,
        child_words=str(data.get("child_words", "")).strip(),
        people=tuple(people),
        accounts=accounts,
    )
