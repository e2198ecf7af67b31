"""Attendance vs i-Ready (metric definitions §7) for the Correlation page, per subject."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Float, select
from sqlalchemy.orm import Session

from attendly.cache import cached
from attendly.metrics.correlation import joined, pearson, tiers_of
from attendly.metrics.policy import Policy
from db import queries
from db.dashboard import Scope, data_version, scope_frames
from db.growth import growth_frame
from db.growth_models import IReadyGrowth
from db.models import Student, StudentYearSummary
from db.reads import code_point_order, read_frame

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
    if queries.growth_in_sync(session, version):
        both = joined_points(session, scope, subject)
    else:  # the growth table is being rebuilt: join the per-student frames
        figures, growth = scope_frames(session, policy, scope, version)
        # Only the figures' columns used below: the merge copies every column it is given.
        both = joined(figures if figures.empty else figures[FIGURE_PART], growth, subject)
    if both.empty:
        return _empty(subject)
    if not both["student_id"].is_monotonic_increasing:  # the join reads them in order
        both = both.sort_values("student_id")
    points = both[list(POINT_COLUMNS)].reset_index(drop=True)
    fit = pearson(
        points["attendance_rate"].to_numpy(dtype=float),
        points["most_recent_score"].to_numpy(dtype=float),
    )
    tiers = pd.DataFrame(tiers_of(both))
    return SubjectCorrelation(subject, points, fit, tiers, placement_counts(points))


def joined_points(session: Session, scope: Scope, subject: str) -> pd.DataFrame:
    """What metrics.correlation.joined gives from the scope's frames (eligible students'
    figures with their latest diagnostic in `subject`), read as one join of the summaries and
    the growth table: one row per point, in student id order, without either whole frame."""
    assert scope.academic_year is not None
    summary, growth = StudentYearSummary, IReadyGrowth
    statement = (
        select(
            summary.student_id,
            Student.last_name,
            Student.first_name,
            Student.grade_level,
            summary.attendance_rate.cast(Float),
            summary.tier,
            growth.most_recent_score,
            growth.placement_level,
            growth.typical_hundredths,
            growth.stretch_hundredths,
        )
        .join(Student, Student.id == summary.student_id)
        .join(
            growth,
            (growth.student_id == summary.student_id)
            & (growth.academic_year == summary.academic_year)
            & (growth.subject == subject)
            & growth.valid_until.is_(None),
        )
        .where(summary.academic_year == scope.academic_year, summary.eligible.is_(True))
        .order_by(code_point_order(session, summary.student_id))
    )
    names = list(JOINED_TYPES)
    scoped = queries.in_scope(statement, scope.grades, scope.schools)
    stored = read_frame(session, scoped, names, JOINED_TYPES)
    if stored.empty:
        return pd.DataFrame(columns=list(POINT_COLUMNS))
    shown = growth_frame(
        stored,
        ["placement_level", "on_grade_level", "progress_to_typical", "progress_to_stretch"],
    )
    people = stored[["student_id", "last_name", "first_name", "grade_level"]]
    both = pd.concat([people, stored[["attendance_rate", "tier", "most_recent_score"]]], axis=1)
    return pd.concat([both, shown], axis=1)


JOINED_TYPES = {
    "student_id": "str",
    "last_name": "str",
    "first_name": "str",
    "grade_level": "int64",
    "attendance_rate": "float64",
    "tier": "str",
    "most_recent_score": "int64",
    "placement_level": "float64",
    "typical_hundredths": "float64",
    "stretch_hundredths": "float64",
}


def placement_counts(points: pd.DataFrame) -> pd.DataFrame:
    """Students per (tier, placement level 1-5): columns tier, placement_level, students."""
    levels = pd.to_numeric(points["placement_level"]).to_numpy(dtype=float)
    placed = ~np.isnan(levels)
    codes, tiers = pd.factorize(points["tier"].to_numpy(dtype=object)[placed], sort=True)
    # One key per (tier, level): levels run 1-5, so key // 10 is the tier, key % 10 the level.
    keys, students = np.unique(codes * 10 + levels[placed].astype(np.int64), return_counts=True)
    return pd.DataFrame(
        {
            "tier": [str(tiers[key // 10]) for key in keys],
            "placement_level": (keys % 10).astype(int),
            "students": students.astype(np.int64),
        }
    )


def _empty(subject: str) -> SubjectCorrelation:
    return SubjectCorrelation(
        subject,
        pd.DataFrame(columns=list(POINT_COLUMNS)),
        pearson([], []),
        pd.DataFrame(columns=["tier", "students", "median_score", "pct_on_grade"]),
        pd.DataFrame(columns=["tier", "placement_level", "students"]),
    )
