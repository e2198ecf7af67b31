"""Student mapping: unmapped rows are kept aside, reported, and loaded once a roster maps them."""

from __future__ import annotations

import csv
import importlib
import io
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from attendly.demo.iready import IReadyStudent
from attendly.settings import Settings
from db.iready_unmapped import pending_count, unmapped_report
from db.models import AuditEntry, IReadyDiagnostic, IReadyDomainScore, IReadyUnmapped
from ingest.iready import remap
from ingest.iready.report import unmapped_csv
from tests.ingest.iready.conftest import TODAY, count, errors, roster_text, warnings

Exports = Callable[..., dict[str, Path]]


def test_unknown_students_are_kept_aside_as_skipped_not_failed(
    exports: Exports, iready, session: Session
) -> None:
    path = exports("2024-25")["ELA"]
    result = iready(path)
    assert result.status == "completed" and errors(result) == []
    assert result.records_skipped == result.records_processed
    assert result.records_failed == result.records_inserted == 0
    unmapped = warnings(result, "unmapped_student")
    assert len(unmapped) == result.records_processed
    assert unmapped[0]["category"] == "cross-reference"
    summary = result.to_dict()["summary"]
    assert summary["unmapped_rows"] == result.records_processed
    assert summary["unmapped_kept"] == {
        "new": result.records_processed,
        "updated": 0,
        "already_kept": 0,
    }
    assert count(session, IReadyUnmapped) == result.records_processed
    assert count(session, IReadyDiagnostic) == 0


def test_reimporting_unmapped_rows_keeps_one_copy(
    exports: Exports, iready, session: Session
) -> None:
    path = exports("2024-25")["MATH"]
    first = iready(path)
    again = iready(path)
    assert again.to_dict()["summary"]["unmapped_kept"]["already_kept"] == first.records_processed
    assert count(session, IReadyUnmapped) == first.records_processed


def test_exception_report_lists_each_kept_row(
    exports: Exports, iready, session: Session, testers: list[IReadyStudent]
) -> None:
    result = iready(exports("2024-25-ca")["ELA"])
    report = unmapped_report(session, result.import_id)
    assert len(report) == result.records_processed
    first = report[0]
    assert first["filename"] == "diagnostic_results_ela_CONFIDENTIAL.csv"
    assert first["subject"] == "ELA" and first["academic_year"] == "2024-2025"
    assert first["student_id"] in {t.student_id for t in testers}
    assert first["state_student_id"] and first["row"] == 2
    assert "not" not in first["reason"] or first["reason"].startswith("no student with id")
    rows = list(csv.DictReader(io.StringIO(unmapped_csv(session, result.import_id))))
    assert len(rows) == len(report)
    assert rows[0]["student_id"] == first["student_id"]  # leading zeros kept
    assert rows[0]["completion_date"] == first["completion_date"].isoformat()


def test_exception_report_neutralises_formula_cells(iready, write_csv, session: Session) -> None:
    path = write_csv(
        "Student ID,Last Name,Completion Date,Overall Scale Score\n"
        "=cmd|x,=HYPERLINK(1),2024-09-03,600\n",
        name="diagnostic_results_ela.csv",
    )
    result = iready(path)
    text = unmapped_csv(session, result.import_id)
    assert "'=HYPERLINK(1)" in text and "'=cmd|x" in text


def test_roster_import_maps_kept_rows_automatically(
    exports: Exports, iready, run, tmp_path: Path, session: Session, testers: list[IReadyStudent]
) -> None:
    files = exports("2024-25")
    results = [iready(path) for path in files.values()]
    kept = sum(result.records_processed for result in results)
    assert pending_count(session) == kept
    roster = tmp_path / "roster.csv"
    roster.write_text(roster_text(testers[:10]), encoding="utf-8")
    assert run("roster", roster).status == "completed"
    mapped = {d.student_id for d in session.scalars(select(IReadyDiagnostic))}
    assert mapped == {t.student_id for t in testers[:10]}
    assert count(session, IReadyDomainScore) > 0
    still = pending_count(session)
    assert 0 < still < kept
    assert {r["student_id"] for r in unmapped_report(session)} == {
        t.student_id for t in testers[10:]
    }
    stamped = session.scalars(select(IReadyUnmapped).where(IReadyUnmapped.mapped_at.is_not(None)))
    assert {u.student_id for u in stamped} == mapped
    # Each diagnostic names the i-Ready import its row came from, not the roster import.
    sources = {d.import_id for d in session.scalars(select(IReadyDiagnostic))}
    assert sources == {result.import_id for result in results}
    audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "iready_remap")).one()
    assert audit.details["mapped"] == kept - still


def test_remap_loads_what_the_roster_now_knows_and_is_idempotent(
    exports: Exports, iready, settings: Settings, session: Session, testers: list[IReadyStudent]
) -> None:
    path = exports("2021-22")["ELA"]
    result = iready(path)
    assert remap(session, settings, today=TODAY).mapped == 0  # nobody on the roster yet
    from db.models import School, Student

    session.add(School(id=1, code="001", name="x", periods_per_day=7))
    session.add_all(Student(id=t.student_id, grade_level=t.grade, school_id=1) for t in testers)
    session.commit()
    outcome = remap(session, settings, today=TODAY)
    assert outcome.mapped == outcome.inserted == result.records_processed
    assert outcome.still_unmapped == 0
    assert count(session, IReadyDiagnostic) == result.records_processed
    assert remap(session, settings, today=TODAY).to_dict()["pending"] == 0
    # The rows came from the i-Ready import, so the diagnostics say so.
    assert {d.import_id for d in session.scalars(select(IReadyDiagnostic))} == {result.import_id}
    # Re-importing the file now loads nothing new.
    again = iready(path)
    assert again.records_skipped == again.records_processed and again.records_inserted == 0


def test_a_state_id_held_by_two_students_does_not_map(iready, write_csv, session: Session) -> None:
    from db.models import School, Student

    session.add(School(id=1, code="001", name="x", periods_per_day=7))
    session.add_all(
        [
            Student(id="A", grade_level=7, school_id=1, state_student_id="111"),
            Student(id="B", grade_level=7, school_id=1, state_student_id="111"),
            Student(id="C", grade_level=7, school_id=1, state_student_id="222"),
        ]
    )
    session.commit()
    path = write_csv(
        "Student ID,Student State ID,Completion Date,Overall Scale Score\n"
        "X1,111,2024-09-03,600\nX2,222,2024-09-03,610\n",
        name="diagnostic_results_math.csv",
    )
    result = iready(path)
    assert [p["row"] for p in warnings(result, "unmapped_student")] == [2]
    assert [d.student_id for d in session.scalars(select(IReadyDiagnostic))] == ["C"]


def test_a_failing_remap_never_fails_the_roster_import(
    exports: Exports, iready, run, tmp_path: Path, session: Session, testers, monkeypatch
) -> None:
    remap_module = importlib.import_module("ingest.iready.remap")  # the module, not the function
    iready(exports("2024-25")["ELA"])

    def broken(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(remap_module, "remap", broken)
    roster = tmp_path / "roster.csv"
    roster.write_text(roster_text(testers), encoding="utf-8")
    assert run("roster", roster).status == "completed"
    assert count(session, IReadyDiagnostic) == 0
    assert pending_count(session) > 0  # still kept: `attendly imports remap` loads them later
