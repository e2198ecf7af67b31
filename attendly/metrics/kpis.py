"""School and grade KPIs (metric definitions §5) and the weekly/daily trend series."""

from __future__ import annotations

from typing import Any

import pandas as pd

from attendly.metrics.policy import Policy
from attendly.metrics.rounding import percent
from attendly.metrics.student import day_flags
from attendly.metrics.tiers import PRESET_TIERS


def attendance_kpis(figures: pd.DataFrame, policy: Policy) -> dict[str, Any]:
    """KPIs over the students in `figures` (output of `student_year_figures` or the summaries).

    Returns students, eligible_students, attendance_rate, chronic_absenteeism_rate,
    period_attendance_rate, truant_students and tier_counts (every tier of the preset,
    zeros included). Rates are None when nothing is there to divide by.
    """
    eligible = int(figures["eligible"].sum()) if len(figures) else 0
    tier_counts = {tier.value: 0 for tier in PRESET_TIERS[policy.tier_preset]}
    for tier, count in figures["tier"].value_counts().items() if len(figures) else ():
        tier_counts[str(tier)] = int(count)
    return {
        "students": int(len(figures)),
        "eligible_students": eligible,
        "chronically_absent_students": _sum(figures, "chronically_absent"),
        "attendance_rate": percent(_sum(figures, "days_present"), _sum(figures, "days_enrolled")),
        "chronic_absenteeism_rate": percent(_sum(figures, "chronically_absent"), eligible),
        "period_attendance_rate": percent(
            _sum(figures, "present_periods"), _sum(figures, "scheduled_periods")
        ),
        "truant_students": int((figures["truancy_occasions"] >= policy.truant_threshold).sum())
        if len(figures)
        else 0,
        "tier_counts": tier_counts,
    }


def _sum(frame: pd.DataFrame, column: str) -> int:
    return int(frame[column].sum()) if len(frame) else 0


TREND_COLUMNS = (
    "period_start",
    "days_enrolled",
    "days_present",
    "attendance_rate",
    "scheduled_periods",
    "present_periods",
    "period_attendance_rate",
)
DAY_TOTAL_COLUMNS = ("date", "days_enrolled", "days_absent", "scheduled_periods", "present_periods")


def daily_totals(days: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Per date: student-days enrolled and absent, periods scheduled and present."""
    if days.empty:
        return pd.DataFrame(columns=list(DAY_TOTAL_COLUMNS))
    flagged = day_flags(days, policy)
    grouped = flagged.groupby("date", sort=True)
    return pd.DataFrame(
        {
            "days_enrolled": grouped.size(),
            "days_absent": grouped["absent"].sum(),
            "scheduled_periods": grouped["scheduled"].sum(),
            "present_periods": grouped["present"].sum(),
        }
    ).reset_index()[list(DAY_TOTAL_COLUMNS)]


def trend(days: pd.DataFrame, policy: Policy, freq: str = "week") -> pd.DataFrame:
    """Rates per school week (ISO week, labelled by its Monday), per day or per month.

    Columns: period_start, days_enrolled, days_present, attendance_rate,
    scheduled_periods, present_periods, period_attendance_rate.
    """
    return trend_from_totals(daily_totals(days, policy), freq)


def trend_from_totals(totals: pd.DataFrame, freq: str = "week") -> pd.DataFrame:
    """`trend` from per-date totals (the columns of DAY_TOTAL_COLUMNS, e.g. summed in SQL)."""
    if freq not in ("week", "day", "month"):
        raise ValueError(f"unknown trend frequency {freq!r}")
    if totals.empty:
        return pd.DataFrame(columns=list(TREND_COLUMNS))
    dates = pd.to_datetime(totals["date"])
    if freq == "week":
        start = dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")
    elif freq == "month":
        start = dates.dt.to_period("M").dt.start_time
    else:
        start = dates
    columns = ["days_enrolled", "days_absent", "scheduled_periods", "present_periods"]
    numbers = totals[columns].astype("int64").assign(period_start=start.dt.date)
    out = numbers.groupby("period_start", sort=True).sum().reset_index()
    out["days_present"] = out["days_enrolled"] - out["days_absent"]
    out["attendance_rate"] = [
        percent(int(p), int(e))
        for p, e in zip(out["days_present"], out["days_enrolled"], strict=True)
    ]
    out["period_attendance_rate"] = [
        percent(int(p), int(s))
        for p, s in zip(out["present_periods"], out["scheduled_periods"], strict=True)
    ]
    return out[list(TREND_COLUMNS)]
