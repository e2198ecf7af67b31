"""A hand-built school for the intervention, ladder and letter tests.

School 101, academic year 2025-2026, 20 school days from Monday 1 September 2025 (d1..d20),
7 periods. Truancy occasions (a day with a U or L period) by hand:

| id | grade | name                 | occasions | on days                                    |
|----|-------|----------------------|-----------|--------------------------------------------|
| A  | 6     | Ana Ávila            | 2         | d2 U all day, d5 L in period 1              |
| B  | 6     | Sofía Núñez-García   | 3         | d3 U all day, d4 U in period 7, d8 L p1      |
| C  | 7     | Carlos Ruiz          | 6         | d1..d6 U all day                           |
| D  | 8     | Dana Smith           | 9         | d1..d9 U in period 1                        |
| E  | 7     | Eli Perfect          | 0         | (excused absence d10)                      |
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from attendly.metrics.day import day_figures
from attendly.settings import Settings
from db.models import AttendanceRecord, School, Student
from db.summaries import refresh_summaries
from tests.metrics.frames import weekdays

DAYS = weekdays(20, dt.date(2025, 9, 1))
FULL_U, FULL_P, FULL_E = "U" * 7, "P" * 7, "E" * 7
FIRST_U, FIRST_L = "U" + "P" * 6, "L" + "P" * 6

ROSTER = {
    "A": ("Ávila", "Ana", 6),
    "B": ("Núñez-García", "Sofía", 6),
    "C": ("Ruiz", "Carlos", 7),
    "D": ("Smith", "Dana", 8),
    "E": ("Perfect", "Eli", 7),
}
SPECIAL_DAYS: dict[str, dict[int, str]] = {
    "A": {2: FULL_U, 5: FIRST_L},
    "B": {3: FULL_U, 4: "P" * 6 + "U", 8: FIRST_L},
    "C": {day: FULL_U for day in range(1, 7)},
    "D": {day: FIRST_U for day in range(1, 10)},
    "E": {10: FULL_E},
}
OCCASIONS = {"A": 2, "B": 3, "C": 6, "D": 9, "E": 0}


def add_day(session: Session, student_id: str, day: dt.date, statuses: str) -> None:
    """One attendance record with its derived counts (one letter per period)."""
    figures = day_figures(list(statuses))
    periods = {f"period_{n}": status for n, status in enumerate(statuses, start=1)}
    session.add(
        AttendanceRecord(
            student_id=student_id,
            date=day,
            academic_year="2025-2026",
            school_id=1,
            scheduled=figures.scheduled,
            present=figures.present,
            daily_attendance_percentage=figures.daily_attendance_percentage,
            unexcused_periods=figures.unexcused_periods,
            unverified_periods=figures.unverified_periods,
            **periods,
        )
    )


def load(session: Session, days: int = 20) -> None:
    """Store the school and refresh the summaries (as the import pipeline would)."""
    session.add(School(id=1, code="101", name="Roosevelt Middle", periods_per_day=7))
    for student_id, (last, first, grade) in ROSTER.items():
        session.add(
            Student(id=student_id, last_name=last, first_name=first, grade_level=grade, school_id=1)
        )
    session.flush()
    for student_id, special in SPECIAL_DAYS.items():
        for number, day in enumerate(DAYS[:days], start=1):
            add_day(session, student_id, day, special.get(number, FULL_P))
    session.flush()
    refresh_summaries(session, list(ROSTER), Settings(env="test"))
    session.commit()
