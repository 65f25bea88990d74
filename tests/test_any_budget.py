"""``Any`` stays rare in product code (issue #11): seams get real types or protocols.

Counts the name ``Any`` as Python's tokenizer sees it (so comments, docstrings and other strings
do not count; an import does) in ``dsl_tui/`` and ``screens/``. A stored JSON document's dynamic
values are named once, in ``dsl_tui/jsontypes.py`` (``Doc``, ``DocView``, ``JsonValue``).
"""

from __future__ import annotations

import io
import tokenize
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: The most ``Any`` names product code may hold.
BUDGET = 40


def any_count(path: Path) -> int:
    """How many times the name ``Any`` appears in a module's code."""
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    return sum(1 for t in tokens if t.type == tokenize.NAME and t.string == "Any")


def any_counts() -> Counter[str]:
    """``Any`` per module of the package and the screens (modules without one left out)."""
    counts: Counter[str] = Counter()
    for top in ("dsl_tui", "screens"):
        for path in sorted((REPO / top).rglob("*.py")):
            if n := any_count(path):
                counts[path.relative_to(REPO).as_posix()] = n
    return counts


def test_counting_skips_comments_and_strings(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        '"""Any docstring."""\nfrom typing import Any  # Any\nx: Any = "Any"\n', encoding="utf-8"
    )
    assert any_count(module) == 2


def test_any_stays_within_budget() -> None:
    counts = any_counts()
    total = sum(counts.values())
    listing = "\n".join(f"{n:4d}  {name}" for name, n in counts.most_common())
    assert total <= BUDGET, f"{total} uses of Any (budget {BUDGET}):\n{listing}"
