"""An i-Ready import keeps the growth table (db.growth) in step with the diagnostics."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from db import growth
from db.growth_models import IReadyGrowth
from tests.ingest.conftest import Writer
from tests.ingest.iready.test_upsert import ROWS, math_file


def rows(session: Session) -> list[tuple[object, ...]]:
    g = IReadyGrowth
    query = select(
        g.student_id, g.most_recent_date, g.valid_until, g.baseline_score, g.diagnostic_gain
    ).order_by(g.student_id, g.most_recent_date)
    return [tuple(row) for row in session.execute(query)]


def test_import_and_reimport_refresh_the_growth_rows(
    with_roster, iready, write_csv: Writer, session: Session
) -> None:
    iready(math_file(write_csv, ROWS))
    # 000001: 9/3 500 then 1/15 520 (gain 20); 000002: one diagnostic, 540.
    assert rows(session) == [
        ("000001", dt.date(2024, 9, 3), dt.date(2025, 1, 15), 500, 0),
        ("000001", dt.date(2025, 1, 15), None, 500, 20),
        ("000002", dt.date(2024, 9, 4), None, 540, 0),
    ]
    iready(math_file(write_csv, [ROWS[0], ROWS[1].replace(",520,", ",525,"), ROWS[2]]))
    assert rows(session)[1] == ("000001", dt.date(2025, 1, 15), None, 500, 25)
    assert growth.in_sync(session)
    assert growth.stale_growth(session) == 0
