"""A hand-made school for the web tests: 8 students, 15 school days, figures worked by hand.

School days: Mon 8 - Fri 26 September 2025 (three full weeks, d1..d15), 7 periods a day.
Policy: the defaults (10 days to be eligible, Attendance Works tiers, truant at 3 occasions).

| id  | grade | story                               | days | absent | periods sched/present |
|-----|-------|-------------------------------------|------|--------|-----------------------|
| 601 | 6     | perfect attender                    | 15   | 0      | 105 / 105             |
| 602 | 6     | chronically absent (4 full E days)  | 15   | 4      | 105 / 77              |
| 603 | 6     | newcomer, 8 days (insufficient)     | 8    | 1 (V)  | 56 / 45 (+1 half day) |
| 701 | 7     | exactly 10 % absent (1 of 10 days)  | 10   | 1      | 70 / 63               |
| 702 | 7     | class-skipper: 3 partial days       | 15   | 0      | 105 / 100             |
| 703 | 7     | six-period days, tardies, one L     | 15   | 0      | 90 / 90               |
| 801 | 8     | truant: U on 4 days (one full day)  | 15   | 1      | 105 / 93              |
| 802 | 8     | one I day (present), one S day      | 15   | 1      | 105 / 98              |
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

PERIODS = 7
SCHOOL_DAYS = tuple(
    dt.date(2025, 9, 8) + dt.timedelta(days=week * 7 + weekday)
    for week in range(3)
    for weekday in range(5)
)
FULL = "P" * PERIODS

ROSTER = (
    ("601", "Perfect", "Paula", 6),
    ("602", "Chronic", "Carlos", 6),
    ("603", "Newcomer", "Nina", 6),
    ("701", "Tenpercent", "Theo", 7),
    ("702", "Skipper", "Sam", 7),
    ("703", "Sixperiod", "Sofia", 7),
    ("801", "Truant", "Tomas", 8),
    ("802", "Steady", "Stella", 8),
)


def _days(
    first: int = 1, exceptions: dict[int, str] | None = None, normal: str = FULL
) -> dict[int, str]:
    """{school day number (1-based): seven status letters, '.' = no period scheduled}."""
    exceptions = exceptions or {}
    return {day: exceptions.get(day, normal) for day in range(first, len(SCHOOL_DAYS) + 1)}


# One string per day, one letter per period (1..7).
ATTENDANCE = {
    "601": _days(),
    "602": _days(exceptions={2: "EEEEEEE", 6: "EEEEEEE", 10: "EEEEEEE", 14: "EEEEEEE"}),
    "603": _days(first=8, exceptions={10: "VVVVVVV", 12: "PPPEEEE"}),
    "701": _days(first=6, exceptions={11: "EEEEEEE"}),
    "702": _days(exceptions={3: "PPPPPUU", 9: "PPPPPUU", 13: "EPPPPPP"}),
    "703": _days(normal="PPPPPP.", exceptions={1: "TPPPPP.", 5: "TPPPPP.", 7: "PLPPPP."}),
    "801": _days(exceptions={4: "UUUUUUU", 7: "UUUPPPP", 11: "PPPPPPU", 14: "PPPPUPP"}),
    "802": _days(exceptions={8: "IIIIIII", 12: "SSSSSSS"}),
}

# Hand-computed KPIs (rates are round-half-up to 2 places, as metrics.md defines them).
#
# Grade 6: days enrolled 15+15+8 = 38, days present 15+11+7 = 33
#   attendance 33/38 = 86.842 % -> 86.84
#   eligible: 601, 602 (603 has 8 < 10 days); chronic: 602 (4/15 = 26.67 %) -> 1/2 = 50.00
#   periods present 105+77+45 = 227 of 105+105+56 = 266 -> 85.338 % -> 85.34
#   tiers: 601 satisfactory (0 %), 602 severe chronic (26.67 % >= 20), 603 insufficient data
# Grade 7: days 10+15+15 = 40, present 9+15+15 = 39 -> 97.50
#   eligible: all three (701 has exactly 10 days); chronic: 701 (1/10 = 10.00 %, the
#   threshold counts) -> 1/3 = 33.33
#   periods 63+100+90 = 253 of 70+105+90 = 265 -> 95.472 % -> 95.47
#   truancy occasions: 702 has 2 (U periods on d3, d9), 703 has 1 (L) -> nobody truant
#   tiers: 702, 703 satisfactory; 701 moderate chronic (10 <= 10.00 < 20)
# Grade 8: days 15+15 = 30, present 14+14 = 28 -> 93.333 % -> 93.33
#   chronic 0/2 -> 0.00; periods 93+98 = 191 of 210 -> 90.952 % -> 90.95
#   801: truancy occasions on d4, d7, d11, d14 = 4 >= 3 -> truant; I counts as present
#   tiers: 801 and 802 at risk (1/15 = 6.67 %, 5 <= x < 10)
# School: days 38+40+30 = 108, present 33+39+28 = 100 -> 92.593 % -> 92.59
#   chronic (1+1+0)/(2+3+2) = 2/7 = 28.571 % -> 28.57
#   periods 227+253+191 = 671 of 266+265+210 = 741 -> 90.553 % -> 90.55; truant 1
EXPECTED = {
    None: {
        "attendance_rate": 92.59,
        "chronic_absenteeism_rate": 28.57,
        "period_attendance_rate": 90.55,
        "truant_students": 1,
        "tier_counts": {
            "satisfactory": 3,
            "at_risk": 2,
            "moderate_chronic": 1,
            "severe_chronic": 1,
            "insufficient_data": 1,
        },
    },
    6: {
        "attendance_rate": 86.84,
        "chronic_absenteeism_rate": 50.00,
        "period_attendance_rate": 85.34,
        "truant_students": 0,
        "tier_counts": {
            "satisfactory": 1,
            "at_risk": 0,
            "moderate_chronic": 0,
            "severe_chronic": 1,
            "insufficient_data": 1,
        },
    },
    7: {
        "attendance_rate": 97.50,
        "chronic_absenteeism_rate": 33.33,
        "period_attendance_rate": 95.47,
        "truant_students": 0,
        "tier_counts": {
            "satisfactory": 2,
            "at_risk": 0,
            "moderate_chronic": 1,
            "severe_chronic": 0,
            "insufficient_data": 0,
        },
    },
}


def write_roster(path: Path) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "last_name", "first_name", "grade_level"])
        writer.writerows(ROSTER)
    return path


def write_attendance(path: Path) -> Path:
    grades = {student_id: grade for student_id, _, _, grade in ROSTER}
    header = ["student_id", "date", "grade_level"]
    header += [f"period_{n}_status" for n in range(1, PERIODS + 1)]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for student_id, days in ATTENDANCE.items():
            for day, letters in days.items():
                statuses = ["" if letter == "." else letter for letter in letters]
                date = SCHOOL_DAYS[day - 1].isoformat()
                writer.writerow([student_id, date, grades[student_id], *statuses])
    return path
