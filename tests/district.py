"""A small district for batch tests: copies of the hand-made school (tests/web/school.py).

Every school is the eight hand-worked students under ids prefixed by the school's code
(`101601`, `102601`, …), so the district's rates equal the one school's and its counts are
the school's times the number of schools: the expected figures stay hand-computed.
Rosters name their school (`school_code`); attendance files do not, as the demo's canonical
export does not: a row's school is then its student's, and a batch ties the file to the
roster by the students they share.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from tests.web import school

ROSTER_ROWS = len(school.ROSTER)
ATTENDANCE_ROWS = sum(len(days) for days in school.ATTENDANCE.values())


def codes(count: int) -> list[str]:
    """School codes 101, 102, …"""
    return [str(101 + n) for n in range(count)]


def write_school(folder: Path, code: str) -> tuple[Path, Path]:
    """roster-<code>.csv and attendance-<code>.csv of one school; returns both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    roster, attendance = folder / f"roster-{code}.csv", folder / f"attendance-{code}.csv"
    with roster.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "last_name", "first_name", "grade_level", "school_code"])
        for student_id, last, first, grade in school.ROSTER:
            writer.writerow([f"{code}{student_id}", last, first, grade, code])
    with (
        school.write_attendance(folder / f".attendance-{code}.tmp").open() as source,
        attendance.open("w", newline="") as handle,
    ):
        writer = csv.writer(handle)
        for number, row in enumerate(csv.reader(source)):
            writer.writerow(row if number == 0 else [f"{code}{row[0]}", *row[1:]])
    (folder / f".attendance-{code}.tmp").unlink()
    return roster, attendance


def write_district(folder: Path, count: int) -> list[Path]:
    """Every school's two files in `folder` (rosters and attendance interleaved by name)."""
    paths: list[Path] = []
    for code in codes(count):
        paths.extend(write_school(folder, code))
    return paths


def expected_kpis(count: int) -> dict[str, Any]:
    """The district's KPIs: the school's rates, its counts times `count`."""
    one = school.EXPECTED[None]
    return {
        "students": ROSTER_ROWS * count,
        "attendance_rate": one["attendance_rate"],
        "chronic_absenteeism_rate": one["chronic_absenteeism_rate"],
        "period_attendance_rate": one["period_attendance_rate"],
        "truant_students": one["truant_students"] * count,
        "tier_counts": {tier: n * count for tier, n in one["tier_counts"].items()},
    }
