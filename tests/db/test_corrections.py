"""Attendance corrections on both backends: the figures before and after (by hand), the
window, the teacher's grades, the user's schools, bad input named by field, the audit entry,
the event, and what rolling back the imports underneath a corrected day does.

The school: S1 (grade 6) and S2 (grade 7), ten school days 2025-09-15 .. 2025-09-26.
S1 is present every period except 9/24 (U all day) and 9/25 (U in period 3):

  before: 10 days, 1 absent -> absence 10.00 %, attendance 90.00 %, moderate_chronic;
          period rate (8 x 100 + 0 + 85.71) / 10 = 88.57; truancy occasions 2 (9/24, 9/25)
  9/24 period 1 corrected U -> P: the day is 1 of 7 present = 14.29 %, no full-day absence
  after:  0 absent -> absence 0.00 %, attendance 100.00 %, satisfactory;
          period rate (800 + 14.29 + 85.71) / 10 = 90.00; truancy occasions still 2
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from attendly.correction_views import recent_table, rollback_note
from attendly.corrections import Corrector, correct
from attendly.errors import ConfigError
from attendly.events import InProcessEventBus
from attendly.settings import Settings, load_settings
from db.aggregates import stale_aggregates
from db.correction_models import AttendanceCorrection
from db.corrections import InvalidCorrection, day_periods, find_students, recent_corrections
from db.models import (
    AttendanceRecord,
    AuditEntry,
    Import,
    School,
    SchoolCalendarDay,
    Student,
    StudentYearSummary,
)
from db.policy import load_policy
from db.summaries import refresh_summaries
from ingest import rollback_import, run_import
from tests.db.days import add_day
from tests.ops.test_verify import foreign_keys_off

ON = dt.date(2025, 9, 26)  # "today" of these tests; the 7-day window opens on 9/19
DAYS = [dt.date(2025, 9, d) for d in (15, 16, 17, 18, 19, 22, 23, 24, 25, 26)]
HEADER = "student_id,date,grade_level," + ",".join(f"period_{n}_status" for n in range(1, 8))
ROSTER = "student_id,last_name,first_name,grade_level\nS1,Lee,Kim,6\nS2,Ray,Ana,7\n"
TEACHER6 = Corrector("teacher6", (6,))
PRINCIPAL = Corrector("principal", None)
NORTH_PRINCIPAL = Corrector("north-principal", None, ("001",))  # the imported school
SOUTH_PRINCIPAL = Corrector("south-principal", None, ("002",))


def s1_day(day: dt.date, excused_24th: bool = False) -> list[str]:
    if day == dt.date(2025, 9, 24):
        return ["E" if excused_24th else "U"] * 7
    if day == dt.date(2025, 9, 25):
        return ["P", "P", "U", "P", "P", "P", "P"]
    return ["P"] * 7


def attendance_csv(excused_24th: bool = False) -> str:
    lines = [HEADER]
    for day in DAYS:
        lines.append(f"S1,{day},6," + ",".join(s1_day(day, excused_24th)))
        lines.append(f"S2,{day},7," + ",".join(["P"] * 6 + [""]))  # six periods a day
    return "\n".join(lines) + "\n"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(env="test", instance_path=tmp_path / "instance", default_school_code="001")


def load(session: Session, settings: Settings, tmp_path: Path, name: str, kind: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    result = run_import(session, kind, path, settings=settings, today=dt.date(2025, 10, 1))
    assert result.status == "completed" and result.records_failed == 0, result.errors[:3]
    return result


@pytest.fixture
def school(session: Session, settings: Settings, tmp_path: Path) -> dict[str, int]:
    """Roster and attendance imported; returns the import ids."""
    roster = load(session, settings, tmp_path, "roster.csv", "roster", ROSTER)
    attendance = load(session, settings, tmp_path, "att.csv", "attendance", attendance_csv())
    return {"roster": roster.import_id, "attendance": attendance.import_id}


def summary(session: Session, student_id: str = "S1") -> dict[str, Any]:
    row = session.get(StudentYearSummary, (student_id, "2025-2026"))
    assert row is not None
    session.refresh(row)
    return {
        "days_absent": row.days_absent,
        "absence_rate": row.absence_rate,
        "attendance_rate": row.attendance_rate,
        "period_attendance_rate": row.period_attendance_rate,
        "truancy_occasions": row.truancy_occasions,
        "tier": row.tier,
    }


def day_row(session: Session, day: dt.date, student_id: str = "S1") -> AttendanceRecord:
    record = session.scalar(
        select(AttendanceRecord)
        .where(AttendanceRecord.student_id == student_id, AttendanceRecord.date == day)
        .execution_options(populate_existing=True)
    )
    assert record is not None
    return record


def values(**overrides: Any) -> dict[str, Any]:
    form = {"student": "S1", "date": "2025-09-24", "period": "1", "status": "P", "reason": ""}
    return {**form, **overrides}


def counts(session: Session) -> tuple[int, int]:
    corrections = session.scalar(select(func.count()).select_from(AttendanceCorrection))
    audits = session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "attendance_correction")
    )
    return int(corrections or 0), int(audits or 0)


def test_a_correction_recomputes_the_students_figures(
    session: Session, settings: Settings, school: dict[str, int]
) -> None:
    assert summary(session) == {
        "days_absent": 1,
        "absence_rate": Decimal("10.00"),
        "attendance_rate": Decimal("90.00"),
        "period_attendance_rate": Decimal("88.57"),
        "truancy_occasions": 2,
        "tier": "moderate_chronic",
    }
    reason = "was in class; marked absent by mistake"
    correction = correct(session, TEACHER6, values(reason=reason), settings, on=ON)

    assert summary(session) == {
        "days_absent": 0,
        "absence_rate": Decimal("0.00"),
        "attendance_rate": Decimal("100.00"),
        "period_attendance_rate": Decimal("90.00"),
        "truancy_occasions": 2,
        "tier": "satisfactory",
    }
    # Only the corrected date's totals and week were rewritten, and they match the raw rows.
    assert set(stale_aggregates(session, load_policy(session, settings)).values()) == {0}
    record = day_row(session, dt.date(2025, 9, 24))
    assert (record.period_1, record.period_2, record.scheduled, record.present) == ("P", "U", 7, 1)
    assert record.daily_attendance_percentage == Decimal("14.29")
    assert (record.unexcused_periods, record.import_id) == (6, school["attendance"])
    assert (correction.prior_status, correction.new_status, correction.username) == (
        "U",
        "P",
        "teacher6",
    )
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "attendance_correction")
    ).one()
    assert (entry.username, entry.entity, entry.entity_id) == (
        "teacher6",
        "attendance",
        "S1/2025-09-24/1",
    )
    assert entry.details == {
        "correction_id": correction.id,
        "student_id": "S1",
        "date": "2025-09-24",
        "period": 1,
        "prior": "U",
        "new": "P",
        "reason": reason,
    }
    listed = recent_corrections(session, (6,)).to_dict("records")
    assert [(r["student_id"], r["prior_status"], r["new_status"]) for r in listed] == [
        ("S1", "U", "P")
    ]
    assert recent_corrections(session, (7,)).empty  # a grade-7 teacher does not see it


def test_the_change_is_announced_after_the_commit(
    session: Session, settings: Settings, school: dict[str, int]
) -> None:
    app, bus, seen = Flask("corrections-events"), InProcessEventBus(), []
    app.extensions["attendly.events"] = bus

    def listener(event: dict[str, Any]) -> None:
        # Published after the commit: another connection already sees the corrected day.
        with Session(session.get_bind()) as other:
            seen.append((event, day_row(other, dt.date(2025, 9, 24)).period_1))

    bus.subscribe(listener)
    with app.app_context():
        correct(session, TEACHER6, values(), settings, on=ON)
    assert seen == [
        (
            {
                "kind": "attendance",
                "school": "001",
                "grades": [6],
                "student_ids": ["S1"],
                "version": 1,
            },
            "P",
        )
    ]


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (
            "2025-09-18",
            "Date: 2025-09-18 is outside the correction window (2025-09-19 to 2025-09-26)",
        ),
        ("2025-09-29", "Date: 2025-09-29 is in the future"),
        ("2025-09-20", "Date: no attendance is recorded for student S1 on 2025-09-20"),
        ("24/09/2025", "Date: '24/09/2025' is not a date (YYYY-MM-DD)"),
    ],
)
def test_a_day_outside_the_window_is_refused(
    session: Session, settings: Settings, school: dict[str, int], day: str, message: str
) -> None:
    with pytest.raises(InvalidCorrection) as refused:
        correct(session, TEACHER6, values(date=day, student="S1"), settings, on=ON)
    assert refused.value.errors == {"date": message}
    assert counts(session) == (0, 0)


def test_the_window_follows_the_setting(
    session: Session, tmp_path: Path, school: dict[str, int]
) -> None:
    narrow = Settings(env="test", instance_path=tmp_path / "instance", correction_window_days=1)
    with pytest.raises(InvalidCorrection) as refused:
        correct(session, TEACHER6, values(date="2025-09-24"), narrow, on=ON)
    assert "(2025-09-25 to 2025-09-26)" in refused.value.errors["date"]
    correct(session, TEACHER6, values(date="2025-09-25", period="3"), narrow, on=ON)
    assert day_row(session, dt.date(2025, 9, 25)).period_3 == "P"


def test_a_day_missing_from_the_uploaded_calendar_is_refused(
    session: Session, settings: Settings, school: dict[str, int]
) -> None:
    school_id = day_row(session, dt.date(2025, 9, 24)).school_id
    for day in DAYS:
        if day != dt.date(2025, 9, 24):  # a calendar that says 9/24 was no school day
            session.add(SchoolCalendarDay(school_id=school_id, date=day, academic_year="2025-2026"))
    session.commit()
    with pytest.raises(InvalidCorrection) as refused:
        correct(session, TEACHER6, values(), settings, on=ON)
    assert refused.value.errors == {"date": "Date: 2025-09-24 is not a school day"}
    correct(session, TEACHER6, values(date="2025-09-25", period="3"), settings, on=ON)


def test_a_teacher_cannot_correct_another_grade(
    session: Session, settings: Settings, school: dict[str, int]
) -> None:
    before = day_row(session, dt.date(2025, 9, 24), "S2").period_1
    for student in ("S2", "nobody"):
        with pytest.raises(InvalidCorrection) as refused:
            correct(session, TEACHER6, values(student=student, status="U"), settings, on=ON)
        assert refused.value.errors == {
            "student": f"Student: no student {student!r} you may correct"
        }
    assert day_row(session, dt.date(2025, 9, 24), "S2").period_1 == before == "P"
    assert counts(session) == (0, 0)
    correct(session, PRINCIPAL, values(student="S2", status="U"), settings, on=ON)
    assert day_row(session, dt.date(2025, 9, 24), "S2").period_1 == "U"


def add_south(session: Session, settings: Settings) -> None:
    """School 002 with S3 (grade 6, like S1): unexcused all day on 9/24, present on 9/25."""
    south = School(code="002", name="South Middle", periods_per_day=7)
    session.add(south)
    session.flush()
    session.add(
        Student(id="S3", last_name="Sol", first_name="Eva", grade_level=6, school_id=south.id)
    )
    session.flush()
    add_day(session, "S3", dt.date(2025, 9, 24), ["U"] * 7, school_id=south.id)
    add_day(session, "S3", dt.date(2025, 9, 25), ["P"] * 7, school_id=south.id)
    session.flush()
    refresh_summaries(session, ["S3"], settings)
    session.commit()


def test_a_user_of_one_school_cannot_see_or_correct_another_schools_student(
    session: Session, settings: Settings, school: dict[str, int]
) -> None:
    add_south(session, settings)
    refused = {"student": "Student: no student 'S3' you may correct"}  # as for another grade
    with pytest.raises(InvalidCorrection) as wrong_school:
        correct(session, NORTH_PRINCIPAL, values(student="S3"), settings, on=ON)
    assert wrong_school.value.errors == refused
    with pytest.raises(InvalidCorrection) as wrong_school:
        day_periods(session, "S3", dt.date(2025, 9, 24), None, ("001",))
    assert wrong_school.value.errors == refused
    assert day_row(session, dt.date(2025, 9, 24), "S3").period_1 == "U"
    assert counts(session) == (0, 0)

    def found(schools: tuple[str, ...] | None) -> list[str]:
        return [student.id for student in find_students(session, "", None, schools)]

    assert found(("001",)) == ["S1", "S2"]  # Lee, Ray
    assert found(("002",)) == ["S3"]
    assert found(("001", "002")) == found(None) == ["S1", "S2", "S3"]  # Lee, Ray, Sol
    assert found(("999",)) == []

    # Their own school's students they correct; another school's corrections they never see.
    correct(session, NORTH_PRINCIPAL, values(), settings, on=ON)
    correct(session, SOUTH_PRINCIPAL, values(student="S3"), settings, on=ON)
    assert day_row(session, dt.date(2025, 9, 24), "S3").period_1 == "P"
    assert summary(session, "S3")["days_absent"] == 0
    assert counts(session) == (2, 2)

    def listed(schools: tuple[str, ...] | None, student_id: str | None = None) -> list[str]:
        frame = recent_corrections(session, None, student_id, schools=schools)
        return [row["student_id"] for row in frame.to_dict("records")]

    assert listed(("001",)) == ["S1"] and listed(("001",), "S3") == []
    assert listed(("002",)) == ["S3"]
    assert listed(None) == listed(("001", "002")) == ["S3", "S1"]  # newest first
    assert [r["student_id"] for r in recent_corrections(session, (7,)).to_dict("records")] == []


def test_a_student_whose_school_is_unknown_is_refused_to_school_assigned_users(
    session: Session, settings: Settings, school: dict[str, int]
) -> None:
    """Deny by default: a school-assigned user gets nothing of a student without a stored
    school (an orphan a restore without constraints could leave)."""
    with foreign_keys_off(session):
        session.add(
            Student(id="S9", last_name="Gone", first_name="Al", grade_level=6, school_id=99)
        )
        add_day(session, "S9", dt.date(2025, 9, 24), ["U"] * 7, school_id=99)
        session.commit()
    assert day_periods(session, "S9", dt.date(2025, 9, 24), None, None)[1] == "U"
    with pytest.raises(InvalidCorrection) as refused:
        day_periods(session, "S9", dt.date(2025, 9, 24), None, ("001",))
    assert refused.value.errors == {"student": "Student: no student 'S9' you may correct"}
    with pytest.raises(InvalidCorrection) as refused:
        correct(session, NORTH_PRINCIPAL, values(student="S9"), settings, on=ON)
    assert refused.value.errors == {"student": "Student: no student 'S9' you may correct"}
    assert counts(session) == (0, 0)
    assert "S9" not in [s.id for s in find_students(session, "", None, ("001",))]
    assert "S9" in [s.id for s in find_students(session, "", None, None)]


def test_a_period_without_a_status_becomes_scheduled(
    session: Session, settings: Settings, school: dict[str, int]
) -> None:
    """S2 has six periods a day: period 7 of 9/24 was not scheduled; marking it U adds it."""
    correction = correct(
        session, PRINCIPAL, values(student="S2", period="7", status="U"), settings, on=ON
    )
    assert correction.prior_status is None
    record = day_row(session, dt.date(2025, 9, 24), "S2")
    assert (record.period_7, record.scheduled, record.present, record.unexcused_periods) == (
        "U",
        7,
        6,
        1,
    )
    assert record.daily_attendance_percentage == Decimal("85.71")  # 6 / 7
    with pytest.raises(InvalidCorrection) as refused:
        correct(session, PRINCIPAL, values(student="S2", period="0"), settings, on=ON)
    assert refused.value.errors == {
        "period": "Period: 0 is not a period of this day (periods 1, 2, 3, 4, 5, 6, 7)"
    }


def test_students_are_found_by_name_or_id_within_the_grades(
    session: Session, school: dict[str, int]
) -> None:
    def ids(text: str, grades: tuple[int, ...] | None) -> list[str]:
        return [student.id for student in find_students(session, text, grades)]

    assert ids("", None) == ["S1", "S2"]  # Lee, Ray
    assert ids("LEE", None) == ids("kim lee", None) == ids("s1", None) == ["S1"]
    assert ids("ana", (6,)) == [] and ids("ana", (7,)) == ["S2"]
    assert ids("%", None) == ids("_", None) == []  # wildcards are literal


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"status": "X"}, {"status": "Status: 'X' is not a status code"}),
        ({"status": "U"}, {"status": "Status: period 1 is already U"}),
        (
            {"period": "9"},
            {"period": "Period: 9 is not a period of this day (periods 1, 2, 3, 4, 5, 6, 7)"},
        ),
        ({"period": ["1"]}, {"period": "Period: choose a period"}),
        ({"reason": "x" * 501}, {"reason": "Reason: at most 500 characters"}),
        (
            {"student": "", "date": "", "period": None, "status": ""},
            {
                "student": "Student: choose a student",
                "date": "Date: choose a school day",
                "period": "Period: choose a period",
                "status": "Status: choose a status",
            },
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    session: Session,
    settings: Settings,
    school: dict[str, int],
    overrides: dict[str, Any],
    errors: dict[str, str],
) -> None:
    with pytest.raises(InvalidCorrection) as refused:
        correct(session, TEACHER6, values(**overrides), settings, on=ON)
    assert refused.value.errors == errors
    assert day_row(session, dt.date(2025, 9, 24)).period_1 == "U"
    assert counts(session) == (0, 0)


def test_rollback_keeps_corrections_of_restored_days_and_voids_those_of_deleted_days(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    load(session, settings, tmp_path, "roster.csv", "roster", ROSTER)
    # The first export says 9/24 was excused all day; a newer one says unexcused.
    first = load(session, settings, tmp_path, "a.csv", "attendance", attendance_csv(True))
    newer = load(session, settings, tmp_path, "b.csv", "attendance", attendance_csv(False))
    correction = correct(session, TEACHER6, values(reason="in class"), settings, on=ON)

    # Rolling back the newer export restores E all day, and the correction of period 1 again.
    undone = rollback_import(session, newer.import_id, settings=settings, username="admin")
    assert undone.corrections == {"reapplied": [correction.id], "unchanged": [], "voided": []}
    assert rollback_note(undone.to_dict()) == (
        " Attendance corrections of its days: 1 kept (applied again to the restored days)."
    )
    record = day_row(session, dt.date(2025, 9, 24))
    assert [record.period_1, record.period_2, record.present] == ["P", "E", 1]
    assert record.import_id == first.import_id
    assert summary(session)["days_absent"] == 0  # the corrected day is no full-day absence
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "rollback").order_by(AuditEntry.id.desc())
    ).first()
    assert entry is not None and entry.details["corrections"]["reapplied"] == [correction.id]

    # Rolling back the first export deletes the day: the correction cannot stand alone.
    undone = rollback_import(session, first.import_id, settings=settings, username="admin")
    assert undone.corrections == {"reapplied": [], "unchanged": [], "voided": [correction.id]}
    assert rollback_note(undone.to_dict()) == (
        " Attendance corrections of its days: 1 void (their days were deleted)."
    )
    stored = session.get(AttendanceCorrection, correction.id)
    assert stored is not None
    session.refresh(stored)
    assert stored.voided_by_import == first.import_id and stored.voided_at is not None
    assert session.scalar(select(func.count()).select_from(AttendanceRecord)) == 0
    listed = recent_corrections(session, None).to_dict("records")
    assert [(r["id"], r["voided_by_import"], r["current_status"]) for r in listed] == [
        (correction.id, first.import_id, None)
    ]
    assert session.get(Import, first.import_id).status == "rolled_back"  # type: ignore[union-attr]


def test_a_rollback_of_an_import_that_rewrote_the_corrected_value_keeps_it(
    session: Session, settings: Settings, tmp_path: Path, school: dict[str, int]
) -> None:
    correction = correct(session, TEACHER6, values(), settings, on=ON)
    # A later export still says U on 9/24: it overwrites the corrected period (the export
    # wins until it is rolled back)...
    later = load(session, settings, tmp_path, "again.csv", "attendance", attendance_csv())
    assert day_row(session, dt.date(2025, 9, 24)).period_1 == "U"
    listed = recent_corrections(session, (6,)).to_dict("records")
    assert [(r["new_status"], r["current_status"]) for r in listed] == [("P", "U")]
    assert "(now U: changed since)" in str(recent_table(recent_corrections(session, (6,))))
    # ...and rolling it back restores the corrected day exactly.
    undone = rollback_import(session, later.import_id, settings=settings, username="admin")
    assert undone.corrections == {"reapplied": [], "unchanged": [correction.id], "voided": []}
    assert day_row(session, dt.date(2025, 9, 24)).period_1 == "P"
    assert summary(session)["tier"] == "satisfactory"


@pytest.mark.parametrize("value", ["-1", "a week", "400"])
def test_a_bad_window_setting_fails_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("ATTENDLY_CORRECTION_WINDOW_DAYS", value)
    with pytest.raises(ConfigError, match="ATTENDLY_CORRECTION_WINDOW_DAYS"):
        load_settings()


def test_the_window_setting_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().correction_window_days == 7
    monkeypatch.setenv("ATTENDLY_CORRECTION_WINDOW_DAYS", "3")
    assert load_settings().correction_window_days == 3
