"""Builds the checked parts of a playbook from its TOML, in the order they depend on each other.

Schools, actors, retention rules and routes come first; categories name a retention rule; questions
name their answers; named conditions, rules and steps name all of those. Each reference is checked
against what was defined, so ``build_parts`` either returns a sound playbook or raises ``BadEntry``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from dsl_tui.deadlines import WorkingCalendar
from dsl_tui.model import AnswerSpec, Choice, Deadline, Question, Risk, Route, StepPlan
from dsl_tui.playbook.rules import (
    ActorRule,
    Always,
    BadEntry,
    CategoryRule,
    Condition,
    KeyPath,
    RetentionRule,
    RiskRule,
    StepRule,
    parse_condition,
)
from dsl_tui.playbook.schema import (
    KINDS,
    PREFIX,
    RESERVED,
    RISKS,
    YES_NO,
    AskedQuestion,
    Category,
    PlaybookParts,
    PolicySection,
    Retention,
    School,
    Table,
    check_clause,
    check_key,
    keyed_tables,
    parse_day,
    parse_duration,
    table_list,
)

#: ``{actor}`` in a step's title or detail: the name of whoever takes that part in the case.
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
#: Top-level fields the loader reads itself (before the rest is built).
LOADER_FIELDS = ("policy_text",)
#: Every top-level field of a playbook, checked first so that a misspelt table is named as such.
TOP_FIELDS = (
    "version", "trust", "schools", "actors", "retention", "routes", "categories", "conditions",
    "questions", "category_rules", "risk_rules", "steps", "step_rules", "actor_rules",
    "retention_rules", "calendar", *LOADER_FIELDS,
)  # fmt: skip


def build_parts(raw: object, sections: dict[str, PolicySection]) -> PlaybookParts:
    """Check a whole playbook (as parsed by tomllib) and return its typed parts."""
    top = Table(raw, (), "the playbook")
    top.only(TOP_FIELDS)
    for name in LOADER_FIELDS:
        top.value(name)
    version = top.text("version")
    trust = top.text("trust")
    schools = _schools(top)
    actors = _actors(top)
    retention = _retention(top)
    routes = _routes(top, sections)
    categories = _categories(top, sections, retention)
    raw_questions = table_list(top, "questions", "question")
    answers = _answer_vocabulary(raw_questions)
    vocabulary = dict(answers)
    vocabulary["category"] = frozenset(categories)
    vocabulary["group"] = frozenset(c.group for c in categories.values())
    vocabulary["risk"] = RISKS
    named = _named_conditions(top, vocabulary)
    questions = _questions(raw_questions, vocabulary, named, sections)
    question_keys = frozenset(answers)
    category_rules = _category_rules(top, vocabulary, named, question_keys, categories)
    risk_rules = _risk_rules(top, vocabulary, named, question_keys | {"category", "group"})
    steps, due_by_risk = _steps(top, sections, actors, routes)
    step_rules = _step_rules(top, vocabulary, named, steps, routes)
    actor_rules = _actor_rules(top, vocabulary, named, actors, routes)
    retention_rules = _retention_rules(top, vocabulary, named, retention)
    calendar = _calendar(top)
    top.finish()
    return PlaybookParts(
        version=version,
        trust=trust,
        schools=schools,
        actors=actors,
        retention=retention,
        routes=routes,
        categories=categories,
        questions=questions,
        category_rules=category_rules,
        risk_rules=risk_rules,
        steps=steps,
        step_rules=step_rules,
        actor_rules=actor_rules,
        retention_rules=retention_rules,
        calendar=calendar,
        due_by_risk=due_by_risk,
    )


def _schools(top: Table) -> tuple[School, ...]:
    """``[[schools]]``: unique keys and case-id prefixes."""
    schools: list[School] = []
    for table in table_list(top, "schools", "school"):
        key = check_key(table.text("key"), (*table.path, "key"))
        name = table.text("name")
        prefix = table.text("prefix")
        if not PREFIX.match(prefix):
            raise BadEntry((*table.path, "prefix"), "a prefix is 2 to 4 capital letters or digits")
        if any(s.key == key for s in schools):
            raise BadEntry((*table.path, "key"), f'the school key "{key}" is used twice')
        if any(s.prefix == prefix for s in schools):
            raise BadEntry((*table.path, "prefix"), f'the prefix "{prefix}" is used twice')
        table.finish()
        schools.append(School(key, name, prefix))
    return tuple(schools)


def _actors(top: Table) -> dict[str, str]:
    """``[actors]``: key = the name shown on a step ("who acts")."""
    table = Table(top.value("actors"), ("actors",), '"actors"')
    actors: dict[str, str] = {}
    for key in list(table.raw):
        check_key(key, ("actors", key))
        actors[str(key)] = table.text(str(key))
    if not actors:
        raise BadEntry(("actors",), "at least one actor is needed")
    return actors


def _retention(top: Table) -> dict[str, Retention]:
    """``[retention.key]``: how long records are kept (no ``years`` means keep)."""
    found: dict[str, Retention] = {}
    for key, table in keyed_tables(top, "retention", "retention rule"):
        years = table.value("years")
        if years is not None and (
            not isinstance(years, int) or isinstance(years, bool) or not 1 <= years <= 200
        ):
            raise BadEntry((*table.path, "years"), "years must be a whole number from 1 to 200")
        found[key] = Retention(
            key,
            table.text("title"),
            years,
            table.text("starts"),
            table.text("rule"),
            source=table.text("source", required=False),
        )
        table.finish()
    return found


def _routes(top: Table, sections: dict[str, PolicySection]) -> dict[str, Route]:
    """``[routes.key]``: where to refer or report, with contact details the trust can edit."""
    found: dict[str, Route] = {}
    for key, table in keyed_tables(top, "routes", "route"):
        clause = table.text("clause", required=False)
        if clause:
            clause = check_clause(clause, (*table.path, "clause"), sections)
        found[key] = Route(
            key=key,
            name=table.text("name"),
            when=table.text("when"),
            contact=table.text("contact"),
            clause=clause,
            not_for=table.text("not_for", required=False),
        )
        table.finish()
    return found


def _categories(
    top: Table, sections: dict[str, PolicySection], retention: dict[str, Retention]
) -> dict[str, Category]:
    """``[categories.key]``: title, clause, usual risk, group and retention rule."""
    found: dict[str, Category] = {}
    for key, table in keyed_tables(top, "categories", "category"):
        group = check_key(table.text("group"), (*table.path, "group"))
        risk = table.risk("risk")
        assert risk is not None
        found[key] = Category(
            key=key,
            title=table.text("title"),
            clause=check_clause(table.text("clause"), (*table.path, "clause"), sections),
            risk=risk,
            group=group,
            retention=table.key("retention", dict(retention), "retention rule"),
            description=table.text("description", required=False),
        )
        table.finish()
    return found


def _answer_vocabulary(tables: list[Table]) -> dict[str, frozenset[str]]:
    """Each question key with the answers it can take (read before conditions are parsed)."""
    answers: dict[str, frozenset[str]] = {}
    for table in tables:
        key = check_key(table.raw.get("key"), (*table.path, "key"))
        if key in RESERVED:
            raise BadEntry(
                (*table.path, "key"), f'"{key}" is reserved for rules; choose another key'
            )
        if key in answers:
            raise BadEntry((*table.path, "key"), f'the question key "{key}" is used twice')
        kind = table.raw.get("kind")
        if kind == "choice":
            answers[key] = frozenset(c.key for c in _choices(table))
        elif kind == "yes_no":
            answers[key] = YES_NO
        else:
            raise BadEntry((*table.path, "kind"), 'kind must be "yes_no" or "choice"')
    return answers


def _choices(table: Table) -> tuple[Choice, ...]:
    """The ``choices`` of a choice question: at least two, unique keys."""
    raw = table.raw.get("choices")
    path = (*table.path, "choices")
    if not isinstance(raw, list) or len(raw) < 2:
        raise BadEntry(path, "a choice question needs a list of at least two choices")
    choices: list[Choice] = []
    for i, item in enumerate(raw):
        entry = Table(item, (*path, i), "a choice")
        key = check_key(entry.text("key"), (*path, i, "key"))
        if any(c.key == key for c in choices):
            raise BadEntry((*path, i, "key"), f'the choice "{key}" is listed twice')
        choices.append(Choice(key, entry.text("label")))
        entry.finish()
    return tuple(choices)


def _named_conditions(top: Table, vocabulary: dict[str, frozenset[str]]) -> dict[str, Condition]:
    """``[conditions]``: names for conditions used in several places, e.g. ``@ukcis_referral``."""
    raw = top.value("conditions")
    named: dict[str, Condition] = {}
    if raw is None:
        return named
    if not isinstance(raw, dict):
        raise BadEntry(("conditions",), '"conditions" must be a table of named conditions')
    for name, body in raw.items():
        check_key(name, ("conditions", name))
        named[str(name)] = parse_condition(body, ("conditions", name), vocabulary, named)
    return named


def _when(
    table: Table,
    vocabulary: dict[str, frozenset[str]],
    named: dict[str, Condition],
    allowed: frozenset[str],
    *,
    field: str = "when",
    required: bool = False,
) -> Condition:
    """A rule's condition; it may only read the facts in ``allowed``."""
    raw = table.value(field)
    path: KeyPath = (*table.path, field)
    if raw is None:
        if required:
            raise BadEntry(path, f'the field "{field}" is missing')
        return Always()
    condition = parse_condition(raw, path, vocabulary, named)
    extra = sorted(condition.keys() - allowed)
    if extra:
        raise BadEntry(path, f'"{extra[0]}" cannot be tested here ({_ALLOWED_HINT[field]})')
    return condition


