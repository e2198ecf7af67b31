"""The Attendance vs i-Ready page's points read as one join equal those joined from the
per-student frames (SQLite and PostgreSQL), and so do the fit, tiers and placements."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy.orm import Session

from attendly.metrics.correlation import joined, pearson, tiers_of
from attendly.metrics.policy import Policy
from db import correlation, dashboard, queries
from db.correlation import FIGURE_PART, POINT_COLUMNS
from tests.db.test_overview_figures import load_random_school

POLICY = Policy()


def from_frames(session: Session, scope: dashboard.Scope, subject: str) -> pd.DataFrame:
    figures, growth = dashboard.scope_frames(session, POLICY, scope)
    both = joined(figures[FIGURE_PART], growth, subject)
    return both.sort_values("student_id").reset_index(drop=True)


@pytest.mark.parametrize("subject", ["ELA", "MATH"])
@pytest.mark.parametrize("grade", [None, 7])
def test_joined_points_equal_the_frames(session: Session, subject: str, grade: int | None) -> None:
    load_random_school(session, 11, students=90)
    scope = dashboard.resolve_scope(session, grade=grade, academic_year=None, allowed_grades=None)
    expected = from_frames(session, scope, subject)
    got = correlation.joined_points(session, scope, subject)
    assert len(got) == len(expected) > 10
    columns = [*POINT_COLUMNS, "on_grade_level"]
    pd.testing.assert_frame_equal(
        got[columns].reset_index(drop=True), expected[columns], check_dtype=False
    )
    # Same objects in the object columns (None for a missing placement, not NaN).
    assert list(got["placement_level"]) == list(expected["placement_level"])
    assert list(got["on_grade_level"]) == list(expected["on_grade_level"])
    assert tiers_of(got) == tiers_of(expected)
    assert pearson(got["attendance_rate"], got["most_recent_score"]) == pearson(
        expected["attendance_rate"], expected["most_recent_score"]
    )


def test_the_page_uses_the_join_and_matches_the_contract(session: Session) -> None:
    """subject_correlation (the page) gives the CLI's r and n for the scope."""
    load_random_school(session, 12, students=90)
    scope = dashboard.resolve_scope(session, grade=None, academic_year=None, allowed_grades=None)
    assert queries.growth_in_sync(session)
    for subject in ("ELA", "MATH"):
        page = correlation.subject_correlation(session, POLICY, scope, subject)
        contract = queries.kpis(session, POLICY)["correlation"][subject]
        assert page.fit == contract
        assert page.fit["n"] == len(page.points) > 10


def test_a_teacher_scope_and_nobody_eligible(session: Session) -> None:
    load_random_school(session, 13, students=60)
    scope = dashboard.resolve_scope(session, grade=None, academic_year=None, allowed_grades=[6])
    got = correlation.joined_points(session, scope, "ELA")
    assert set(got["grade_level"]) == {6}
    pd.testing.assert_frame_equal(
        got[list(POINT_COLUMNS)].reset_index(drop=True),
        from_frames(session, scope, "ELA")[list(POINT_COLUMNS)],
        check_dtype=False,
    )
    strict = dashboard.Scope(scope.academic_year, scope.as_of, (9,))  # a grade nobody is in
    assert correlation.joined_points(session, strict, "ELA").empty
