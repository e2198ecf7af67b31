"""The Overview's grouped sums (db.overview_figures, db.week_before) equal the per-student
figures, now and a week ago, on SQLite and PostgreSQL; stale stored figures are never used."""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from attendly.metrics.iready import median_rate
from attendly.metrics.kpis import trend_from_totals
from attendly.metrics.policy import Policy
from attendly.settings import Settings
from db import dashboard, growth, overview_figures, queries
from db.aggregates import stale_aggregates
from db.models import AttendanceRecord, IReadyDiagnostic, School, Student
from db.summaries import refresh_summaries
from db.week_before import refresh_week_before, stale_week_before
from db.week_before_models import StudentWeekBefore, WeekBeforeYear
from tests.db.days import add_day
from tests.db.test_dashboard_queries import add_diagnostics
from tests.db.test_queries import load_school

POLICY = Policy()
SETTINGS = Settings(env="test")
STATUSES = ["P"] * 12 + ["I", "U", "E", "T", "L", "V", "S"]
# Three weeks of school days, a holiday Monday in the middle.
DAYS = [
    dt.date(2025, 9, 1) + dt.timedelta(days=n)
    for n in range(26)
    if (dt.date(2025, 9, 1) + dt.timedelta(days=n)).weekday() < 5 and n != 14
]


def load_random_school(session: Session, seed: int, students: int = 60) -> list[str]:
    """Two schools, three grades, `students` students with random days (some join late or
    leave early, some absent for days on end) and ELA/Math diagnostics; summaries refreshed."""
    rng = random.Random(seed)
    session.add_all(
        [School(id=1, code="101", name="North"), School(id=2, code="102", name="South")]
    )
    ids = [f"{n:04d}" for n in range(students)]
    for n, student in enumerate(ids):
        session.add(
            Student(
                id=student,
                last_name=f"L{n % 7}",
                first_name=f"F{n}",
                grade_level=6 + n % 3,
                school_id=1 + n % 2,
            )
        )
    session.flush()
    for student in ids:
        first, last = sorted(rng.sample(range(len(DAYS)), 2)) if rng.random() < 0.3 else (0, -1)
        absent_rate = rng.choice([0.0, 0.05, 0.15, 0.4])
        for day in DAYS[first : (last + 1) or None]:
            if rng.random() < absent_rate:
                periods: list[str | None] = [rng.choice(["V", "U", "E", "S"])] * 7
            else:
                periods = [rng.choice(STATUSES) for _ in range(7)]
            if rng.random() < 0.1:
                periods[6] = None  # a blank period
            add_day(session, student, day, periods)
        for subject in ("ELA", "MATH"):
            for index, day in enumerate(rng.sample(DAYS, rng.choice([0, 1, 2, 3]))):
                session.add(
                    IReadyDiagnostic(
                        student_id=student,
                        subject=subject,
                        completion_date=day,
                        academic_year="2025-2026",
                        baseline=index == 0 and rng.random() < 0.5,
                        overall_scale_score=rng.randint(420, 620),
                        placement_level=rng.choice([None, 1, 2, 3, 4, 5]),
                        annual_typical_growth=rng.choice([0, 17, 20, 33]),
                        annual_stretch_growth=40,
                    )
                )
    session.flush()
    refresh_summaries(session, ids, SETTINGS)
    growth.refresh_all_growth(session)
    session.commit()
    return ids


def both_ways(session: Session, policy: Policy, scope: dashboard.Scope):
    version = queries.data_version(session)
    summed = overview_figures.overview_kpis(
        session,
        policy,
        academic_year=str(scope.academic_year),
        as_of=scope.as_of,  # type: ignore[arg-type]
        grades=scope.grades,
        grade=scope.grade,
        in_sync=queries.growth_in_sync(session, version),
    )
    per_student = dashboard.per_student_overview(session, policy, scope, version)
    return summed, per_student


def without_correlation(kpis: dict | None) -> dict | None:
    return None if kpis is None else {k: v for k, v in kpis.items() if k != "correlation"}