_ALLOWED_HINT = {
    "ask_if": "a question may only depend on questions asked before it",
    "when": "this kind of rule may not test it",
}


def _questions(
    tables: list[Table],
    vocabulary: dict[str, frozenset[str]],
    named: dict[str, Condition],
    sections: dict[str, PolicySection],
) -> tuple[AskedQuestion, ...]:
    """``[[questions]]`` in the order the wizard asks them."""
    asked: list[AskedQuestion] = []
    earlier: set[str] = set()
    for table in tables:
        key = table.text("key")
        kind = table.text("kind")
        assert kind in KINDS
        choices = _choices(table) if kind == "choice" else ()
        if kind == "yes_no" and table.raw.get("choices") is not None:
            raise BadEntry((*table.path, "choices"), "a yes_no question has no choices")
        table.value("choices")
        clause = check_clause(table.text("clause"), (*table.path, "clause"), sections)
        ask_if = _when(table, vocabulary, named, frozenset(earlier), field="ask_if", required=False)
        multi = table.value("multi")
        if multi is not None and not isinstance(multi, bool):
            raise BadEntry((*table.path, "multi"), "multi is true or false")
        if multi and kind != "choice":
            raise BadEntry((*table.path, "multi"), "only a choice question takes several answers")
        if multi and choices[0].key != "no" and any(a.question.multi for a in asked):
            # The first question with several answers gives the sides of a concern, each triaged
            # on its own; a later one (e.g. the child's vulnerabilities) is an ordinary fact and
            # starts with a "no" choice ("none of these"), which the checker's walk relies on.
            raise BadEntry(
                (*table.path, "multi"),
                'a second question with several answers needs "no" (none of these) first',
            )
        question = Question(
            key=key,
            text=table.text("text"),
            kind=kind,
            why=table.text("why"),
            clause=clause,
            choices=choices,
            warning=table.text("warning", required=False),
            multi=bool(multi),
        )
        table.finish()
        asked.append(AskedQuestion(question, ask_if))
        earlier.add(key)
    return tuple(asked)


