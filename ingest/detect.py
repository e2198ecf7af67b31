"""Which kind (and layout) a file is, told from its header row alone."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from ingest import aeries, attendance, calendar, codes, roster
from ingest.checks import ImportContext
from ingest.headers import ColumnSpec, header_key
from ingest.kinds import Loader
from ingest.result import Rejection, file_problem

IREADY_MARK = "overallscalescore"


def is_att(headers: list[str]) -> bool:
    """Whether a header is Aeries ATT's: its date is `DT`/`CalendarDate` and codes are
    `AL`/`A0`..`A9`/`AllDayAttendanceCode` (canonical files say `date` and `period_N_status`)."""
    keys = {header_key(header) for header in headers}
    dated = bool(keys & {"dt", "calendardate"})
    coded = bool(keys & {"al", "alldayattendancecode", "alldaycode", *(f"a{n}" for n in range(10))})
    return dated and coded


def open_attendance(session: Session, headers: list[str], ctx: ImportContext) -> Loader:
    """An attendance file: Aeries ATT (by exception) when its header says so, else canonical."""
    if is_att(headers):
        return aeries.open_att(session, headers, ctx)
    return attendance.open_canonical(session, headers, ctx)


def _names(specs: Iterable[ColumnSpec], *names: str) -> set[str]:
    return {
        header_key(alias)
        for spec in specs
        if spec.name in names
        for alias in (spec.name, *spec.aliases)
    }


def _has(keys: set[str], specs: Iterable[ColumnSpec], *names: str) -> bool:
    return bool(keys & _names(specs, *names))


def detect_kind(headers: list[str], kinds: set[str]) -> str:
    """The kind of a file by its headers (formats.md). Raises Rejection when none fits."""
    keys = {header_key(header) for header in headers}
    found = None
    if IREADY_MARK in keys:
        found = "iready"
    elif is_att(headers):
        found = "attendance"
    elif all(
        _has(keys, roster.COLUMNS, name) for name in ("last_name", "first_name", "grade_level")
    ):
        found = "roster"
    elif _has(keys, attendance.COLUMNS, "student_id") and _has(keys, attendance.COLUMNS, "date"):
        periods = [spec.name for spec in attendance.COLUMNS if spec.name.startswith("period_")]
        found = "attendance" if _has(keys, attendance.COLUMNS, *periods) else None
    elif _has(keys, codes.COLUMNS, "code") and _has(keys, codes.COLUMNS, "category", "type_code"):
        found = "codes"
    elif _has(keys, calendar.COLUMNS, "date") and not _has(keys, roster.COLUMNS, "student_id"):
        found = "calendar"
    if found is None or found not in kinds:
        shown = ", ".join(headers[:8]) + (", …" if len(headers) > 8 else "")
        raise Rejection(
            [
                file_problem(
                    "unknown_kind",
                    f"cannot tell what this file is from its headers ({shown}): import it "
                    f"with an explicit kind ({', '.join(sorted(kinds))})",
                )
            ]
        )
    return found
