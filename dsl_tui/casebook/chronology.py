"""A case's chronology, derived from everything recorded about it, oldest first."""

from __future__ import annotations

from datetime import UTC, datetime

from dsl_tui.casebook.index import CaseRecord
from dsl_tui.casebook.records import parse_dt
from dsl_tui.model import ChronologyEntry, StepState

_EPOCH = datetime.min.replace(tzinfo=UTC)


def chronology(record: CaseRecord) -> list[ChronologyEntry]:
    """Every dated event of a case: incident, report, steps, notes, evidence, decisions, changes."""
    core = record.core
    entries: list[tuple[datetime, int, ChronologyEntry]] = []

    def add(order: int, entry: ChronologyEntry) -> None:
        entries.append((entry.at, order, entry))

    occurred = parse_dt(core.get("occurred_at"))
    if occurred:
        add(-3, ChronologyEntry(occurred, "", "incident", "What happened (as reported)."))
    reported = parse_dt(core.get("reported_at")) or _EPOCH
    add(
        -2, ChronologyEntry(reported, core.get("reporter", ""), "reported", core.get("summary", ""))
    )
    if core.get("child_words"):
        add(
            -1,
            ChronologyEntry(reported, core.get("reporter", ""), "child's words",
                            core["child_words"])
        )  # fmt: skip
    for step in record.parts["steps"]:
        done = parse_dt(step.get("done_at"))
        if done is None:
            continue
        if step.get("state") == StepState.DONE.value:
            text = f"{step.get('title', '')}: {step.get('outcome', '')}"
            kind = "step done"
        else:
            text = f"{step.get('title', '')}: set aside ({step.get('reason', '')})"
            kind = "step set aside"
        add(
            step.get("done_ord", 0),
            ChronologyEntry(done, step.get("done_by", ""), kind, text, step["id"]),
        )
    for note in record.parts["notes"]:
        kind = f"note ({note.get('kind', 'fact')})"
        text = note.get("text", "")
        if note.get("corrects"):
            kind = f"correction ({note.get('kind', 'fact')})"
            text = f"Corrects {note['corrects']}: {text}"
        at = parse_dt(note.get("at")) or _EPOCH
        add(note.get("ord", 0), ChronologyEntry(at, note.get("by", ""), kind, text, note["id"]))
    for item in record.parts["evidence"]:
        at = parse_dt(item.get("added_at")) or _EPOCH
        text = item.get("description", "")
        if item.get("location"):
            text += f" (where: {item['location']})"
        add(
            item.get("ord", 0),
            ChronologyEntry(at, item.get("added_by", ""), "evidence", text, item["id"]),
        )
    for decision in record.parts["decisions"]:
        at = parse_dt(decision.get("at")) or _EPOCH
        add(
            decision.get("ord", 0),
            ChronologyEntry(at, decision.get("by", ""), f"decision: {decision.get('kind', '')}",
                            decision.get("text", ""), decision["id"])
        )  # fmt: skip
    for event in record.parts["events"]:
        at = parse_dt(event.get("at")) or _EPOCH
        add(
            event.get("ord", 0),
            ChronologyEntry(at, event.get("by", ""), event.get("kind", ""),
                            event.get("text", ""), event.get("ref", "") or event["id"])
        )  # fmt: skip
    # Ties in time keep the order things were written in.
    entries.sort(key=lambda item: (item[0], item[1]))
    return [entry for _, _, entry in entries]