def _category_rules(
    top: Table,
    vocabulary: dict[str, frozenset[str]],
    named: dict[str, Condition],
    questions: frozenset[str],
    categories: dict[str, Category],
) -> tuple[CategoryRule, ...]:
    """``[[category_rules]]``: first match wins; the last one has no ``when`` (the fallback)."""
    rules: list[CategoryRule] = []
    tables = table_list(top, "category_rules", "category rule")
    for table in tables:
        when = _when(table, vocabulary, named, questions)
        rules.append(
            CategoryRule(
                when=when,
                category=table.key("category", dict(categories), "category"),
                risk=table.risk("risk", required=False),
                reason=table.text("reason", required=False),
            )
        )
        table.finish()
    if not isinstance(rules[-1].when, Always):
        raise BadEntry(
            (*tables[-1].path, "when"),
            'the last category rule must have no "when", so that every concern gets a category',
        )
    return tuple(rules)


def _risk_rules(
    top: Table,
    vocabulary: dict[str, frozenset[str]],
    named: dict[str, Condition],
    allowed: frozenset[str],
) -> tuple[RiskRule, ...]:
    """``[[risk_rules]]``: each that holds may raise the risk, and says why."""
    rules: list[RiskRule] = []
    for table in table_list(top, "risk_rules", "risk rule", required=False):
        when = _when(table, vocabulary, named, allowed, required=True)
        risk = table.risk("risk")
        assert risk is not None
        step_up = table.value("step_up")
        if step_up is not None and not isinstance(step_up, bool):
            raise BadEntry((*table.path, "step_up"), "step_up is true or false")
        rules.append(RiskRule(when, risk, table.text("reason"), step_up=bool(step_up)))
        table.finish()
    return tuple(rules)


