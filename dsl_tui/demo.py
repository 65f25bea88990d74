"""Fictional demo cases: realistic enough to try the app and to benchmark it, invented throughout.

Every name, handle, phone number and address is made up from the word lists below (phone numbers
come from Ofcom's drama range 07700 900xxx; web addresses use example.org). Cases are made through
the casebook's own calls: ``log_concern`` with real triage answers (found by walking the
playbook's questions), then notes, evidence, step outcomes and sometimes a closing outcome, all
dated between the report and now. Each case is saved as one batch, one by one.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from dsl_tui.model import (
    Case,
    ConcernReport,
    NewAccount,
    NewPerson,
    NoteKind,
    PersonRole,
    Question,
    Risk,
    Step,
    StepState,
)

if TYPE_CHECKING:
    from dsl_tui.casebook import Casebook
    from dsl_tui.playbook import Playbook

FIRST_NAMES = (
    "Amara Theo Isla Kofi Maisie Rohan Elowen Tariq Freya Dmitri Noor Caspian Lyra Emeka Saoirse "
    "Jago Anouk Idris Marigold Tobias Zainab Ferris Ottilie Kwame Bryony Lorcan Inez Hamish "
    "Priyanka Silas Wren Mateo Clemmie Yusuf Delphine Rafferty Nell Osian Tamsin Arjun Bea "
    "Kit Leila Fintan Juno Ezra Mabli Cosmo Aisling Ravi"
).split()
LAST_NAMES = (
    "Okonkwo-Bell Marchetti Featherstone Ashdown Penrose Holloway Vale Brandt Quenby Achterberg "
    "Mallory Ingleby Tremayne Oduya Castellan Pryce-Jones Whitcombe Nakagawa Lindqvist Farrow "
    "Blackwood Esterhuizen Corrigan Delacroix Hawtrey Mbeki-Stone Radcliffe Sandoval Thistlewood "
    "Umberton Varga Winslade Yardley Zeller Abernethy Bellweather Carrow Dunmore Elphick Gorringe"
).split()
PLATFORMS = ("Instagram", "Snapchat", "TikTok", "WhatsApp", "Discord", "YouTube", "Roblox", "X")
HANDLE_WORDS = (
    "shadow fox night owl sk8r pixel moon storm ghost river blaze echo frost lunar neon raven "
    "spark vortex willow zephyr comet drift ember haze jade"
).split()
STAFF_ROLES = ("form tutor", "teaching assistant", "Head of Year", "PE teacher", "music teacher")
REPORTERS = ("form tutor", "Head of Year", "parent (by phone)", "pupil (self-report)",
             "teaching assistant", "school nurse", "IT technician")  # fmt: skip

FACT_NOTES = (
    "Spoke with {pupil} in the pastoral office; a member of staff was present.",
    "{pupil} showed the messages on their phone; nothing was copied or forwarded.",
    "Parent of {pupil} called back and was told what the school is doing.",
    "Form tutor reports {pupil} was quieter than usual in registration.",
    "Account {handle} still visible on {platform} at the time of checking.",
    "Head of Year confirmed the other pupils involved were spoken to separately.",
    "{pupil} said the messages started after a falling out at the weekend.",
    "Attendance checked: {pupil} has missed two afternoons this week.",
    "Platform's reporting form completed for {handle}; automatic reply received.",
    "Safety plan agreed with {pupil}: who to go to, and when.",
    "Screenshots described in writing; no image of a child was stored.",
    "Follow-up meeting booked with {pupil} and the pastoral lead.",
)
OPINION_NOTES = (
    "{pupil} seemed anxious but relieved to have told someone.",
    "In my view the risk is contained for now, but it needs watching.",
    "I think {pupil} is not telling us everything yet.",
    "The parent seemed supportive and keen to work with the school.",
)
SUMMARIES = {
    "child_online": "{pupil} was sent messages by {handle} on {platform} that worried staff.",
    "nudes": "A report that an image of {pupil} was shared between pupils on {platform}.",
    "staff_content": "Posts on {platform} by {handle} make claims about a member of staff.",
    "work_account": "The school's {platform} account was misused to post unsuitable comments.",
    "staff_conduct": "A concern that a member of staff was in contact with {pupil} on {platform}.",
    "pupil_contact": "{pupil} messaged a member of staff's personal {platform} profile.",
    "other": "{pupil} told a member of staff about something that happened on {platform}.",
}
CHILD_WORDS = (
    "I didn't want to say anything because I thought I'd get in trouble.",
    "They keep adding me to the group and saying stuff about me.",
    "He said if I told anyone he'd post it everywhere.",
    "I just want it to stop.",
    "It's been going on since half term.",
    "",
)
OUTCOMES = (
    "Done as planned.",
    "Completed; see notes.",
    "Spoke to all involved; agreed next actions.",
    "Done; parent informed.",
    "Completed with the Head of Year.",
)
CLOSINGS = (
    "Resolved: the content was removed and the pupils were supported.",
    "No further concerns after review meetings; case closed.",
    "Handed over to children's social care, who now lead; school support continues.",
    "Behaviour policy applied; the pupil is settled.",
)
PRIMARY_SCHOOLS = ("fla", "bwp")


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _handle(rng: random.Random) -> str:
    first, mark, second = (
        rng.choice(HANDLE_WORDS),
        rng.choice(("_", ".", "")),
        rng.choice(HANDLE_WORDS),
    )
    return f"@{first}{mark}{second}{rng.randint(1, 99)}"


def demo_answers(playbook: Playbook, rng: random.Random) -> dict[str, str]:
    """Real triage answers, found by walking the playbook's questions with random choices."""
    answers: dict[str, str] = {}
    for _ in range(60):
        question: Question | None = playbook.next_question(answers)
        if question is None:
            break
        if question.key == "subject_is_head":
            # No demo case is about a headteacher; answered without a draw, so a seed gives the
            # same cases as before the question existed.
            answers[question.key] = "no"
        elif question.kind == "yes_no":
            chance = 0.04 if "immediate" in question.key else 0.35
            answers[question.key] = "yes" if rng.random() < chance else "no"
        else:
            answers[question.key] = rng.choice(question.choices).key
    return answers


