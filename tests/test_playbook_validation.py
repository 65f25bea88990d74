"""A malformed playbook fails loudly: ``PlaybookInvalid`` naming the file, the key and the line."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers_playbook import PLAYBOOK_PATH, playbook_text, raw_playbook, sections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl_tui.errors import PlaybookInvalid
from dsl_tui.playbook import load_playbook, load_sections, parse_playbook
from dsl_tui.playbook.rules import BadEntry
from dsl_tui.playbook.schema import read_sections

Raw = dict[str, Any]


def invalid(raw: object) -> str:
    """The message of the PlaybookInvalid that checking ``raw`` raises."""
    with pytest.raises(PlaybookInvalid) as caught:
        parse_playbook(raw, source="test.toml", sections=sections())
    return str(caught.value)


def question(raw: Raw, key: str) -> Raw:
    """A [[questions]] entry of a raw playbook by key."""
    return next(q for q in raw["questions"] if q["key"] == key)


def _set(path: tuple[Any, ...], value: object) -> Callable[[Raw], None]:
    def change(raw: Raw) -> None:
        target: Any = raw
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return change


def _delete(path: tuple[Any, ...]) -> Callable[[Raw], None]:
    def change(raw: Raw) -> None:
        target: Any = raw
        for part in path[:-1]:
            target = target[part]
        del target[path[-1]]

    return change


# (id, change to the shipped playbook, the key path the message must name, a word it must say)
BROKEN: list[tuple[str, Callable[[Raw], None], str, str]] = [
    (
        "unknown-field",
        _set(("steps", "ask_host_removal", "dew"), "24 hours"),
        "steps.ask_host_removal.dew",
        'unknown field "dew" (did you mean "due"?)',
    ),
    ("unknown-top-level", _set(("stepz",), {}), "stepz", 'did you mean "steps"'),
    (
        "step-without-clause",
        _delete(("steps", "check_removal", "clause")),
        "steps.check_removal.clause",
        "missing",
    ),
    (
        "empty-clause",
        _set(("steps", "check_removal", "clause"), " "),
        "steps.check_removal.clause",
        "empty",
    ),
    (
        "unknown-clause",
        _set(("steps", "check_removal", "clause"), "9.9"),
        "steps.check_removal.clause",
        "9.9",
    ),
    (
        "rule-missing-question",
        _set(("step_rules", 0, "when"), "immediat_danger=yes"),
        "step_rules[0].when",
        "immediat_danger",
    ),
    (
        "rule-missing-choice",
        _set(("category_rules", 6, "when"), "about=staff_posts"),
        "category_rules[6].when",
        "staff_posts",
    ),
    (
        "nested-missing-choice",
        _set(("step_rules", 3, "when"), {"all": ["group=child_online", "risk=severe"]}),
        "step_rules[3].when.all[1]",
        "severe",
    ),
    (
        "unknown-condition-op",
        _set(("step_rules", 3, "when"), {"most": ["risk=high"]}),
        "step_rules[3].when.most",
        "unknown condition",
    ),
    (
        "unknown-named-condition",
        _set(("risk_rules", 3, "when"), "@ukcis"),
        "risk_rules[3].when",
        "@ukcis",
    ),
    (
        "bad-condition-text",
        _set(("risk_rules", 0, "when"), "immediate_danger is yes"),
        "risk_rules[0].when",
        "not a condition",
    ),
    (
        "category-rule-tests-risk",
        _set(("category_rules", 0, "when"), "risk=high"),
        "category_rules[0].when",
        "cannot be tested",
    ),
    (
        "unknown-category",
        _set(("category_rules", 1, "category"), "grooming"),
        "category_rules[1].category",
        "category",
    ),
    (
        "no-fallback-category",
        _set(("category_rules", -1, "when"), "about=other"),
        "category_rules",
        "last category rule",
    ),
    (
        "unknown-route-in-step",
        _set(("steps", "report_ceop", "route"), "nca"),
        "steps.report_ceop.route",
        "route",
    ),
    (
        "unknown-route-in-rule",
        _set(("step_rules", 0, "call_now"), ["police", "ambulance"]),
        "step_rules[0].call_now[1]",
        "ambulance",
    ),
    (
        "unknown-step-in-rule",
        _set(("step_rules", 0, "steps"), ["call_police"]),
        "step_rules[0].steps[0]",
        "call_police",
    ),
    (
        "unknown-actor",
        _set(("steps", "hr_advice", "actor"), "bursar"),
        "steps.hr_advice.actor",
        "actor",
    ),
    (
        "bad-duration",
        _set(("steps", "ask_host_removal", "due"), "24 hourz"),
        "steps.ask_host_removal.due",
        "duration",
    ),
    (
        "duration-not-text",
        _set(("steps", "ask_host_removal", "due"), 24),
        "steps.ask_host_removal.due",
        "text",
    ),
    (
        "duration-too-long",
        _set(("steps", "ask_host_removal", "due"), "400 days"),
        "steps.ask_host_removal.due",
        "year",
    ),
    (
        "bad-risk",
        _set(("categories", "online_bullying", "risk"), "severe"),
        "categories.online_bullying.risk",
        "risk level",
    ),
    (
        "unknown-retention",
        _set(("categories", "online_bullying", "retention"), "forever"),
        "categories.online_bullying.retention",
        "retention",
    ),
    (
        "bad-retention-years",
        _set(("retention", "general", "years"), "six"),
        "retention.general.years",
        "whole number",
    ),
    (
        "bad-key",
        _set(("steps", "Bad Key"), {"title": "x", "actor": "dsl", "clause": "7.1"}),
        'steps."Bad Key"',
        "lower-case",
    ),
    ("bad-prefix", _set(("schools", 1, "prefix"), "fla"), "schools[1].prefix", "capital"),
    ("duplicate-prefix", _set(("schools", 1, "prefix"), "SRA"), "schools[1].prefix", "twice"),
    ("missing-version", _delete(("version",)), "version", "missing"),
    ("no-steps", _set(("steps",), {}), "steps", "table of steps"),
    (
        "bad-need",
        _set(("steps", "hr_advice", "needs"), [{"key": "x"}]),
        "steps.hr_advice.needs[0].prompt",
        "missing",
    ),
    (
        "need-choices-not-texts",
        _set(("steps", "hr_advice", "needs"), [{"key": "x", "prompt": "p", "choices": ["a", 1]}]),
        "steps.hr_advice.needs[0].choices[1]",
        "text",
    ),
    (
        "risk-rule-tests-risk",
        _set(("risk_rules", 0, "when"), "risk=high"),
        "risk_rules[0].when",
        "cannot be tested",
    ),
    (
        "named-condition-used-before-defined",
        _set(("conditions", "nudes_branch"), "@children_involved"),
        "conditions.nudes_branch",
        "defined above",
    ),
    (
        "empty-step-rule",
        _set(("step_rules", 0), {"when": "risk=high"}),
        "step_rules[0]",
        "needs steps",
    ),
]


@pytest.mark.parametrize("change, where, word", [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_a_broken_playbook_names_the_key(
    change: Callable[[Raw], None], where: str, word: str
) -> None:
    raw = raw_playbook()
    change(raw)
    message = invalid(raw)
    assert "test.toml" in message and where in message and word in message
    assert "\n" not in message and "Traceback" not in message


def _question_change(key: str, field: str, value: object) -> Callable[[Raw], None]:
    def change(raw: Raw) -> None:
        question(raw, key)[field] = value

    return change


QUESTION_BROKEN = [
    ("ask-if-later-question", "child_harm", "ask_if", "content_author=pupil", "cannot be tested"),
    ("ask-if-itself", "about", "ask_if", "about=other", "cannot be tested"),
    ("ask-if-category", "child_harm", "ask_if", "category=online_bullying", "cannot be tested"),
    ("unknown-kind", "about", "kind", "multiple", "kind must be"),
    ("choice-without-choices", "about", "choices", [], "at least two"),
    (
        "duplicate-choice",
        "friend_with",
        "choices",
        [{"key": "pupil", "label": "a"}, {"key": "pupil", "label": "b"}],
        "twice",
    ),
    (
        "yes-no-with-choices",
        "still_online",
        "choices",
        [{"key": "a", "label": "a"}, {"key": "b", "label": "b"}],
        "no choices",
    ),
    ("no-why", "about", "why", "", "empty"),
    ("reserved-key", "about", "key", "risk", "reserved"),
]


@pytest.mark.parametrize(
    "key, field, value, word", [b[1:] for b in QUESTION_BROKEN], ids=[b[0] for b in QUESTION_BROKEN]
)
def test_a_broken_question_names_its_place(key: str, field: str, value: object, word: str) -> None:
    raw = raw_playbook()
    index = raw["questions"].index(question(raw, key))
    question(raw, key)[field] = value
    message = invalid(raw)
    assert f"questions[{index}]" in message and word in message


def test_duplicate_question_key() -> None:
    raw = raw_playbook()
    raw["questions"].append(copy.deepcopy(raw["questions"][0]))
    assert "used twice" in invalid(raw)


def test_deep_nesting_is_refused_not_a_crash() -> None:
    deep: object = "risk=high"
    for _ in range(40):
        deep = {"not": deep}
    raw = raw_playbook()
    raw["step_rules"][0]["when"] = deep
    assert "nested too deeply" in invalid(raw)


def test_the_message_gives_the_line_of_the_file(tmp_path: Path) -> None:
    text = playbook_text().replace(
        'title = "Check the material was amended or removed; if the host will not act, contact '
        'the ISP"\nactor = "senior_manager"\nclause = "9.4"\n',
        'title = "Check the material was amended or removed; if the host will not act, contact '
        'the ISP"\nactor = "senior_manager"\nclause = "9.4"\nowner = "x"\n',
    )
    assert text != playbook_text()
    broken = tmp_path / "playbook.toml"
    broken.write_text(text, encoding="utf-8")
    line = next(i for i, s in enumerate(text.splitlines(), 1) if s == 'owner = "x"')
    with pytest.raises(PlaybookInvalid) as caught:
        load_playbook(broken)
    message = str(caught.value)
    assert str(broken) in message and "steps.check_removal.owner" in message
    assert f"(line {line})" in message


def test_the_line_of_an_array_entry(tmp_path: Path) -> None:
    text = playbook_text().replace(
        'when = "category=work_account_abuse"', 'when = "category=work_account"'
    )
    broken = tmp_path / "playbook.toml"
    broken.write_text(text, encoding="utf-8")
    line = next(
        i for i, s in enumerate(text.splitlines(), 1) if s == 'when = "category=work_account"'
    )
    with pytest.raises(PlaybookInvalid, match=rf"step_rules\[\d+\]\.when \(line {line}\)"):
        load_playbook(broken)


def test_bad_toml_says_where(tmp_path: Path) -> None:
    broken = tmp_path / "playbook.toml"
    broken.write_text(playbook_text() + "\n[steps.extra\n", encoding="utf-8")
    with pytest.raises(PlaybookInvalid, match=r"not valid TOML.*line"):
        load_playbook(broken)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PlaybookInvalid, match="does not exist"):
        load_playbook(tmp_path / "nowhere.toml")


def test_a_missing_policy_text_file_is_a_clear_error(tmp_path: Path) -> None:
    own = tmp_path / "playbook.toml"
    own.write_text(
        'policy_text = "words.toml"\n' + PLAYBOOK_PATH.read_text(encoding="utf-8"), encoding="utf-8"
    )
    with pytest.raises(PlaybookInvalid, match="words.toml does not exist"):
        load_playbook(own)


# --- fuzz: nothing but PlaybookInvalid, whatever the file holds -------------------------------

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 500),
    st.floats(allow_nan=True),
    st.sampled_from(
        [
            "",
            "yes",
            "risk=high",
            "@x",
            "24 hours",
            "9.3",
            "dsl",
            "police",
            "about=nudes",
            "now",
            "a|b",
            "choice",
            "yes_no",
        ]
    ),
    st.text(max_size=12),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(["all", "any", "not", "key", "when", "title", "x"])
            | st.text(max_size=8),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=20,
)
_TOP = [
    "version",
    "trust",
    "schools",
    "actors",
    "retention",
    "routes",
    "categories",
    "conditions",
    "questions",
    "category_rules",
    "risk_rules",
    "steps",
    "step_rules",
    "policy_text",
]


def _check(raw: object) -> None:
    try:
        parse_playbook(raw, source="fuzz.toml", sections=sections())
    except PlaybookInvalid:
        pass


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(_TOP) | st.text(max_size=6), _values, max_size=8))
def test_fuzz_random_structures(raw: dict[str, object]) -> None:
    _check(raw)


def _paths(value: object, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place inside a raw playbook (for the mutation fuzz)."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            found += _paths(inner, (*prefix, i))
    return found


_PLACES = _paths(raw_playbook())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sampled_from(_PLACES), st.one_of(st.just("<delete>"), _values)),
        min_size=1,
        max_size=3,
    )
)
def test_fuzz_mutations_of_the_real_playbook(changes: list[tuple[tuple[Any, ...], object]]) -> None:
    raw = raw_playbook()
    for path, value in changes:
        target: Any = raw
        try:
            for part in path[:-1]:
                target = target[part]
            if value == "<delete>":
                del target[path[-1]]
            else:
                target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this place
    _check(raw)


def test_a_broken_policy_text_file_names_the_clause(tmp_path: Path) -> None:
    words = tmp_path / "words.toml"
    words.write_text(
        '[sections."9.2"]\ntitle = "A"\ntext = "B"\n\n[sections."9.3"]\ntitle = "Action"\n',
        encoding="utf-8",
    )
    with pytest.raises(PlaybookInvalid, match=r'sections\."9\.3"\.text \(line 5\)'):
        load_sections(words)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(["sections", "guidance"]) | st.text(max_size=4), _values))
def test_fuzz_policy_text_files(raw: dict[str, object]) -> None:
    try:
        read_sections(raw)
    except BadEntry:
        pass
