"""A refresh restricted to the changed dates leaves the summaries and dashboard aggregates
exactly as a full rebuild would, on both backends: after corrections (present -> absent,
absent -> present, tardy, late, a blank period given a status), after raw changes on two
dates in two weeks, and with rows of an earlier academic year in the table.

The school (default school 001): A and C in grade 6, B in grade 7, school days
2025-09-15 .. 2025-09-26 (two ISO weeks, Mondays 9/15 and 9/22), plus 2025-05-29 of the
year before. Every period present, except:

  A 9/24: U in periods 1-6, P in period 7 (1 of 7 present, not a full-day absence)
  A 9/25: U all day (a full-day absence)
  B every day: period 7 blank (six periods scheduled); B 2025-05-29: U all day
  C 9/23: U in period 3 (a partial day, a truancy occasion)
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from attendly.corrections import Corrector, correct
from attendly.settings import Settings
from db.aggregates import refresh_aggregates, stale_aggregates, stored_years
from db.corrections import set_period
from db.models import AttendanceDayTotal, AttendanceRecord, StudentWeekSummary
from db.policy import load_policy
from db.summaries import refresh_all, refresh_summaries
from tests.ingest.conftest import ATTENDANCE_HEADER, ROSTER_HEADER, Runner, Writer

ON = dt.date(2025, 9, 26)  # "today": the correction window opens on 9/19
DAYS = [dt.date(2025, 9, d) for d in (15, 16, 17, 18, 19, 22, 23, 24, 25, 26)]
LAST_YEAR = dt.date(2025, 5, 29)
ROSTER = f"{ROSTER_HEADER}\nA,Lee,Kim,6\nB,Ray,Ana,7\nC,Cho,Min,6\n"
PRINCIPAL = Corrector("principal", None)
TABLES = ("student_year_summaries", "student_week_summaries", "attendance_day_totals")


def periods(student: str, day: dt.date) -> list[str]:
    if student == "A" and day == dt.date(2025, 9, 24):
        return ["U"] * 6 + ["P"]
    if student == "A" and day == dt.date(2025, 9, 25):
        return ["U"] * 7
    if student == "B":
        return (["U"] * 6 if day == LAST_YEAR else ["P"] * 6) + [""]
    if student == "C" and day == dt.date(2025, 9, 23):
        return ["P", "P", "U", "P", "P", "P", "P"]
    return ["P"] * 7


def attendance_csv() -> str:
    grades = {"A": 6, "B": 7, "C": 6}
    lines = [ATTENDANCE_HEADER]
    for day in [LAST_YEAR, *DAYS]:
        for student, grade in grades.items():
            lines.append(f"{student},{day},{grade}," + ",".join(periods(student, day)))
    return "\n".join(lines) + "\n"


@pytest.fixture
def school(session: Session, run: Runner, write_csv: Writer) -> None:
    for kind, content in (("roster", ROSTER), ("attendance", attendance_csv())):
        result = run(kind, write_csv(content, name=f"{kind}.csv"), today=ON)
        assert result.status == "completed" and result.records_failed == 0, result.errors[:3]


def aggregate_rows(session: Session) -> dict[str, list[tuple[str, ...]]]:
    """The rows of the summary and aggregate tables, sorted, refresh timestamps left out."""
    found = {}
    for table in TABLES:
        result = session.execute(text(f"SELECT * FROM {table}"))
        names = list(result.keys())
        keep = [i for i, name in enumerate(names) if name != "refreshed_at"]
        found[table] = sorted(tuple(str(row[i]) for i in keep) for row in result)
    return found


def assert_equal_to_a_full_rebuild(session: Session, settings: Settings) -> None:
    incremental = aggregate_rows(session)
    assert set(stale_aggregates(session, load_policy(session, settings)).values()) == {0}
    refresh_all(session, settings)
    session.commit()
    assert aggregate_rows(session) == incremental


def day_total(session: Session, grade: int, day: dt.date) -> tuple[int, int, int, int]:
    """(enrolled, absent, scheduled periods, present periods) of one grade and date."""
    row = session.scalars(
        select(AttendanceDayTotal)
        .where(AttendanceDayTotal.grade_level == grade, AttendanceDayTotal.date == day)
        .execution_options(populate_existing=True)
    ).one()
    return row.days_enrolled, row.days_absent, row.scheduled_periods, row.present_periods


def week(session: Session, student: str, monday: dt.date) -> dict[str, int]:
    """WEEK_KEYS of one student's week."""
    row = session.scalars(
        select(StudentWeekSummary)
        .where(StudentWeekSummary.student_id == student, StudentWeekSummary.week_start == monday)
        .execution_options(populate_existing=True)
    ).one()
    return {name: getattr(row, name) for name in WEEK_KEYS}


