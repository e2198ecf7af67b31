"""Attendance vs i-Ready (metric definitions §7): Pearson r, least-squares line, per tier."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from attendly.metrics.iready import SUBJECTS, median_rate
from attendly.metrics.rounding import percent


def pearson(x: list[float], y: list[float]) -> dict[str, Any]:
    """n, r, slope and intercept (score on attendance rate), each of the last three to 4 places.

    r, slope and intercept are None when n < 2 or either variable does not vary.
    """
    n = len(x)
    empty = {"n": n, "r": None, "slope": None, "intercept": None}
    if n < 2:
        return empty
    mean_x, mean_y = math.fsum(x) / n, math.fsum(y) / n
    sxx = math.fsum((a - mean_x) ** 2 for a in x)
    syy = math.fsum((b - mean_y) ** 2 for b in y)
    sxy = math.fsum((a - mean_x) * (b - mean_y) for a, b in zip(x, y, strict=True))
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
    """Per subject `{n, r, slope, intercept}` over eligible students with a diagnostic."""
    out = {}
    for subject in SUBJECTS:
        both = joined(figures, growth, subject).sort_values("student_id")
        out[subject] = pearson(
            [float(v) for v in both["attendance_rate"]],
            [float(v) for v in both["most_recent_score"]],
        )
    return out


def by_tier(figures: pd.DataFrame, growth: pd.DataFrame, subject: str) -> list[dict[str, Any]]:
    """Per risk tier: students, median most recent score, pct on grade, median progress."""
    both = joined(figures, growth, subject)
    rows = []
    for tier, group in both.groupby("tier", sort=True):
        placed = group["on_grade_level"].dropna()
        scores = sorted(int(v) for v in group["most_recent_score"])
        middle = len(scores) // 2
        median_score = (
            scores[middle] if len(scores) % 2 else (scores[middle - 1] + scores[middle]) / 2
        )
        rows.append(
            {
                "tier": str(tier),
                "students": int(len(group)),
                "median_score": median_score,
                "pct_on_grade": percent(int(placed.astype(bool).sum()), len(placed))
                if len(placed)
                else None,
                "median_progress_to_typical": median_rate(group["progress_to_typical"]),
            }
        )
    return rows
