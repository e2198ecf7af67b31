"""Builders for the hand-written inputs of the metrics tests (no metric code is used here)."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import pandas as pd

DAY_COLUMNS = [
    "student_id",
    "date",
    "scheduled",
    "present",
    "unexcused_periods",
    "unverified_periods",
]

MONDAY = dt.date(2025, 8, 18)


class Days(NamedTuple):
    """`count` identical student-days with the given period counts."""

    count: int
    scheduled: int
    present: int
    unexcused: int = 0
    unverified: int = 0


def weekdays(count: int, start: dt.date = MONDAY) -> list[dt.date]:
    """`count` consecutive Monday-to-Friday dates from `start`."""
    out: list[dt.date] = []
    day = start
    while len(out) < count:
        if day.weekday() < 5:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def student_rows(student_id: str, *blocks: Days, start: dt.date = MONDAY) -> list[tuple]:
    """Rows of DAY_COLUMNS for one student, blocks laid out on consecutive weekdays."""
    total = sum(block.count for block in blocks)
    dates = iter(weekdays(total, start))
    rows = []
    for block in blocks:
        for _ in range(block.count):
            rows.append(
                (
                    student_id,
                    next(dates),
                    block.scheduled,
                    block.present,
                    block.unexcused,
                    block.unverified,
                )
            )
    return rows


def days_frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=DAY_COLUMNS)


def attendance(student_id: str, enrolled: int, absent: int, periods: int = 6) -> list[tuple]:
    """`absent` full-day absences (first) then present days, `periods` scheduled each day."""
    return student_rows(
        student_id,
        Days(absent, periods, 0),
        Days(enrolled - absent, periods, periods),
    )
