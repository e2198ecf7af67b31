"""Academic years run 1 July to 30 June and are named `2025-2026` (metric definitions §3, §6)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from attendly.metrics.years import (
    academic_year_bounds,
    academic_year_of,
    academic_years_of,
    current_academic_year,
)

YEAR_TABLE = [
    (dt.date(2025, 7, 1), "2025-2026"),  # first day of the year
    (dt.date(2025, 6, 30), "2024-2025"),  # last day of the previous year
    (dt.date(2026, 6, 30), "2025-2026"),  # last day of the year
    (dt.date(2025, 8, 13), "2025-2026"),  # first week of school
    (dt.date(2025, 12, 31), "2025-2026"),
    (dt.date(2026, 1, 1), "2025-2026"),  # calendar year changes, academic year does not
    (dt.date(2026, 7, 1), "2026-2027"),
]


@pytest.mark.parametrize(("day", "year"), YEAR_TABLE)
def test_academic_year_of(day, year):
    assert academic_year_of(day) == year


def test_academic_years_of_series_matches_the_table():
    dates = pd.Series(pd.to_datetime([day for day, _ in YEAR_TABLE]))
    assert academic_years_of(dates).tolist() == [year for _, year in YEAR_TABLE]


@pytest.mark.parametrize(
    ("year", "bounds"),
    [
        ("2025-2026", (dt.date(2025, 7, 1), dt.date(2026, 6, 30))),
        ("2023-2024", (dt.date(2023, 7, 1), dt.date(2024, 6, 30))),  # 2024 is a leap year
    ],
)
def test_academic_year_bounds(year, bounds):
    assert academic_year_bounds(year) == bounds


def test_current_academic_year_is_the_one_containing_today():
    # November 2025 is in 2025-2026 even if no data of that year is imported yet
    assert current_academic_year(dt.date(2025, 11, 10)) == "2025-2026"
    assert current_academic_year(dt.date(2026, 3, 2)) == "2025-2026"


def test_current_academic_year_setting_overrides_today():
    assert current_academic_year(dt.date(2025, 11, 10), override="2024-2025") == "2024-2025"
