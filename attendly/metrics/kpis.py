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


def trend(days: pd.DataFrame, policy: Policy, freq: str = "week") -> pd.DataFrame:
    """Rates per school week (ISO week, labelled by its Monday) or per day.

    Columns: period_start, days_enrolled, days_present, attendance_rate,
    scheduled_periods, present_periods, period_attendance_rate.
    """
    columns = [
        "period_start",
        "days_enrolled",
        "days_present",
        "attendance_rate",
        "scheduled_periods",
        "present_periods",
        "period_attendance_rate",
    ]
    if days.empty:
        return pd.DataFrame(columns=columns)
    flagged = day_flags(days, policy)
    dates = pd.to_datetime(flagged["date"])
    if freq == "week":
        start = dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")
    elif freq == "day":
        start = dates
    else:
        raise ValueError(f"unknown trend frequency {freq!r}")
    grouped = flagged.assign(period_start=start.dt.date).groupby("period_start", sort=True)
    out = pd.DataFrame(
        {
            "days_enrolled": grouped.size(),
            "days_present": grouped.size() - grouped["absent"].sum(),
            "scheduled_periods": grouped["scheduled"].sum(),
            "present_periods": grouped["present"].sum(),
        }
    ).reset_index()
    out["attendance_rate"] = [
        percent(int(p), int(e))
        for p, e in zip(out["days_present"], out["days_enrolled"], strict=True)
    ]
    out["period_attendance_rate"] = [
        percent(int(p), int(s))
        for p, s in zip(out["present_periods"], out["scheduled_periods"], strict=True)
    ]
    return out[columns]
