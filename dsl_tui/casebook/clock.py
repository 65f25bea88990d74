"""The casebook's clock: the time its actions are dated by, and the real time it audits them at."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime


def utc_now() -> datetime:
    """The time now, in UTC."""
    return datetime.now(UTC)


class CaseClock:
    """When things happen: the injected clock (tests), or a backdated one for a while.

    The writer and the queries share one, so a backdated block dates every action in it; the
    audit log takes ``real`` and so always records when an action was really done.
    """

    def __init__(self, real: Callable[[], datetime] | None = None) -> None:
        #: The clock the casebook was given (the system's, unless a test injects one).
        self.real: Callable[[], datetime] = real or utc_now
        self._dating: Callable[[], datetime] = self.real

    def now(self) -> datetime:
        """The time actions are dated by (the real time unless inside ``backdated``)."""
        return self._dating()

    @contextmanager
    def backdated(self, clock: Callable[[], datetime]) -> Iterator[None]:
        """Date the actions inside by ``clock`` (demo data, old records typed up late)."""
        previous = self._dating
        self._dating = clock
        try:
            yield
        finally:
            self._dating = previous
