"""i-Ready growth (metric definitions §6): placement levels, baseline, most recent, progress.

Input to `growth_by_student`: one row per diagnostic with columns `student_id, subject,
academic_year, completion_date, overall_scale_score, baseline, placement_level,
annual_typical_growth, annual_stretch_growth`.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from attendly.metrics.rounding import percent, percent_hundredths

SUBJECTS = ("ELA", "MATH")

# Ordered 1-5; "on grade level" is 4 or 5. Older and 3-level wordings map onto the same scale.
RELATIVE_PLACEMENT_LEVELS = {
    "3 or more grade levels below": 1,
    "three or more grades below": 1,
    "2 or more levels below": 1,
    "2 grade levels below": 2,
    "two grades below": 2,
    "1 grade level below": 3,
    "one grade below": 3,
    "1 level below": 3,
    "early on grade level": 4,
    "mid or above grade level": 5,
    "on level": 5,
}
ON_GRADE_LEVEL = 4

GROWTH_COLUMNS = (
    "student_id",
    "subject",
    "academic_year",
    "diagnostics",
    "baseline_date",
    "baseline_score",
    "most_recent_date",
    "most_recent_score",
    "placement_level",
    "on_grade_level",
    "diagnostic_gain",
    "progress_to_typical",
    "progress_to_stretch",
)


def relative_placement_level(text: str | None) -> int | None:
    """Level 1-5 of a relative placement wording; None for blank or `Not Assessed`.

    Raises ValueError for wording that is none of the known ones.
    """
    if text is None:
        return None
    key = re.sub(r"\s+", " ", text.strip().lower())
    if key in ("", "not assessed"):
        return None
    if key not in RELATIVE_PLACEMENT_LEVELS:
        raise ValueError(f"unknown relative placement {text!r}")
    return RELATIVE_PLACEMENT_LEVELS[key]


def progress_percent(gain: int | None, measure: int | None) -> float | None:
    """100 × max(gain, 0) / measure, 2 decimals; None when the measure is missing or 0."""
    if gain is None or measure is None or pd.isna(measure) or int(measure) == 0:
        return None
    return percent(max(int(gain), 0), int(measure))


def growth_by_student(diagnostics: pd.DataFrame) -> pd.DataFrame:
    """Baseline, most recent and growth per (student, subject, academic year)."""
    if diagnostics.empty:
        return pd.DataFrame(columns=list(GROWTH_COLUMNS))
    ordered = diagnostics.sort_values(["completion_date"], kind="stable")
    rows = [
        _growth_row(key, group)
        for key, group in ordered.groupby(["student_id", "subject", "academic_year"], sort=True)
    ]
    return pd.DataFrame(rows, columns=list(GROWTH_COLUMNS))


def _growth_row(key: Any, group: pd.DataFrame) -> dict[str, Any]:
    flagged = group[group["baseline"].astype(bool)]
    baseline = (flagged if len(flagged) else group).iloc[0]
    latest = group.iloc[-1]
    gain = int(latest["overall_scale_score"]) - int(baseline["overall_scale_score"])
    level = latest["placement_level"]
    level = None if pd.isna(level) else int(level)
    return {
        "student_id": key[0],
        "subject": key[1],
        "academic_year": key[2],
        "diagnostics": len(group),
        "baseline_date": baseline["completion_date"],
        "baseline_score": int(baseline["overall_scale_score"]),
        "most_recent_date": latest["completion_date"],
        "most_recent_score": int(latest["overall_scale_score"]),
        "placement_level": level,
        "on_grade_level": None if level is None else level >= ON_GRADE_LEVEL,
        "diagnostic_gain": gain,
        "progress_to_typical": progress_percent(gain, baseline["annual_typical_growth"]),
        "progress_to_stretch": progress_percent(gain, baseline["annual_stretch_growth"]),
    }


def median_rate(values: pd.Series) -> float | None:
    """Median of two-decimal rates, exact: the mean of two middles is rounded half up."""
    hundredths = sorted(round(float(v) * 100) for v in values.dropna())
    if not hundredths:
        return None
    middle = len(hundredths) // 2
    if len(hundredths) % 2:
        return hundredths[middle] / 100
    return (hundredths[middle - 1] + hundredths[middle] + 1) // 2 / 100


def subject_kpis(growth: pd.DataFrame) -> dict[str, Any]:
    """Per subject: students, pct_on_grade (of those with a placement), median progress."""
    out: dict[str, Any] = {}
    for subject in SUBJECTS:
        rows = growth[growth["subject"] == subject]
        placed = [bool(value) for value in rows["on_grade_level"] if not pd.isna(value)]
        out[subject] = {
            "students": int(len(rows)),
            "pct_on_grade": percent(sum(placed), len(placed)),
            "median_progress_to_typical": median_rate(rows["progress_to_typical"]),
        }
    return out


# Re-exported for callers that need the integer form.
__all__ = [
    "GROWTH_COLUMNS",
    "SUBJECTS",
    "growth_by_student",
    "median_rate",
    "percent_hundredths",
    "progress_percent",
    "relative_placement_level",
    "subject_kpis",
]
