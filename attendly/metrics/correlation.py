"""Attendance vs i-Ready (metric definitions §7): Pearson r, least-squares line, per tier."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from attendly.metrics.iready import SUBJECTS, median_rate
from attendly.metrics.rounding import percent


def pearson(x: ArrayLike, y: ArrayLike) -> dict[str, Any]:
    """n, r, slope and intercept (score on attendance rate), each of the last three to 4 places.

    r, slope and intercept are None when n < 2 or either variable does not vary. Sums are
    exact (math.fsum) over terms computed element-wise in numpy with the same IEEE operations
    as plain Python: squares through libm's pow like `**` (x * x differs in the last bit now
    and then).
    """
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n = len(xs)
    empty = {"n": n, "r": None, "slope": None, "intercept": None}
    if n < 2:
        return empty
    mean_x, mean_y = math.fsum(xs.tolist()) / n, math.fsum(ys.tolist()) / n
    dx, dy = xs - mean_x, ys - mean_y
    two = np.full(n, 2.0)  # an array exponent: numpy squares a scalar 2 as x * x
    sxx = math.fsum(np.float_power(dx, two).tolist())
    syy = math.fsum(np.float_power(dy, two).tolist())
    sxy = math.fsum((dx * dy).tolist())
    if sxx == 0 or syy == 0:
        return empty
    slope = sxy / sxx
    return {
        "n": n,
        "r": round(sxy / math.sqrt(sxx * syy), 4),
        "slope": round(slope, 4),
        "intercept": round(mean_y - slope * mean_x, 4),
    }


def joined(figures: pd.DataFrame, growth: pd.DataFrame, subject: str) -> pd.DataFrame:
    """Eligible students' attendance figures joined with their most recent diagnostic."""
    if figures.empty or growth.empty:
        return pd.DataFrame(columns=["student_id", "attendance_rate", "tier", "most_recent_score"])
    eligible = figures[figures["eligible"].astype(bool)]
    scores = growth[growth["subject"] == subject]
    return eligible.merge(scores, on="student_id", how="inner")


def correlations(figures: pd.DataFrame, growth: pd.DataFrame) -> dict[str, Any]:
    """Per subject `{n, r, slope, intercept}` over eligible students with a diagnostic.

    The pairs are those `joined` gives, in some order (pearson's exact sums do not depend on
    it): one index lookup of every growth row where students are unique, not a merge each.
    """
    if figures.empty or growth.empty:
        return {subject: pearson([], []) for subject in SUBJECTS}
    eligible = figures[figures["eligible"].astype(bool)]
    students = pd.Index(eligible["student_id"])
    if not students.is_unique:
        return {subject: _merged_pearson(figures, growth, subject) for subject in SUBJECTS}
    found = students.get_indexer(growth["student_id"])
    rates = eligible["attendance_rate"].to_numpy(dtype=float)
    scores = growth["most_recent_score"].to_numpy(dtype=float)
    subjects = growth["subject"].to_numpy(dtype=object)
    out = {}
    for subject in SUBJECTS:
        matched = (subjects == subject) & (found >= 0)
        out[subject] = pearson(rates[found[matched]], scores[matched])
    return out


def _merged_pearson(figures: pd.DataFrame, growth: pd.DataFrame, subject: str) -> dict[str, Any]:
    both = joined(figures, growth, subject)
    return pearson(both["attendance_rate"], both["most_recent_score"])


def by_tier(figures: pd.DataFrame, growth: pd.DataFrame, subject: str) -> list[dict[str, Any]]:
    """Per risk tier: students, median most recent score, pct on grade, median progress."""
    return tiers_of(joined(figures, growth, subject))


def tiers_of(both: pd.DataFrame) -> list[dict[str, Any]]:
    """`by_tier` from the rows `joined` gave (for a caller that has them already), tiers in
    sorted order. Columns are read as arrays once and masked per tier."""
    if both.empty:
        return []
    codes, tiers = pd.factorize(both["tier"].to_numpy(dtype=object), sort=True)
    scores = both["most_recent_score"].to_numpy(dtype=np.int64)
    on_grade = both["on_grade_level"].to_numpy(dtype=object)
    placed = ~pd.isna(on_grade)
    progress = both["progress_to_typical"].reset_index(drop=True)
    rows = []
    for code, tier in enumerate(tiers):
        members = codes == code
        ordered: list[int] = np.sort(scores[members]).tolist()
        middle = len(ordered) // 2
        median_score = (
            ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
        )
        known = on_grade[members & placed]
        rows.append(
            {
                "tier": str(tier),
                "students": len(ordered),
                "median_score": median_score,
                "pct_on_grade": percent(int(known.astype(bool).sum()), len(known))
                if len(known)
                else None,
                "median_progress_to_typical": median_rate(progress[members]),
            }
        )
    return rows
