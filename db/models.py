"""The data model: schools, students, attendance, i-Ready, summaries, users, imports, audit.

Student ids are strings everywhere (leading zeros matter). Period statuses are stored as the
canonical one-letter categories of the metric definitions (P T L E U V S I, NULL = no period).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from attendly.extensions import db

PERIOD_NUMBERS = tuple(range(10))  # period_0 .. period_9
Rate = Numeric(5, 2)
# SQLite has no BIGINT autoincrement; an INTEGER primary key is its rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class School(db.Model):  # type: ignore[name-defined]
    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    periods_per_day: Mapped[int] = mapped_column(Integer, default=7)


class Student(db.Model):  # type: ignore[name-defined]
    __tablename__ = "students"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    student_number: Mapped[str | None] = mapped_column(String(32), index=True)
    state_student_id: Mapped[str | None] = mapped_column(String(32), index=True)
    last_name: Mapped[str] = mapped_column(String(200), default="")
    first_name: Mapped[str] = mapped_column(String(200), default="")
    grade_level: Mapped[int] = mapped_column(Integer, index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    enter_date: Mapped[dt.date | None] = mapped_column(Date)
    leave_date: Mapped[dt.date | None] = mapped_column(Date)
    birthdate: Mapped[dt.date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(10))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))

    school: Mapped[School] = relationship()


class AttendanceRecord(db.Model):  # type: ignore[name-defined]
    """One student-day. `scheduled`/`present`/`daily_attendance_percentage` derive from periods.

    On PostgreSQL the table is partitioned by date, one partition per academic year
    (db.partitions), so the primary key holds the partition key: (id, date). On SQLite the
    table is plain and `id` alone is its key (the rowid); ids are unique either way.
    """

    __tablename__ = "attendance_records"
    __table_args__ = (
        UniqueConstraint("student_id", "date"),
        Index("ix_attendance_records_year_date", "academic_year", "date"),
        # One school's rows: the day totals an import of that school refreshes (db.aggregates).
        Index("ix_attendance_records_school_date", "school_id", "date"),
        {"postgresql_partition_by": "RANGE (date)"},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"))
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    academic_year: Mapped[str] = mapped_column(String(9))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    period_0: Mapped[str | None] = mapped_column(String(1))
    period_1: Mapped[str | None] = mapped_column(String(1))
    period_2: Mapped[str | None] = mapped_column(String(1))
    period_3: Mapped[str | None] = mapped_column(String(1))
    period_4: Mapped[str | None] = mapped_column(String(1))
    period_5: Mapped[str | None] = mapped_column(String(1))
    period_6: Mapped[str | None] = mapped_column(String(1))
    period_7: Mapped[str | None] = mapped_column(String(1))
    period_8: Mapped[str | None] = mapped_column(String(1))
    period_9: Mapped[str | None] = mapped_column(String(1))
    scheduled: Mapped[int] = mapped_column(Integer)
    present: Mapped[int] = mapped_column(Integer)
    daily_attendance_percentage: Mapped[Decimal] = mapped_column(Rate)
    # Periods that are truancy-countable by themselves (U, L) and unverified (V): a setting
    # decides whether V counts, so it is kept apart instead of folded in.
    unexcused_periods: Mapped[int] = mapped_column(Integer, default=0)
    unverified_periods: Mapped[int] = mapped_column(Integer, default=0)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))


class AttendanceCode(db.Model):  # type: ignore[name-defined]
    """The district's code table: an SIS letter and the category it means."""

    __tablename__ = "attendance_codes"

    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    category: Mapped[str] = mapped_column(String(1))
    description: Mapped[str] = mapped_column(String(200), default="")
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))


class SchoolCalendarDay(db.Model):  # type: ignore[name-defined]
    __tablename__ = "school_calendar"
    __table_args__ = (UniqueConstraint("school_id", "date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    academic_year: Mapped[str] = mapped_column(String(9))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))


class IReadyDiagnostic(db.Model):  # type: ignore[name-defined]
    """One completed i-Ready diagnostic, keyed by (student, subject, completion date)."""

    __tablename__ = "iready_diagnostics"
    __table_args__ = (UniqueConstraint("student_id", "subject", "completion_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"), index=True)
    subject: Mapped[str] = mapped_column(String(4))
    completion_date: Mapped[dt.date] = mapped_column(Date)
    academic_year: Mapped[str] = mapped_column(String(9), index=True)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    student_grade: Mapped[str | None] = mapped_column(String(4))
    baseline: Mapped[bool] = mapped_column(Boolean, default=False)
    most_recent: Mapped[bool] = mapped_column(Boolean, default=False)
    duration_min: Mapped[int | None] = mapped_column(Integer)
    rush_flag: Mapped[str | None] = mapped_column(String(40))
    overall_scale_score: Mapped[int] = mapped_column(Integer)
    overall_placement: Mapped[str | None] = mapped_column(String(40))
    overall_relative_placement: Mapped[str | None] = mapped_column(String(60))
    placement_level: Mapped[int | None] = mapped_column(Integer)
    percentile: Mapped[int | None] = mapped_column(Integer)
    grouping: Mapped[int | None] = mapped_column(Integer)
    lexile: Mapped[str | None] = mapped_column(String(20))
    quantile: Mapped[str | None] = mapped_column(String(20))
    diagnostic_gain: Mapped[int | None] = mapped_column(Integer)
    annual_typical_growth: Mapped[int | None] = mapped_column(Integer)
    annual_stretch_growth: Mapped[int | None] = mapped_column(Integer)
    mid_on_grade_level_scale_score: Mapped[int | None] = mapped_column(Integer)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))

    domains: Mapped[list[IReadyDomainScore]] = relationship(
        back_populates="diagnostic", cascade="all, delete-orphan"
    )


