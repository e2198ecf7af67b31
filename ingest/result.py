"""What an import reports: its problems (row, column, value, rule, ...) and the result object."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from attendly.errors import FileRejected


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Category(StrEnum):
    """Where in the validation layers a problem was found."""

    FILE = "file"
    SCHEMA = "schema"
    TYPE = "type"
    BUSINESS_RULE = "business-rule"
    CROSS_REFERENCE = "cross-reference"
    DUPLICATE = "duplicate"
    SYSTEM = "system"


class ImportStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"  # rows may have failed; the valid ones landed
    REJECTED = "rejected"  # the whole file was refused; no data written
    FAILED = "failed"  # a system error; nothing merged (`attendly imports resume ID`)
    ROLLED_BACK = "rolled_back"  # undone by `attendly imports rollback ID`


@dataclass(frozen=True)
class ImportProblem:
    """One problem in an import file. `row` is the file row (header = 1), None for the file."""

    rule: str
    message: str
    category: Category
    severity: Severity = Severity.ERROR
    row: int | None = None
    column: str | None = None
    value: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "rule": self.rule,
            "message": self.message,
            "severity": str(self.severity),
            "category": str(self.category),
        }


class Rejection(FileRejected):
    """The file is refused as a whole; carries every file- or schema-level problem found."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__("; ".join(problem.message for problem in problems))
        self.problems = problems


def file_problem(rule: str, message: str, category: Category = Category.FILE) -> ImportProblem:
    """A problem with the file as a whole (no row)."""
    return ImportProblem(rule=rule, message=message, category=category)


@dataclass
class ImportResult:
    """The outcome of one import (formats.md §5).

    Invariant: inserted + updated + skipped + failed == processed.
    """

    import_id: int | None
    status: ImportStatus
    records_processed: int = 0
    records_inserted: int = 0
    records_updated: int = 0
    records_skipped: int = 0
    records_failed: int = 0
    errors: list[ImportProblem] = field(default_factory=list)
    date_range: tuple[dt.date, dt.date] | None = None
    students_touched: int = 0
    students_created: list[str] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    duration_seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)  # kind-specific summary figures
    quality_score: float | None = None  # see ingest.report.quality_score
    # The exception class of a system failure: the job layer retries transient ones.
    system_error: type[BaseException] | None = None

    @property
    def success(self) -> bool:
        return self.status == ImportStatus.COMPLETED

    @property
    def rows_per_second(self) -> float:
        if self.duration_seconds <= 0:
            return 0.0
        return round(self.records_processed / self.duration_seconds, 1)

    def counts(self) -> dict[str, int]:
        return {
            "records_processed": self.records_processed,
            "records_inserted": self.records_inserted,
            "records_updated": self.records_updated,
            "records_skipped": self.records_skipped,
            "records_failed": self.records_failed,
        }

    def summary(self) -> dict[str, Any]:
        date_range = None
        if self.date_range is not None:
            start, end = self.date_range
            date_range = {"start": start.isoformat(), "end": end.isoformat()}
        return {
            "date_range": date_range,
            "students_touched": self.students_touched,
            "students_created": list(self.students_created),
            "unknown_columns": list(self.unknown_columns),
            "duration_seconds": round(self.duration_seconds, 3),
            "rows_per_second": self.rows_per_second,
            "data_quality_score": self.quality_score,
            **self.extra,
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready result: exactly the keys of formats.md §5."""
        return {
            "import_id": self.import_id,
            "success": self.success,
            "status": str(self.status),
            **self.counts(),
            "errors": [problem.to_dict() for problem in self.errors],
            "summary": self.summary(),
        }
