"""The i-Ready growth table: each student's growth per subject and year after every diagnostic.

One row per stored diagnostic: the growth (metric definitions §6) of its student, subject and
academic year counting the diagnostics completed up to and including it. The row holds from
its `most_recent_date` until `valid_until` (the next diagnostic's date; NULL for the latest),
so "growth now" and "growth as of a week ago" are both one indexed read of one row per
student and subject. Derived data like the attendance aggregates: no foreign keys, refreshed
by db.growth whenever diagnostics are written.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from attendly.extensions import db


class IReadyGrowth(db.Model):  # type: ignore[name-defined]
    """Growth of (student, subject, academic year) as it stood after one diagnostic."""

    __tablename__ = "iready_growth"
    __table_args__ = (
        Index("ix_iready_growth_year_date", "academic_year", "most_recent_date"),
        Index("ix_iready_growth_year_valid_until", "academic_year", "valid_until"),
    )

    student_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    subject: Mapped[str] = mapped_column(String(4), primary_key=True)
    academic_year: Mapped[str] = mapped_column(String(9), primary_key=True)
    most_recent_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    diagnostics: Mapped[int] = mapped_column(Integer)
    baseline_date: Mapped[dt.date] = mapped_column(Date)
    baseline_score: Mapped[int] = mapped_column(Integer)
    most_recent_score: Mapped[int] = mapped_column(Integer)
    placement_level: Mapped[int | None] = mapped_column(Integer)
    diagnostic_gain: Mapped[int] = mapped_column(Integer)
    # Progress in hundredths of a percent (12.34 % = 1234): exact on every backend.
    typical_hundredths: Mapped[int | None] = mapped_column(Integer)
    stretch_hundredths: Mapped[int | None] = mapped_column(Integer)
