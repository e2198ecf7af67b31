"""Attendance vs i-Ready (metric definitions §7)."""

from __future__ import annotations

import pandas as pd
import pytest

from attendly.metrics.correlation import by_tier, correlations, pearson

FIGURE_COLUMNS = ["student_id", "eligible", "attendance_rate", "tier"]
GROWTH_COLUMNS = [
    "student_id",
    "subject",
    "most_recent_score",
    "on_grade_level",
    "progress_to_typical",
]


def figures(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=FIGURE_COLUMNS)


def growth(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=GROWTH_COLUMNS)


# ----- pearson ---------------------------------------------------------------------------


def test_pearson_on_three_points():
    # x = 80, 90, 100; y = 500, 520, 560
    # mean x = 90; mean y = 1580/3 = 526.6667
    # dx = -10, 0, 10 -> Sxx = 100 + 0 + 100 = 200
    # Sxy = sum(dx * y) = -5000 + 0 + 5600 = 600
    # Syy = 500^2 + 520^2 + 560^2 - 1580^2/3 = 834000 - 832133.33 = 1866.67 (= 5600/3)
    # r = 600 / sqrt(200 x 5600/3) = sqrt(360000 x 3 / 1120000) = sqrt(27/28) = 0.98198 -> 0.9820
    # slope = 600/200 = 3; intercept = 526.6667 - 3 x 90 = 256.6667
    assert pearson([80.0, 90.0, 100.0], [500.0, 520.0, 560.0]) == {
        "n": 3,
        "r": 0.982,
        "slope": 3.0,
        "intercept": 256.6667,
    }


def test_pearson_on_uneven_points():
    # x = 80, 95, 100; y = 470, 505, 510
    # mean x = 275/3 = 91.6667; mean y = 495
    # dx = -35/3, 10/3, 25/3 -> Sxx = (1225 + 100 + 625)/9 = 650/3 = 216.6667
    # dy = -25, 10, 15 -> Syy = 625 + 100 + 225 = 950
    # Sxy = (875 + 100 + 375)/3 = 450
    # r = 450 / sqrt(216.6667 x 950) = 450 / 453.6887 = 0.99187 -> 0.9919
    # slope = 450 / (650/3) = 1350/650 = 2.076923 -> 2.0769
    # intercept = 495 - 2.076923 x 91.6667 = 495 - 190.3846 = 304.6154
    assert pearson([80.0, 95.0, 100.0], [470.0, 505.0, 510.0]) == {
        "n": 3,
        "r": 0.9919,
        "slope": 2.0769,
        "intercept": 304.6154,
    }


def test_pearson_of_a_falling_line():
    # y = 900 - 4x exactly: r = -1, slope -4, intercept 900
    assert pearson([90.0, 95.0, 100.0], [540.0, 520.0, 500.0]) == {
        "n": 3,
        "r": -1.0,
        "slope": -4.0,
        "intercept": 900.0,
    }


@pytest.mark.parametrize(
    ("x", "y", "n"),
    [
        ([], [], 0),  # no students
        ([90.0], [500.0], 1),  # n < 2
        ([95.0, 95.0, 95.0], [480.0, 500.0, 520.0], 3),  # attendance does not vary
        ([80.0, 90.0, 100.0], [500.0, 500.0, 500.0], 3),  # score does not vary
    ],
)
def test_pearson_undefined_gives_none(x, y, n):
    assert pearson(x, y) == {"n": n, "r": None, "slope": None, "intercept": None}


# ----- correlations over the school --------------------------------------------------------

SCHOOL_FIGURES = [
    ("a", True, 80.0, "severe_chronic"),
    ("b", True, 90.0, "moderate_chronic"),
    ("c", True, 100.0, "satisfactory"),
    ("d", False, 0.0, "insufficient_data"),  # not eligible: left out everywhere
    ("e", True, 95.0, "at_risk"),  # no ELA diagnostic
]
SCHOOL_GROWTH = [
    ("a", "ELA", 500, False, 10.0),
    ("b", "ELA", 520, False, 20.0),
    ("c", "ELA", 560, True, 30.0),
    ("d", "ELA", 800, True, 99.0),  # would change r if counted
    ("a", "MATH", 470, False, 5.0),
    ("e", "MATH", 505, False, 15.0),
    ("c", "MATH", 510, True, 25.0),
    ("d", "MATH", 100, False, 0.0),
    ("z", "MATH", 300, False, 0.0),  # no attendance figures
]


