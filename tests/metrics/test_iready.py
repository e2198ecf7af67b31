"""i-Ready growth (metric definitions §6)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from attendly.metrics.iready import (
    GROWTH_COLUMNS,
    growth_by_student,
    median_rate,
    progress_percent,
    relative_placement_level,
    subject_kpis,
)

DIAGNOSTIC_COLUMNS = [
    "student_id",
    "subject",
    "academic_year",
    "completion_date",
    "overall_scale_score",
    "baseline",
    "placement_level",
    "annual_typical_growth",
    "annual_stretch_growth",
]
YEAR = "2025-2026"


def diagnostics(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=DIAGNOSTIC_COLUMNS)


def growth_row(rows, student_id="s", subject="ELA", year=YEAR):
    growth = growth_by_student(diagnostics(rows))
    match = growth[
        (growth["student_id"] == student_id)
        & (growth["subject"] == subject)
        & (growth["academic_year"] == year)
    ]
    assert len(match) == 1
    return match.iloc[0]


# ----- relative placement --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("3 or More Grade Levels Below", 1),
        ("2 Grade Levels Below", 2),
        ("1 Grade Level Below", 3),
        ("Early On Grade Level", 4),
        ("Mid or Above Grade Level", 5),
        # older wording
        ("Three or More Grades Below", 1),
        ("Two Grades Below", 2),
        ("One Grade Below", 3),
        # 3-level wording: "1 Level Below" is one below, like "1 Grade Level Below"
        ("1 Level Below", 3),
        # normalised: case and inner/outer spaces
        ("  mid   or above GRADE level ", 5),
        ("early on grade level", 4),
    ],
)
def test_relative_placement_levels(text, level):
    assert relative_placement_level(text) == level


@pytest.mark.parametrize(
    ("text", "on_grade_level"),
    [
        ("On Level", True),  # 3-level scale: on level -> level 4 or 5
        ("1 Level Below", False),
        ("2 or More Levels Below", False),
        ("Early On Grade Level", True),
        ("Mid or Above Grade Level", True),
        ("1 Grade Level Below", False),
    ],
)
def test_three_level_wording_maps_onto_on_grade_level(text, on_grade_level):
    assert (relative_placement_level(text) >= 4) is on_grade_level


def test_two_or_more_levels_below_is_at_most_two_grades_below():
    # "2 or More Levels Below" covers 2 and 3+ below: level 1 or 2 of the 5-level scale
    assert relative_placement_level("2 or More Levels Below") in (1, 2)


@pytest.mark.parametrize("text", [None, "", "   ", "Not Assessed", "not assessed"])
def test_not_assessed_or_blank_placement_is_missing(text):
    assert relative_placement_level(text) is None


@pytest.mark.parametrize("text", ["Above Grade Level", "Late 7", "Level 3", "Tested Out"])
def test_unknown_relative_placement_is_an_error(text):
    with pytest.raises(ValueError):
        relative_placement_level(text)


# ----- progress ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gain", "measure", "expected"),
    [
        (30, 18, 166.67),  # 3000/18 = 166.666... -> 166.67
        (10, 25, 40.0),  # 1000/25 = 40.00
        (9, 24, 37.5),  # 900/24 = 37.50
        (1, 3, 33.33),  # 100/3 = 33.33
        (2, 3, 66.67),  # 200/3 = 66.67
        (1, 160, 0.63),  # 100/160 = 0.625 -> half up 0.63
        (-10, 20, 0.0),  # negative gain counts as 0
        (0, 20, 0.0),
        (12, 0, None),  # measure 0 -> missing
        (12, None, None),  # measure missing
        (12, float("nan"), None),  # measure missing (NaN from a blank cell)
    ],
)
def test_progress_percent(gain, measure, expected):
    assert progress_percent(gain, measure) == expected


# ----- baseline, most recent, gain ----------------------------------------------------


FLAGGED_BASELINE = [
    # given out of date order on purpose
    ("s", "ELA", YEAR, dt.date(2026, 5, 1), 540, False, 5, 18, 36),
    ("s", "ELA", YEAR, dt.date(2025, 8, 20), 500, False, 2, 20, 40),
    ("s", "ELA", YEAR, dt.date(2026, 1, 15), 530, False, 4, 18, 36),
    ("s", "ELA", YEAR, dt.date(2025, 9, 10), 510, True, 3, 18, 36),
]


def test_flagged_baseline_is_used_even_when_not_earliest():
    row = growth_row(FLAGGED_BASELINE)
    assert row["baseline_date"] == dt.date(2025, 9, 10)
    assert row["baseline_score"] == 510


def test_most_recent_is_the_latest_completion_date():
    row = growth_row(FLAGGED_BASELINE)
    assert row["most_recent_date"] == dt.date(2026, 5, 1)
    assert row["most_recent_score"] == 540
    assert row["diagnostics"] == 4


def test_gain_and_progress_from_the_flagged_baseline():
    row = growth_row(FLAGGED_BASELINE)
    # gain = 540 - 510 = 30; typical 18 (baseline's) -> 3000/18 = 166.67;
    # stretch 36 -> 3000/36 = 83.333... -> 83.33
    assert row["diagnostic_gain"] == 30
    assert row["progress_to_typical"] == 166.67
    assert row["progress_to_stretch"] == 83.33


def test_placement_and_on_grade_level_come_from_the_most_recent():
    row = growth_row(FLAGGED_BASELINE)
    assert row["placement_level"] == 5
    assert bool(row["on_grade_level"]) is True


def test_earliest_is_the_baseline_when_none_is_flagged():
    rows = [
        ("s", "MATH", YEAR, dt.date(2025, 12, 1), 470, False, 2, 25, 50),
        ("s", "MATH", YEAR, dt.date(2026, 4, 1), 490, False, 3, 25, 50),
        ("s", "MATH", YEAR, dt.date(2025, 9, 1), 480, False, 2, 25, 50),
    ]
    row = growth_row(rows, subject="MATH")
    # baseline 09-01 480, most recent 04-01 490: gain 10; 1000/25 = 40.00; 1000/50 = 20.00
    assert row["baseline_date"] == dt.date(2025, 9, 1)
    assert row["baseline_score"] == 480
    assert row["most_recent_score"] == 490
    assert row["diagnostic_gain"] == 10
    assert row["progress_to_typical"] == 40.0
    assert row["progress_to_stretch"] == 20.0


def test_negative_gain_is_kept_and_progress_is_zero():
    rows = [
        ("s", "ELA", YEAR, dt.date(2025, 9, 1), 500, True, 3, 20, 40),
        ("s", "ELA", YEAR, dt.date(2026, 1, 10), 490, False, 3, 20, 40),
    ]
    row = growth_row(rows)
    # 490 - 500 = -10; 100 x max(-10, 0)/20 = 0.00
    assert row["diagnostic_gain"] == -10
    assert row["progress_to_typical"] == 0.0
    assert row["progress_to_stretch"] == 0.0


@pytest.mark.parametrize(
    ("typical", "stretch", "expected_typical", "expected_stretch"),
    [
        (None, 40, None, 50.0),  # 2000/40 = 50.00
        (0, 40, None, 50.0),
        (16, None, 125.0, None),  # 2000/16 = 125.00
        (16, 0, 125.0, None),
    ],
)
def test_progress_is_missing_when_measure_missing_or_zero(
    typical, stretch, expected_typical, expected_stretch
):
    rows = [
        ("s", "ELA", YEAR, dt.date(2025, 9, 1), 500, True, 3, typical, stretch),
        ("s", "ELA", YEAR, dt.date(2026, 1, 10), 520, False, 4, 99, 99),
    ]
    row = growth_row(rows)
    assert row["diagnostic_gain"] == 20
    if expected_typical is None:
        assert pd.isna(row["progress_to_typical"])
    else:
        assert row["progress_to_typical"] == expected_typical
    if expected_stretch is None:
        assert pd.isna(row["progress_to_stretch"])
    else:
        assert row["progress_to_stretch"] == expected_stretch


def test_single_diagnostic_is_both_baseline_and_most_recent():
    rows = [("s", "ELA", YEAR, dt.date(2025, 9, 1), 505, False, 2, 20, 40)]
    row = growth_row(rows)
    assert row["baseline_score"] == row["most_recent_score"] == 505
    assert row["diagnostic_gain"] == 0
    assert row["progress_to_typical"] == 0.0


@pytest.mark.parametrize(
    ("level", "on_grade"),
    [(1, False), (2, False), (3, False), (4, True), (5, True)],
)
def test_on_grade_level_is_level_four_or_five(level, on_grade):
    rows = [("s", "ELA", YEAR, dt.date(2025, 9, 1), 500, False, level, 20, 40)]
    assert bool(growth_row(rows)["on_grade_level"]) is on_grade


def test_missing_placement_gives_unknown_on_grade_level():
    rows = [("s", "ELA", YEAR, dt.date(2025, 9, 1), 500, False, None, 20, 40)]
    row = growth_row(rows)
    assert row["placement_level"] is None or pd.isna(row["placement_level"])
    assert row["on_grade_level"] is None or pd.isna(row["on_grade_level"])


def test_one_row_per_student_subject_and_year():
    rows = [
        ("007", "ELA", YEAR, dt.date(2025, 9, 1), 500, False, 3, 20, 40),
        ("7", "ELA", YEAR, dt.date(2025, 9, 2), 600, False, 5, 20, 40),
        ("7", "MATH", YEAR, dt.date(2025, 9, 3), 450, False, 1, 20, 40),
        ("7", "MATH", "2024-2025", dt.date(2025, 5, 3), 440, False, 1, 20, 40),
    ]
    growth = growth_by_student(diagnostics(rows))
    assert list(growth.columns) == list(GROWTH_COLUMNS)
    keys = list(zip(growth["student_id"], growth["subject"], growth["academic_year"], strict=True))
    assert sorted(keys) == [
        ("007", "ELA", YEAR),
        ("7", "ELA", YEAR),
        ("7", "MATH", "2024-2025"),
        ("7", "MATH", YEAR),
    ]
    # each year on its own: 2025-2026 MATH has one diagnostic (450), gain 0
    row = growth_row(rows, student_id="7", subject="MATH")
    assert row["baseline_score"] == 450
    assert row["diagnostics"] == 1


def test_no_diagnostics_gives_empty_frame_with_columns():
    growth = growth_by_student(diagnostics([]))
    assert growth.empty
    assert list(growth.columns) == list(GROWTH_COLUMNS)


# ----- median and subject KPIs --------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([10.0, 50.0, 30.0], 30.0),  # odd count: sorted 10, 30, 50 -> 30.00
        ([0.0, 0.0, 100.0], 0.0),  # median 0.00 (the mean would be 33.33)
        ([90.0, 10.0, 40.0, 20.0], 30.0),  # even: sorted 10, 20, 40, 90 -> (20 + 40)/2
        ([50.0, 75.01], 62.51),  # even: (50.00 + 75.01)/2 = 62.505 -> half up 62.51
        ([33.33, 66.67], 50.0),  # (33.33 + 66.67)/2 = 50.00
        ([42.5], 42.5),  # one value
        ([None, 20.0, float("nan"), 60.0, 100.0], 60.0),  # missing values are ignored
    ],
)
def test_median_rate(values, expected):
    assert median_rate(pd.Series(values, dtype=float)) == expected


def test_median_of_nothing_is_none():
    assert median_rate(pd.Series([], dtype=float)) is None
    assert median_rate(pd.Series([None, None], dtype=float)) is None


def test_subject_kpis_per_subject():
    growth = pd.DataFrame(
        [
            ("a", "ELA", True, 50.0),
            ("b", "ELA", False, 100.0),
            ("c", "ELA", True, None),
            ("d", "ELA", None, 20.0),  # no placement on the most recent diagnostic
            ("a", "MATH", True, 10.0),
            ("b", "MATH", True, 31.25),
        ],
        columns=["student_id", "subject", "on_grade_level", "progress_to_typical"],
    )
    kpis = subject_kpis(growth)
    # ELA: 4 students; placed a, b, c -> on grade a, c = 200/3 = 66.67;
    #      progress 50, 100, 20 -> sorted 20, 50, 100 -> median 50.00
    assert kpis["ELA"] == {
        "students": 4,
        "pct_on_grade": 66.67,
        "median_progress_to_typical": 50.0,
    }
    # MATH: 2 of 2 on grade = 100.00; median (10.00 + 31.25)/2 = 20.625 -> half up 20.63
    assert kpis["MATH"] == {
        "students": 2,
        "pct_on_grade": 100.0,
        "median_progress_to_typical": 20.63,
    }


def test_subject_kpis_of_a_subject_with_no_students():
    growth = pd.DataFrame(
        [("a", "ELA", False, 10.0)],
        columns=["student_id", "subject", "on_grade_level", "progress_to_typical"],
    )
    kpis = subject_kpis(growth)
    assert kpis["ELA"] == {"students": 1, "pct_on_grade": 0.0, "median_progress_to_typical": 10.0}
    assert kpis["MATH"] == {
        "students": 0,
        "pct_on_grade": None,
        "median_progress_to_typical": None,
    }


def test_subject_kpis_from_growth_by_student():
    rows = [
        # a ELA: 500 -> 520, typical 16: 2000/16 = 125.00; most recent level 4 (on grade)
        ("a", "ELA", YEAR, dt.date(2025, 9, 1), 500, True, 3, 16, 30),
        ("a", "ELA", YEAR, dt.date(2026, 1, 5), 520, False, 4, 16, 30),
        # b ELA: 480 -> 470, negative gain -> 0.00; level 2
        ("b", "ELA", YEAR, dt.date(2025, 9, 2), 480, True, 2, 20, 40),
        ("b", "ELA", YEAR, dt.date(2026, 1, 6), 470, False, 2, 20, 40),
        # c ELA: 510 -> 518, typical 32: 800/32 = 25.00; level 3
        ("c", "ELA", YEAR, dt.date(2025, 9, 3), 510, True, 3, 32, 50),
        ("c", "ELA", YEAR, dt.date(2026, 1, 7), 518, False, 3, 32, 50),
    ]
    kpis = subject_kpis(growth_by_student(diagnostics(rows)))
    # 1 of 3 on grade = 33.33; progress 0.00, 25.00, 125.00 -> median 25.00
    assert kpis["ELA"] == {
        "students": 3,
        "pct_on_grade": 33.33,
        "median_progress_to_typical": 25.0,
    }