def _year_group(rng: random.Random, school: str) -> str:
    if school.lower() in PRIMARY_SCHOOLS:
        return f"Y{rng.randint(1, 6)}"
    return f"Y{rng.randint(7, 13)}"


def _birth_date(rng: random.Random, year_group: str, on: date) -> date | None:
    if rng.random() < 0.5:
        return None
    age = int(year_group[1:]) + 5
    return on - timedelta(days=365 * age + rng.randint(0, 364))


def demo_report(
    playbook: Playbook, rng: random.Random, reported_at: datetime, answers: Mapping[str, str],
    handles: list[str],
) -> ConcernReport:  # fmt: skip
    """A fictional concern: pupils with year groups, maybe staff, a parent or an unknown adult."""
    school = rng.choice(playbook.schools)
    pupil = _name(rng)
    year = _year_group(rng, school.key)
    people = [NewPerson(PersonRole.PUPIL, pupil, year, _birth_date(rng, year, reported_at.date()))]
    for _ in range(rng.choice((0, 0, 1, 2))):
        other_year = _year_group(rng, school.key)
        people.append(NewPerson(PersonRole.PUPIL, _name(rng), other_year))
    about = answers.get("about", "other")
    if about in ("staff_content", "staff_conduct", "pupil_contact") or rng.random() < 0.1:
        people.append(NewPerson(PersonRole.STAFF, _name(rng)))
    if rng.random() < 0.3:
        people.append(
            NewPerson(PersonRole.PARENT, f"{rng.choice(FIRST_NAMES)} {pupil.split()[-1]}")
        )
    if answers.get("adult_involved") == "yes" or answers.get("nudes_adult") == "yes":
        people.append(NewPerson(PersonRole.UNKNOWN_ADULT, "unknown"))
    platform = rng.choice(PLATFORMS)
    # Reuse a handle now and then, so some cases link to each other.
    handle = rng.choice(handles) if handles and rng.random() < 0.08 else _handle(rng)
    handles.append(handle)
    accounts = [NewAccount(platform, handle=handle)]
    if rng.random() < 0.2:
        accounts.append(NewAccount("WhatsApp", phone=f"07700 900{rng.randint(0, 999):03d}"))
    if rng.random() < 0.1:
        accounts.append(NewAccount("Web", url=f"https://example.org/{rng.choice(HANDLE_WORDS)}"))
    summary = SUMMARIES.get(about, SUMMARIES["other"]).format(
        pupil=pupil, handle=handle, platform=platform
    )
    reporter, role = _name(rng), rng.choice(REPORTERS)
    if role.startswith("pupil"):
        reporter = pupil  # a self-report comes from the pupil the case is about
    elif role.startswith("parent"):
        parents = [p.name for p in people if p.role is PersonRole.PARENT]
        reporter = parents[0] if parents else f"{reporter.split()[0]} {pupil.split()[-1]}"
    return ConcernReport(
        school=school.key,
        reporter=f"{reporter} ({role})",
        summary=summary,
        reported_at=reported_at,
        occurred_at=reported_at - timedelta(hours=rng.randint(1, 96)),
        child_words=rng.choice(CHILD_WORDS),
        people=tuple(people),
        accounts=tuple(accounts),
    )


def _answers_for(step: Step, rng: random.Random) -> dict[str, str]:
    return {
        need.key: rng.choice(need.choices) if need.choices else "Recorded on the school system."
        for need in step.needs
    }


#: Words in a step's key that mark a referral, a report to the police or a safeguarding
#: essential: a real DSL does not set those aside, so neither does the demo.
_NEVER_ASIDE = (
    "police", "csc", "ceop", "lado", "refer", "describe", "speak", "secure", "call", "ukcis",
    "iwf", "keep_records", "support", "record_not", "report_senior", "seriousness",
    "disciplinary", "investigate", "assess", "hr_advice", "consent", "low_level",
)  # fmt: skip


