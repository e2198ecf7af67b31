"""Deterministic demo school: Aeries-style roster, canonical attendance and calendar CSVs."""

from __future__ import annotations

import csv
import random
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from attendly.demo.calendar import school_days
from attendly.demo.roster import Habits, Student, build_students

ROSTER_HEADER = ("ID", "SN", "LN", "FN", "GR", "SC", "ED", "LD", "BD", "GN", "CID")
STATUS_CODES = frozenset("PTLEUVSI")

# Illness streak lengths in school days and their weights; multi-day streaks make absences cluster.
_STREAK_LENGTHS, _STREAK_WEIGHTS = (1, 2, 3, 4, 5), (50, 25, 15, 7, 3)
_MEAN_STREAK = sum(n * w for n, w in zip(_STREAK_LENGTHS, _STREAK_WEIGHTS, strict=True)) / sum(
    _STREAK_WEIGHTS
)
_WEEKDAY_FACTOR = (1.25, 0.90, 0.85, 0.90, 1.20)  # Monday and Friday absences run high
_MONTH_FACTOR = {12: 1.25, 1: 1.30, 2: 1.20, 8: 0.80, 9: 0.90}  # winter illness season
_UNVERIFIED_SHARE = 0.12
_EARLY_LEAVE_RATE = 0.008  # present days ending early with an excused appointment
_FIRST_PERIOD_TARDY_SHARE, _LONG_TARDY_SHARE = 0.7, 0.15
# Excuse notes for the most recent days are often not entered yet, so those stay unverified.
_RECENT_DAYS = 5


@dataclass(frozen=True)
class DemoFiles:
    """Paths of one generated demo school's export files."""

    roster: Path  # Aeries STU-style roster CSV
    attendance: Path  # canonical attendance CSV
    calendar: Path  # school calendar CSV: one column `date`, one row per school day


def _day_factors(days: list[date]) -> list[float]:
    """Relative absence likelihood per day, normalised to mean 1 so rates stay on target."""
    raw = [_WEEKDAY_FACTOR[day.weekday()] * _MONTH_FACTOR.get(day.month, 1.0) for day in days]
    mean = sum(raw) / len(raw)
    return [value / mean for value in raw]


def _streak_start_chance(rate: float) -> float:
    """Daily chance to start a streak so that the long-run share of absent days equals `rate`."""
    # A start consumes one eligible day and yields L absent days on average, so the absent share
    # is qL / (1 + q(L - 1)); this solves it for q.
    return rate / (_MEAN_STREAK - rate * (_MEAN_STREAK - 1))


def _full_day_code(rng: random.Random, habits: Habits, recent: bool) -> str:
    roll = rng.random()
    if roll < habits.unexcused_share:
        return "U"
    if roll < habits.unexcused_share + _UNVERIFIED_SHARE or (recent and rng.random() < 0.5):
        return "V"
    return "E"


def _discipline(rng: random.Random, habits: Habits, first: int, last: int) -> dict[int, str]:
    """Day index -> code for an out-of-school suspension (1-3 days) and/or one in-school day."""
    events: dict[int, str] = {}
    if rng.random() < habits.suspension_chance:
        begin = rng.randint(first, last)
        for index in range(begin, min(begin + rng.randint(1, 3), last + 1)):
            events[index] = "S"
    if rng.random() < habits.suspension_chance / 2:
        events.setdefault(rng.randint(first, last), "I")
    return events


