"""Tables of interventions, the truancy ladder's proposals, letter templates and letters.

Statuses and types are stored as the `str` values of the enums in attendly.interventions and
attendly.metrics.ladder. The district letterhead lives in `policy_settings` (key `letterhead`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from attendly.extensions import db
from db.models import utcnow


class Intervention(db.Model):  # type: ignore[name-defined]
    """Something the school did (or plans to do) about one student's attendance."""

    __tablename__ = "interventions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"), index=True)
    type: Mapped[str] = mapped_column(String(30), index=True)
    tier: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), index=True)
    owner: Mapped[str] = mapped_column(String(80), default="", index=True)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    due_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    # Set when the intervention carries out a truancy-ladder step.
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("truancy_proposals.id"))
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(80))
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class TruancyProposal(db.Model):  # type: ignore[name-defined]
    """One truancy-ladder step proposed for a student in an academic year, and its decision."""

    __tablename__ = "truancy_proposals"
    __table_args__ = (UniqueConstraint("student_id", "academic_year", "step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"), index=True)
    academic_year: Mapped[str] = mapped_column(String(9), index=True)
    step: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), index=True)
    truancy_occasions: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    defer_until: Mapped[dt.date | None] = mapped_column(Date)
    proposed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class LetterTemplate(db.Model):  # type: ignore[name-defined]
    """A district's edited parent-letter template; a missing row means the built-in default."""

    __tablename__ = "letter_templates"
    __table_args__ = (UniqueConstraint("key", "language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(5))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str | None] = mapped_column(String(80))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Letter(db.Model):  # type: ignore[name-defined]
    """One generated parent letter (the PDF as sent), logged as an intervention."""

    __tablename__ = "letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    intervention_id: Mapped[int] = mapped_column(ForeignKey("interventions.id"), index=True)
    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"), index=True)
    template_key: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(5))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    # Letters generated together share a batch id (the batch PDF can be rebuilt from them).
    batch_id: Mapped[str | None] = mapped_column(String(36), index=True)
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