def _steps(
    top: Table,
    sections: dict[str, PolicySection],
    actors: dict[str, str],
    routes: dict[str, Route],
) -> tuple[dict[str, StepPlan], dict[str, dict[Risk, tuple[Deadline, str]]]]:
    """``[steps.key]``: title, who acts, clause, deadline, route and the answers it needs.

    Also each step's ``due_by_risk`` table (its deadline at a given risk level), where any.
    """
    found: dict[str, StepPlan] = {}
    by_risk: dict[str, dict[Risk, tuple[Deadline, str]]] = {}
    for key, table in keyed_tables(top, "steps", "step"):
        due = table.text("due", required=False)
        table_by_risk = _due_by_risk(table)
        if table_by_risk:
            by_risk[key] = table_by_risk
        route = table.text("route", required=False)
        if route and route not in routes:
            raise BadEntry((*table.path, "route"), f'"{route}" is not a known route')
        for field in ("title", "detail"):
            for name in _PLACEHOLDER.findall(str(table.raw.get(field) or "")):
                if name not in actors:
                    raise BadEntry((*table.path, field), f'"{{{name}}}" is not a known actor')
        found[key] = StepPlan(
            key=key,
            title=table.text("title"),
            actor=actors[actor_key := table.key("actor", dict(actors), "actor")],
            actor_key=actor_key,
            clause=check_clause(table.text("clause"), (*table.path, "clause"), sections),
            due=parse_duration(due, (*table.path, "due")) if due else None,
            detail=table.text("detail", required=False),
            route=route or None,
            needs=_needs(table),
            due_words=due.strip().lower() if due else "",
        )
        table.finish()
    return found, by_risk


def _due_by_risk(table: Table) -> dict[Risk, tuple[Deadline, str]]:
    """``due_by_risk = { high = "4 hours", immediate = "2 hours" }``: the deadline at a risk."""
    raw = table.value("due_by_risk")
    if raw is None:
        return {}
    path = (*table.path, "due_by_risk")
    if not isinstance(raw, dict) or not raw:
        raise BadEntry(path, 'due_by_risk is a table like { high = "4 hours" }')
    found: dict[Risk, tuple[Deadline, str]] = {}
    for level, words in raw.items():
        if level not in RISKS:
            raise BadEntry((*path, str(level)), f'"{level}" is not a risk level')
        if not isinstance(words, str) or not words.strip():
            raise BadEntry((*path, str(level)), "this must be a duration")
        found[Risk(level)] = (
            parse_duration(words, (*path, str(level))),
            words.strip().lower(),
        )
    return found


def _needs(table: Table) -> tuple[AnswerSpec, ...]:
    """A step's ``needs``: answers to record before it is done (choices optional)."""
    raw = table.value("needs")
    if raw is None:
        return ()
    path = (*table.path, "needs")
    if not isinstance(raw, list):
        raise BadEntry(path, "needs must be a list of { key, prompt, choices } tables")
    needs: list[AnswerSpec] = []
    for i, item in enumerate(raw):
        entry = Table(item, (*path, i), "a needed answer")
        key = check_key(entry.text("key"), (*path, i, "key"))
        if any(n.key == key for n in needs):
            raise BadEntry((*path, i, "key"), f'the answer "{key}" is listed twice')
        needs.append(AnswerSpec(key, entry.text("prompt"), entry.texts("choices")))
        entry.finish()
    return tuple(needs)


