"""A small hand-designed school whose every figure is computed by hand in the tests.

Academic year 2025-2026, ten school days 2025-09-02 .. 2025-09-15 (weekdays), 7 periods.

  007   grade 6  10 days; 9/3 excused all day       -> 1 absent of 10 = 10.00 % (chronic)
  7     grade 6  10 days; 9/4 U in period 1 (6/7),  -> 1 absent of 10 = 10.00 % (chronic),
                 9/5 all T, 9/8 L in period 1,         truancy occasions 2 (9/4, 9/8)
                 9/9 V all day
  0100  grade 7   9 days (no 9/15); U all day       -> 3 of 9, not eligible, truant
                 9/10, 9/11, 9/12
  1234  grade 8  10 days, six periods, all P        -> 0 absent, satisfactory
"""

from __future__ import annotations

import datetime as dt

SCHOOL_DAYS = [dt.date(2025, 9, day) for day in (2, 3, 4, 5, 8, 9, 10, 11, 12, 15)]
ALL_P = ["P"] * 7

ROSTER = [
    # student_id, last, first, grade
    ("007", "Nguyen", "Ana", 6),
    ("7", "O'Brien", "Liam", 6),
    ("0100", "García-López", "Sofía", 7),
    ("1234", "Smith", "Jordan", 8),
]


def statuses(student_id: str, day: dt.date) -> list[str] | None:
    """The period statuses of one student-day ('' = no period), None = no record."""
    if student_id == "007":
        return ["E"] * 7 if day == dt.date(2025, 9, 3) else ALL_P
    if student_id == "7":
        special = {
            dt.date(2025, 9, 4): ["U"] + ["P"] * 6,
            dt.date(2025, 9, 5): ["T"] * 7,
            dt.date(2025, 9, 8): ["L"] + ["P"] * 6,
            dt.date(2025, 9, 9): ["V"] * 7,
        }
        return special.get(day, ALL_P)
    if student_id == "0100":
        if day == dt.date(2025, 9, 15):
            return None
        return ["U"] * 7 if day.day in (10, 11, 12) else ALL_P
    return ["P"] * 6 + [""]


def attendance_rows() -> list[tuple[str, dt.date, int, list[str]]]:
    """(student_id, date, grade, statuses) for every record of the school."""
    rows = []
    for student_id, _, _, grade in ROSTER:
        for day in SCHOOL_DAYS:
            periods = statuses(student_id, day)
            if periods is not None:
                rows.append((student_id, day, grade, periods))
    return rows


def roster_csv() -> str:
    lines = ["student_id,last_name,first_name,grade_level"]
    lines += [f'{sid},"{last}",{first},{grade}' for sid, last, first, grade in ROSTER]
    return "\n".join(lines) + "\n"


def attendance_csv() -> str:
    header = "student_id,date,grade_level," + ",".join(f"period_{n}_status" for n in range(1, 8))
    lines = [header]
    for student_id, day, grade, periods in attendance_rows():
        lines.append(f"{student_id},{day.isoformat()},{grade}," + ",".join(periods))
    return "\n".join(lines) + "\n"


# Hand-computed expectations (see the module docstring).
EXPECTED_STUDENTS = {
    "007": dict(
        days_enrolled=10,
        days_absent=1,
        days_present=9,
        absence_rate=10.0,
        attendance_rate=90.0,
        period_attendance_rate=90.0,
        truancy_occasions=0,
        eligible=True,
        chronically_absent=True,
        tier="moderate_chronic",
    ),
    # period mean: 8 days at 100, 9/4 at 85.71, 9/9 at 0 -> 885.71 / 10 = 88.571 -> 88.57
    "7": dict(
        days_enrolled=10,
        days_absent=1,
        days_present=9,
        absence_rate=10.0,
        attendance_rate=90.0,
        period_attendance_rate=88.57,
        truancy_occasions=2,
        eligible=True,
        chronically_absent=True,
        tier="moderate_chronic",
    ),
    # 3 / 9 = 33.333 -> 33.33; attendance 100 - 33.33 = 66.67; period 600 / 9 = 66.67
    "0100": dict(
        days_enrolled=9,
        days_absent=3,
        days_present=6,
        absence_rate=33.33,
        attendance_rate=66.67,
        period_attendance_rate=66.67,
        truancy_occasions=3,
        eligible=False,
        chronically_absent=False,
        tier="insufficient_data",
    ),
    "1234": dict(
        days_enrolled=10,
        days_absent=0,
        days_present=10,
        absence_rate=0.0,
        attendance_rate=100.0,
        period_attendance_rate=100.0,
        truancy_occasions=0,
        eligible=True,
        chronically_absent=False,
        tier="satisfactory",
    ),
}

# Whole school: days present 9+9+6+10 = 34 of 39 enrolled -> 87.179 -> 87.18;
# chronic 2 of 3 eligible -> 66.67; periods 63+62+42+60 = 227 of 70+70+63+60 = 263 -> 86.31.
EXPECTED_SCHOOL = dict(
    academic_year="2025-2026",
    as_of="2025-09-15",
    students=4,
    eligible_students=3,
    attendance_rate=87.18,
    chronic_absenteeism_rate=66.67,
    period_attendance_rate=86.31,
    truant_students=1,
    tier_counts={
        "satisfactory": 1,
        "at_risk": 0,
        "moderate_chronic": 2,
        "severe_chronic": 0,
        "insufficient_data": 1,
    },
)
# Grade 6 (007 and 7): 18 of 20 days -> 90.00; 2 of 2 chronic -> 100.00;
# periods 63 + 62 = 125 of 140 -> 89.2857 -> 89.29.
EXPECTED_GRADE_6 = dict(
    students=2,
    eligible_students=2,
    attendance_rate=90.0,
    chronic_absenteeism_rate=100.0,
    period_attendance_rate=89.29,
    truant_students=0,
)
# As of 2025-09-04 (three days each): 007 absent 9/3; everyone else present every day.
# 11 of 12 days -> 91.666 -> 91.67; nobody has 10 days, so no eligible student.
EXPECTED_AS_OF_0904 = dict(
    students=4,
    eligible_students=0,
    attendance_rate=91.67,
    chronic_absenteeism_rate=None,
    truant_students=0,
)
