"""The dashboard aggregates equal a recomputation from the raw rows, on both backends, after
imports, a changed import, a roster grade change and rollbacks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from attendly.settings import Settings
from db.aggregates import stale_aggregates
from db.models import AttendanceDayTotal, AttendanceRecord, Student, StudentWeekSummary
from db.policy import load_policy
from db.summaries import refresh_all
from ingest import rollback_import
from tests.ingest.conftest import ATTENDANCE_HEADER, ROSTER_HEADER, Runner, Writer

ROSTER = f"{ROSTER_HEADER}\n100234,Lee,Kim,7\n100235,Ray,Ana,6\n"
REGRADED = f"{ROSTER_HEADER}\n100235,Ray,Ana,7\n"
FIRST = (
    f"{ATTENDANCE_HEADER}\n"
    "100234,2025-09-05,7,P,P,P,P,P,P,P\n"
    "100234,2025-09-08,7,P,P,P,U,P,P,P\n"
    "100235,2025-09-08,6,U,U,U,U,U,U,U\n"
)
SECOND = (
    f"{ATTENDANCE_HEADER}\n100234,2025-09-08,7,P,P,P,E,P,P,P\n100999,2025-09-10,8,T,P,P,P,P,P,P\n"
)


def raw_weeks(session: Session) -> set[tuple[Any, ...]]:
    """(student, Monday, enrolled, absent, partial, scheduled, present) from the raw rows."""
    record = AttendanceRecord
    rows = session.execute(
        select(record.student_id, record.date, record.scheduled, record.present)
    ).all()
    days = pd.DataFrame(rows, columns=["student_id", "date", "scheduled", "present"])
    if days.empty:
        return set()
    days["week"] = [d - dt.timedelta(days=d.weekday()) for d in days["date"]]
    days["absent"] = (days["present"] == 0).astype(int)
    days["partial"] = ((days["present"] > 0) & (days["present"] < days["scheduled"])).astype(int)
    sums = days.groupby(["student_id", "week"]).agg(
        enrolled=("date", "size"),
        absent=("absent", "sum"),
        partial=("partial", "sum"),
        scheduled=("scheduled", "sum"),
        present=("present", "sum"),
    )
    return {(s, w, *(int(v) for v in values)) for (s, w), values in sums.iterrows()}


def stored_weeks(session: Session) -> set[tuple[Any, ...]]:
    week = StudentWeekSummary
    rows = session.execute(
        select(
            week.student_id,
            week.week_start,
            week.days_enrolled,
            week.days_absent,
            week.partial_days,
            week.scheduled_periods,
            week.present_periods,
        )
    ).all()
    return {tuple(row) for row in rows}


def raw_days(session: Session) -> dict[tuple[Any, ...], int]:
    """Student-days per (grade now, date) from the raw rows."""
    rows = session.execute(
        select(Student.grade_level, AttendanceRecord.date).join(
            Student, Student.id == AttendanceRecord.student_id
        )
    ).all()
    found: dict[tuple[Any, ...], int] = {}
    for grade, date in rows:
        found[(grade, date)] = found.get((grade, date), 0) + 1
    return found


def stored_days(session: Session) -> dict[tuple[Any, ...], int]:
    day = AttendanceDayTotal
    rows = session.execute(select(day.grade_level, day.date, day.days_enrolled)).all()
    return {(grade, date): count for grade, date, count in rows}


def assert_fresh(session: Session, settings: Settings) -> None:
    assert stored_weeks(session) == raw_weeks(session)
    assert stored_days(session) == raw_days(session)
    assert set(stale_aggregates(session, load_policy(session, settings)).values()) == {0}


def test_aggregates_follow_imports_and_rollbacks(
    session: Session, settings: Settings, run: Runner, write_csv: Writer
) -> None:
    run("roster", write_csv(ROSTER, name="roster.csv"))
    first = run("attendance", write_csv(FIRST, name="first.csv"))
    assert_fresh(session, settings)
    assert len(stored_weeks(session)) == 3  # 100234 in two weeks, 100235 in one
    second = run("attendance", write_csv(SECOND, name="second.csv"))
    assert_fresh(session, settings)
    regraded = run("roster", write_csv(REGRADED, name="regraded.csv"))
    assert_fresh(session, settings)
    assert stored_days(session)[(7, dt.date(2025, 9, 8))] == 2  # 100235 moved to grade 7
    for done in (regraded, second):
        rollback_import(session, done.import_id, settings=settings, username="clerk")
        assert_fresh(session, settings)
    assert stored_days(session)[(6, dt.date(2025, 9, 8))] == 1
    assert not any(row[0] == "100999" for row in stored_weeks(session))
    rollback_import(session, first.import_id, settings=settings, username="clerk")
    assert_fresh(session, settings)
    assert stored_weeks(session) == set()


def test_refresh_all_rebuilds_the_aggregates(
    session: Session, settings: Settings, run: Runner, write_csv: Writer
) -> None:
    run("roster", write_csv(ROSTER, name="roster.csv"))
    run("attendance", write_csv(FIRST, name="first.csv"))
    session.execute(StudentWeekSummary.__table__.delete())
    session.execute(AttendanceDayTotal.__table__.delete())
    assert stale_aggregates(session, load_policy(session, settings))["week_summaries"] == 3
    refresh_all(session, settings)
    assert_fresh(session, settings)
