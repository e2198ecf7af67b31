"""Exact percentage rounding: integer arithmetic, half away from zero, identical everywhere.

Rates are carried as integer *hundredths of a percent* so that SQLite, PostgreSQL and Python
agree to the last digit; floats appear only at the output edge.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def percent_hundredths(numerator: int, denominator: int) -> int | None:
    """round(100 * numerator / denominator, 2) in hundredths, half up; None if denominator is 0."""
    if denominator == 0:
        return None
    return (20000 * numerator + denominator) // (2 * denominator)


def mean_hundredths(total_hundredths: int, count: int) -> int | None:
    """The mean of `count` hundredth values summing to `total_hundredths`, rounded half up."""
    if count == 0:
        return None
    return (2 * total_hundredths + count) // (2 * count)


def percent(numerator: int, denominator: int) -> float | None:
    """round(100 * numerator / denominator, 2) as a float, or None when undefined."""
    value = percent_hundredths(numerator, denominator)
    return None if value is None else value / 100


def percent_hundredths_series(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """Vectorised `percent_hundredths` for non-negative integer series with denominator > 0."""
    num = numerator.to_numpy(dtype=np.int64)
    den = denominator.to_numpy(dtype=np.int64)
    return pd.Series((20000 * num + den) // (2 * den), index=numerator.index, dtype="int64")


def mean_hundredths_series(total: pd.Series, count: pd.Series) -> pd.Series:
    """Vectorised `mean_hundredths` for integer series with count > 0."""
    tot = total.to_numpy(dtype=np.int64)
    cnt = count.to_numpy(dtype=np.int64)
    return pd.Series((2 * tot + cnt) // (2 * cnt), index=total.index, dtype="int64")
