"""i-Ready growth (metric definitions §6): placement levels, baseline, most recent, progress.

Input to `growth_by_student`: one row per diagnostic with columns `student_id, subject,
academic_year, completion_date, overall_scale_score, baseline, placement_level,
annual_typical_growth, annual_stretch_growth`.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
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
    """Baseline, most recent and growth per (student, subject, academic year).

    Vectorised (a district's year is tens of thousands of groups): within each group the
    diagnostics are ordered by completion date; the baseline is the earliest flagged one,
    else the earliest; the most recent is the latest.
    """
    if diagnostics.empty:
        return pd.DataFrame(columns=list(GROWTH_COLUMNS))
    keys = ["student_id", "subject", "academic_year"]
    ordered = diagnostics.sort_values([*keys, "completion_date"], kind="stable")
    grouped = ordered.groupby(keys, sort=True)
    earliest = grouped.head(1).set_index(keys)
    flagged = ordered[ordered["baseline"].fillna(False).astype(bool)]
    first_flagged = flagged.groupby(keys, sort=True).head(1).set_index(keys)
    unflagged = earliest[~earliest.index.isin(first_flagged.index)]
    baseline = pd.concat([first_flagged, unflagged])
    latest = grouped.tail(1).set_index(keys)
    return _growth_frame(grouped.size(), baseline.loc[latest.index], latest)


def _growth_frame(sizes: pd.Series, baseline: pd.DataFrame, latest: pd.DataFrame) -> pd.DataFrame:
    """GROWTH_COLUMNS from aligned baseline and most-recent rows (Python values, None missing)."""
    gain = latest["overall_scale_score"].astype("int64") - baseline["overall_scale_score"].astype(
        "int64"
    )
    level = pd.to_numeric(latest["placement_level"]).astype("Int64")
    out = pd.DataFrame(
        {
            "diagnostics": sizes.loc[latest.index].astype("int64"),
            "baseline_date": baseline["completion_date"],
            "baseline_score": baseline["overall_scale_score"].astype("int64"),
            "most_recent_date": latest["completion_date"],
            "most_recent_score": latest["overall_scale_score"].astype("int64"),
            "placement_level": _objects(level),
            "on_grade_level": _objects(level >= ON_GRADE_LEVEL),
            "diagnostic_gain": gain,
            "progress_to_typical": _progress(gain, baseline["annual_typical_growth"]),
            "progress_to_stretch": _progress(gain, baseline["annual_stretch_growth"]),
        },
        index=latest.index,
    ).reset_index()
    return out[list(GROWTH_COLUMNS)].reset_index(drop=True)


def _objects(values: pd.Series) -> pd.Series:
    """Nullable values as Python objects with None for missing."""
    return values.astype(object).where(values.notna(), None)


def _progress(gain: pd.Series, measure: pd.Series) -> pd.Series:
    """Vectorised `progress_percent`: 100 x max(gain, 0) / measure, half up; NaN if undefined."""
    measure = pd.to_numeric(measure, errors="coerce")
    defined = measure.notna() & (measure != 0)
    den = measure.where(defined, 1).astype("int64").to_numpy()
    num = gain.clip(lower=0).to_numpy(dtype="int64")
    hundredths = (20000 * num + den) // (2 * den)
    return pd.Series(hundredths / 100, index=gain.index).where(defined)


def median_rate(values: pd.Series) -> float | None:
    """Median of two-decimal rates, exact: the mean of two middles is rounded half up."""
    # np.rint rounds half to even like round(); the products are the same IEEE operations.
    scaled = np.rint(pd.to_numeric(values.dropna()).to_numpy(dtype=float) * 100)
    hundredths: list[int] = np.sort(scaled).astype(np.int64).tolist()
    if not hundredths:
        return None
    middle = len(hundredths) // 2
    if len(hundredths) % 2:
        return hundredths[middle] / 100
    return (hundredths[middle - 1] + hundredths[middle] + 1) // 2 / 100


def subject_kpis(growth: pd.DataFrame) -> dict[str, Any]:
    """Per subject: students, pct_on_grade (of those with a placement), median progress."""
    # Whole columns as arrays once, masked per subject: no frame is filtered or copied.
    subjects = growth["subject"].to_numpy(dtype=object)
    on_grade = growth["on_grade_level"].to_numpy(dtype=object)
    placed = ~pd.isna(on_grade)
    out: dict[str, Any] = {}
    for subject in SUBJECTS:
        rows = subjects == subject
        known = on_grade[rows & placed]
        out[subject] = {
            "students": int(rows.sum()),
            "pct_on_grade": percent(int(known.astype(bool).sum()), len(known)),
            "median_progress_to_typical": median_rate(growth["progress_to_typical"][rows]),
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