def _attended_day(rng: random.Random, habits: Habits, periods: int) -> list[str]:
    """Period codes for a day the student came to school, with the odd tardy, cut or early exit."""
    scheduled = habits.scheduled
    codes = ["P"] * scheduled + [""] * (periods - scheduled)
    # Early exits start at period 3 or later, so the morning still shows the student attended.
    present_until = scheduled
    if scheduled >= 3 and rng.random() < _EARLY_LEAVE_RATE:
        present_until = rng.randint(2, scheduled - 1)
        codes[present_until:scheduled] = ["E"] * (scheduled - present_until)
    skip = habits.skip_period - 1
    # A single-period absence must leave another period attended, or it would be a full-day one.
    if 0 <= skip < present_until and present_until > 1 and rng.random() < habits.skip_rate:
        codes[skip] = "U"
    if rng.random() < habits.cut_rate and codes.count("P") > 1:
        cut = rng.randrange(present_until)
        if codes[cut] == "P":
            codes[cut] = "U"
    if rng.random() < habits.tardy_rate:
        late = 0 if rng.random() < _FIRST_PERIOD_TARDY_SHARE else rng.randrange(present_until)
        if codes[late] == "P":
            codes[late] = "L" if rng.random() < _LONG_TARDY_SHARE else "T"
    return codes


def _attendance_rows(
    student: Student, days: list[date], factors: list[float], periods: int
) -> Iterator[list[str]]:
    """One row per school day the student was enrolled, from an independent per-student stream."""
    habits = student.habits
    rng = random.Random(habits.seed)
    first = bisect_left(days, student.enter)
    last = bisect_right(days, student.leave or days[-1]) - 1
    if first > last:
        return
    events = _discipline(rng, habits, first, last)
    start_chance = _streak_start_chance(habits.absence_rate)
    blanks = [""] * (periods - habits.scheduled)
    streak, code = 0, "E"
    for index in range(first, last + 1):
        if index in events:
            codes = [events[index]] * habits.scheduled + blanks
        else:
            if not streak and rng.random() < start_chance * factors[index]:
                streak = rng.choices(_STREAK_LENGTHS, _STREAK_WEIGHTS)[0]
                code = _full_day_code(rng, habits, index >= len(days) - _RECENT_DAYS)
            if streak:
                streak -= 1
                codes = [code] * habits.scheduled + blanks
            else:
                codes = _attended_day(rng, habits, periods)
        yield [student.perm_id, days[index].isoformat(), str(student.grade), *codes]


def _aeries_date(day: date | None) -> str:
    return f"{day.month}/{day.day}/{day.year}" if day else ""


def _write_roster(path: Path, students: list[Student], school_code: str) -> None:
    # Aeries exports are Windows files: CRLF line ends, UTF-8 without a byte-order mark.
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(ROSTER_HEADER)
        for student in students:
            writer.writerow(
                [
                    student.perm_id,
                    student.number,
                    student.last_name,
                    student.first_name,
                    student.grade,
                    school_code,
                    _aeries_date(student.enter),
                    _aeries_date(student.leave),
                    _aeries_date(student.birth),
                    student.gender,
                    student.state_id,
                ]
            )


def _write_attendance(path: Path, students: list[Student], days: list[date], periods: int) -> None:
    factors = _day_factors(days)
    header = ["student_id", "date", "grade_level"]
    header += [f"period_{period}_status" for period in range(1, periods + 1)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for student in students:
            writer.writerows(_attendance_rows(student, days, factors, periods))


def _write_calendar(path: Path, days: list[date]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("date\n")
        handle.writelines(f"{day.isoformat()}\n" for day in days)


def generate_school(
    out_dir: Path,
    *,
    students: int = 900,
    start: date,
    end: date,
    seed: int = 2026,
    school_code: str = "101",
    periods: int = 7,
) -> DemoFiles:
    """Write roster.csv, attendance.csv and calendar.csv for a synthetic middle school.

    The same arguments always produce byte-identical files.
    """
    if students < 1 or periods < 1:
        raise ValueError("students and periods must be at least 1")
    days = school_days(start, end)
    if not days:
        raise ValueError(f"no school days between {start} and {end}")
    roster = build_students(random.Random(seed), students, days, periods)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = DemoFiles(
        roster=out_dir / "roster.csv",
        attendance=out_dir / "attendance.csv",
        calendar=out_dir / "calendar.csv",
    )
    _write_roster(files.roster, roster, school_code)
    _write_attendance(files.attendance, roster, days, periods)
    _write_calendar(files.calendar, days)
    return files
