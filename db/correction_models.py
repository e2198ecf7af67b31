"""The table of attendance corrections: one row per period a teacher or staff member changed.

A correction keeps the prior and the new status, who made it, when and why, and the import
that had written the corrected student-day (`row_import_id`). No foreign keys: like the audit
log, the rows outlive what they describe (a rolled-back import may delete the student-day;
the correction is then marked void with that import's id instead of disappearing).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from attendly.extensions import db
from db.models import BigId, utcnow


class AttendanceCorrection(db.Model):  # type: ignore[name-defined]
    """One changed period status of one student-day."""

    __tablename__ = "attendance_corrections"
    __table_args__ = (Index("ix_attendance_corrections_student_date", "student_id", "date"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(80))
    student_id: Mapped[str] = mapped_column(String(32))
    school_id: Mapped[int] = mapped_column(Integer)
    grade_level: Mapped[int] = mapped_column(Integer, index=True)  # at the time of correction
    date: Mapped[dt.date] = mapped_column(Date)
    period: Mapped[int] = mapped_column(Integer)
    prior_status: Mapped[str | None] = mapped_column(String(1))  # None: no period was recorded
    new_status: Mapped[str] = mapped_column(String(1))
    reason: Mapped[str | None] = mapped_column(Text)
    row_import_id: Mapped[int | None] = mapped_column(Integer)
    voided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    voided_by_import: Mapped[int | None] = mapped_column(Integer)
