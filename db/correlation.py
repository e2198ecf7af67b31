"""Attendance vs i-Ready (metric definitions §7) for the Correlation page, per subject."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from attendly.cache import cached
from attendly.metrics.correlation import joined, pearson, tiers_of
from attendly.metrics.policy import Policy
from db.dashboard import Scope, data_version, scope_frames

POINT_COLUMNS = (
    "student_id",
    "last_name",
    "first_name",
    "grade_level",
    "attendance_rate",
    "tier",
    "most_recent_score",
    "placement_level",
    "progress_to_typical",
    "progress_to_stretch",
)

FIGURE_PART = ["student_id", "eligible", *POINT_COLUMNS[1:5], "tier"]


@dataclass
class SubjectCorrelation:
    """One subject's points, fit, per-tier summary and tier x placement counts."""

    subject: str
    points: pd.DataFrame
    fit: dict[str, Any]
    tiers: pd.DataFrame
    placements: pd.DataFrame


def subject_correlation(
    session: Session, policy: Policy, scope: Scope, subject: str
) -> SubjectCorrelation:
    """Eligible students with a most recent diagnostic in `subject` (same academic year).

    Cached per data version like the frames it is built from. Callers must not modify it.
    """
    if scope.empty:
        return _empty(subject)
    version = data_version(session)
    key = ("correlation", scope, policy, subject, version)
    return cached(key, lambda: _subject_correlation(session, policy, scope, subject, version))


def _subject_correlation(
    session: Session, policy: Policy, scope: Scope, subject: str, version: tuple[Any, ...]
) -> SubjectCorrelation:
    figures, growth = scope_frames(session, policy, scope, version)
    # Only the figures' columns used below: the merge copies every column it is given.
    both = joined(figures if figures.empty else figures[FIGURE_PART], growth, subject)
    if both.empty:
        return _empty(subject)
    points = both.sort_values("student_id")[list(POINT_COLUMNS)].reset_index(drop=True)
    fit = pearson(
        [float(v) for v in points["attendance_rate"]],
        [float(v) for v in points["most_recent_score"]],
    )
    tiers = pd.DataFrame(tiers_of(both))
    return SubjectCorrelation(subject, points, fit, tiers, placement_counts(points))


def placement_counts(points: pd.DataFrame) -> pd.DataFrame:
    """Students per (tier, placement level 1-5): columns tier, placement_level, students."""
    placed = points.dropna(subset=["placement_level"])
    counts = placed.groupby(["tier", "placement_level"]).size().reset_index(name="students")
    counts["placement_level"] = counts["placement_level"].astype(int)
    return counts[["tier", "placement_level", "students"]]


def _empty(subject: str) -> SubjectCorrelation:
    return SubjectCorrelation(
        subject,
        pd.DataFrame(columns=list(POINT_COLUMNS)),
        pearson([], []),
        pd.DataFrame(columns=["tier", "students", "median_score", "pct_on_grade"]),
        pd.DataFrame(columns=["tier", "placement_level", "students"]),
    )
