"""The dashboard: urgency order, overdue written out, filters, search, counts, help, palette."""

from __future__ import annotations

from helpers_app import MemorySession, memory_casebook, settle_workers, type_text, wait_until
from textual.widgets import DataTable, Static

from dsl_tui.model import ConcernReport, NewPerson, PersonRole
from dsl_tui.screens.app import DslApp
from dsl_tui.screens.dashboard import DashboardScreen
from dsl_tui.screens.help import HelpScreen


def rows(app: DslApp) -> list[str]:
    screen = app.screen
    assert isinstance(screen, DashboardScreen)
    table = screen.query_one("#cases", DataTable)
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


def cell_text(app: DslApp, row: int, column: int) -> str:
    return str(app.screen.query_one("#cases", DataTable).get_row_at(row)[column])


async def test_rows_follow_the_casebook_urgency_order_and_say_overdue() -> None:
    book = memory_casebook(30)
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert rows(app) == [s.id for s in book.summaries()]
        overdue = [i for i, s in enumerate(book.summaries()) if s.overdue]
        assert overdue, "the demo data has an overdue case"
        for i in overdue:
            assert "OVERDUE" in cell_text(app, i, 1)
        counts = str(app.screen.query_one("#counts", Static).render())
        c = book.counts()
        assert f"Open {c.open}" in counts and f"Overdue {c.overdue}" in counts


async def test_filters_by_key() -> None:
    book = memory_casebook(30)
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("v")
        await pilot.pause()
        assert rows(app) == [s.id for s in book.summaries(overdue_only=True)]
        await pilot.press("c")
        await pilot.pause()
        assert rows(app) == [s.id for s in book.summaries(status="closed")]
        await pilot.press("a", "s")
        await pilot.pause()
        first = book.playbook.schools[0].key
        assert rows(app) == [s.id for s in book.summaries(status="all", school=first)]
        await pilot.press("o", "m")
        await pilot.pause()
        assert rows(app) == [s.id for s in book.summaries(school=first, mine=True)]


async def test_search_finds_words_anywhere_in_a_case() -> None:
    book = memory_casebook(10)
    report = ConcernReport(
        school="kha",
        reporter="Form tutor",
        summary="Roblox chat with a stranger",
        people=(NewPerson(PersonRole.PUPIL, "Ottilie Quenby", "Y7"),),
    )
    case = book.log_concern(
        report, {"immediate_danger": "no", "about": "other", "other_risk": "no"}
    )
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("slash")
        await type_text(pilot, "quenby roblox")
        await pilot.press("enter")
        await wait_until(pilot, lambda: rows(app) == [case.id])
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "CaseScreen"
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert len(rows(app)) == len(book.summaries())


async def test_the_search_text_is_built_in_a_worker_once_the_dashboard_shows() -> None:
    """So the DSL's first keystroke in the search box does not pay for building it (about 0.2 s
    at 10,000 cases): the app builds every case's search text in a worker after unlock."""
    book = memory_casebook(12)
    records = list(book._index.records.values())
    assert all(r._text is None for r in records)  # built lazily, not at unlock
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await settle_workers(app)
        assert all(r._text is not None for r in records)
        assert book._index.links_built


async def test_a_long_list_shows_the_most_urgent_and_says_how_many_there_are() -> None:
    from dsl_tui.screens.dashboard import MAX_ROWS

    book = memory_casebook(MAX_ROWS + 30)
    every = book.summaries(status="all")
    assert len(every) > MAX_ROWS
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("a")  # all cases, open and closed
        await wait_until(pilot, lambda: rows(app) == [s.id for s in every[:MAX_ROWS]])
        counts = str(app.screen.query_one("#counts", Static).render())
        assert f"{MAX_ROWS} most urgent of {len(every)}" in counts


async def test_help_lists_keys_and_policy_text() -> None:
    book = memory_casebook()
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = str(app.screen.query_one("#keys", Static).render())
        for words in (
            "ctrl+l",
            "Lock the vault",
            "Log concern",
            "selected step done",
            "Close the case",
        ):
            assert words in keys
        policy = str(app.screen.query_one("#policy", Static).render())
        assert book.playbook.clause_text("9.3")[:40] in " ".join(policy.split()) or " ".join(
            book.playbook.clause_text("9.3").split()
        )[:40] in " ".join(policy.split())


