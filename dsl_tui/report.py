"""Anonymised yearly figures for the trust's policy review (policy 11.2): counts, medians, patterns.

Nothing a DSL typed reaches the report. Every label comes from a closed vocabulary: the
playbook's categories and schools, the model's risk and status words, route keys, month names,
and a fixed list of platforms (anything else is "other"). Recurring accounts are shown by
platform only ("an Instagram account: 2 cases"), recurring people by role, pupils with their year
group ("a pupil in Y7: 3 cases"), never initials; a letter tells apart two that share a label. The
policy review needs to see that something recurs, not who it is.
"""

from __future__ import annotations

import csv
import io
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from dsl_tui.errors import UsageError
from dsl_tui.model import Case, PersonRole, StepState
from dsl_tui.vault.atomic import write_atomic

if TYPE_CHECKING:
    from dsl_tui.casebook import Casebook

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

#: Platforms shown by name; any other text a DSL typed is counted as "other".
KNOWN_PLATFORMS = {
    "instagram": "Instagram", "tiktok": "TikTok", "snapchat": "Snapchat",
    "whatsapp": "WhatsApp", "facebook": "Facebook", "messenger": "Messenger",
    "youtube": "YouTube", "x": "X (Twitter)", "twitter": "X (Twitter)", "discord": "Discord",
    "roblox": "Roblox", "fortnite": "Fortnite", "minecraft": "Minecraft", "telegram": "Telegram",
    "reddit": "Reddit", "twitch": "Twitch", "threads": "Threads", "bereal": "BeReal",
    "xbox": "Xbox", "playstation": "PlayStation", "steam": "Steam", "email": "Email",
    "e-mail": "Email", "sms": "Text message", "text": "Text message",
    "text message": "Text message", "phone": "Phone", "website": "Website", "web": "Website",
    "signal": "Signal", "pinterest": "Pinterest", "linkedin": "LinkedIn", "omegle": "Omegle",
    "kik": "Kik", "wechat": "WeChat", "tumblr": "Tumblr", "yubo": "Yubo",
}  # fmt: skip


def platform_label(text: str) -> str:
    """A platform's name from the fixed list, or "other" (free text never reaches the report)."""
    return KNOWN_PLATFORMS.get(" ".join(text.lower().split()), "other")


@dataclass(frozen=True)
class Report:
    """The figures for one year."""

    year: int
    total: int
    sections: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    months: list[tuple[str, int]] = field(default_factory=list)
    median_hours_to_first_action: float | None = None
    median_days_to_close: float | None = None
    patterns: list[tuple[str, int]] = field(default_factory=list)


def _counted(counter: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))


