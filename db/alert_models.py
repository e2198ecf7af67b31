"""The alert rules' memory: one row per alert raised, open until its condition clears.

`open_key` ("rule:subject") is set while the alert is open and NULL once cleared; its unique
constraint is what keeps one open alert (and one notification) per rule and subject even when
two evaluations run at once. NULLs do not collide, so cleared alerts stay as history.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from attendly.extensions import db
from db.models import utcnow


class Alert(db.Model):  # type: ignore[name-defined]
    """One raised alert: which rule, about what, what it said, when it opened and cleared."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule: Mapped[str] = mapped_column(String(40), index=True)
    subject: Mapped[str] = mapped_column(String(120))
    open_key: Mapped[str | None] = mapped_column(String(170), unique=True)
    severity: Mapped[str] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    cleared_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"))
