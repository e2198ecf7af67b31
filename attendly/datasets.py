"""The data behind every chart and table, by dataset name: what a download exports.

Each dataset takes (session, filters, the caller's Reach: allowed grades and school codes)
and returns the same frame the page's chart or table is drawn from, with plain column names.
Scope checks happen in the queries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import pandas as pd
from flask import current_app
from sqlalchemy.orm import Session

from attendly.charts.theme import PLACEMENT_LABELS, tier_label
from attendly.metrics.policy import Policy

Filters = dict[str, Any]


class Reach(NamedTuple):
    """What the caller may see, from the server-side user: grades and school codes (None =
    every one). Never built from the request's parameters."""

    grades: tuple[int, ...] | None = None
    schools: tuple[str, ...] | None = None


def _policy(session: Session) -> Policy:
    from db.policy import load_policy

    return load_policy(session, current_app.config["ATTENDLY_SETTINGS"])


def _scope(session: Session, filters: Filters, reach: Reach) -> Any:
    from db.dashboard import check_year, resolve_scope

    year = check_year(filters.get("year"))
    return resolve_scope(
        session,
        grade=filters.get("grade"),
        academic_year=year,
        allowed_grades=reach.grades,
        school=filters.get("school"),
        allowed_schools=reach.schools,
    )


def overview_trend(session: Session, filters: Filters, reach: Reach) -> pd.DataFrame:
    from db.dashboard import overview_data

    return overview_data(session, _policy(session), _scope(session, filters, reach)).weeks


def overview_tiers(session: Session, filters: Filters, reach: Reach) -> pd.DataFrame:
    from db.dashboard import overview_data

    data = overview_data(session, _policy(session), _scope(session, filters, reach))
    counts = data.kpis["tier_counts"]
    return pd.DataFrame(
        {
            "tier": list(counts),
            "tier_label": [tier_label(t) for t in counts],
            "students": list(counts.values()),
        }
    )


def overview_grades(session: Session, filters: Filters, reach: Reach) -> pd.DataFrame:
    from db.dashboard import overview_data

    return overview_data(session, _policy(session), _scope(session, filters, reach)).grades


def students(session: Session, filters: Filters, reach: Reach) -> pd.DataFrame:
    from db.student_list_query import student_list
    from db.students_list import StudentFilter

    chosen = StudentFilter(
        filters.get("tier", ()),
        filters.get("truant", False),
        filters.get("q", ""),
        filters.get("sort", "name"),
        filters.get("near"),
    )
    rows = student_list(session, _policy(session), _scope(session, filters, reach), chosen)
    out = rows.assign(tier_label=lambda f: f["tier"].map(tier_label))
    for subject in ("ela", "math"):
        out[f"{subject}_placement"] = out[f"{subject}_placement_level"].map(PLACEMENT_LABELS)
    return out


def _student(session: Session, filters: Filters, reach: Reach) -> Any:
    from db.dashboard import check_year
    from db.student_detail import student_year

    year = check_year(filters.get("year"))
    student = filters.get("student", "")
    return student_year(session, _policy(session), student, year, reach.grades, reach.schools)


def student_days(session: Session, filters: Filters, reach: Reach) -> pd.DataFrame:
    from db.student_detail import day_statuses

    data = _student(session, filters, reach)
    return day_statuses(data.days).drop(columns=["week"])


def student_periods(session: Session, filters: Filters, reach: Reach) -> pd.DataFrame:
    from db.student_detail import weekday_period_absences

    return weekday_period_absences(_student(session, filters, reach).days)


def student_months(session: Session, filters: Filters, reach: Reach) -> pd.DataFrame:
    from db.student_detail import monthly_rates

    return monthly_rates(_student(session, filters, reach).days, _policy(session))


def student_iready(session: Session, filters: Filters, reach: Reach) -> pd.DataFrame:
    data = _student(session, filters, reach)
    if data.diagnostics.empty:
        return pd.DataFrame(columns=["subject", "completion_date", "measure", "scale_score"])
    overall = data.diagnostics.assign(
        measure="Overall", scale_score=data.diagnostics["overall_scale_score"]
    )
    domains = data.domains.rename(columns={"domain": "measure"})
    columns = ["subject", "completion_date", "measure", "scale_score"]
    return (
        pd.concat([overall[columns], domains[columns]])
        .sort_values(columns[:3])
        .reset_index(drop=True)
    )


def _correlations(session: Session, filters: Filters, reach: Reach) -> list[Any]:
    from db.correlation import subject_correlation

    scope, policy = _scope(session, filters, reach), _policy(session)
    return [subject_correlation(session, policy, scope, subject) for subject in ("ELA", "MATH")]


def correlation_points(session: Session, filters: Filters, reach: Reach) -> pd.DataFrame:
    parts = [c.points.assign(subject=c.subject) for c in _correlations(session, filters, reach)]
    return pd.concat(parts).reset_index(drop=True)


def correlation_placements(session: Session, filters: Filters, reach: Reach) -> pd.DataFrame:
    parts = [c.placements.assign(subject=c.subject) for c in _correlations(session, filters, reach)]
    frame = pd.concat(parts).reset_index(drop=True)
    return frame.assign(placement=frame["placement_level"].map(PLACEMENT_LABELS))


def correlation_tiers(session: Session, filters: Filters, reach: Reach) -> pd.DataFrame:
    parts = []
    for item in _correlations(session, filters, reach):
        fit = {f"fit_{key}": value for key, value in item.fit.items()}
        parts.append(item.tiers.assign(subject=item.subject, **fit))
    return pd.concat(parts).reset_index(drop=True)


DATASETS: dict[str, Callable[[Session, Filters, Reach], pd.DataFrame]] = {
    "overview-trend": overview_trend,
    "overview-tiers": overview_tiers,
    "overview-grades": overview_grades,
    "students": students,
    "student-days": student_days,
    "student-periods": student_periods,
    "student-months": student_months,
    "student-iready": student_iready,
    "correlation-points": correlation_points,
    "correlation-placements": correlation_placements,
    "correlation-tiers": correlation_tiers,
}