def test_correlations_use_eligible_students_with_a_diagnostic():
    result = correlations(figures(SCHOOL_FIGURES), growth(SCHOOL_GROWTH))
    # ELA: a, b, c -> x = 80, 90, 100; y = 500, 520, 560 (worked in test_pearson_on_three_points)
    assert result["ELA"] == {"n": 3, "r": 0.982, "slope": 3.0, "intercept": 256.6667}
    # MATH: a, e, c -> x = 80, 95, 100; y = 470, 505, 510 (test_pearson_on_uneven_points)
    assert result["MATH"] == {"n": 3, "r": 0.9919, "slope": 2.0769, "intercept": 304.6154}


def test_correlations_with_one_student_are_undefined():
    result = correlations(
        figures([("a", True, 90.0, "at_risk"), ("b", False, 50.0, "insufficient_data")]),
        growth([("a", "ELA", 500, False, 10.0), ("b", "ELA", 400, False, 0.0)]),
    )
    assert result["ELA"] == {"n": 1, "r": None, "slope": None, "intercept": None}
    assert result["MATH"] == {"n": 0, "r": None, "slope": None, "intercept": None}


def test_correlations_with_no_data():
    result = correlations(figures([]), growth([]))
    assert result == {
        "ELA": {"n": 0, "r": None, "slope": None, "intercept": None},
        "MATH": {"n": 0, "r": None, "slope": None, "intercept": None},
    }


# ----- per tier ----------------------------------------------------------------------------


def test_by_tier_summaries():
    tier_figures = figures(
        [
            ("c", True, 100.0, "satisfactory"),
            ("f", True, 98.0, "satisfactory"),
            ("g", True, 97.0, "satisfactory"),
            ("h", True, 99.0, "satisfactory"),
            ("b", True, 93.0, "at_risk"),
            ("d", False, 20.0, "insufficient_data"),
        ]
    )
    tier_growth = growth(
        [
            ("c", "ELA", 560, True, 120.0),
            ("f", "ELA", 540, True, 80.0),
            ("g", "ELA", 520, False, 40.0),
            ("h", "ELA", 530, None, None),  # no placement, no progress
            ("b", "ELA", 500, False, 10.0),
            ("d", "ELA", 700, True, 90.0),
        ]
    )
    rows = {row["tier"]: row for row in by_tier(tier_figures, tier_growth, "ELA")}
    # d is not eligible: no insufficient_data group
    assert set(rows) == {"satisfactory", "at_risk"}
    # satisfactory: c, f, g, h -> 4 students; scores 520, 530, 540, 560 -> (530 + 540)/2 = 535;
    # placed c, f, g -> on grade c, f = 200/3 = 66.67; progress 40, 80, 120 -> median 80.00
    assert rows["satisfactory"]["students"] == 4
    assert rows["satisfactory"]["median_score"] == 535
    assert rows["satisfactory"]["pct_on_grade"] == 66.67
    assert rows["satisfactory"]["median_progress_to_typical"] == 80.0
    # at_risk: b alone -> 500, 0 of 1 on grade = 0.00, progress 10.00
    assert rows["at_risk"] == {
        "tier": "at_risk",
        "students": 1,
        "median_score": 500,
        "pct_on_grade": 0.0,
        "median_progress_to_typical": 10.0,
    }


def test_by_tier_median_score_of_odd_count():
    rows = by_tier(
        figures([(s, True, 100.0, "satisfactory") for s in ("a", "b", "c")]),
        growth(
            [
                ("a", "MATH", 530, True, 1.0),
                ("b", "MATH", 490, False, 2.0),
                ("c", "MATH", 610, True, 3.0),
            ]
        ),
        "MATH",
    )
    # 490, 530, 610 -> 530 (the mean would be 543.33)
    assert [row["median_score"] for row in rows] == [530]
