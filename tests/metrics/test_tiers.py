"""Risk tiers (metric definitions §4), both presets, at every boundary."""

from __future__ import annotations

import pandas as pd
import pytest

from attendly.metrics.policy import Policy
from attendly.metrics.student import student_year_figures
from attendly.metrics.tiers import PRESET_TIERS, assign_tiers
from tests.metrics.frames import attendance, days_frame

AW = Policy(tier_preset="attendance_works")
LADDER = Policy(tier_preset="days_ladder")


def tier_of(enrolled: int, absent: int, policy: Policy) -> str:
    figures = student_year_figures(days_frame(attendance("s", enrolled, absent)), policy)
    return figures.iloc[0]["tier"]


def one(values) -> pd.Series:
    return pd.Series(values)


# absence_rate in hundredths -> attendance_works tier (eligible student)
@pytest.mark.parametrize(
    ("hundredths", "tier"),
    [
        (0, "satisfactory"),
        (499, "satisfactory"),  # 4.99 < 5
        (500, "at_risk"),  # 5.00: 5 <= rate
        (999, "at_risk"),  # 9.99 < 10
        (1000, "moderate_chronic"),  # 10.00: 10 <= rate
        (1999, "moderate_chronic"),  # 19.99 < 20
        (2000, "severe_chronic"),  # 20.00: rate >= 20
        (10000, "severe_chronic"),
    ],
)
def test_attendance_works_boundaries_on_hundredths(hundredths, tier):
    chronic = hundredths >= 1000
    result = assign_tiers(
        one([hundredths]), one([1]), one([True]), one([chronic]), "attendance_works"
    )
    assert result.tolist() == [tier]


# enrolled, absent -> attendance_works tier
@pytest.mark.parametrize(
    ("enrolled", "absent", "tier"),
    [
        (20, 0, "satisfactory"),  # 0.00
        (21, 1, "satisfactory"),  # 100/21 = 4.76
        (501, 25, "satisfactory"),  # 2500/501 = 4.9900 -> 4.99
        (1001, 50, "at_risk"),  # 5000/1001 = 4.995005 -> absence_rate 5.00
        (20, 1, "at_risk"),  # 100/20 = 5.00
        (21, 2, "at_risk"),  # 200/21 = 9.52
        (1001, 100, "at_risk"),  # 10000/1001 = 9.99001 -> 9.99
        (20, 2, "moderate_chronic"),  # 200/20 = 10.00
        (21, 4, "moderate_chronic"),  # 400/21 = 19.05
        (1336, 267, "moderate_chronic"),  # 26700/1336 = 19.98503 -> 19.99
        (20, 4, "severe_chronic"),  # 400/20 = 20.00
        (10, 10, "severe_chronic"),  # 100.00
        (9, 1, "insufficient_data"),  # 9 < 10 enrolled days
        (9, 9, "insufficient_data"),
    ],
)
def test_attendance_works_tiers_from_day_counts(enrolled, absent, tier):
    assert tier_of(enrolled, absent, AW) == tier


# enrolled, absent -> days_ladder tier
@pytest.mark.parametrize(
    ("enrolled", "absent", "tier"),
    [
        (40, 0, "no_concern"),  # 0 days absent
        (40, 1, "tier_1"),  # 1 day, 2.50 %
        (40, 2, "tier_1"),  # 2 days, 5.00 %
        (40, 3, "tier_2"),  # 3 days, 7.50 %: not chronic
        (40, 4, "tier_3"),  # 4 days, 10.00 %: chronic
        (40, 33, "tier_3"),  # 33 days, 3300/40 = 82.50 %
        (100, 9, "tier_2"),  # 9 days, 9.00 %: 3 or more, not chronic
        (30, 3, "tier_3"),  # 3 days but 300/30 = 10.00 %: chronic wins over tier_2
        (10, 1, "tier_3"),  # 1 day but 100/10 = 10.00 %: chronic wins over tier_1
        (20, 2, "tier_3"),  # 2 days, 10.00 %: chronic
        (21, 2, "tier_1"),  # 2 days, 9.52 %: not chronic
        (9, 0, "insufficient_data"),  # not eligible
        (9, 5, "insufficient_data"),  # not eligible even at 55.56 %
    ],
)
def test_days_ladder_tiers_from_day_counts(enrolled, absent, tier):
    assert tier_of(enrolled, absent, LADDER) == tier


@pytest.mark.parametrize("preset", ["attendance_works", "days_ladder"])
def test_ineligible_is_insufficient_data_in_every_preset(preset):
    result = assign_tiers(one([5000]), one([5]), one([False]), one([False]), preset)
    assert result.tolist() == ["insufficient_data"]


def test_assign_tiers_keeps_the_index():
    index = ["007", "7"]
    result = assign_tiers(
        pd.Series([0, 2000], index=index),
        pd.Series([0, 4], index=index),
        pd.Series([True, True], index=index),
        pd.Series([False, True], index=index),
        "attendance_works",
    )
    assert result.to_dict() == {"007": "satisfactory", "7": "severe_chronic"}


def test_unknown_preset_is_an_error():
    with pytest.raises(ValueError):
        assign_tiers(one([0]), one([0]), one([True]), one([False]), "colours")


def test_preset_tier_lists():
    assert [t.value for t in PRESET_TIERS["attendance_works"]] == [
        "satisfactory",
        "at_risk",
        "moderate_chronic",
        "severe_chronic",
        "insufficient_data",
    ]
    assert [t.value for t in PRESET_TIERS["days_ladder"]] == [
        "no_concern",
        "tier_1",
        "tier_2",
        "tier_3",
        "insufficient_data",
    ]
