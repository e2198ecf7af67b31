"""The Overview's sums pre-added per (school, grade, tier), now and a week ago.

The Overview adds up the year summaries (and db.week_before's rows) of its scope per grade and
tier: at district size that is a scan of every student's row, twice per request. Its scopes
are unions of (school, grade) cells, so the same sums are kept here per cell and tier, a few
hundred rows per year, and a scope's answer is the sum of its cells' rows. A header row per
year says what the rows were built from: the counter every writer of summaries and
week-before rows moves (db.versions.SUMMARIES) and the policy. A header that does not match
makes db.overview_groups answer None, and the caller adds up the summaries as before.
Derived data: no foreign keys, rebuilt by db.overview_groups in the transaction that wrote
the summaries.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from attendly.extensions import db


class OverviewGroupYear(db.Model):  # type: ignore[name-defined]
    """For one academic year: what the rows of overview_groups were built from."""

    __tablename__ = "overview_group_years"

    academic_year: Mapped[str] = mapped_column(String(9), primary_key=True)
    # db.versions.SUMMARIES when the rows were built: any later write of summaries moves it
    source_version: Mapped[int] = mapped_column(BigInteger)
    policy_key: Mapped[str] = mapped_column(String(64))  # db.week_before.policy_key
    truant_threshold: Mapped[int] = mapped_column(Integer)  # that policy's, for `truant`


class OverviewGroup(db.Model):  # type: ignore[name-defined]
    """The sums (db.overview_figures.SUMS) of one school's students of one grade and tier,
    from their year summaries (`which` "now") or their figures a week ago ("before")."""

    __tablename__ = "overview_groups"

    academic_year: Mapped[str] = mapped_column(String(9), primary_key=True)
    which: Mapped[str] = mapped_column(String(6), primary_key=True)
    school_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grade_level: Mapped[int] = mapped_column(Integer, primary_key=True)
    tier: Mapped[str] = mapped_column(String(20), primary_key=True)
    students: Mapped[int] = mapped_column(Integer)
    eligible: Mapped[int] = mapped_column(Integer)
    chronically_absent: Mapped[int] = mapped_column(Integer)
    days_enrolled: Mapped[int] = mapped_column(BigInteger)
    days_present: Mapped[int] = mapped_column(BigInteger)
    present_periods: Mapped[int] = mapped_column(BigInteger)
    scheduled_periods: Mapped[int] = mapped_column(BigInteger)
    truant: Mapped[int] = mapped_column(Integer)
