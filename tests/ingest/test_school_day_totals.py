"""An import rewrites the day totals of the schools its rows are in (and were in), no other's,
and leaves them as a rebuild from every raw row would, on both backends.

Two schools: 001 (students A, B in grade 6) and 002 (C in grade 7), three school days. The
sentinel: a day total of a school no import touches is set to a value no recount gives; it
survives the other school's import, and a full rebuild puts it back.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from attendly.settings import Settings
from db.models import AttendanceDayTotal, School
from db.policy import load_policy
from db.summaries import refresh_all
from db.week_before import stale_week_before
from db.week_before_models import StudentWeekBefore as WeekBefore
from tests.ingest.conftest import Runner, Writer
from tests.ingest.test_incremental_aggregates import aggregate_rows

ON = dt.date(2025, 9, 26)
DAYS = ("2025-09-22", "2025-09-23", "2025-09-24")
HEADER = "student_id,date,school_code,period_1_status,period_2_status"
ROSTER = (
    "student_id,last_name,first_name,grade_level,school_code\n"
    "A,Lee,Kim,6,001\nB,Ray,Ana,6,001\nC,Cho,Min,7,002\n"
)


def attendance(rows: list[tuple[str, str, str, str]]) -> str:
    return HEADER + "\n" + "\n".join(",".join(row) for row in rows) + "\n"


def school_id(session: Session, code: str) -> int:
    return int(session.scalar(select(School.id).where(School.code == code)) or 0)


def day_totals(session: Session, code: str) -> list[tuple[int, str, int, int, int]]:
    day = AttendanceDayTotal
    rows = session.execute(
        select(day.grade_level, day.date, day.days_enrolled, day.days_absent, day.present_periods)
        .where(day.school_id == school_id(session, code))
        .order_by(day.grade_level, day.date)
    )
    return [(r[0], str(r[1]), r[2], r[3], r[4]) for r in rows]


def imported(run: Runner, write_csv: Writer, kind: str, text: str, name: str) -> None:
    result = run(kind, write_csv(text, name=name), today=ON)
    assert result.status == "completed" and result.records_failed == 0, result.errors[:3]


def test_an_import_rewrites_its_schools_day_totals_only(
    session: Session, run: Runner, write_csv: Writer, settings: Settings
) -> None:
    imported(run, write_csv, "roster", ROSTER, "roster.csv")
    first = [(s, d, code, "P") for s, code in (("A", "001"), ("B", "001"), ("C", "002"))
             for d in DAYS]  # fmt: skip
    imported(run, write_csv, "attendance", attendance([(*r, "P") for r in first]), "all.csv")
    assert day_totals(session, "002") == [(7, day, 1, 0, 2) for day in DAYS]
    day = AttendanceDayTotal
    sentinel = (day.school_id == school_id(session, "002")) & (day.date == dt.date(2025, 9, 22))
    session.execute(update(day).where(sentinel).values(days_enrolled=99))
    session.commit()

    # School 001 only: A absent on 9/23 (both periods).
    imported(run, write_csv, "attendance", attendance([("A", DAYS[1], "001", "U,U")]), "a.csv")
    assert day_totals(session, "001")[1] == (6, DAYS[1], 2, 1, 2)
    assert day_totals(session, "002")[0] == (7, DAYS[0], 99, 0, 2)  # untouched

    # B's 9/24 row moves to school 002: the totals it leaves (001) and joins (002) both change.
    imported(run, write_csv, "attendance", attendance([("B", DAYS[2], "002", "P,P")]), "b.csv")
    assert day_totals(session, "001")[2] == (6, DAYS[2], 1, 0, 2)
    moved = day_totals(session, "002")
    assert (6, DAYS[2], 1, 0, 2) in moved
    assert (7, DAYS[0], 1, 0, 2) in moved  # 002 was touched: its week recounted
    incremental = aggregate_rows(session)
    refresh_all(session, settings)
    session.commit()
    assert aggregate_rows(session) == incremental


def test_last_weeks_figures_of_one_schools_import_equal_a_recount(
    session: Session, run: Runner, write_csv: Writer, settings: Settings
) -> None:
    """The week-before rows an import rewrites are read from its students' schools only
    (db.week_before): a student of 002 with a row in 001's file is among them."""
    imported(run, write_csv, "roster", ROSTER, "roster.csv")
    days = [dt.date(2025, 9, 15) + dt.timedelta(days=n) for n in range(12) if n % 7 < 5]
    every = [(s, day.isoformat(), code, "P,P") for s, code in (("A", "001"), ("B", "001"),
             ("C", "002")) for day in days]  # fmt: skip
    imported(run, write_csv, "attendance", attendance(every), "all.csv")
    policy = load_policy(session, settings)
    before = {row.student_id: row.days_present for row in session.scalars(select(WeekBefore))}
    assert before == {"A": 5, "B": 5, "C": 5}  # as of 9/19, a week before the last day

    changes = [("A", "2025-09-16", "001", "U,U"), ("C", "2025-09-17", "001", "U,U")]
    imported(run, write_csv, "attendance", attendance(changes), "one.csv")
    after = {row.student_id: row.days_present for row in session.scalars(select(WeekBefore))}
    assert after == {"A": 4, "B": 5, "C": 4}
    assert stale_week_before(session, policy) == 0