MONDAY_2 = dt.date(2025, 9, 22)
# (student, date, period, new status, grade, day total before -> after, week before -> after)
# Day totals (enrolled, absent, scheduled, present) of the student's grade, by hand: grade 6
# is A and C (14 periods); grade 7 is B (6). Week 9/22 of the student: absent, partial,
# scheduled, present, truancy days.
# fmt: off
CASES = {
    "present -> absent": (
        "A", "2025-09-24", 7, "U", 6,
        (2, 0, 14, 8), (2, 1, 14, 7),
        (1, 1, 35, 22, 2), (2, 0, 35, 21, 2),
    ),
    "absent -> present": (
        "A", "2025-09-25", 1, "P", 6,
        (2, 1, 14, 7), (2, 0, 14, 8),
        (1, 1, 35, 22, 2), (0, 2, 35, 23, 2),
    ),
    "absent period -> tardy": (
        "C", "2025-09-23", 3, "T", 6,
        (2, 0, 14, 13), (2, 0, 14, 14),
        (0, 1, 35, 34, 1), (0, 0, 35, 35, 0),
    ),
    "present -> late (a truancy occasion)": (
        "C", "2025-09-22", 1, "L", 6,
        (2, 0, 14, 14), (2, 0, 14, 14),
        (0, 1, 35, 34, 1), (0, 1, 35, 34, 2),
    ),
    "blank period -> present": (
        "B", "2025-09-22", 7, "P", 7,
        (1, 0, 6, 6), (1, 0, 7, 7),
        (0, 0, 30, 30, 0), (0, 0, 31, 31, 0),
    ),
}
# fmt: on
WEEK_KEYS = ("days_absent", "partial_days", "scheduled_periods", "present_periods", "truancy_days")


@pytest.mark.parametrize("case", list(CASES))
def test_a_correction_leaves_what_a_full_rebuild_would(
    session: Session, settings: Settings, school: None, case: str
) -> None:
    student, day, period, status, grade, before, after, week_before, week_after = CASES[case]
    date = dt.date.fromisoformat(day)
    assert day_total(session, grade, date) == before
    assert week(session, student, MONDAY_2) == dict(zip(WEEK_KEYS, week_before, strict=True))

    values = {"student": student, "date": day, "period": period, "status": status}
    correct(session, PRINCIPAL, values, settings, on=ON)

    assert day_total(session, grade, date) == after
    assert week(session, student, MONDAY_2) == dict(zip(WEEK_KEYS, week_after, strict=True))
    assert_equal_to_a_full_rebuild(session, settings)


def test_corrections_one_after_another_stay_equal_to_a_full_rebuild(
    session: Session, settings: Settings, school: None
) -> None:
    for student, day, period, status, *_ in CASES.values():
        values = {"student": student, "date": day, "period": period, "status": status}
        correct(session, PRINCIPAL, values, settings, on=ON)
    back = {"student": "A", "date": "2025-09-24", "period": 7, "status": "P"}
    correct(session, PRINCIPAL, back, settings, on=ON)
    assert day_total(session, 6, dt.date(2025, 9, 24)) == (2, 0, 14, 8)
    assert_equal_to_a_full_rebuild(session, settings)