class IReadyDomainScore(db.Model):  # type: ignore[name-defined]
    __tablename__ = "iready_domain_scores"
    __table_args__ = (UniqueConstraint("diagnostic_id", "domain"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    diagnostic_id: Mapped[int] = mapped_column(ForeignKey("iready_diagnostics.id"))
    domain: Mapped[str] = mapped_column(String(60))
    scale_score: Mapped[int | None] = mapped_column(Integer)
    placement: Mapped[str | None] = mapped_column(String(40))
    relative_placement: Mapped[str | None] = mapped_column(String(60))
    placement_level: Mapped[int | None] = mapped_column(Integer)

    diagnostic: Mapped[IReadyDiagnostic] = relationship(back_populates="domains")


class IReadyUnmapped(db.Model):  # type: ignore[name-defined]
    """An i-Ready row whose student is not on the roster: kept aside until a roster maps it."""

    __tablename__ = "iready_unmapped"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str | None] = mapped_column(String(4))
    academic_year: Mapped[str | None] = mapped_column(String(9))
    student_id: Mapped[str | None] = mapped_column(String(32), index=True)
    state_student_id: Mapped[str | None] = mapped_column(String(32), index=True)
    last_name: Mapped[str | None] = mapped_column(String(200))
    first_name: Mapped[str | None] = mapped_column(String(200))
    completion_date: Mapped[dt.date | None] = mapped_column(Date)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON)
    mapped_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class StudentYearSummary(db.Model):  # type: ignore[name-defined]
    """Every per-student figure of the metric definitions, for one academic year.

    Refreshed for the students an import touched; `as_of` is the last attendance date counted.
    """

    __tablename__ = "student_year_summaries"
    # Every dashboard reads one year: without it each read scans every year kept.
    __table_args__ = (Index("ix_student_year_summaries_academic_year", "academic_year"),)

    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"), primary_key=True)
    academic_year: Mapped[str] = mapped_column(String(9), primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    days_enrolled: Mapped[int] = mapped_column(Integer)
    days_absent: Mapped[int] = mapped_column(Integer)
    days_present: Mapped[int] = mapped_column(Integer)
    partial_days: Mapped[int] = mapped_column(Integer)
    absence_rate: Mapped[Decimal] = mapped_column(Rate)
    attendance_rate: Mapped[Decimal] = mapped_column(Rate)
    period_attendance_rate: Mapped[Decimal] = mapped_column(Rate)
    scheduled_periods: Mapped[int] = mapped_column(Integer)
    present_periods: Mapped[int] = mapped_column(Integer)
    truancy_occasions: Mapped[int] = mapped_column(Integer)
    truant: Mapped[bool] = mapped_column(Boolean)
    eligible: Mapped[bool] = mapped_column(Boolean)
    chronically_absent: Mapped[bool] = mapped_column(Boolean)
    tier: Mapped[str] = mapped_column(String(20), index=True)
    refreshed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PolicySetting(db.Model):  # type: ignore[name-defined]
    """Admin-editable policy values (tier preset, minimum days, truancy steps, ...)."""

    __tablename__ = "policy_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class User(db.Model):  # type: ignore[name-defined]
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    # Comma-separated grade levels a teacher may see ("6,7"); empty for other roles.
    grades: Mapped[str] = mapped_column(String(40), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Import(db.Model):  # type: ignore[name-defined]
    """One import run: what came in, how it ended, and its result counts."""

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    username: Mapped[str | None] = mapped_column(String(80))
    school_code: Mapped[str | None] = mapped_column(String(20))
    strict: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    records_processed: Mapped[int] = mapped_column(Integer, default=0)
    records_inserted: Mapped[int] = mapped_column(Integer, default=0)
    records_updated: Mapped[int] = mapped_column(Integer, default=0)
    records_skipped: Mapped[int] = mapped_column(Integer, default=0)
    records_failed: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    message: Mapped[str | None] = mapped_column(Text)
    # Recovery: the kept copy of the file, the last file row whose chunk is committed, the
    # running figures at that checkpoint, and what the run is doing now.
    stored_path: Mapped[str | None] = mapped_column(String(1000))
    checkpoint_row: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    state: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    phase: Mapped[str | None] = mapped_column(String(20))
    quality_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    rolled_back_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ImportErrorRecord(db.Model):  # type: ignore[name-defined]
    """One problem found in an import file (row-level or file-level)."""

    __tablename__ = "import_errors"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"), index=True)
    row_number: Mapped[int | None] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(String(200))
    value: Mapped[str | None] = mapped_column(Text)
    rule: Mapped[str] = mapped_column(String(60))
    message: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(20))


class AuditEntry(db.Model):  # type: ignore[name-defined]
    """Append-only record of who did what."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    username: Mapped[str | None] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(60), index=True)
    entity: Mapped[str | None] = mapped_column(String(60))
    entity_id: Mapped[str | None] = mapped_column(String(60))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)


# --- Security: API tokens, sign-in attempts, per-school assignment ------------------------------


class ApiToken(db.Model):  # type: ignore[name-defined]
    """An integration's bearer token: only its SHA-256 is stored; revoked tokens stay listed."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown in lists to tell tokens apart
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class LoginAttempt(db.Model):  # type: ignore[name-defined]
    """One sign-in attempt, kept for the throttle window (per account and per address)."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    username: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64))
    success: Mapped[bool] = mapped_column(Boolean, default=False)


class UserSchool(db.Model):  # type: ignore[name-defined]
    """A school a user is assigned to (district use): the query layer shows such a user only
    their schools' students (db.queries.scoped_schools; none assigned = every school)."""

    __tablename__ = "user_schools"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    school_code: Mapped[str] = mapped_column(String(20), primary_key=True)


# --- Dashboard aggregates: derived from attendance_records, refreshed with the summaries -------
# No foreign keys: the rows are derived data that a refresh rewrites, and they must not stop a
# rollback from deleting the students and schools an import created.


class AttendanceDayTotal(db.Model):  # type: ignore[name-defined]
    """Student-days and periods of one school, grade (at refresh time) and date."""

    __tablename__ = "attendance_day_totals"

    school_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grade_level: Mapped[int] = mapped_column(Integer, primary_key=True)
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    academic_year: Mapped[str] = mapped_column(String(9), index=True)
    days_enrolled: Mapped[int] = mapped_column(Integer)
    days_absent: Mapped[int] = mapped_column(Integer)
    scheduled_periods: Mapped[int] = mapped_column(Integer)
    present_periods: Mapped[int] = mapped_column(Integer)


class StudentWeekSummary(db.Model):  # type: ignore[name-defined]
    """One student's attendance sums over one ISO week (`week_start` is its Monday)."""

    __tablename__ = "student_week_summaries"
    __table_args__ = (Index("ix_student_week_summaries_year_week", "academic_year", "week_start"),)

    student_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    week_start: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    academic_year: Mapped[str] = mapped_column(String(9))
    days_enrolled: Mapped[int] = mapped_column(Integer)
    days_absent: Mapped[int] = mapped_column(Integer)
    partial_days: Mapped[int] = mapped_column(Integer)
    scheduled_periods: Mapped[int] = mapped_column(Integer)
    present_periods: Mapped[int] = mapped_column(Integer)
    truancy_days: Mapped[int] = mapped_column(Integer)  # truancy occasions under the policy
    unverified_days: Mapped[int] = mapped_column(Integer)
    pct_total: Mapped[int] = mapped_column(BigInteger)  # daily percentages, in hundredths


# The staging and history tables of imports register on the same metadata (migrations and
# `compare_metadata` see every table by importing this module).
from db import (  # noqa: E402
    alert_models,  # noqa: E402, F401  (the alert rules' open and cleared alerts)
    correction_models,  # noqa: E402, F401  (teachers' attendance corrections)
    growth_models,  # noqa: E402, F401  (i-Ready growth after each diagnostic)
    intervention_models,  # noqa: F401,E402  (interventions, ladder, letters)
    notification_models,  # noqa: F401,E402  (the notification centre)
    overview_group_models,  # noqa: F401,E402  (the Overview's sums per school, grade, tier)
    version_models,  # noqa: F401,E402  (the dashboards' data version)
    week_before_models,  # noqa: F401,E402  (every student's figures a week ago)
)
from db import import_tables as _import_tables  # noqa: E402, F401
from db import partitions as _partitions  # noqa: E402, F401  (ORM inserts get their partition)