def _step_rules(
    top: Table,
    vocabulary: dict[str, frozenset[str]],
    named: dict[str, Condition],
    steps: dict[str, StepPlan],
    routes: dict[str, Route],
) -> tuple[StepRule, ...]:
    """``[[step_rules]]``: each that holds adds steps, routes, calls to make now and warnings."""
    rules: list[StepRule] = []
    everything = frozenset(vocabulary)
    for table in table_list(top, "step_rules", "step rule"):
        when = _when(table, vocabulary, named, everything)
        rule = StepRule(
            when=when,
            steps=_names(table, "steps", dict(steps), "step"),
            routes=_names(table, "routes", dict(routes), "route"),
            call_now=_names(table, "call_now", dict(routes), "route"),
            warnings=table.texts("warnings"),
        )
        if not (rule.steps or rule.routes or rule.call_now or rule.warnings):
            raise BadEntry(table.path, "a step rule needs steps, routes, call_now or warnings")
        table.finish()
        rules.append(rule)
    return tuple(rules)


def _names(table: Table, field: str, known: dict[str, object], what: str) -> tuple[str, ...]:
    """A list of keys, each defined elsewhere."""
    names = table.texts(field)
    for i, name in enumerate(names):
        if name not in known:
            raise BadEntry((*table.path, field, i), f'"{name}" is not a known {what}')
    return names


def _actor_rules(
    top: Table,
    vocabulary: dict[str, frozenset[str]],
    named: dict[str, Condition],
    actors: dict[str, str],
    routes: dict[str, Route],
) -> tuple[ActorRule, ...]:
    """``[[actor_rules]]``: when ``when`` holds, ``replace`` actors (and ``routes``) on steps."""
    rules: list[ActorRule] = []
    for table in table_list(top, "actor_rules", "actor rule", required=False):
        when = _when(table, vocabulary, named, frozenset(vocabulary), required=True)
        replace = _key_map(table, "replace", actors, "actor")
        if not replace:
            raise BadEntry((*table.path, "replace"), "an actor rule needs actors to replace")
        rules.append(
            ActorRule(
                when=when,
                actors=replace,
                routes=_key_map(table, "routes", routes, "route"),
                reason=table.text("reason", required=False),
            )
        )
        table.finish()
    return tuple(rules)


def _key_map(
    table: Table, field: str, known: Mapping[str, object], what: str
) -> tuple[tuple[str, str], ...]:
    """``{ old = "new" }``: both keys known (actors or routes)."""
    raw = table.value(field)
    if raw is None:
        return ()
    path = (*table.path, field)
    if not isinstance(raw, dict):
        raise BadEntry(path, f'{field} must be a table like {{ old_{what} = "new_{what}" }}')
    pairs: list[tuple[str, str]] = []
    for old, new in raw.items():
        if old not in known:
            raise BadEntry((*path, old), f'"{old}" is not a known {what}')
        if not isinstance(new, str) or new not in known:
            raise BadEntry((*path, old), f'"{new}" is not a known {what}')
        pairs.append((str(old), new))
    return tuple(pairs)


def _retention_rules(
    top: Table,
    vocabulary: dict[str, frozenset[str]],
    named: dict[str, Condition],
    retention: dict[str, Retention],
) -> tuple[RetentionRule, ...]:
    """``[[retention_rules]]``: the first that holds names the records rule (else the category)."""
    rules: list[RetentionRule] = []
    for table in table_list(top, "retention_rules", "retention rule", required=False):
        when = _when(table, vocabulary, named, frozenset(vocabulary), required=True)
        rules.append(
            RetentionRule(
                when=when,
                retention=table.key("retention", dict(retention), "retention rule"),
                reason=table.text("reason", required=False),
            )
        )
        table.finish()
    return tuple(rules)


def _calendar(top: Table) -> WorkingCalendar:
    """``[calendar]``: the trust's closure days (besides weekends and bank holidays)."""
    raw = top.value("calendar")
    if raw is None:
        return WorkingCalendar()
    table = Table(raw, ("calendar",), '"calendar"')
    days = table.value("closure_days")
    path: KeyPath = ("calendar", "closure_days")
    if days is None:
        days = []
    if not isinstance(days, list):
        raise BadEntry(path, 'closure_days is a list of days like "2026-12-21"')
    found = [parse_day(day, (*path, i)) for i, day in enumerate(days)]
    table.finish()
    return WorkingCalendar.with_closures(found)
