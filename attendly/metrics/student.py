"""One student over an academic year (metric definitions §3), vectorised over many students.

Input: a frame of student-days with columns `student_id, date, scheduled, present,
unexcused_periods, unverified_periods` (one academic year; the caller filters dates <= as_of).
Output: one row per student with the columns in `FIGURE_COLUMNS`; rates are floats with at
most two decimals, computed exactly from integers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from attendly.metrics.policy import Policy
from attendly.metrics.rounding import (
    mean_hundredths,
    mean_hundredths_series,
    percent_hundredths,
    percent_hundredths_series,
)
from attendly.metrics.tiers import assign_tiers

DAY_COLUMNS = (
    "student_id",
    "date",
    "scheduled",
    "present",
    "unexcused_periods",
    "unverified_periods",
)

FIGURE_COLUMNS = (
    "student_id",
    "as_of",
    "days_enrolled",
    "days_absent",
    "days_present",
    "partial_days",
    "absence_rate",
    "attendance_rate",
    "period_attendance_rate",
    "scheduled_periods",
    "present_periods",
    "truancy_occasions",
    "truant",
    "eligible",
    "chronically_absent",
    "tier",
)


def day_flags(days: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Add per-day columns: `absent`, `partial`, `truancy`, `pct_hundredths`."""
    scheduled = days["scheduled"].astype("int64")
    present = days["present"].astype("int64")
    truancy = days["unexcused_periods"].astype("int64") > 0
    if policy.unverified_counts_as_unexcused:
        truancy |= days["unverified_periods"].astype("int64") > 0
    return days.assign(
        absent=(present == 0),
        partial=(present > 0) & (present < scheduled),
        truancy=truancy,
        pct_hundredths=percent_hundredths_series(present, scheduled),
    )


def student_year_figures(days: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Every §3 figure per student, plus the §4 tier. Empty input gives an empty frame."""
    if days.empty:
        return pd.DataFrame(columns=list(FIGURE_COLUMNS))
    flagged = day_flags(days, policy)
    grouped = flagged.groupby("student_id", sort=True)
    figures = pd.DataFrame(
        {
            "as_of": grouped["date"].max(),
            "days_enrolled": grouped.size(),
            "days_absent": grouped["absent"].sum(),
            "partial_days": grouped["partial"].sum(),
            "pct_total": grouped["pct_hundredths"].sum(),
            "scheduled_periods": grouped["scheduled"].sum(),
            "present_periods": grouped["present"].sum(),
            "truancy_occasions": grouped["truancy"].sum(),
        }
    ).astype({"days_enrolled": "int64", "days_absent": "int64", "truancy_occasions": "int64"})
    return _finish(figures, policy).reset_index()[list(FIGURE_COLUMNS)]


def one_student_figures(days: pd.DataFrame, policy: Policy) -> dict[str, Any]:
    """`student_year_figures` of one student's days (at least one) as its record: the same
    values and Python types as its one row's `to_dict("records")`.

    Summed in numpy and finished in integers: a student's page needs one row, and the
    groupby and the frame of `student_year_figures` cost it ten milliseconds and more.
    """
    scheduled = days["scheduled"].to_numpy(dtype=np.int64)
    present = days["present"].to_numpy(dtype=np.int64)
    truancy = days["unexcused_periods"].to_numpy(dtype=np.int64) > 0
    if policy.unverified_counts_as_unexcused:
        truancy |= days["unverified_periods"].to_numpy(dtype=np.int64) > 0
    enrolled = len(days)
    absent = int(np.count_nonzero(present == 0))
    pct_total = int(percent_hundredths_series(days["present"], days["scheduled"]).sum())
    absence = percent_hundredths(absent, enrolled)
    assert absence is not None  # enrolled > 0
    eligible = enrolled >= policy.min_days_enrolled
    chronic = eligible and absence >= 1000
    truancy_occasions = int(np.count_nonzero(truancy))
    period_rate = mean_hundredths(pct_total, enrolled)
    assert period_rate is not None
    tier = assign_tiers(
        pd.Series([absence]),
        pd.Series([absent]),
        pd.Series([eligible]),
        pd.Series([chronic]),
        policy.tier_preset,
    )
    return {
        "student_id": days["student_id"].iat[0],
        "as_of": max(days["date"].tolist()),
        "days_enrolled": enrolled,
        "days_absent": absent,
        "days_present": enrolled - absent,
        "partial_days": int(np.count_nonzero((present > 0) & (present < scheduled))),
        "absence_rate": absence / 100,
        "attendance_rate": (10000 - absence) / 100,
        "period_attendance_rate": period_rate / 100,
        "scheduled_periods": int(scheduled.sum()),
        "present_periods": int(present.sum()),
        "truancy_occasions": truancy_occasions,
        "truant": truancy_occasions >= policy.truant_threshold,
        "eligible": eligible,
        "chronically_absent": chronic,
        "tier": str(tier.iat[0]),
    }


def figures_from_totals(totals: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Every §3 figure and the §4 tier from per-student day totals, indexed by student_id.

    `totals` has as_of, days_enrolled (> 0), days_absent, partial_days, scheduled_periods,
    present_periods, truancy_occasions and, optionally, pct_total (the sum of the daily
    percentages in hundredths; without it period_attendance_rate is NaN): what
    `student_year_figures` sums in pandas, or a database sums with GROUP BY.
    Returns the columns of FIGURE_COLUMNS.
    """
    if totals.empty:
        return pd.DataFrame(columns=list(FIGURE_COLUMNS))
    return _finish(totals, policy).reset_index()[list(FIGURE_COLUMNS)]


def _finish(figures: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    absence = percent_hundredths_series(figures["days_absent"], figures["days_enrolled"])
    eligible = figures["days_enrolled"] >= policy.min_days_enrolled
    chronic = eligible & (absence >= 1000)
    period_rate = (
        mean_hundredths_series(figures["pct_total"], figures["days_enrolled"]) / 100
        if "pct_total" in figures
        else pd.Series(float("nan"), index=figures.index)
    )
    figures = figures.assign(
        days_present=figures["days_enrolled"] - figures["days_absent"],
        absence_rate=absence / 100,
        attendance_rate=(10000 - absence) / 100,
        period_attendance_rate=period_rate,
        truant=figures["truancy_occasions"] >= policy.truant_threshold,
        eligible=eligible,
        chronically_absent=chronic,
        tier=assign_tiers(absence, figures["days_absent"], eligible, chronic, policy.tier_preset),
    )
    return figures.drop(columns=["pct_total"], errors="ignore")