def _letters(n: int) -> str:
    """A, B, ... Z, AA, AB ..."""
    out = ""
    n += 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _norm(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _year_label(group: str) -> str:
    """ " in Y9" or " in R" from a typed year group; nothing else of the free text gets through
    (it could hold a name or a terminal control code)."""
    text = group.strip().lower()
    if text == "r" or text.startswith("rec"):
        return " in R"
    year = re.match(r"(?:y|year)?\s*(\d{1,2})\b", text)
    return f" in Y{int(year.group(1))}" if year else ""


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _patterns(cases: list[Case]) -> list[tuple[str, int]]:
    """Accounts and people that appear in more than one case, with labels that name no one.

    A person is labelled by role and, for a pupil, year group only ("a pupil in Y7"): never
    initials, which with a year group identify a child in a school. An account is labelled by its
    platform only ("an Instagram account"). Where two recurring people or accounts would carry the
    same label, a letter tells them apart ("a pupil in Y7 (B)"); the letter means nothing outside
    this report.
    """
    accounts: dict[tuple[str, str], set[str]] = {}
    people: dict[tuple[str, str], set[str]] = {}
    labels_for_people: dict[tuple[str, str], str] = {}
    for case in cases:
        for account in case.accounts:
            ident = _norm(account.handle or account.url or account.phone)
            if ident:
                key = (platform_label(account.platform), ident)
                accounts.setdefault(key, set()).add(case.id)
        for person in case.people:
            ident = _norm(person.name)
            if not ident or ident == "unknown":
                continue
            key = (person.role.value, ident)
            people.setdefault(key, set()).add(case.id)
            if person.role is PersonRole.PUPIL:
                labels_for_people[key] = f"a pupil{_year_label(person.year_group)}"
    recurring: list[tuple[str, int]] = []
    for (platform, _ident), ids in sorted(accounts.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if len(ids) > 1:
            recurring.append((f"{_article(platform)} {platform} account", len(ids)))
    for key, ids in sorted(people.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if len(ids) > 1:
            role = key[0]
            recurring.append((labels_for_people.get(key) or f"{_article(role)} {role}", len(ids)))
    same = Counter(label for label, _ in recurring)
    seen: Counter[str] = Counter()
    found: list[tuple[str, int]] = []
    for label, count in recurring:
        if same[label] > 1:
            found.append((f"{label} ({_letters(seen[label])})", count))
            seen[label] += 1
        else:
            found.append((label, count))
    return sorted(found, key=lambda kv: (-kv[1], kv[0]))


def _vocab(table: dict[str, str] | None, key: str, fallback: str) -> str:
    """The label for ``key`` from a closed vocabulary; "other" for a key outside it."""
    if table is None:
        return key or fallback
    return table.get(key, "other")


def build_report(
    cases: list[Case],
    year: int,
    *,
    schools: dict[str, str] | None = None,
    categories: dict[str, str] | None = None,
    routes: dict[str, str] | None = None,
) -> Report:
    """The year's figures from the cases reported in that (calendar) year.

    ``schools``, ``categories`` and ``routes`` map the playbook's keys to labels; a key outside
    them (e.g. on a case received from another trust) is counted as "other".
    """
    chosen = [c for c in cases if c.reported_at.astimezone(timezone.utc).year == year]
    by: dict[str, Counter[str]] = {
        k: Counter() for k in ("category", "platform", "school", "risk", "status", "route")
    }
    months: Counter[int] = Counter()
    first_action: list[float] = []
    to_close: list[float] = []
    for case in chosen:
        by["category"][_vocab(categories, case.category, "uncategorised")] += 1
        by["school"][_vocab(schools, case.school, "unknown")] += 1
        by["risk"][case.risk.value] += 1
        by["status"][case.status.value] += 1
        for platform in {platform_label(a.platform) for a in case.accounts}:
            by["platform"][platform] += 1
        for route in {s.route for s in case.steps if s.route and s.state is StepState.DONE}:
            by["route"][_vocab(routes, route, "other")] += 1
        months[case.reported_at.astimezone(timezone.utc).month] += 1
        done = [s.done_at for s in case.steps if s.done_at and s.state is StepState.DONE]
        if done:
            # A step recorded before the report (e.g. a received case's clock) counts as at once.
            first_action.append(max(0.0, (min(done) - case.reported_at).total_seconds() / 3600))
        if case.closed_at:
            to_close.append(max(0.0, (case.closed_at - case.reported_at).total_seconds() / 86400))
    return Report(
        year=year,
        total=len(chosen),
        sections={
            "Category": _counted(by["category"]),
            "Platform": _counted(by["platform"]),
            "School": _counted(by["school"]),
            "Risk": _counted(by["risk"]),
            "Outcome (status)": _counted(by["status"]),
            "Outcome (referral route)": _counted(by["route"]),
        },
        months=[(MONTHS[m - 1], months[m]) for m in range(1, 13)],
        median_hours_to_first_action=statistics.median(first_action) if first_action else None,
        median_days_to_close=statistics.median(to_close) if to_close else None,
        patterns=_patterns(chosen),
    )


def casebook_report(casebook: Casebook, year: int | None = None) -> Report:
    """The report for ``year`` (default: this year) from every case in the vault, audited once."""
    chosen_year = year or datetime.now(timezone.utc).year
    cases = [casebook.case(case_id, view=False) for case_id in casebook.case_ids()]
    playbook = casebook.playbook
    report = build_report(
        cases,
        chosen_year,
        schools={s.key: s.name for s in playbook.schools},
        categories={k: c.title for k, c in playbook.categories.items()},
        routes={k: r.name for k, r in playbook.routes.items()},
    )
    casebook.audit_event("report", "", f"year {chosen_year}")
    return report


def _fmt(value: float | None, unit: str) -> str:
    return "no data" if value is None else f"{value:.1f} {unit}"


def text_lines(report: Report, width: int = 40) -> list[str]:
    """The report as terminal text: tables, a monthly bar chart and recurring patterns."""
    lines = [f"Online safety concerns {report.year}: {report.total} case(s)", ""]
    lines.append(
        f"Median time to first action: {_fmt(report.median_hours_to_first_action, 'hours')}"
    )
    lines.append(f"Median time to close:        {_fmt(report.median_days_to_close, 'days')}")
    for title, rows in report.sections.items():
        lines += ["", title]
        if not rows:
            lines.append("  (none)")
        label_w = max(len(label) for label, _ in rows) if rows else 0
        lines += [f"  {label:<{label_w}}  {count:>5}" for label, count in rows]
    lines += ["", "Cases by month"]
    peak = max((n for _, n in report.months), default=0)
    for month, n in report.months:
        bar = "#" * (round(n / peak * width) if peak else 0)
        lines.append(f"  {month}  {n:>4}  {bar}")
    lines += ["", "Recurring across cases (non-identifying labels)"]
    if not report.patterns:
        lines.append("  (nothing recurs)")
    lines += [f"  {label}: {count} cases" for label, count in report.patterns]
    return lines


def csv_text(report: Report) -> str:
    """The report as CSV: ``section,label,value`` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["section", "label", "value"])
    writer.writerow(["total", str(report.year), report.total])
    writer.writerow(
        [
            "median",
            "hours to first action",
            ""
            if report.median_hours_to_first_action is None
            else f"{report.median_hours_to_first_action:.1f}",
        ]
    )
    writer.writerow(
        [
            "median",
            "days to close",
            "" if report.median_days_to_close is None else f"{report.median_days_to_close:.1f}",
        ]
    )
    for title, rows in report.sections.items():
        writer.writerows([title.lower(), label, count] for label, count in rows)
    writer.writerows(["month", month, n] for month, n in report.months)
    writer.writerows(["recurring", label, count] for label, count in report.patterns)
    return buffer.getvalue()


def write_csv(report: Report, path: Path) -> None:
    """Write the CSV (anonymised figures only, so a plain file is fine).

    An existing file is replaced only if it is an earlier report's CSV, never anything else.
    """
    target = Path(path)
    if target.exists():
        with target.open("rb") as handle:
            if not handle.read(64).startswith(b"section,label,value"):
                raise UsageError(
                    "A file that is not a report CSV is already there; choose another."
                )
    # 0600 from the first byte: the figures are anonymised, but a report is still the DSL's.
    write_atomic(target, [csv_text(report).encode("utf-8")], doing="write the report")
