"""What rolling back an import does to the student-days teachers corrected since.

The rollback of an import (db.rollback) restores the rows it overwrote and deletes the rows it
inserted. A correction made after the import changed one of those rows, and restoring the
prior values alone would silently drop it (or bring back the status it replaced). The rule:

- Before the undo, the live corrections of the rows the import last wrote are noted
  (`pending_corrections`).
- After the undo, each is applied again, oldest first, to the restored row: a teacher's
  statement about one period of a day stands whichever file the day's other periods came
  from ("reapplied"; "unchanged" when the restored row already holds the corrected status).
- Where the undo deleted the row (the import had inserted the day), a correction cannot stand
  alone (a day is recorded by an import, not invented from one period): it is marked void
  with the import's id ("voided") and stays listed, so marked, on the corrections page.

The rollback's result and its audit entry list the correction ids of each outcome.
"""

from __future__ import annotations

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from db.correction_models import AttendanceCorrection
from db.corrections import set_period
from db.models import AttendanceRecord, utcnow

OUTCOMES = ("reapplied", "unchanged", "voided")


def pending_corrections(session: Session, import_id: int) -> list[AttendanceCorrection]:
    """Live corrections of student-days the import wrote last (oldest first)."""
    correction, record = AttendanceCorrection, AttendanceRecord
    day = and_(record.student_id == correction.student_id, record.date == correction.date)
    statement = (
        select(correction)
        .join(record, day)
        .where(record.import_id == import_id, correction.voided_at.is_(None))
        .order_by(correction.id)
    )
    return list(session.scalars(statement))


def reapply_corrections(
    session: Session, pending: list[AttendanceCorrection], import_id: int
) -> dict[str, list[int]]:
    """After the undo of `import_id`: apply `pending` again, or void those whose day is gone.

    Returns {outcome: [correction id, ...]} for OUTCOMES. Flushes, does not commit.
    """
    outcome: dict[str, list[int]] = {name: [] for name in OUTCOMES}
    now = utcnow()
    for correction in pending:
        day = _current_day(session, correction)
        if day is None:
            correction.voided_at = now
            correction.voided_by_import = import_id
            outcome["voided"].append(correction.id)
        elif getattr(day, f"period_{correction.period}") == correction.new_status:
            outcome["unchanged"].append(correction.id)
        else:
            set_period(day, correction.period, correction.new_status)
            outcome["reapplied"].append(correction.id)
    session.flush()
    return outcome


def _current_day(session: Session, correction: AttendanceCorrection) -> AttendanceRecord | None:
    """The stored row as the undo left it (the undo ran as SQL, past the session's objects)."""
    statement = (
        select(AttendanceRecord)
        .where(
            AttendanceRecord.student_id == correction.student_id,
            AttendanceRecord.date == correction.date,
        )
        .execution_options(populate_existing=True)
    )
    return session.scalar(statement)
