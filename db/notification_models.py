"""The in-app notification centre's table: messages for a role (admins: failed imports, syncs)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from attendly.extensions import db
from db.models import utcnow


class Notification(db.Model):  # type: ignore[name-defined]
    """One message for every user of `role`; `read_at` is set when one of them dismisses it."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    role: Mapped[str] = mapped_column(String(20), default="admin")
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