def _may_be_set_aside(step: Step) -> bool:
    """Whether the demo may set this step aside (never a referral or an urgent step)."""
    return step.route is None and not any(word in step.key for word in _NEVER_ASIDE)


def _aside_reason(step: Step) -> str:
    """A reason a DSL would write for setting this step aside."""
    if any(word in step.key for word in ("platform", "host", "removal", "taken_down", "block")):
        return "The account and its posts were deleted before a report could be made."
    if "parent" in step.key:
        return "Parents already told by the head of year; recorded in the notes."
    return "Not needed in this case: covered by another step (see notes)."


def _work_case(casebook: Casebook, case: Case, rng: random.Random, now: datetime) -> None:
    """Notes, evidence, step outcomes and maybe a closing, dated between the report and now."""
    start = case.reported_at
    span = max(timedelta(minutes=30), min(now - start, timedelta(days=45)))
    moments = sorted(start + span * rng.random() for _ in range(16))
    clock_at = iter(moments + [start + span] * 8)
    at = {"now": start}

    def clock() -> datetime:
        return at["now"]

    pupil = next((p.name for p in case.people if p.role is PersonRole.PUPIL), "the pupil")
    account = case.accounts[0] if case.accounts else None
    words = {"pupil": pupil.split()[0], "handle": account.handle if account else "the account",
             "platform": account.platform if account else "the platform"}  # fmt: skip
    age = now - start
    with casebook.backdated(clock):
        for i in range(rng.randint(6, 14)):
            at["now"] = next(clock_at)
            if rng.random() < 0.2:
                casebook.add_note(case.id, rng.choice(OPINION_NOTES).format(**words),
                                  NoteKind.OPINION)  # fmt: skip
            elif i > 2 and rng.random() < 0.05:
                casebook.add_note(case.id, "Correction: the date given earlier was wrong.",
                                  corrects="n1")  # fmt: skip
            else:
                casebook.add_note(case.id, rng.choice(FACT_NOTES).format(**words))
        if rng.random() < 0.4:
            casebook.add_evidence(
                case.id, f"Description of messages from {words['handle']}", words["platform"],
                captured_at=start,
            )  # fmt: skip
        if rng.random() < 0.1 and case.risk in (Risk.LOW, Risk.MEDIUM):
            casebook.record_decision(
                case.id, "no referral", "Threshold for referral not met; support in school."
            )
        old = age > timedelta(days=30)
        for step in case.steps:
            due = step.due_at or start
            if due > now and not old:
                continue
            if old or rng.random() < 0.7:
                at["now"] = min(now, max(start, due - timedelta(hours=rng.random() * 3)))
                aside = rng.random() < 0.1
                if aside and _may_be_set_aside(step):
                    casebook.set_aside_step(case.id, step.id, _aside_reason(step))
                else:
                    casebook.complete_step(case.id, step.id, rng.choice(OUTCOMES),
                                           _answers_for(step, rng))  # fmt: skip
        if old and rng.random() < 0.8:
            current = casebook.case(case.id, view=False)
            if all(s.state is not StepState.OPEN for s in current.steps):
                at["now"] = min(now, start + span)
                casebook.close(case.id, _closing_for(current, rng.choice(CLOSINGS)))


def _closing_for(case: Case, picked: str) -> str:
    """``picked``, unless it says the case went to children's social care and no referral to them
    was made (or a decision not to refer was): then a closing that fits. (The random choice is
    made either way, so the rest of the demo stays the same for a given seed.)"""
    referred = any(
        s.state is StepState.DONE and ("csc" in s.key or "refer" in s.key) for s in case.steps
    )
    not_referred = any(d.kind == "no referral" for d in case.decisions)
    if "social care" in picked and not (referred and not not_referred):
        return CLOSINGS[1]
    return picked


def _always(at: datetime) -> Callable[[], datetime]:
    """A clock stopped at ``at``."""
    return lambda: at


def add_demo_cases(casebook: Casebook, n: int, seed: int = 2026) -> list[str]:
    """Add ``n`` fictional cases through the casebook's own calls; returns their ids.

    Repeated calls on the same casebook add different cases (the seed moves on with the count).
    """
    rng = random.Random(seed * 1_000_003 + len(casebook.case_ids()))
    now = casebook.now()
    handles: list[str] = []
    made: list[str] = []
    for _ in range(n):
        if rng.random() < 0.25:
            age = timedelta(hours=rng.uniform(0, 24 * 10))
        else:
            age = timedelta(days=rng.uniform(1, 700))
        reported_at = (now - age).astimezone(UTC)
        answers = demo_answers(casebook.playbook, rng)
        report = demo_report(casebook.playbook, rng, reported_at, answers, handles)
        with casebook.batch():
            with casebook.backdated(_always(reported_at)):
                case = casebook.log_concern(report, answers)
            _work_case(casebook, case, rng, now)
        made.append(case.id)
    return made
