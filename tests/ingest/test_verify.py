"""`attendly verify`: stored summaries and day figures against the raw rows."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from attendly.settings import Settings
from db.models import AttendanceRecord, StudentYearSummary
from ingest.verify import verify
from tests import school
from tests.ingest.conftest import Runner, Writer


def load_school(run: Runner, write_csv: Writer) -> None:
    run("roster", write_csv(school.roster_csv(), name="roster.csv"))
    run("attendance", write_csv(school.attendance_csv(), name="attendance.csv"))


def test_a_clean_database_verifies(
    session: Session, settings: Settings, run: Runner, write_csv: Writer
) -> None:
    load_school(run, write_csv)
    report = verify(session, settings).to_dict()
    assert report["ok"] is True
    assert report["checked"] == {"students": 4, "summaries": 4, "student_days": 39, "imports": 2}


def test_tampered_data_is_found_and_summaries_repaired(
    session: Session, settings: Settings, run: Runner, write_csv: Writer
) -> None:
    load_school(run, write_csv)
    session.execute(
        update(StudentYearSummary)
        .where(StudentYearSummary.student_id == "007")
        .values(days_absent=5)
    )
    session.execute(
        update(AttendanceRecord)
        .where(
            AttendanceRecord.student_id == "1234", AttendanceRecord.date == school.SCHOOL_DAYS[0]
        )
        .values(present=2)
    )
    session.commit()
    report = verify(session, settings).to_dict()
    assert report["ok"] is False
    # 1234's summary no longer matches its (tampered) raw day either.
    assert report["mismatches"] == {"summaries": 2, "student_days": 1, "imports": 0}
    wrong = {row["student_id"]: row for row in report["summary_mismatches"]}
    assert wrong["007"]["days_absent"] == [5, 1]
    assert wrong["1234"]["present_periods"] == [60, 56]
    [day] = report["student_day_mismatches"]
    assert day["student_id"] == "1234" and day["stored"][1] == 2 and day["expected"][1] == 6
    verify(session, settings, repair=True)
    assert verify(session, settings).to_dict()["mismatches"]["summaries"] == 0
