"""Awkward values survive export-all / import-all from each backend into the other exactly.

Zoned date-times (stored from another zone), decimals at their scale, every byte value,
SQL NULL against JSON null, booleans, leading zeros and non-ASCII text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, Text, cast, create_engine, select
from sqlalchemy.orm import Session

from attendly.transfer import export_all, import_all
from attendly.transfer_format import TransferRejected
from db.intervention_models import Intervention, Letter
from db.migrate import upgrade
from db.models import AuditEntry, Import, School, Student, StudentYearSummary, User
from tests.services import POSTGRES_URL, fresh_postgres_database

PACIFIC = dt.timezone(dt.timedelta(hours=-7))
EVENING = dt.datetime(2025, 9, 2, 23, 30, 15, 123456, tzinfo=PACIFIC)  # 06:30:15 UTC next day
PDF = bytes(range(256)) * 3


@pytest.fixture
def other(engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    """A fresh, migrated database of the other backend."""
    if engine.dialect.name == "sqlite":
        url = fresh_postgres_database(POSTGRES_URL + "_values")
    else:
        url = f"sqlite:///{tmp_path / 'other.db'}"
    target = create_engine(url)
    upgrade(target)
    yield target
    target.dispose()


def fill(session: Session) -> None:
    session.add(School(id=1, code="001", name="Escuela Ñandú", periods_per_day=7))
    session.flush()  # parents first: the ORM orders inserts only along relationships
    session.add(
        Student(id="007", last_name="Nguyễn", first_name="Ana 🌟", grade_level=6, school_id=1)
    )
    session.flush()
    session.add(
        StudentYearSummary(
            student_id="007", academic_year="2025-2026", as_of=dt.date(2025, 9, 15),
            days_enrolled=10, days_absent=1, days_present=9, partial_days=0,
            absence_rate=Decimal("10.00"), attendance_rate=Decimal("90.00"),
            period_attendance_rate=Decimal("33.33"), scheduled_periods=70, present_periods=63,
            truancy_occasions=0, truant=False, eligible=True, chronically_absent=True,
            tier="moderate_chronic", refreshed_at=EVENING,
        )
    )  # fmt: skip
    session.flush()
    session.add(User(id=3, username="boss", password_hash="scrypt:x$y", role="admin", active=False))
    session.add(
        Import(
            id=1,
            kind="roster",
            filename="a.csv",
            status="completed",
            summary={"a": [1, None]},
            quality_score=Decimal("99.5"),
            state=None,
        )
    )
    session.add(Import(id=2, kind="roster", filename="b.csv", status="failed"))
    session.add(AuditEntry(id=9, at=EVENING, action="login", details={"é": "ü"}))
    session.flush()
    session.add(
        Intervention(
            id=4,
            student_id="007",
            type="other",
            tier=1,
            status="planned",
            start_date=dt.date(2025, 9, 3),
        )
    )
    session.add(
        Letter(id=5, intervention_id=4, student_id="007", template_key="t", language="es", pdf=PDF)
    )
    session.commit()


def test_values_round_trip_into_the_other_backend(
    session: Session, engine: Engine, other: Engine, tmp_path: Path
) -> None:
    fill(session)
    archive = tmp_path / "all.zip"
    export_all(engine, archive, app_version="test", actor="tester")
    report = import_all(other, archive, replace=False, actor="tester")
    assert report.rows["students"] == 1 and report.rows["letters"] == 1
    with Session(other) as moved:
        assert moved.get(Student, "007").first_name == "Ana 🌟"
        summary = moved.get(StudentYearSummary, ("007", "2025-2026"))
        assert summary.period_attendance_rate == Decimal("33.33")
        assert summary.eligible is True and summary.truant is False
        assert _utc(summary.refreshed_at) == stored_instant(session)
        assert moved.get(User, 3).active is False
        assert moved.get(Letter, 5).pdf == PDF
        first, second = moved.get(Import, 1), moved.get(Import, 2)
        assert first.summary == {"a": [1, None]} and first.quality_score == Decimal("99.5")
        assert second.summary is None
        # Import 1's state was set to None: stored as JSON null, not SQL NULL; import 2 never set.
        stored = dict(moved.execute(select(Import.id, cast(Import.state, Text))).all())
        assert stored == {1: "null", 2: None}
        assert moved.get(AuditEntry, 9).details == {"é": "ü"}
        assert moved.get(Intervention, 4).start_date == dt.date(2025, 9, 3)
        # New rows continue after the moved ids (PostgreSQL sequences were reset).
        moved.add(User(username="new", password_hash="h", role="admin"))
        moved.commit()
        assert moved.scalar(select(User.id).where(User.username == "new")) == 4


def test_import_into_a_database_with_data_needs_replace(
    session: Session, engine: Engine, other: Engine, tmp_path: Path
) -> None:
    fill(session)
    archive = tmp_path / "all.zip"
    export_all(engine, archive, app_version="test", actor=None)
    import_all(other, archive, replace=False)
    with pytest.raises(TransferRejected, match="not empty"):
        import_all(other, archive, replace=False)
    report = import_all(other, archive, replace=True)
    assert report.replaced and report.rows["import_errors"] == 0


def stored_instant(session: Session) -> dt.datetime:
    """The source's refreshed_at as the instant it stores: PostgreSQL keeps the zone's
    instant; SQLite keeps the wall-clock digits (the app always writes UTC there)."""
    session.expire_all()
    instant = _utc(session.get(StudentYearSummary, ("007", "2025-2026")).refreshed_at)
    if session.get_bind().dialect.name == "postgresql":
        assert instant == dt.datetime(2025, 9, 3, 6, 30, 15, 123456, dt.UTC)
    return instant


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def test_export_refuses_a_database_behind_the_code(tmp_path: Path) -> None:
    behind = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(behind, "0002")
    with pytest.raises(TransferRejected, match="run `attendly init-db` first"):
        export_all(behind, tmp_path / "old.zip", app_version="test", actor=None)
    behind.dispose()
    assert not (tmp_path / "old.zip").exists()
