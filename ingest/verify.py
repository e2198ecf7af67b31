"""`attendly verify`: check stored derived data against a recomputation from the raw rows.

Three independent checks: every student-year summary against the figures recomputed from
the raw student-days in pandas (the refresh itself sums in SQL, so the two paths check each
other); every stored student-day's figures against its period letters; every finished
import's counts against their invariant (inserted + updated + skipped + failed = processed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from attendly.settings import Settings
from db.models import AttendanceRecord, Import, StudentYearSummary
from db.policy import load_policy
from db.summaries import CHUNK, day_frame, refresh_summaries, summary_rows
from ingest.periods import LETTER_DIGITS, PERIOD_COLUMNS, STAGED_COLUMNS, patterns_of

SHOWN = 50  # mismatches listed per check (all are counted)
SUMMARY_COLUMNS = tuple(
    c.name for c in StudentYearSummary.__table__.columns if c.name != "refreshed_at"
)


@dataclass
class Report:
    students: int = 0
    summaries: int = 0
    records: int = 0
    imports: int = 0
    summary_mismatches: list[dict[str, Any]] = field(default_factory=list)
    record_mismatches: list[dict[str, Any]] = field(default_factory=list)
    import_mismatches: list[dict[str, Any]] = field(default_factory=list)
    mismatched_students: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=lambda: {"summaries": 0, "records": 0})

    @property
    def ok(self) -> bool:
        return not (self.counts["summaries"] or self.counts["records"] or self.import_mismatches)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": {
                "students": self.students,
                "summaries": self.summaries,
                "student_days": self.records,
                "imports": self.imports,
            },
            "mismatches": {
                "summaries": self.counts["summaries"],
                "student_days": self.counts["records"],
                "imports": len(self.import_mismatches),
            },
            "summary_mismatches": self.summary_mismatches[:SHOWN],
            "student_day_mismatches": self.record_mismatches[:SHOWN],
            "import_mismatches": self.import_mismatches[:SHOWN],
        }


def verify(session: Session, settings: Settings, *, repair: bool = False) -> Report:
    """Run the three checks; with `repair`, refresh the summaries found wrong (and commit)."""
    report = Report()
    _check_summaries(session, settings, report)
    _check_records(session, report)
    _check_imports(session, report)
    if repair and report.mismatched_students:
        refresh_summaries(session, report.mismatched_students, settings)
        session.commit()
    return report


def _check_summaries(session: Session, settings: Settings, report: Report) -> None:
    policy = load_policy(session, settings)
    with_days = set(session.scalars(select(AttendanceRecord.student_id).distinct()))
    with_summary = set(session.scalars(select(StudentYearSummary.student_id).distinct()))
    students = sorted(with_days | with_summary)
    report.students = len(students)
    for start in range(0, len(students), CHUNK):
        chunk = students[start : start + CHUNK]
        expected = {_key(row): row for row in summary_rows(day_frame(session, chunk), policy)}
        stored = session.scalars(
            select(StudentYearSummary).where(StudentYearSummary.student_id.in_(chunk))
        ).all()
        found = {(row.student_id, row.academic_year): row for row in stored}
        report.summaries += len(found)
        for key in sorted(set(expected) | set(found)):
            _compare(report, key, expected.get(key), found.get(key))


def _key(row: dict[str, Any]) -> tuple[str, str]:
    return str(row["student_id"]), str(row["academic_year"])


def _compare(
    report: Report, key: tuple[str, str], expected: dict[str, Any] | None, stored: Any
) -> None:
    if expected is not None and stored is not None:
        wrong = [c for c in SUMMARY_COLUMNS if _plain(getattr(stored, c)) != _plain(expected[c])]
        if not wrong:
            return
        problem: dict[str, Any] = {
            column: [_plain(getattr(stored, column)), _plain(expected[column])] for column in wrong
        }
    else:
        problem = {"summary": "missing" if stored is None else "without student-days"}
    report.counts["summaries"] += 1
    report.mismatched_students.add(key[0])
    report.summary_mismatches.append({"student_id": key[0], "academic_year": key[1], **problem})


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _check_records(session: Session, report: Report, batch: int = 100_000) -> None:
    """Each stored day's scheduled/present/percentage/... against its period letters."""
    record = AttendanceRecord
    columns = [record.id, record.student_id, record.date] + [
        getattr(record, name) for name in STAGED_COLUMNS
    ]
    result = session.execute(select(*columns).execution_options(yield_per=batch))
    for part in result.partitions():
        frame = pd.DataFrame(part, columns=["id", "student_id", "date", *STAGED_COLUMNS])
        report.records += len(frame)
        digits = np.stack(
            [
                frame[name].map(LETTER_DIGITS).fillna(0).to_numpy(dtype=np.int8)
                for name in PERIOD_COLUMNS
            ],
            axis=1,
        )
        patterns = patterns_of(digits)
        figures = pd.DataFrame(
            [value[10:] for value in patterns.values], columns=list(STAGED_COLUMNS[10:])
        )
        expected = figures.iloc[patterns.codes].reset_index(drop=True)
        stored = frame[list(STAGED_COLUMNS[10:])].reset_index(drop=True)
        wrong = ~(expected.astype(str) == stored.astype(str)).all(axis=1)
        report.counts["records"] += int(wrong.sum())
        for position in np.flatnonzero(wrong.to_numpy())[: SHOWN - len(report.record_mismatches)]:
            row = frame.iloc[position]
            report.record_mismatches.append(
                {
                    "student_id": row["student_id"],
                    "date": str(row["date"]),
                    "stored": [_plain(v) for v in stored.iloc[position]],
                    "expected": [_plain(v) for v in expected.iloc[position]],
                }
            )


def _check_imports(session: Session, report: Report) -> None:
    finished = session.scalars(select(Import).where(Import.status == "completed")).all()
    report.imports = len(finished)
    for record in finished:
        parts = (
            record.records_inserted,
            record.records_updated,
            record.records_skipped,
            record.records_failed,
        )
        if sum(parts) != record.records_processed:
            report.import_mismatches.append(
                {"import_id": record.id, "processed": record.records_processed, "parts": parts}
            )
