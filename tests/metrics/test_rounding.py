"""Percentages to two decimals, half up, from integers (metric definitions §2-§3)."""

from __future__ import annotations

import pandas as pd
import pytest

from attendly.metrics.rounding import (
    mean_hundredths,
    mean_hundredths_series,
    percent,
    percent_hundredths,
    percent_hundredths_series,
)

# (numerator, denominator, expected percent) -- worked by hand.
PERCENT_TABLE = [
    (1, 160, 0.63),  # 100/160 = 0.625 -> half up 0.63 (half-even would give 0.62)
    (2, 3, 66.67),  # 200/3 = 66.666... -> 66.67
    (1, 3, 33.33),  # 100/3 = 33.333... -> 33.33
    (6, 7, 85.71),  # 600/7 = 85.714285... -> 85.71
    (1, 7, 14.29),  # 100/7 = 14.285714... -> 14.29
    (1, 8, 12.5),  # 100/8 = 12.5 exactly
    (1, 32, 3.13),  # 100/32 = 3.125 -> half up 3.13
    (3, 160, 1.88),  # 300/160 = 1.875 -> half up 1.88
    (1, 800, 0.13),  # 100/800 = 0.125 -> half up 0.13
    (1, 20000, 0.01),  # 100/20000 = 0.005 -> half up 0.01
    (1, 20001, 0.0),  # 100/20001 = 0.0049997... -> 0.00
    (200, 2001, 10.0),  # 20000/2001 = 9.995002... -> 10.00
    (0, 5, 0.0),  # nothing out of 5
    (5, 5, 100.0),  # all of 5
    (1, 20, 5.0),  # 100/20 = 5 exactly
]


@pytest.mark.parametrize(("numerator", "denominator", "expected"), PERCENT_TABLE)
def test_percent_rounds_half_up_to_two_decimals(numerator, denominator, expected):
    assert percent(numerator, denominator) == expected


@pytest.mark.parametrize(("numerator", "denominator", "expected"), PERCENT_TABLE)
def test_percent_hundredths_is_the_integer_form(numerator, denominator, expected):
    # e.g. 0.63 % is carried as the integer 63
    assert percent_hundredths(numerator, denominator) == round(expected * 100)


@pytest.mark.parametrize("numerator", [0, 1, 7])
def test_percent_of_nothing_is_none(numerator):
    assert percent(numerator, 0) is None
    assert percent_hundredths(numerator, 0) is None


def test_percent_hundredths_series_matches_the_table():
    numerators = pd.Series([row[0] for row in PERCENT_TABLE])
    denominators = pd.Series([row[1] for row in PERCENT_TABLE])
    expected = [round(row[2] * 100) for row in PERCENT_TABLE]
    assert percent_hundredths_series(numerators, denominators).tolist() == expected


# (sum of hundredths, count, expected mean in hundredths)
MEAN_TABLE = [
    (1, 2, 1),  # 0.5 -> half up 1
    (3, 2, 2),  # 1.5 -> half up 2
    (11429, 2, 5715),  # 14.29 % + 100.00 % = 114.29 / 2 = 57.145 -> 57.15
    (27142, 3, 9047),  # 85.71 + 85.71 + 100.00 = 271.42 / 3 = 90.4733... -> 90.47
    (2, 3, 1),  # 0.666... -> 1
    (1, 3, 0),  # 0.333... -> 0
    (10000, 2, 5000),  # 100.00 / 2 = 50.00 exactly
]


@pytest.mark.parametrize(("total", "count", "expected"), MEAN_TABLE)
def test_mean_hundredths_rounds_half_up(total, count, expected):
    assert mean_hundredths(total, count) == expected


def test_mean_hundredths_of_no_values_is_none():
    assert mean_hundredths(0, 0) is None


def test_mean_hundredths_series_matches_the_table():
    totals = pd.Series([row[0] for row in MEAN_TABLE])
    counts = pd.Series([row[1] for row in MEAN_TABLE])
    assert mean_hundredths_series(totals, counts).tolist() == [row[2] for row in MEAN_TABLE]