def assert_same(summed, per_student) -> None:
    assert summed is not None
    assert summed.now == without_correlation(per_student.kpis)
    assert summed.before == without_correlation(per_student.previous)
    assert summed.before_date == per_student.previous_as_of
    pd.testing.assert_frame_equal(summed.grades, per_student.grades)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("grade", [None, 6, 8])
def test_sums_equal_per_student_figures(session: Session, seed: int, grade: int | None) -> None:
    load_random_school(session, seed)
    scope = dashboard.resolve_scope(session, grade=grade, academic_year=None, allowed_grades=None)
    summed, per_student = both_ways(session, POLICY, scope)
    assert_same(summed, per_student)
    assert summed.before is not None and summed.now["students"] >= summed.before["students"] > 0


def test_a_teachers_grades(session: Session) -> None:
    load_random_school(session, 4)
    scope = dashboard.resolve_scope(session, grade=None, academic_year=None, allowed_grades=[6, 7])
    summed, per_student = both_ways(session, POLICY, scope)
    assert_same(summed, per_student)
    assert [row["grade_level"] for row in summed.grades.to_dict("records")] == [6, 7]


def test_the_hand_computed_school(session: Session) -> None:
    """The designed school: last week's figures are those of `kpis` as of 9/8 (computed from
    the raw days), and the page takes them from the stored rows."""
    load_school(session)
    add_diagnostics(session)
    growth.refresh_all_growth(session)
    session.commit()
    scope = dashboard.resolve_scope(session, grade=None, academic_year=None, allowed_grades=None)
    summed, per_student = both_ways(session, POLICY, scope)
    assert_same(summed, per_student)
    then = queries.kpis(session, POLICY, as_of=dt.date(2025, 9, 8))
    assert summed.before_date == dt.date(2025, 9, 8)
    for key in ("students", "attendance_rate", "chronic_absenteeism_rate", "tier_counts"):
        assert summed.before[key] == then[key], key
    assert summed.before["iready"]["ELA"]["students"] == 3
    now = queries.kpis(session, POLICY)
    assert without_correlation(now) == summed.now
    data = dashboard.overview_data(session, POLICY, scope)
    assert data.kpis == summed.now  # the page's path


def test_stale_stored_figures_are_not_used(session: Session) -> None:
    """Another policy, another comparison date or a growth table being rebuilt: no answer
    from the sums (the page computes per student); a refresh makes them usable again."""
    load_random_school(session, 5)
    scope = dashboard.resolve_scope(session, grade=None, academic_year=None, allowed_grades=None)
    args = {"academic_year": "2025-2026", "as_of": scope.as_of, "grades": None}
    assert overview_figures.overview_kpis(session, POLICY, **args) is not None
    stricter = Policy(min_days_enrolled=3, tier_preset="days_ladder")
    assert overview_figures.overview_kpis(session, stricter, **args) is None
    assert overview_figures.overview_kpis(session, POLICY, in_sync=False, **args) is None
    session.execute(update(WeekBeforeYear).values(before=dt.date(2025, 9, 1)))
    assert overview_figures.overview_kpis(session, POLICY, **args) is None
    assert stale_week_before(session, POLICY) == 1
    refresh_week_before(session, POLICY)
    assert stale_week_before(session, POLICY) == 0
    summed, per_student = both_ways(session, POLICY, scope)
    assert_same(summed, per_student)


def test_a_new_day_moves_every_students_week_before(session: Session) -> None:
    """Importing a later day changes the comparison date for everyone: the refresh of the
    one student who got the day rewrites the whole year."""
    ids = load_random_school(session, 6)
    before = session.get(WeekBeforeYear, "2025-2026")
    assert before is not None and before.before == dt.date(2025, 9, 19)
    day = dt.date(2025, 9, 29)
    add_day(session, ids[0], day, ["P"] * 7)
    session.flush()
    refresh_summaries(session, [ids[0]], SETTINGS)
    session.commit()
    session.expire_all()
    stored = session.get(WeekBeforeYear, "2025-2026")
    assert stored is not None and (stored.as_of, stored.before) == (day, dt.date(2025, 9, 22))
    assert stale_week_before(session, POLICY) == 0
    scope = dashboard.resolve_scope(session, grade=None, academic_year=None, allowed_grades=None)
    assert_same(*both_ways(session, POLICY, scope))