async def test_command_palette_offers_the_main_actions() -> None:
    book = memory_casebook()
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Log a concern", "Lock", "Export case files", "Help and policy"):
            assert title in titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        await type_text(pilot, "Log a concern")
        await pilot.pause()
        await pilot.press("enter")
        # Logging a concern opens on the immediate-danger question, over the wizard.
        await wait_until(pilot, lambda: type(app.screen).__name__ == "DangerScreen")
        assert type(app.screen_stack[-2]).__name__ == "ConcernWizard"


async def test_report_opens_from_the_command_palette() -> None:
    book = memory_casebook(5)
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await type_text(pilot, "Anonymised report")
        await pilot.pause()
        await pilot.press("enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "ReportScreen")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))


async def test_search_covers_closed_cases_and_says_how_many_are_open_and_closed() -> None:
    book = memory_casebook(30)
    closed = book.summaries(status="closed")
    assert closed, "the demo data has a closed case"
    case = book.case(closed[0].id, view=False)
    word = case.people[0].name.split()[-1]
    found = book.search(word, status="all")
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert case.id not in rows(app), "the list shows open cases"
        await pilot.press("slash")
        await type_text(pilot, word)
        await pilot.press("enter")
        await wait_until(pilot, lambda: case.id in rows(app))
        assert rows(app) == [s.id for s in found]
        n_closed = sum(1 for s in found if s.status.value == "closed")
        counts = " ".join(str(app.screen.query_one("#counts", Static).render()).split())
        assert f"({len(found) - n_closed} open, {n_closed} closed)" in counts


async def test_search_keeps_the_school_and_overdue_filters() -> None:
    """The dashboard hands its filters to ``casebook.search``: the words look at every status,
    the school and "overdue" still narrow them."""
    book = memory_casebook(30)
    late = book.summaries(overdue_only=True)
    assert late, "the demo data has an overdue case"
    school = late[0].school
    word = book.case(late[0].id, view=False).people[0].name.split()[-1]
    expected = [s.id for s in book.search(word, status="all", school=school, overdue_only=True)]
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("v")
        keys = [s.key for s in book.playbook.schools]
        await pilot.press(*["s"] * (keys.index(school) + 1))
        await pilot.press("slash")
        await type_text(pilot, word)
        await pilot.press("enter")
        await wait_until(pilot, lambda: late[0].id in rows(app))
        assert rows(app) == expected
        assert len(expected) < len(book.search(word, status="all"))


async def test_an_empty_list_says_what_to_do() -> None:
    book = memory_casebook()
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        empty = app.screen.query_one("#empty", Static)
        assert "c shows closed cases, a all of them" in str(empty.render())
        await pilot.press("a")
        await pilot.pause()
        assert "No cases yet. Press n to log a concern." in str(empty.render())
        await pilot.press("slash")
        await type_text(pilot, "zzqx")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "Esc clears the search" in str(empty.render()))


async def test_columns_fit_the_width_and_the_line_below_tells_the_rest() -> None:
    book = memory_casebook(10)
    first = book.summaries()[0]
    for size, keys in (
        ((80, 24), ["id", "due", "risk", "category", "people"]),
        ((120, 40), ["id", "due", "risk", "category", "people", "next", "status", "school"]),
    ):
        app = DslApp(casebook=book, session=MemorySession(book))
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            table = app.screen.query_one("#cases", DataTable)
            assert [str(c.key.value) for c in table.ordered_columns] == keys
            assert sum(c.get_render_width(table) for c in table.ordered_columns) <= size[0]
            line = " ".join(str(app.screen.query_one("#row-detail", Static).render()).split())
            school = next(s.name for s in book.playbook.schools if s.key == first.school)
            assert first.id in line and school in line
            assert f"Next: {first.next_step}" in line or not first.next_step


async def test_help_scrolls_with_page_down_at_once_and_footers_offer_the_working_keys() -> None:
    book = memory_casebook(3)
    app = DslApp(casebook=book, session=MemorySession(book))
    async with app.run_test(size=(120, 24)) as pilot:
        await pilot.pause()
        shown = {b.binding.key for b in app.screen.active_bindings.values() if b.binding.show}
        assert {"o", "c", "a", "e"} <= shown, "the dashboard's footer lists its filters and export"
        await pilot.press("f1")
        await pilot.pause()
        scroll = app.screen.query_one("#keys-scroll")
        assert scroll.scroll_y == 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert scroll.scroll_y > 0
        await pilot.press("escape", "enter")
        await pilot.pause()
        shown = {b.binding.key for b in app.screen.active_bindings.values() if b.binding.show}
        assert {"v", "p", "a", "e", "escape"} <= shown, "the case's footer lists every action"
