"""Academic years: 1 July to 30 June, named `2025-2026`."""

from __future__ import annotations

import datetime as dt

import pandas as pd


def academic_year_of(day: dt.date) -> str:
    """The academic year containing `day`."""
    start = day.year if day.month >= 7 else day.year - 1
    return f"{start}-{start + 1}"


def academic_year_bounds(year: str) -> tuple[dt.date, dt.date]:
    """First and last calendar day (1 July, 30 June) of an academic year like `2025-2026`."""
    start = int(year[:4])
    return dt.date(start, 7, 1), dt.date(start + 1, 6, 30)


def academic_years_of(dates: pd.Series) -> pd.Series:
    """Vectorised `academic_year_of` for a datetime64 series."""
    start = dates.dt.year - (dates.dt.month < 7).astype("int64")
    return start.astype(str) + "-" + (start + 1).astype(str)


def current_academic_year(today: dt.date, override: str | None = None) -> str:
    """The *current* year for classification (metric definitions §6): override, else today's."""
    return override or academic_year_of(today)
