"""Every student's figures as of the Overview's comparison date ("a week ago").

The Overview shows each KPI with its change since last week: the figures as of the last
attendance date at least seven days before the year's latest date (db.week_change). Those are
per-student figures (tier, chronic absence and eligibility depend on each student's own
rates), so they are kept here like the year summaries, one row per student and year, and a
header row per year says which dates and policy they were computed for. The Overview then adds
them up per grade and school in SQL; a header that no longer matches (a newer day imported, a
policy change) makes the page compute them the long way until the next refresh.
Derived data: no foreign keys, rewritten by db.week_before inside the transaction that changed
the summaries.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from attendly.extensions import db


class WeekBeforeYear(db.Model):  # type: ignore[name-defined]
    """For one academic year: the dates and policy the rows of student_week_before hold."""

    __tablename__ = "week_before_years"

    academic_year: Mapped[str] = mapped_column(String(9), primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date)  # the year's latest attendance date
    before: Mapped[dt.date] = mapped_column(Date)  # the comparison date (db.week_change)
    policy_key: Mapped[str] = mapped_column(String(64))


class StudentWeekBefore(db.Model):  # type: ignore[name-defined]
    """One student's figures (metric definitions §2-4) counting the days up to `before`."""

    __tablename__ = "student_week_before"

    student_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    academic_year: Mapped[str] = mapped_column(String(9), primary_key=True)
    days_enrolled: Mapped[int] = mapped_column(Integer)
    days_present: Mapped[int] = mapped_column(Integer)
    scheduled_periods: Mapped[int] = mapped_column(Integer)
    present_periods: Mapped[int] = mapped_column(Integer)
    truancy_occasions: Mapped[int] = mapped_column(Integer)
    eligible: Mapped[bool] = mapped_column(Boolean)
    chronically_absent: Mapped[bool] = mapped_column(Boolean)
    tier: Mapped[str] = mapped_column(String(20))
