"""i-Ready diagnostics for the hand-computed school of tests/school.py, with every figure worked.

Attendance (tests/school.py): 007 and 7 at 90.00 % (eligible, moderate_chronic), 1234 at
100.00 % (eligible, satisfactory), 0100 not eligible. Academic year 2025-2026.

ELA
  007   08-20 560 (not flagged), 09-10 570 flagged baseline (typical 20, stretch 50),
        01-15 590 Early On (4)          -> baseline 570 (flagged, not earliest), gain 20,
                                           typical 100*20/20 = 100.00, stretch 40.00, on grade
  7     09-02 600 baseline (18, 45), 01-20 580 1 Below (3)
                                        -> gain -20, progress 0.00 / 0.00, not on grade
  0100  09-03 500 (16, 40), 01-10 525 2 Below (2)
                                        -> gain 25, 156.25 / 62.50 (no flag: earliest)
  1234  09-04 640 Mid or Above (5), typical 17 only
                                        -> gain 0, 0.00, stretch missing, on grade
  plus 007's 2025-05-01 diagnostic of 2024-2025, which no 2025-2026 figure may use.
  KPIs: 4 students, on grade 2 of 4 = 50.00; progress 0, 0, 100, 156.25 -> median 50.00.
  Correlation (eligible 007, 7, 1234): x 90, 90, 100; y 590, 580, 640
    means 93.33, 603.33; Sxx 66.67, Sxy 366.67, Syy 2066.67
    slope 5.5, intercept 603.33 - 5.5 * 93.33 = 90.0, r = 1100 / sqrt(1240000) = 0.9878
MATH
  007   09-05 480 Early On (4), typical 15  -> gain 0, 0.00, on grade
  7     09-05 470 baseline (14, 28), 01-21 498 Mid or Above (5)
                                        -> gain 28, 200.00 / 100.00, on grade
  1234  09-06 510 (12, 24), 12-01 516 1 Below (3)
                                        -> gain 6, 50.00 / 25.00, not on grade
  KPIs: 3 students, on grade 2 of 3 = 66.67; progress 0, 50, 200 -> median 50.00.
  Correlation: x 90, 90, 100; y 480, 498, 516: Sxy 180, Sxx 66.67, Syy 648
    slope 2.7, intercept 498 - 2.7 * 93.33 = 246.0, r = 180 / sqrt(43200) = 0.866
"""

from __future__ import annotations

HEADER = (
    "Student ID,Student Grade,Academic Year,Completion Date,Baseline Diagnostic (Y/N),"
    "Most Recent Diagnostic YTD (Y/N),Overall Scale Score,Overall Relative Placement,"
    "Annual Typical Growth Measure,Annual Stretch Growth Measure"
)
ELA_ROWS = [
    "007,5,2024-2025,05/01/2025,N,Y,400,3 or More Grade Levels Below,30,60",
    "007,6,2025-2026,08/20/2025,N,N,560,1 Grade Level Below,22,55",
    "007,6,2025-2026,09/10/2025,Y,N,570,1 Grade Level Below,20,50",
    "007,6,2025-2026,01/15/2026,N,Y,590,Early On Grade Level,20,50",
    "7,6,2025-2026,09/02/2025,Y,N,600,Early On Grade Level,18,45",
    "7,6,2025-2026,01/20/2026,N,Y,580,1 Grade Level Below,18,45",
    "0100,7,2025-2026,09/03/2025,N,N,500,3 or More Grade Levels Below,16,40",
    "0100,7,2025-2026,01/10/2026,N,Y,525,2 Grade Levels Below,16,40",
    "1234,8,2025-2026,09/04/2025,Y,Y,640,Mid or Above Grade Level,17,",
]
MATH_ROWS = [
    "007,6,2025-2026,09/05/2025,Y,Y,480,Early On Grade Level,15,",
    "7,6,2025-2026,09/05/2025,Y,N,470,2 Grade Levels Below,14,28",
    "7,6,2025-2026,01/21/2026,N,Y,498,Mid or Above Grade Level,14,28",
    "1234,8,2025-2026,09/06/2025,,N,510,1 Grade Level Below,12,24",
    "1234,8,2025-2026,12/01/2025,,Y,516,1 Grade Level Below,12,24",
]
EXPECTED_IREADY = {
    "ELA": {"students": 4, "pct_on_grade": 50.0, "median_progress_to_typical": 50.0},
    "MATH": {"students": 3, "pct_on_grade": 66.67, "median_progress_to_typical": 50.0},
}
EXPECTED_CORRELATION = {
    "ELA": {"n": 3, "r": 0.9878, "slope": 5.5, "intercept": 90.0},
    "MATH": {"n": 3, "r": 0.866, "slope": 2.7, "intercept": 246.0},
}
EXPECTED_STUDENT_ELA = {
    "007": {
        "baseline_date": "2025-09-10",
        "baseline_score": 570,
        "most_recent_date": "2026-01-15",
        "most_recent_score": 590,
        "placement_level": 4,
        "on_grade_level": True,
        "diagnostic_gain": 20,
        "progress_to_typical": 100.0,
        "progress_to_stretch": 40.0,
    },
    "7": {
        "baseline_date": "2025-09-02",
        "baseline_score": 600,
        "most_recent_date": "2026-01-20",
        "most_recent_score": 580,
        "placement_level": 3,
        "on_grade_level": False,
        "diagnostic_gain": -20,
        "progress_to_typical": 0.0,
        "progress_to_stretch": 0.0,
    },
    "1234": {
        "baseline_date": "2025-09-04",
        "baseline_score": 640,
        "most_recent_date": "2025-09-04",
        "most_recent_score": 640,
        "placement_level": 5,
        "on_grade_level": True,
        "diagnostic_gain": 0,
        "progress_to_typical": 0.0,
        "progress_to_stretch": None,
    },
}
# Per tier, ELA: moderate_chronic = 007 (590, on grade, 100.00) and 7 (580, not, 0.00):
# median score 585, 1 of 2 on grade = 50.00, median progress 50.00; satisfactory = 1234.
EXPECTED_ELA_BY_TIER = [
    {
        "tier": "moderate_chronic",
        "students": 2,
        "median_score": 585,
        "pct_on_grade": 50.0,
        "median_progress_to_typical": 50.0,
    },
    {
        "tier": "satisfactory",
        "students": 1,
        "median_score": 640,
        "pct_on_grade": 100.0,
        "median_progress_to_typical": 0.0,
    },
]


def ela_csv() -> str:
    return "\n".join([HEADER, *ELA_ROWS]) + "\n"


def math_csv() -> str:
    return "\n".join([HEADER, *MATH_ROWS]) + "\n"
