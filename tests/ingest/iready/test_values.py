"""Cell normalisation of i-Ready values: placements, relative placements, grades, measures."""

from __future__ import annotations

import pandas as pd
import pytest

from ingest.iready import values
from ingest.iready.subjects import subject_from_filename, subject_of


def series(*cells: str) -> pd.Series:
    return pd.Series(list(cells), dtype=object)


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("3 or More Grade Levels Below", 1),
        ("2 Grade Levels Below", 2),
        ("1 Grade Level Below", 3),
        ("Early On Grade Level", 4),
        ("Mid or Above Grade Level", 5),
        # 3-level wording
        ("On Level", 5),
        ("1 Level Below", 3),
        ("2 or More Levels Below", 1),
        # older wording, spelled out
        ("Three or More Grades Below", 1),
        ("Two Grades Below", 2),
        ("One Grade Below", 3),
        ("Two or More Grade Levels Below", 1),
        ("One Grade Level Below", 3),
        ("  mid  or ABOVE grade level ", 5),
    ],
)
def test_relative_placements_normalise_to_levels(text: str, level: int) -> None:
    levels, unknown = values.relative_levels(series(text))
    assert levels.tolist() == [level]
    assert not unknown.any()


def test_missing_and_unknown_relative_placements() -> None:
    levels, unknown = values.relative_levels(series("", "Not Assessed", "Way Ahead"))
    assert levels.isna().tolist() == [True, True, True]
    assert unknown.tolist() == [False, False, True]


@pytest.mark.parametrize(
    ("text", "normalised", "measured"),
    [
        ("Early 7", "Early 7", True),
        ("mid 7", "Mid 7", True),
        ("Late 07", "Late 7", True),
        ("Level 7", "Level 7", True),
        ("Grade 7", "Level 7", True),
        ("Level K", "Level K", True),
        ("Emerging K", "Emerging K", True),
        ("Mid / Late 7", "Mid / Late 7", True),
        ("Early/Mid K", "Early / Mid K", True),
        ("Max Score", "Max Score", True),
        ("Tested Out", "Tested Out", False),
        ("Surpassed Level", "Tested Out", False),
        ("Not Assessed", None, False),
        ("", None, True),
    ],
)
def test_placements(text: str, normalised: str | None, measured: bool) -> None:
    text_out, not_measured, unknown = values.placements(series(text))
    assert text_out.tolist() == [normalised]
    assert not_measured.tolist() == [not measured]
    assert not unknown.any()


def test_unknown_placement_is_kept_as_written() -> None:
    text_out, _, unknown = values.placements(series("Beyond  Level 12"))
    assert text_out.tolist() == ["Beyond Level 12"]
    assert unknown.tolist() == [True]


@pytest.mark.parametrize(
    ("text", "grade"),
    [
        ("K", "K"),
        ("KG", "K"),
        ("0", "K"),
        ("07", "7"),
        ("7", "7"),
        ("12", "12"),
        ("Grade 8", "8"),
        ("TK", "TK"),
        ("", None),
    ],
)
def test_test_time_grades(text: str, grade: str | None) -> None:
    grades, bad = values.grades_at_test(series(text))
    assert grades.tolist() == [grade]
    assert not bad.any()


def test_unreadable_grade_is_flagged() -> None:
    grades, bad = values.grades_at_test(series("Senior", "14"))
    assert grades.tolist() == [None, None]
    assert bad.tolist() == [True, True]


def test_lexile_and_quantile_measures() -> None:
    lexile, bad = values.measures(series("1035L", "BR50L", " 985 l", "", "1035"), "L")
    assert lexile.tolist() == ["1035L", "BR50L", "985L", None, None]
    assert bad.tolist() == [False, False, False, False, True]
    quantile, bad = values.measures(series("920Q", "EM85Q", "920L"), "Q")
    assert quantile.tolist() == ["920Q", "EM85Q", None]
    assert bad.tolist() == [False, False, True]


def test_yes_no_flags() -> None:
    flags, bad = values.flags(series("Y", "N", "y", "Yes", "", "No", "maybe"))
    assert flags.tolist() == [True, False, True, True, False, False, False]
    assert bad.tolist() == [False] * 6 + [True]


def test_scale_scores_are_whole_numbers_from_100_to_800() -> None:
    scores, not_integer, outside = values.scale_scores(
        series("100", "800", "550.0", "99", "801", "550.5", "abc", "")
    )
    assert scores.tolist()[:3] == [100, 800, 550]
    assert scores.isna().tolist()[3:] == [True] * 5
    assert not_integer.tolist() == [False, False, False, False, False, True, True, False]
    assert outside.tolist() == [False, False, False, True, True, False, False, False]


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("2024-2025", "2024-2025"),
        ("2024-25", "2024-2025"),
        ("2024 - 2025", "2024-2025"),
        ("2099-00", "2099-2100"),
        ("", None),
    ],
)
def test_academic_years(text: str, year: str | None) -> None:
    years, bad = values.academic_years(series(text))
    assert years.tolist() == [year]
    assert not bad.any()


@pytest.mark.parametrize("text", ["2024-2026", "24-25", "FY25"])
def test_unreadable_academic_years(text: str) -> None:
    _, bad = values.academic_years(series(text))
    assert bad.tolist() == [True]


def test_rush_flags() -> None:
    flags = values.rush_flags(series("", "Yellow Rush Flag", "red rush flag", "Red"))
    assert flags.tolist() == [None, "Yellow Rush Flag", "Red Rush Flag", "Red Rush Flag"]


@pytest.mark.parametrize(
    ("name", "subject"),
    [
        ("diagnostic_results_ela.csv", "ELA"),
        ("diagnostic_results_math.csv", "MATH"),
        ("Diagnostic_Results_ELA_CONFIDENTIAL.csv", "ELA"),
        ("i-ready_inform_results_reading_english_CONFIDENTIAL.csv", "ELA"),
        ("i-ready_inform_results_math_CONFIDENTIAL.csv", "MATH"),
        ("reading2025.csv", "ELA"),
        ("MATHEMATICS fall.csv", "MATH"),
        ("relative_scores.csv", None),  # "ela" inside a word does not count
        ("ela_and_math.csv", None),  # both: the file must say per row
        ("export.csv", None),
    ],
)
def test_subject_from_file_name(name: str, subject: str | None) -> None:
    assert subject_from_filename(name) == subject


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("Reading", "ELA"),
        ("ELA", "ELA"),
        ("English Language Arts", "ELA"),
        ("Math", "MATH"),
        ("Mathematics", "MATH"),
        ("Science", None),
    ],
)
def test_subject_column_values(text: str, subject: str | None) -> None:
    assert subject_of(text) == subject