def test_one_students_change_rewrites_only_their_row(session: Session) -> None:
    """A correction-sized refresh recomputes the touched student; the others stay as stored
    (and right: verify finds nothing stale)."""
    ids = load_random_school(session, 7)
    table = StudentWeekBefore
    session.execute(update(table).where(table.student_id == ids[3]).values(days_enrolled=999))
    session.execute(update(table).where(table.student_id == ids[4]).values(days_enrolled=999))
    # Each wrong row counts twice: the stored one and the missing right one.
    assert stale_aggregates(session, POLICY)["week_before"] == 4
    refresh_summaries(session, [ids[3]], SETTINGS)
    rows = {r.student_id: r.days_enrolled for r in session.scalars(select(table))}
    assert rows[ids[3]] != 999 and rows[ids[4]] == 999  # only the touched student rewritten
    assert stale_week_before(session, POLICY) == 2


def test_less_than_a_week_of_data_has_no_week_before(session: Session) -> None:
    load_random_school(session, 8)
    session.execute(AttendanceRecord.__table__.delete().where(AttendanceRecord.date > DAYS[3]))
    refresh_summaries(session, [s for s in session.scalars(select(Student.id))], SETTINGS)
    session.commit()
    assert session.scalars(select(StudentWeekBefore)).all() == []
    assert session.get(WeekBeforeYear, "2025-2026") is None
    scope = dashboard.resolve_scope(session, grade=None, academic_year=None, allowed_grades=None)
    summed, per_student = both_ways(session, POLICY, scope)
    assert_same(summed, per_student)
    assert summed.before is None


@pytest.mark.parametrize(
    "values",
    [
        [],
        [1234],
        [100, 300],  # the mean of the middles: 2.00
        [101, 102],  # 1.015 -> 1.02 (half up)
        [5, 5, 5, 1, 9000, 0],
        [0, 0, 1],
        list(range(1, 102)),
    ],
)
def test_median_of_counts_is_median_rate(values: list[int]) -> None:
    counts: dict[int, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    expected = median_rate(pd.Series([v / 100 for v in values], dtype="float64"))
    assert overview_figures.median_of_counts(list(counts.items())) == expected


def test_median_hand_computed() -> None:
    assert overview_figures.median_of_counts([(101, 1), (102, 1)]) == 1.02
    assert overview_figures.median_of_counts([(50, 3), (70, 1)]) == 0.5
    assert overview_figures.median_of_counts([(50, 2), (70, 2)]) == 0.6
    assert overview_figures.median_of_counts([]) is None


@pytest.mark.parametrize("seed", [1, 9])
@pytest.mark.parametrize("grades", [None, [6], [7, 8]])
def test_weekly_trend_is_the_trend_of_the_day_totals(
    session: Session, seed: int, grades: list[int] | None
) -> None:
    """The Overview's weekly trend, summed per week in Python, is the frame the pandas path
    gives from the day totals, to the dtype; with a holiday Monday and students who join late."""
    load_random_school(session, seed)
    grade = grades[0] if grades and len(grades) == 1 else None
    scope = dashboard.resolve_scope(session, grade=grade, academic_year=None, allowed_grades=grades)
    expected = trend_from_totals(dashboard.daily_totals(session, scope), "week")
    weeks = overview_figures.weekly_trend(session, scope)
    pd.testing.assert_frame_equal(weeks, expected)
    assert list(weeks["period_start"]) == [dt.date(2025, 9, d) for d in (1, 8, 15, 22)]
    school = dashboard.Scope(scope.academic_year, scope.as_of, scope.grades, schools=(2,))
    pd.testing.assert_frame_equal(
        overview_figures.weekly_trend(session, school),
        trend_from_totals(dashboard.daily_totals(session, school), "week"),
    )


def test_weekly_trend_of_a_year_without_days(session: Session) -> None:
    load_random_school(session, 2)
    scope = dashboard.Scope("2019-2020", dt.date(2020, 5, 1), None)
    expected = trend_from_totals(dashboard.daily_totals(session, scope), "week")
    pd.testing.assert_frame_equal(overview_figures.weekly_trend(session, scope), expected)
    assert overview_figures.weekly_trend(session, scope).empty
