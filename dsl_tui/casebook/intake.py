"""A new concern becomes a case: triaged against the playbook, its steps due by the trust's
working days, any emergency calls already made kept on it, saved and audited in one save."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from dsl_tui.casebook import steps as step_rules
from dsl_tui.casebook.calls import call_text, complete_with_call
from dsl_tui.casebook.index import CaseRecord
from dsl_tui.casebook.records import iso, iso_date, step_doc
from dsl_tui.casebook.retention import case_review_on
from dsl_tui.casebook.writer import CaseWriter
from dsl_tui.deadlines import due_at
from dsl_tui.errors import UsageError
from dsl_tui.jsontypes import Doc
from dsl_tui.model import (
    Case,
    ConcernReport,
    EmergencyCall,
    NewAccount,
    NewPerson,
    Risk,
    Status,
    StepPlan,
)

if TYPE_CHECKING:
    from dsl_tui.playbook import Playbook, School


def person_doc(case_id: str, person_id: str, person: NewPerson) -> Doc:
    """The stored document of a person on a case."""
    return {
        "case_id": case_id,
        "id": person_id,
        "role": person.role.value,
        "name": step_rules.require_text(person.name, "the person's name (or 'unknown')"),
        "year_group": person.year_group.strip(),
        "date_of_birth": iso_date(person.date_of_birth),
        "school": "",
        "notes": "",
    }


def account_doc(case_id: str, account_id: str, account: NewAccount) -> Doc:
    """The stored document of an online account, web address or phone number on a case."""
    return {
        "case_id": case_id,
        "id": account_id,
        "platform": account.platform.strip(),
        "handle": account.handle.strip(),
        "url": account.url.strip(),
        "phone": account.phone.strip(),
    }


class Intake:
    """Logs new concerns as cases, through the writer, by the playbook's rules."""

    def __init__(self, writer: CaseWriter, playbook: Playbook) -> None:
        self._writer = writer
        self._playbook = playbook

    def log_concern(
        self,
        report: ConcernReport,
        answers: Mapping[str, str],
        *,
        calls: Sequence[EmergencyCall] = (),
    ) -> Case:
        """Triage a concern against the playbook and record it as a new case.

        ``calls`` made at once for a child in immediate danger (before the concern was typed)
        complete the case's step for each route called, at the time of the call, or, when that
        step cannot be completed yet (no reference), go into the chronology.
        """
        writer, playbook = self._writer, self._playbook
        summary = step_rules.require_text(report.summary, "what happened")
        reporter = step_rules.require_text(report.reporter, "who reported it")
        school = self._school(report.school)
        # Keep only the answers on the wizard's path (not those of a branch backed out of).
        answers = playbook.relevant_answers(answers)
        result = playbook.triage(dict(answers))
        now = writer.now()
        step_rules.not_in_future(report.occurred_at, now, "it happened")
        step_rules.not_in_future(report.reported_at, now, "it was reported")
        step_rules.born_before([p.date_of_birth for p in report.people], report.occurred_at, now)
        reported_at = report.reported_at or now
        case_id = writer.next_case_id(school.prefix, reported_at.astimezone(UTC).year)
        people = [person_doc(case_id, f"p{i}", p) for i, p in enumerate(report.people, 1)]
        accounts = [account_doc(case_id, f"a{i}", a) for i, a in enumerate(report.accounts, 1)]
        core: Doc = {
            "id": case_id,
            "school": school.key,
            "reporter": reporter,
            "reported_at": iso(reported_at),
            "occurred_at": iso(report.occurred_at),
            "summary": summary,
            "child_words": (report.child_words or "").strip(),
            "category": result.category,
            "category_title": result.category_title,
            "clause": result.clause,
            "risk": Risk(result.risk).value,
            "status": Status.NEW.value,
            "answers": [[k, str(v)] for k, v in answers.items()],
            "retention": result.retention,
            # The steps below are the playbook's at this version; a later edit never changes them.
            "playbook_version": playbook.version,
            # Each side's records rule (a concern with several sides keeps the longest).
            "retention_rules": list(result.retention_rules or (result.retention,)),
            "triage_reasons": list(result.reasons),
            "triage_warnings": list(result.warnings),
            "call_now": [r.key for r in result.call_now],
            "routes": [r.key for r in result.routes],
            "outcome": "",
            "closed_at": None,
            "owner": writer.user,
            "created_at": iso(now),
            "created_by": writer.user,
        }
        core["review_on"] = iso_date(case_review_on(playbook, core, people, now.date()))
        steps = [self._plan_doc(case_id, f"s{i}", plan, reported_at)
                 for i, plan in enumerate(result.steps, 1)]  # fmt: skip
        parts = [("people", d) for d in people] + [("accounts", d) for d in accounts]
        with writer.saving():
            record = writer.new_record(core, parts + [("steps", d) for d in steps])
            calls_done = self._record_calls(record, calls, now)
            triage_text = f"Triaged as {result.category_title} (risk {core['risk']})."
            if result.reasons:
                triage_text += " " + " ".join(result.reasons)
            record.parts["events"].append(writer.event(record, "triage", triage_text))
            writer.audit("create", case_id)
            for step_id in calls_done:
                writer.audit("change", case_id, f"step {step_id} call recorded")
        writer.refresh(record)
        return record.to_case()

    def _record_calls(
        self, record: CaseRecord, calls: Sequence[EmergencyCall], now: datetime
    ) -> list[str]:
        """Keep each call on the new case (inside its save); the ids of the steps it completed."""
        writer = self._writer
        completed: list[str] = []
        for call in calls:
            route = self._playbook.routes.get(call.route)
            if route is None:
                raise UsageError("The call was to a route the playbook does not have.")
            step_rules.not_in_future(call.at, now, "of the call")
            done = complete_with_call(record.parts["steps"], call, route.name, writer.user)
            if done is None:
                record.parts["events"].append(
                    writer.event(record, "call", call_text(call, route.name))
                )
                continue
            step, fields = done
            fields["done_ord"] = record.take_order()
            writer.change_part(record, "steps", step["id"], fields)
            record.replace_part("steps", step["id"], fields)
            completed.append(step["id"])
        return completed

    def _school(self, key: str) -> School:
        for school in self._playbook.schools:
            if key in (school.key, school.name, school.prefix):
                return school
        raise UsageError("That school is not in the trust's playbook.")

    def _plan_doc(self, case_id: str, step_id: str, plan: StepPlan, reported: datetime) -> Doc:
        # Working days skip weekends, bank holidays and the trust's closure days.
        return step_doc(case_id, step_id, plan, due_at(reported, plan.due, self._playbook.calendar))
