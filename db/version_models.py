"""The dashboards' data version: one counter that every change of what the pages show bumps.

Page data is cached per data version (attendly.cache, db.queries.data_version). The counter is
bumped inside the transaction that changes summaries, aggregates or i-Ready growth
(db.versions.bump), so a reader sees the new version exactly when it sees the new rows, on
every web process and machine, whatever their clocks say. Reading it is one primary-key
lookup, where counting the tables it replaces took 5-25 ms per request.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from attendly.extensions import db


class DataVersion(db.Model):  # type: ignore[name-defined]
    """A named counter (the dashboards' is the only one)."""

    __tablename__ = "data_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
