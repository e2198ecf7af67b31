"""Chronic-absence early warning: how many more absences make a student chronically absent.

A student with `days_enrolled` E and `days_absent` A so far, and R school days left in the
year, ends the year with E + R days enrolled (assuming they stay enrolled). Missing x more of
those days gives a year-end absence rate of (A + x) / (E + R), chronic at 10 % or more
(metric definitions §3, exactly 10 % counts). So

    N = max(0, ceil((E + R) / 10) − A)

is the number of further full-day absences that makes the student chronically absent for the
year. N = 0 means the student ends the year chronically absent even with perfect attendance
from now on; N is None when N > R (they cannot miss enough days any more).

Days remaining: the school's calendar days after the as-of date up to the end of the academic
year when a calendar is loaded; otherwise an estimated 180-day year less the school days
already recorded (never below 0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CHRONIC_PERCENT = 10
ESTIMATED_YEAR_DAYS = 180
COLUMNS = (
    "student_id",
    "days_enrolled",
    "days_absent",
    "days_remaining",
    "more_absences_to_chronic",
)


def more_absences_to_chronic(
    days_enrolled: int, days_absent: int, days_remaining: int
) -> int | None:
    """N of the module docstring (None when the year has too few days left to get there)."""
    year_days = days_enrolled + days_remaining
    needed = max(0, -(-year_days * CHRONIC_PERCENT // 100) - days_absent)
    return needed if needed <= days_remaining else None


def estimated_days_remaining(days_recorded: int, year_days: int = ESTIMATED_YEAR_DAYS) -> int:
    """School days left when no calendar is loaded: a 180-day year less the days recorded."""
    return max(0, year_days - days_recorded)


def early_warning(figures: pd.DataFrame) -> pd.DataFrame:
    """COLUMNS for every student of `figures` (student_id, days_enrolled, days_absent,
    days_remaining), ordered by N (fewest first, unreachable last) then student id."""
    out = figures[list(COLUMNS[:4])].reset_index(drop=True)
    needed, reachable = _more_absences(
        *(out[name].to_numpy(dtype=np.int64) for name in COLUMNS[1:4])
    )
    out["more_absences_to_chronic"] = pd.arrays.IntegerArray(needed, ~reachable)
    key = np.where(reachable, needed, np.iinfo(np.int64).max)  # unreachable last
    ids = out["student_id"].to_numpy(dtype=object)
    return out.take(np.lexsort((ids, key))).reset_index(drop=True)


def _more_absences(
    enrolled: np.ndarray, absent: np.ndarray, remaining: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """`more_absences_to_chronic` for whole arrays: (N, whether N is within reach)."""
    year_days = enrolled + remaining
    needed = np.maximum(0, -(-year_days * CHRONIC_PERCENT // 100) - absent)
    return needed, needed <= remaining
