"""db.statistics: a table changed by more than a tenth since it was last analyzed is analyzed
once, by the import's housekeeping, and then no longer counts as stale (PostgreSQL; nothing
to do on SQLite).

Changes reach the statistics system about a second after their commit, so the tests poll."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, insert, text
from sqlalchemy.orm import Session

from db.models import School
from db.statistics import analyze_changed, stale_tables

SCHOOLS = "public.schools"


def eventually(check: Callable[[], bool], session: Session, seconds: float = 15) -> bool:
    """Whether `check` came true within `seconds` (each try in a fresh transaction: the
    statistics views are read once per transaction)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        session.rollback()
        if check():
            return True
        time.sleep(0.2)
    return False


def reltuples(session: Session, table: str) -> float:
    """What the last ANALYZE (or VACUUM) counted of `table`'s rows; -1 when never analyzed."""
    query = text("SELECT reltuples FROM pg_class WHERE oid = CAST(:table AS regclass)")
    return float(session.scalar(query, {"table": table}) or 0)


def test_a_table_changed_by_a_tenth_is_analyzed_once(engine: Engine, session: Session) -> None:
    if engine.dialect.name != "postgresql":
        assert analyze_changed(session) == [] and stale_tables(session) == []
        return
    analyze_changed(session)  # what earlier tests left stale
    rows = [{"code": f"S{n:03}", "name": f"School {n}", "periods_per_day": 7} for n in range(300)]
    session.execute(insert(School), rows)
    session.commit()
    assert eventually(lambda: SCHOOLS in stale_tables(session), session)

    assert SCHOOLS in analyze_changed(session)
    assert reltuples(session, "schools") == 300  # what ANALYZE counted, stored at once
    assert eventually(lambda: SCHOOLS not in stale_tables(session), session)


def test_a_few_rows_more_leave_a_large_table_alone(engine: Engine, session: Session) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the statistics system is PostgreSQL's")
    rows = [{"code": f"S{n:03}", "name": f"School {n}", "periods_per_day": 7} for n in range(900)]
    session.execute(insert(School), rows)
    session.commit()
    assert eventually(lambda: SCHOOLS in stale_tables(session), session)
    analyze_changed(session)
    assert eventually(lambda: SCHOOLS not in stale_tables(session), session)
    # 80 more rows: over the floor of 50, under 50 + a tenth of 900 (140)
    more = [{"code": f"T{n:03}", "name": f"Other {n}", "periods_per_day": 7} for n in range(80)]
    session.execute(insert(School), more)
    session.commit()
    time.sleep(2)  # past the second in which the change reaches the statistics system
    session.rollback()
    assert SCHOOLS not in stale_tables(session)
