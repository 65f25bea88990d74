"""The casebook's read side: dashboard rows, search, counts, what is due, links, reviews.

Everything here answers from the in-memory index; nothing scans TinyDB, nothing is written.
"""

from __future__ import annotations

from datetime import date, datetime, time

from dsl_tui.casebook.chronology import chronology as build_chronology
from dsl_tui.casebook.clock import CaseClock
from dsl_tui.casebook.index import CaseIndex, CaseRecord
from dsl_tui.casebook.linking import why
from dsl_tui.casebook.records import iso, parse_date
from dsl_tui.errors import UsageError
from dsl_tui.model import CaseSummary, ChronologyEntry, Counts, Status, Step


def end_of_today(now: datetime) -> datetime:
    """The last instant of the local day containing ``now``."""
    local = now.astimezone()
    return datetime.combine(local.date(), time.max, tzinfo=local.tzinfo)


class CaseQueries:
    """Read-only questions a DSL asks of the casebook, answered from its index."""

    def __init__(self, index: CaseIndex, clock: CaseClock, user: str) -> None:
        self._index = index
        self._clock = clock.now
        #: Whose cases "mine" means.
        self.user = user

    def search(
        self,
        query: str = "",
        *,
        status: str = "all",
        school: str | None = None,
        mine: bool = False,
        overdue_only: bool = False,
    ) -> list[CaseSummary]:
        """The cases asked for, most urgent first (overdue, then risk, then the oldest report).

        Each filter narrows the others: ``query`` words that a case's recorded text (any of it)
        must all hold ("" for none); ``status`` "open" (not closed), "closed", "all" or one
        ``Status`` value; ``school`` a school's key (None for every school); ``mine`` only cases
        this user owns; ``overdue_only`` only cases with an open step past its due time.
        """
        records = self._select(status)
        if school:
            records = [r for r in records if r.core.get("school") == school]
        if mine:
            records = [r for r in records if r.core.get("owner") == self.user]
        now = self._clock()
        if overdue_only:
            records = [r for r in records if r.is_overdue(now)]
        if query.split():
            records = self._index.matching(records, query)
        records.sort(key=lambda r: r.urgency(now))
        return [r.summary(now) for r in records]

    def summaries(
        self,
        *,
        status: str = "open",
        school: str | None = None,
        mine: bool = False,
        overdue_only: bool = False,
    ) -> list[CaseSummary]:
        """The dashboard's rows with nothing typed: :meth:`search` without words, open cases
        unless a ``status`` is given."""
        return self.search(status=status, school=school, mine=mine, overdue_only=overdue_only)

    def _select(self, status: str) -> list[CaseRecord]:
        """Records with a status: "open" (not closed), "closed", "all" or one Status value."""
        # list() copies the values in one step, so a save in another thread cannot upset the loop.
        records = list(self._index.records.values())
        if status == "all":
            return records
        if status == "open":
            return [r for r in records if not r.closed]
        try:
            wanted = Status(status).value
        except ValueError:
            raise UsageError(f"There is no case status called {status!r}.") from None
        return [r for r in records if r.core.get("status") == wanted]

    def counts(self) -> Counts:
        """Open cases, cases with an overdue step, cases with a step due later today, closed."""
        now = self._clock()
        end = end_of_today(now)
        open_n = overdue = due_today = closed = 0
        for record in list(self._index.records.values()):
            if record.closed:
                closed += 1
                continue
            open_n += 1
            if record.is_overdue(now):
                overdue += 1
            elif record.next_due is not None and record.next_due <= end:
                due_today += 1
        return Counts(open=open_n, overdue=overdue, due_today=due_today, closed=closed)

    def due(self) -> list[tuple[CaseSummary, Step]]:
        """Every open step due by the end of today or already overdue, most urgent first."""
        now = self._clock()
        end = end_of_today(now)
        end_iso = iso(end) or ""
        found: list[tuple[datetime, int, CaseSummary, Step]] = []
        for record in list(self._index.records.values()):
            if record.closed or record.next_due is None or record.next_due > end:
                continue
            row = record.summary(now)
            rank = row.risk.rank
            for step in record.open_steps_due_by(end_iso):
                if step.due_at is not None:
                    found.append((step.due_at, rank, row, step))
        found.sort(key=lambda item: (item[0], item[1]))
        return [(row, step) for _, _, row, step in found]

    def case_ids(self) -> list[str]:
        """Every case id, sorted."""
        return sorted(self._index.records)

    def linked(self, case_id: str) -> list[tuple[CaseSummary, str]]:
        """Other cases sharing a person, handle, phone number or web address, with why."""
        self._index.record(case_id)
        now = self._clock()
        out: list[tuple[CaseSummary, str]] = []
        for other, keys in self._index.linked(case_id):
            out.append((self._index.records[other].summary(now), "; ".join(why(k) for k in keys)))
        return out

    def due_for_review(self, on: date | None = None) -> list[CaseSummary]:
        """Cases whose retention review date is on or before ``on`` (default today)."""
        day = on or self._clock().astimezone().date()
        now = self._clock()
        hits = []
        for record in list(self._index.records.values()):
            review = parse_date(record.core.get("review_on"))
            if review is not None and review <= day:
                hits.append((review, record))
        hits.sort(key=lambda pair: (pair[0], pair[1].case_id))
        return [record.summary(now) for _, record in hits]

    def chronology(self, case_id: str) -> list[ChronologyEntry]:
        """Everything that happened on a case, oldest first."""
        return build_chronology(self._index.record(case_id))

    def prepare_search(self) -> None:
        """Build every case's search text and links now (a worker after unlocking)."""
        self._index.warm()
