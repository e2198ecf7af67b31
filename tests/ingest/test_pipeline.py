"""The import pipeline's contract: result shape, bookkeeping, rejection, failure, events."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import ingest.pipeline
from attendly.settings import Settings
from db.models import (
    AttendanceRecord,
    AuditEntry,
    Import,
    ImportErrorRecord,
    School,
    Student,
    StudentYearSummary,
)
from ingest import run_import
from tests.ingest.conftest import ATTENDANCE_HEADER, ROSTER_HEADER, Runner, Writer, problems

RESULT_KEYS = {
    "import_id",
    "success",
    "status",
    "records_processed",
    "records_inserted",
    "records_updated",
    "records_skipped",
    "records_failed",
    "errors",
    "summary",
}
SUMMARY_KEYS = {
    "date_range",
    "students_touched",
    "students_created",
    "unknown_columns",
    "duration_seconds",
    "rows_per_second",
    "data_quality_score",
}
ERROR_KEYS = {"row", "column", "value", "rule", "message", "severity", "category"}
ATTENDANCE = (
    f"{ATTENDANCE_HEADER},Teacher\n"
    "100234,2025-09-02,7,P,P,T,P,P,P,P,Ms A\n"
    "100235,2025-09-02,6,U,U,U,U,U,U,Q,Ms B\n"
    "100235,2025-09-03,6,U,U,U,U,U,U,U,Ms B\n"
)


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_result_dict_has_exactly_the_contract_keys(run: Runner, write_csv: Writer) -> None:
    result = run("attendance", write_csv(ATTENDANCE)).to_dict()
    assert set(result) == RESULT_KEYS
    assert set(result["summary"]) == SUMMARY_KEYS
    assert all(set(error) == ERROR_KEYS for error in result["errors"])
    assert result["success"] is True and result["status"] == "completed"
    assert result["errors"] == [
        {
            "row": 3,
            "column": "period_7_status",
            "value": "Q",
            "rule": "unknown_status_code",
            "message": result["errors"][0]["message"],
            "severity": "error",
            "category": "type",
        }
    ]
    summary = result["summary"]
    assert summary["date_range"] == {"start": "2025-09-02", "end": "2025-09-03"}
    assert summary["students_touched"] == 2
    assert summary["students_created"] == ["100234", "100235"]
    assert summary["unknown_columns"] == ["Teacher"]
    assert summary["duration_seconds"] > 0 and summary["rows_per_second"] > 0
    counted = ("records_inserted", "records_updated", "records_skipped", "records_failed")
    assert sum(result[key] for key in counted) == result["records_processed"] == 3


def test_import_errors_and_audit_are_stored(
    session: Session, run: Runner, write_csv: Writer
) -> None:
    path = write_csv(ATTENDANCE, name="september.csv")
    result = run("attendance", path, username="admin", school_code="001")
    stored = session.get(Import, result.import_id)
    assert stored is not None
    assert (stored.kind, stored.filename, stored.status) == (
        "attendance",
        "september.csv",
        "completed",
    )
    assert stored.file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (stored.username, stored.school_code, stored.strict) == ("admin", "001", False)
    assert (stored.records_processed, stored.records_inserted, stored.records_failed) == (3, 2, 1)
    assert stored.finished_at is not None
    assert stored.summary == result.summary()
    [error] = session.scalars(select(ImportErrorRecord)).all()
    assert (error.import_id, error.row_number, error.column, error.value) == (
        result.import_id,
        3,
        "period_7_status",
        "Q",
    )
    [audit] = session.scalars(select(AuditEntry)).all()
    assert (audit.action, audit.entity, audit.entity_id, audit.username) == (
        "import",
        "import",
        str(result.import_id),
        "admin",
    )
    assert audit.details is not None
    assert audit.details["kind"] == "attendance" and audit.details["file"] == "september.csv"
    assert audit.details["counts"] == result.counts()
    assert audit.details["errors"] == 1


def test_completed_import_refreshes_summaries_and_publishes(
    session: Session, run: Runner, write_csv: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[dict[str, Any]] = []
    monkeypatch.setattr(ingest.pipeline, "publish", events.append)
    run("attendance", write_csv(ATTENDANCE))
    assert events == [
        {
            "kind": "attendance",
            "school": "001",
            "grades": [6, 7],
            "student_ids": ["100234", "100235"],
        }
    ]
    assert count(session, StudentYearSummary) == 2
    run("attendance", write_csv(ATTENDANCE))  # nothing changed: no event
    assert len(events) == 1
    run("roster", write_csv(f"{ROSTER_HEADER}\n100234,Lee,Kim,7\n", name="roster.csv"))
    assert events[-1] == {
        "kind": "import",
        "school": "001",
        "grades": [7],
        "student_ids": ["100234"],
    }


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (b"", "empty_file"),
        (ATTENDANCE_HEADER.encode() + b"\r\n", "no_data"),
        (b"%PDF-1.4\n\x00\x01\x02\x03binary\xff\xfe", "binary_file"),
        (b"student_id,date,period_1_status,Date\n1,2025-09-02,P,2025-09-02\n", "duplicate_column"),
        (b"student_id,period_1_status\n1,P\n", "missing_column"),
    ],
)
def test_rejected_files_write_nothing_but_the_report(
    session: Session, run: Runner, write_csv: Writer, data: bytes, rule: str
) -> None:
    result = run("attendance", write_csv(data=data, name="upload.csv"))
    assert result.status == "rejected" and result.success is False
    assert [p["rule"] for p in problems(result)] == [rule]
    assert problems(result)[0]["row"] is None
    assert result.records_inserted == result.records_updated == result.records_skipped == 0
    assert result.records_failed == result.records_processed
    assert (count(session, AttendanceRecord), count(session, Student), count(session, School)) == (
        0,
        0,
        0,
    )
    stored = session.get(Import, result.import_id)
    assert stored is not None and stored.status == "rejected"
    assert stored.message
    assert [e.rule for e in session.scalars(select(ImportErrorRecord))] == [rule]
    assert count(session, AuditEntry) == 1


def test_missing_column_is_named(run: Runner, write_csv: Writer) -> None:
    result = run("attendance", write_csv("student_id,period_1_status\n1,P\n"))
    [problem] = problems(result)
    assert problem["column"] == "date" and "date" in problem["message"]
    assert problem["category"] == "schema"


def test_system_error_fails_the_import_and_rolls_back(
    session: Session, run: Runner, write_csv: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(ingest.pipeline, "refresh_summaries", broken)
    result = run("attendance", write_csv(ATTENDANCE))
    assert result.status == "failed" and not result.success
    assert [(p["rule"], p["category"]) for p in problems(result)] == [("system_error", "system")]
    assert "disk on fire" in problems(result)[0]["message"]
    assert result.records_failed == result.records_processed == 3
    assert (count(session, AttendanceRecord), count(session, Student)) == (0, 0)
    stored = session.get(Import, result.import_id)
    assert stored is not None and stored.status == "failed"
    assert stored.message is not None and "disk on fire" in stored.message
    assert count(session, AuditEntry) == 1


def test_unknown_kind_is_a_programming_error(
    session: Session, settings: Settings, write_csv: Writer
) -> None:
    with pytest.raises(ValueError, match="unknown import kind"):
        run_import(session, "grades", write_csv("a\n1\n"), settings=settings)
    assert count(session, Import) == 0


def test_filename_can_be_given(session: Session, run: Runner, write_csv: Writer) -> None:
    result = run("attendance", write_csv(ATTENDANCE, name="tmp123.upload"), filename="Sept.csv")
    stored = session.get(Import, result.import_id)
    assert stored is not None and stored.filename == "Sept.csv"


def test_event_bus_outage_does_not_undo_the_import(
    session: Session, run: Runner, write_csv: Writer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(event: dict[str, Any]) -> int:
        raise ConnectionError("redis is down")

    monkeypatch.setattr(ingest.pipeline, "publish", down)
    result = run("attendance", write_csv(ATTENDANCE))
    assert result.status == "completed"
    assert count(session, AttendanceRecord) == 2


def test_roster_reimport_is_all_skipped(session: Session, run: Runner, write_csv: Writer) -> None:
    path = write_csv(f"{ROSTER_HEADER},birthdate,gender\n1,A,B,6,2013-01-02,F\n2,C,D,7,,\n")
    assert run("roster", path).records_inserted == 2
    again = run("roster", path)
    assert (again.records_processed, again.records_skipped, again.records_updated) == (2, 2, 0)
