"""`attendly verify`: summaries, aggregates, orphans and import counts against the raw rows,
on SQLite and PostgreSQL; the console script's exit codes (for cron) and `--repair`."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from attendly.integrity import run_integrity_check
from attendly.settings import Settings
from db.models import AttendanceRecord, Import, StudentWeekSummary, StudentYearSummary
from tests import school
from tests.ingest.conftest import Runner, Writer

ATTENDLY = str(Path(sys.executable).parent / "attendly")
GHOST = "GHOST"  # a student id that is not in the roster


@contextmanager
def foreign_keys_off(session: Session) -> Iterator[None]:
    """Let this session write rows a foreign key would refuse (planting orphans the way a
    bulk load or a restore without constraints could). SQLite enforces none by default."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(text("SET session_replication_role = replica"))
    try:
        yield
    finally:
        if postgres:
            session.execute(text("SET session_replication_role = origin"))


def load_school(run: Runner, write_csv: Writer) -> None:
    assert run("roster", write_csv(school.roster_csv(), name="roster.csv")).status == "completed"
    result = run("attendance", write_csv(school.attendance_csv(), name="attendance.csv"))
    assert result.status == "completed" and result.records_inserted == 39


def cli_verify(
    session: Session, settings: Settings, *args: str
) -> subprocess.CompletedProcess[str]:
    """The real console script on the test database (what cron runs)."""
    url = session.get_bind().engine.url.render_as_string(hide_password=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATTENDLY_", "DATABASE_"))}
    env.pop("REDIS_URL", None)
    env.update(DATABASE_URL=url, ATTENDLY_ENV="test", ATTENDLY_INSTANCE=str(settings.instance_path))
    return subprocess.run(
        [ATTENDLY, "verify", "--json", *args], env=env, capture_output=True, text=True, timeout=120
    )


def plant_stale_and_orphans(session: Session) -> None:
    """A wrong summary, a wrong weekly row, and a summary and a weekly row of a missing student."""
    session.execute(
        update(StudentYearSummary)
        .where(StudentYearSummary.student_id == "007")
        .values(days_absent=5)
    )
    week = session.scalars(
        select(StudentWeekSummary)
        .where(StudentWeekSummary.student_id == "007")
        .order_by(StudentWeekSummary.week_start)
    ).first()
    assert week is not None
    week.days_absent += 1
    ghost_summary = session.get(StudentYearSummary, ("1234", "2025-2026"))
    assert ghost_summary is not None
    with foreign_keys_off(session):
        fields = {c.name: getattr(ghost_summary, c.name) for c in StudentYearSummary.__table__.c}
        session.add(StudentYearSummary(**{**fields, "student_id": GHOST}))
        session.add(
            StudentWeekSummary(
                student_id=GHOST,
                week_start=dt.date(2025, 9, 1),
                academic_year="2025-2026",
                days_enrolled=5,
                days_absent=0,
                partial_days=0,
                scheduled_periods=35,
                present_periods=35,
                truancy_days=0,
                unverified_days=0,
                pct_total=50000,
            )
        )
        session.commit()


def test_a_clean_school_verifies(
    session: Session, settings: Settings, run: Runner, write_csv: Writer
) -> None:
    load_school(run, write_csv)
    result = run_integrity_check(session, settings)
    assert result["ok"] is True, result
    assert result["checked"]["attendance_imports"] == 1  # the one import stamping rows
    assert result["mismatches"] == {
        "summaries": 0,
        "student_days": 0,
        "imports": 0,
        "aggregates": 0,
        "orphans": 0,
        "import_counts": 0,
    }
    assert result["aggregates"] == {} and result["orphans"] == {}


def test_stale_summary_aggregates_and_orphans_found_then_repaired(
    session: Session, settings: Settings, run: Runner, write_csv: Writer
) -> None:
    load_school(run, write_csv)
    plant_stale_and_orphans(session)
    found = cli_verify(session, settings)
    assert found.returncode == 1, found.stderr
    result = json.loads(found.stdout)
    assert result["ok"] is False
    # 007's wrong days_absent, and GHOST's summary "without student-days".
    assert result["mismatches"]["summaries"] == 2
    wrong = {row["student_id"]: row for row in result["summary_mismatches"]}
    assert wrong["007"]["days_absent"] == [5, 1]
    # The changed week is a stored-but-wrong row plus a missing right one; GHOST's week extra.
    assert result["aggregates"] == {"week_summaries": 3}
    assert result["orphans"] == {
        "student_year_summaries": {"rows": 1, "student_ids": [GHOST], "derived": True},
        "student_week_summaries": {"rows": 1, "student_ids": [GHOST], "derived": True},
    }
    repaired = cli_verify(session, settings, "--repair")
    assert repaired.returncode == 1  # it found (and repaired) something
    assert json.loads(repaired.stdout)["repaired"] == {
        "derived_orphans_deleted": 2,
        "summaries_refreshed": 1,
        "aggregates_rebuilt": True,
    }
    again = cli_verify(session, settings)
    assert again.returncode == 0, again.stdout
    assert json.loads(again.stdout)["ok"] is True
    session.expire_all()
    assert session.get(StudentYearSummary, ("007", "2025-2026")).days_absent == 1  # type: ignore[union-attr]


def test_a_raw_orphan_is_reported_and_never_deleted(
    session: Session, settings: Settings, run: Runner, write_csv: Writer
) -> None:
    load_school(run, write_csv)
    row = session.scalars(
        select(AttendanceRecord).where(AttendanceRecord.student_id == "1234")
    ).first()
    assert row is not None
    with foreign_keys_off(session):
        session.add(
            AttendanceRecord(
                **{
                    c.name: getattr(row, c.name)
                    for c in AttendanceRecord.__table__.c
                    if c.name not in ("id", "student_id")
                },
                student_id=GHOST,
            )
        )
        session.commit()
    result = run_integrity_check(session, settings, repair=True)
    assert result["orphans"]["attendance_records"] == {
        "rows": 1,
        "student_ids": [GHOST],
        "derived": False,
    }
    session.expire_all()
    ghosts = session.scalars(select(AttendanceRecord).where(AttendanceRecord.student_id == GHOST))
    assert len(ghosts.all()) == 1  # raw rows are a person's decision, not a repair's


def test_attendance_rows_are_compared_with_their_import_records(
    session: Session, settings: Settings, run: Runner, write_csv: Writer
) -> None:
    load_school(run, write_csv)
    attendance = session.scalars(select(Import).where(Import.kind == "attendance")).one()
    roster = session.scalars(select(Import).where(Import.kind == "roster")).one()
    # The record now claims 10 inserted (the counts still add up: 10 + 29 skipped = 39).
    attendance.records_inserted, attendance.records_skipped = 10, 29
    # Two rows stamped with the roster import, and the roster import marked rejected.
    first_two = session.scalars(
        select(AttendanceRecord.id).order_by(AttendanceRecord.id).limit(2)
    ).all()
    session.execute(
        update(AttendanceRecord)
        .where(AttendanceRecord.id.in_(first_two))
        .values(import_id=roster.id)
    )
    roster.status = "rejected"
    session.commit()
    result = run_integrity_check(session, settings)
    assert result["ok"] is False
    assert result["mismatches"]["import_counts"] == 2
    assert result["mismatches"]["imports"] == 0  # the records' own arithmetic is intact
    problems = {p["import_id"]: p for p in result["import_count_mismatches"]}
    assert problems[attendance.id]["rows"] == 37 and problems[attendance.id]["wrote"] == 10
    assert problems[roster.id] == {
        "import_id": roster.id,
        "status": "rejected",
        "rows": 2,
        "wrote": 0,
        "problem": f"2 rows stamped with import {roster.id}, which is rejected and wrote nothing",
    }