def test_a_range_over_two_weeks_refreshes_both(
    session: Session, settings: Settings, school: None
) -> None:
    for student, day, period, status in (("A", 19, 1, "U"), ("C", 22, 2, "E")):
        record = session.scalars(
            select(AttendanceRecord).where(
                AttendanceRecord.student_id == student,
                AttendanceRecord.date == dt.date(2025, 9, day),
            )
        ).one()
        set_period(record, period, status)
    session.flush()
    written = refresh_summaries(
        session, ["A", "C"], settings, dates=(dt.date(2025, 9, 19), dt.date(2025, 9, 22))
    )
    session.commit()
    assert written == 4  # A and C, each this year and the year before
    assert day_total(session, 6, dt.date(2025, 9, 19)) == (2, 0, 14, 13)
    assert day_total(session, 6, dt.date(2025, 9, 22)) == (2, 0, 14, 13)
    assert week(session, "A", dt.date(2025, 9, 15))["truancy_days"] == 1
    assert week(session, "C", MONDAY_2)["partial_days"] == 2  # 9/22 and 9/23
    assert_equal_to_a_full_rebuild(session, settings)


def test_only_the_given_dates_and_weeks_are_rewritten(
    session: Session, settings: Settings, school: None
) -> None:
    """Rows outside the range are not read again: a wrong one there stays wrong (what
    `attendly verify --repair` is for), while the range is recomputed from the raw rows."""
    for day in (dt.date(2025, 9, 15), dt.date(2025, 9, 24)):
        session.execute(
            AttendanceDayTotal.__table__.update()
            .where(AttendanceDayTotal.date == day)
            .values(days_enrolled=99)
        )
    session.execute(StudentWeekSummary.__table__.update().values(present_periods=-1))
    policy = load_policy(session, settings)
    refresh_aggregates(session, ["A"], policy, dates=(dt.date(2025, 9, 24), dt.date(2025, 9, 24)))
    session.commit()

    assert day_total(session, 6, dt.date(2025, 9, 24))[0] == 2
    assert day_total(session, 7, dt.date(2025, 9, 24))[0] == 1  # another grade, same date
    assert day_total(session, 6, dt.date(2025, 9, 15))[0] == 99
    assert week(session, "A", MONDAY_2)["present_periods"] == 22
    assert week(session, "A", dt.date(2025, 9, 15))["present_periods"] == -1
    assert week(session, "C", MONDAY_2)["present_periods"] == -1  # another student


def test_every_stored_academic_year_is_found(session: Session, school: None) -> None:
    assert stored_years(session) == ["2024-2025", "2025-2026"]
    session.execute(AttendanceRecord.__table__.delete())
    assert stored_years(session) == []


def test_a_reversed_range_is_refused(session: Session, settings: Settings, school: None) -> None:
    before = aggregate_rows(session)
    with pytest.raises(ValueError, match="2025-09-24 is after 2025-09-23"):
        refresh_summaries(
            session, ["A"], settings, dates=(dt.date(2025, 9, 24), dt.date(2025, 9, 23))
        )
    session.rollback()
    assert aggregate_rows(session) == before


def test_two_refreshes_of_one_date_wait_for_each_other(
    engine: Engine, session: Session, settings: Settings, school: None
) -> None:
    """Without the lock the second refresh fails when it inserts the date's totals: the first
    one committed its own rows for that date while the second was deleting the old ones."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer at a time in: there is nothing to interleave")
    day = dt.date(2025, 9, 24)
    failures: list[BaseException] = []

    def change(db: Session, student: str, period: int) -> None:
        record = db.scalars(
            select(AttendanceRecord).where(
                AttendanceRecord.student_id == student, AttendanceRecord.date == day
            )
        ).one()
        set_period(record, period, "E")
        db.flush()
        refresh_summaries(db, [student], settings, dates=(day, day))

    def second() -> None:
        with Session(engine) as other:
            try:
                change(other, "C", 2)
                other.commit()
            except BaseException as exc:  # reported to the test below
                failures.append(exc)

    with Session(engine) as first:
        change(first, "A", 7)
        waiting = threading.Thread(target=second)
        waiting.start()
        waiting.join(timeout=0.5)
        assert waiting.is_alive()  # waits for the first transaction
        first.commit()
    waiting.join(timeout=10)
    assert not waiting.is_alive() and failures == []
    session.expire_all()
    assert day_total(session, 6, day) == (2, 1, 14, 6)  # A absent all day, C 6 of 7
    assert_equal_to_a_full_rebuild(session, settings)
