"""The dashboards' data version (db.queries.data_version) moves with every change of what the
pages show, in the writer's transaction, whatever the writer's clock says; on both databases."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from attendly.metrics.policy import Policy
from attendly.settings import Settings
from db import growth, queries
from db.aggregates import refresh_all_aggregates
from db.models import StudentYearSummary
from db.summaries import refresh_summaries
from db.version_models import DataVersion
from db.versions import bump, current
from tests.db.test_dashboard_queries import add_diagnostics
from tests.db.test_queries import load_school

SETTINGS = Settings(env="test")


def test_a_refresh_moves_the_version_even_with_a_clock_behind(session: Session) -> None:
    load_school(session)
    before = queries.data_version(session)
    # A worker whose clock is a day behind: the newest refreshed_at does not move.
    session.execute(
        update(StudentYearSummary).values(refreshed_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    )
    session.commit()
    assert queries.data_version(session) == before  # a raw write alone is not a refresh
    refresh_summaries(session, ["007"], SETTINGS, dates=(dt.date(2025, 9, 3), dt.date(2025, 9, 3)))
    session.commit()
    after = queries.data_version(session)
    assert after != before
    assert after[-1] == before[-1] + 1  # one refresh, one step


def test_growth_and_rebuilds_move_it(session: Session) -> None:
    load_school(session)
    first = queries.data_version(session)
    add_diagnostics(session)  # written directly: no growth refresh yet
    growth.refresh_growth(session, ["007", "7"])
    session.commit()
    second = queries.data_version(session)
    assert second != first
    refresh_all_aggregates(session, Policy())
    session.commit()
    assert queries.data_version(session) != second


def test_uncommitted_changes_are_not_seen_by_others(session: Session) -> None:
    load_school(session)
    seen = queries.data_version(session)
    bump(session)
    assert queries.data_version(session) != seen  # the writer sees its own
    session.rollback()
    assert queries.data_version(session) == seen


def test_an_emptied_table_starts_again(session: Session) -> None:
    session.execute(delete(DataVersion))
    session.commit()
    assert current(session) is None
    bump(session)
    bump(session)
    session.commit()
    assert current(session) == 2
    assert session.scalar(select(DataVersion.name)) == "dashboards"
