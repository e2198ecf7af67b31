"""The dashboards' narrow and database-ordered reads give exactly the full reads' rows, on
SQLite and PostgreSQL (student ids "007", "0100", "1234" and "7" sort as Python sorts
strings, not as numbers or by a locale's rules)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy.orm import Session

from attendly.settings import Settings
from db import growth, queries, week_change
from db.dashboard import Scope
from db.policy import load_policy
from db.summaries import refresh_all
from tests.db.test_growth import YEAR, store
from tests.db.test_queries import load_school

D = dt.date


@pytest.mark.parametrize("until", [None, D(2025, 9, 11), D(2025, 10, 1), D(2026, 6, 1)])
def test_page_columns_are_the_full_growth_columns(session: Session, until: dt.date | None) -> None:
    load_school(session)
    store(session)
    narrow = queries.iready_growth(session, YEAR, None, until, columns=growth.PAGE_COLUMNS)
    full = queries.growth_from_diagnostics(session, YEAR, None, until)
    assert list(narrow.columns) == list(growth.PAGE_COLUMNS)
    pd.testing.assert_frame_equal(narrow, full[list(growth.PAGE_COLUMNS)], check_exact=True)
    assert list(narrow["student_id"]) == ["007", "1234", "7"]


@pytest.mark.parametrize("before", [D(2025, 9, 8), D(2025, 11, 30)])
def test_a_week_ago_keeps_the_page_columns(session: Session, before: dt.date) -> None:
    load_school(session)
    store(session)
    version = queries.data_version(session)
    now = queries.iready_growth(session, YEAR, None, columns=growth.PAGE_COLUMNS, version=version)
    scope = Scope(YEAR, D(2026, 6, 1), None)
    earlier = week_change.growth_as_of(session, scope, before, now, version)
    full = queries.growth_from_diagnostics(session, YEAR, None, before)
    pd.testing.assert_frame_equal(earlier, full[list(growth.PAGE_COLUMNS)], check_exact=True)


def test_stored_figures_come_in_python_string_order(session: Session) -> None:
    load_school(session)
    settings = Settings(env="test")
    refresh_all(session, settings)
    session.commit()
    policy = load_policy(session, settings)
    year, as_of = queries.resolve_period(session)
    assert year is not None and as_of is not None
    figures = queries.student_figures(session, policy, academic_year=year, as_of=as_of)
    assert list(figures["student_id"]) == ["007", "0100", "1234", "7"]
    assert isinstance(figures.index, pd.RangeIndex)
