"""Small timing helpers shared by the workloads: a stopwatch and median/min/max of repeated runs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Timing:
    """Seconds of repeated runs of one workload; ``na`` explains a row that could not run."""

    samples: list[float] = field(default_factory=list)
    na: str = ""
    note: str = ""

    @property
    def ok(self) -> bool:
        """True when at least one run was timed."""
        return not self.na and bool(self.samples)

    @property
    def median(self) -> float:
        """Median of the runs, in seconds."""
        return statistics.median(self.samples)

    @property
    def low(self) -> float:
        """Fastest run, in seconds."""
        return min(self.samples)

    @property
    def high(self) -> float:
        """Slowest run, in seconds."""
        return max(self.samples)

    def to_dict(self) -> dict[str, object]:
        """A JSON-friendly form for the raw results file."""
        if not self.ok:
            return {"na": self.na or "no runs"}
        return {
            "median_s": self.median,
            "min_s": self.low,
            "max_s": self.high,
            "samples_s": self.samples,
            "note": self.note,
        }


def not_available(reason: str) -> Timing:
    """A row that could not be measured, with the reason shown in its place."""
    return Timing(na=reason)


def repeat(run: Callable[[int], float], times: int) -> Timing:
    """Call ``run(i)`` ``times`` times; each call returns the seconds of its own timed part."""
    return Timing(samples=[run(i) for i in range(times)])


def stopwatch(action: Callable[[], object]) -> float:
    """Seconds taken by one call of ``action``."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start
