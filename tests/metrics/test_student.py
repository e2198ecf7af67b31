"""One student over an academic year (metric definitions §3)."""

from __future__ import annotations

import datetime as dt

import pytest

from attendly.metrics.policy import Policy
from attendly.metrics.student import FIGURE_COLUMNS, one_student_figures, student_year_figures
from tests.metrics.frames import Days, attendance, days_frame, student_rows

DEFAULT = Policy()


def only_row(rows, policy=DEFAULT):
    figures = student_year_figures(days_frame(rows), policy)
    assert len(figures) == 1
    return figures.iloc[0]


def test_one_row_per_student_with_the_figure_columns():
    rows = attendance("1", 12, 1) + attendance("2", 12, 0)
    figures = student_year_figures(days_frame(rows), DEFAULT)
    assert list(figures.columns) == list(FIGURE_COLUMNS)
    assert figures["student_id"].tolist() == ["1", "2"]


def test_empty_input_gives_empty_frame_with_the_figure_columns():
    figures = student_year_figures(days_frame([]), DEFAULT)
    assert figures.empty
    assert list(figures.columns) == list(FIGURE_COLUMNS)


def test_leading_zero_ids_are_different_students_sorted_as_strings():
    # "007" and "7" are two students; string order: "007" < "10" < "7"
    rows = attendance("7", 10, 1) + attendance("10", 11, 0) + attendance("007", 12, 3)
    figures = student_year_figures(days_frame(rows), DEFAULT)
    assert figures["student_id"].tolist() == ["007", "10", "7"]
    assert figures["days_enrolled"].tolist() == [12, 11, 10]
    assert figures["days_absent"].tolist() == [3, 0, 1]


# enrolled, absent, absence_rate, attendance_rate (= 100 - rounded absence_rate)
RATE_TABLE = [
    (160, 1, 0.63, 99.37),  # 100/160 = 0.625 -> 0.63; 100 - 0.63 = 99.37 (not 99.375 -> 99.38)
    (160, 3, 1.88, 98.12),  # 300/160 = 1.875 -> 1.88; 100 - 1.88 = 98.12
    (32, 1, 3.13, 96.87),  # 100/32 = 3.125 -> 3.13; 100 - 3.13 = 96.87
    (3, 2, 66.67, 33.33),  # 200/3 = 66.666... -> 66.67; 100 - 66.67 = 33.33
    (3, 1, 33.33, 66.67),  # 100/3 = 33.333... -> 33.33; 100 - 33.33 = 66.67
    (7, 1, 14.29, 85.71),  # 100/7 = 14.2857... -> 14.29
    (30, 3, 10.0, 90.0),  # 300/30 = 10.00 exactly
    (20, 0, 0.0, 100.0),  # no absence
    (10, 10, 100.0, 0.0),  # absent every day
]


@pytest.mark.parametrize(("enrolled", "absent", "absence_rate", "attendance_rate"), RATE_TABLE)
def test_absence_and_attendance_rates(enrolled, absent, absence_rate, attendance_rate):
    row = only_row(attendance("s", enrolled, absent))
    assert row["days_enrolled"] == enrolled
    assert row["days_absent"] == absent
    assert row["days_present"] == enrolled - absent
    assert row["absence_rate"] == absence_rate
    assert row["attendance_rate"] == attendance_rate


# enrolled, absent, min_days_enrolled, eligible, chronically absent, absence_rate
ELIGIBILITY_TABLE = [
    (9, 5, 10, False, False, 55.56),  # 500/9 = 55.555... but 9 < 10 days: not eligible
    (9, 9, 10, False, False, 100.0),  # 9 < 10: never chronic, even absent every day
    (9, 0, 10, False, False, 0.0),
    (10, 5, 10, True, True, 50.0),  # 10 >= 10: eligible; 50.00 >= 10
    (10, 1, 10, True, True, 10.0),  # 100/10 = 10.00: exactly 10.0 counts
    (10, 0, 10, True, False, 0.0),
    (30, 3, 31, False, False, 10.0),  # CA Dashboard setting: 30 < 31
    (31, 4, 31, True, True, 12.9),  # 400/31 = 12.903... -> 12.90 >= 10
    (31, 3, 31, True, False, 9.68),  # 300/31 = 9.677... -> 9.68 < 10
]


@pytest.mark.parametrize(
    ("enrolled", "absent", "min_days", "eligible", "chronic", "absence_rate"), ELIGIBILITY_TABLE
)
def test_eligibility_and_chronic_absence(
    enrolled, absent, min_days, eligible, chronic, absence_rate
):
    row = only_row(attendance("s", enrolled, absent), Policy(min_days_enrolled=min_days))
    assert bool(row["eligible"]) is eligible
    assert bool(row["chronically_absent"]) is chronic
    assert row["absence_rate"] == absence_rate


def test_ineligible_student_is_in_insufficient_data_tier():
    # 9 days, 5 absent (55.56 %): not eligible -> insufficient_data, not severe_chronic
    assert only_row(attendance("s", 9, 5))["tier"] == "insufficient_data"


# enrolled, absent, chronic
CHRONIC_BOUNDARY_TABLE = [
    (30, 3, True),  # 300/30 = 10.00 -> chronic (exactly 10.0 counts)
    (20, 2, True),  # 200/20 = 10.00 -> chronic
    (160, 16, True),  # 1600/160 = 10.00 -> chronic
    (21, 2, False),  # 200/21 = 9.52 -> not chronic
    (151, 15, False),  # 1500/151 = 9.933... -> 9.93 -> not chronic
    (1001, 100, False),  # 10000/1001 = 9.99001 -> 9.99 -> not chronic
    (2001, 200, True),  # 20000/2001 = 9.995002 -> absence_rate 10.00 -> chronic
]


@pytest.mark.parametrize(("enrolled", "absent", "chronic"), CHRONIC_BOUNDARY_TABLE)
def test_chronic_threshold_is_ten_percent_inclusive(enrolled, absent, chronic):
    assert bool(only_row(attendance("s", enrolled, absent))["chronically_absent"]) is chronic


def test_full_day_absence_counts_whatever_the_absence_kind():
    rows = student_rows(
        "s",
        Days(1, 6, 0, unexcused=6),  # UUUUUU
        Days(1, 6, 0),  # EEEEEE
        Days(1, 6, 0, unverified=6),  # VVVVVV
        Days(1, 6, 0),  # SSSSSS
        Days(1, 6, 6, unexcused=6),  # LLLLLL: present, not absent
        Days(1, 6, 6),  # IIIIII: present
        Days(4, 6, 6),  # PPPPPP
    )
    row = only_row(rows)
    # 10 days, 4 with present = 0 -> 4 absent, 6 present; 400/10 = 40.00
    assert row["days_enrolled"] == 10
    assert row["days_absent"] == 4
    assert row["days_present"] == 6
    assert row["absence_rate"] == 40.0


def test_partial_days_are_counted_but_not_as_absences():
    rows = student_rows(
        "s",
        Days(2, 7, 6, unexcused=1),  # 6 P + 1 U: partial
        Days(1, 6, 1),  # 1 P + 5 E: partial
        Days(1, 6, 0),  # full absence, not partial
        Days(8, 6, 6),  # full days present
    )
    row = only_row(rows)
    assert row["partial_days"] == 3
    assert row["days_absent"] == 1
    assert row["days_present"] == 11  # 12 enrolled - 1 absent


def test_scheduled_and_present_periods_are_summed():
    rows = student_rows(
        "s",
        Days(2, 7, 6, unexcused=1),  # 2 x (7 scheduled, 6 present)
        Days(1, 6, 0),  # 6 scheduled, 0 present
        Days(3, 5, 5),  # 3 x (5 scheduled, 5 present); blanks left out of scheduled
    )
    row = only_row(rows)
    assert row["scheduled_periods"] == 14 + 6 + 15  # = 35
    assert row["present_periods"] == 12 + 0 + 15  # = 27


# day blocks, period_attendance_rate (mean of per-day rounded percentages, rounded half up)
PERIOD_RATE_TABLE = [
    # one day 6/7 = 85.714... -> 85.71
    ([Days(1, 7, 6)], 85.71),
    # 1/7 = 14.29 and 7/7 = 100.00: (14.29 + 100.00)/2 = 57.145 -> 57.15
    # (unrounded days would give (14.2857 + 100)/2 = 57.1428 -> 57.14)
    ([Days(1, 7, 1), Days(1, 7, 7)], 57.15),
    # 85.71 + 85.71 + 100.00 = 271.42 / 3 = 90.4733 -> 90.47
    # (unrounded days would give 19/21 = 90.476 -> 90.48)
    ([Days(2, 7, 6), Days(1, 7, 7)], 90.47),
    # 2/3 = 66.67 and 1/3 = 33.33: 100.00/2 = 50.00
    ([Days(1, 3, 2), Days(1, 3, 1)], 50.0),
    # a mean of days, not a share of periods: 1/1 = 100.00 and 0/7 = 0.00 -> 50.00
    # (1 present of 8 scheduled periods would be 12.50)
    ([Days(1, 1, 1), Days(1, 7, 0)], 50.0),
    # all days full: 100.00
    ([Days(5, 6, 6)], 100.0),
]


@pytest.mark.parametrize(("blocks", "expected"), PERIOD_RATE_TABLE)
def test_period_attendance_rate_is_mean_of_rounded_daily_percentages(blocks, expected):
    assert only_row(student_rows("s", *blocks))["period_attendance_rate"] == expected


# day blocks, policy, truancy_occasions, truant
TRUANCY_TABLE = [
    # one day with 1 U among 6 P -> one occasion
    ([Days(1, 7, 6, unexcused=1), Days(9, 7, 7)], DEFAULT, 1, False),
    # one day with 3 U periods -> still one occasion (days are counted, not periods)
    ([Days(1, 6, 3, unexcused=3), Days(9, 6, 6)], DEFAULT, 1, False),
    # 2 occasions -> not truant
    ([Days(2, 6, 5, unexcused=1), Days(8, 6, 6)], DEFAULT, 2, False),
    # 3 occasions -> truant (first ladder step is 3)
    ([Days(3, 6, 5, unexcused=1), Days(7, 6, 6)], DEFAULT, 3, True),
    # L days (present, but unexcused tardy over 30 min) -> 3 occasions, truant
    ([Days(3, 6, 6, unexcused=1), Days(7, 6, 6)], DEFAULT, 3, True),
    # mixed: a full U day, a partial U day, an L day -> 3 occasions
    (
        [Days(1, 6, 0, unexcused=6), Days(1, 6, 5, unexcused=1), Days(1, 6, 6, unexcused=1)],
        DEFAULT,
        3,
        True,
    ),
    # 3 days with a V period: not truancy by default
    ([Days(3, 6, 5, unverified=1), Days(7, 6, 6)], DEFAULT, 0, False),
    # ... but 3 occasions when unverified counts as unexcused
    (
        [Days(3, 6, 5, unverified=1), Days(7, 6, 6)],
        Policy(unverified_counts_as_unexcused=True),
        3,
        True,
    ),
    # a ladder starting at 4: 3 occasions are not yet truant
    ([Days(3, 6, 5, unexcused=1), Days(7, 6, 6)], Policy(truancy_steps=(4, 8, 12)), 3, False),
    # no truancy-countable period at all
    ([Days(10, 6, 6)], DEFAULT, 0, False),
]


@pytest.mark.parametrize(("blocks", "policy", "occasions", "truant"), TRUANCY_TABLE)
def test_truancy_occasions_and_truant(blocks, policy, occasions, truant):
    row = only_row(student_rows("s", *blocks), policy)
    assert row["truancy_occasions"] == occasions
    assert bool(row["truant"]) is truant


def test_truancy_does_not_depend_on_eligibility():
    # 5 enrolled days, 3 with an unexcused period: not eligible, yet 3 occasions -> truant
    row = only_row(student_rows("s", Days(3, 6, 0, unexcused=6), Days(2, 6, 6)))
    assert not bool(row["eligible"])
    assert row["truancy_occasions"] == 3
    assert bool(row["truant"])


def test_as_of_is_the_latest_date_counted():
    rows = [
        ("s", dt.date(2025, 9, 3), 6, 6, 0, 0),
        ("s", dt.date(2025, 10, 1), 6, 6, 0, 0),
        ("s", dt.date(2025, 9, 10), 6, 0, 0, 0),
    ]
    assert only_row(rows)["as_of"] == dt.date(2025, 10, 1)


def test_students_are_computed_independently():
    rows = attendance("a", 20, 2) + attendance("b", 9, 9) + attendance("c", 40, 1)
    figures = student_year_figures(days_frame(rows), DEFAULT).set_index("student_id")
    # a: 200/20 = 10.00 chronic; b: 9 days, not eligible; c: 100/40 = 2.50 satisfactory
    assert figures.loc["a", "absence_rate"] == 10.0
    assert figures.loc["b", "absence_rate"] == 100.0
    assert figures.loc["c", "absence_rate"] == 2.5
    assert figures["chronically_absent"].map(bool).to_dict() == {"a": True, "b": False, "c": False}
    assert figures["tier"].to_dict() == {
        "a": "moderate_chronic",
        "b": "insufficient_data",
        "c": "satisfactory",
    }


# One student's record computed directly (the student page) against the vectorised frame.
ONE_STUDENT_CASES = [
    pytest.param([Days(15, 6, 6)], DEFAULT, id="no absences"),
    pytest.param([Days(12, 6, 0)], DEFAULT, id="absent every day"),
    pytest.param([Days(3, 6, 0), Days(4, 6, 3, 2), Days(9, 6, 6)], DEFAULT, id="mixed"),
    pytest.param([Days(4, 7, 0, 7), Days(2, 7, 5, 0, 2)], DEFAULT, id="late enroller, ineligible"),
    pytest.param(
        [Days(2, 7, 5, 0, 2), Days(3, 7, 6, 1), Days(9, 7, 7)],
        Policy(unverified_counts_as_unexcused=True),
        id="unverified counts as unexcused",
    ),
    pytest.param(
        [Days(2, 6, 0), Days(20, 6, 6)], Policy(tier_preset="days_ladder"), id="days ladder"
    ),
    pytest.param(
        [Days(3, 6, 0), Days(10, 6, 6)], Policy(tier_preset="days_ladder"), id="days ladder chronic"
    ),
    pytest.param([Days(1, 6, 3, 1)], Policy(min_days_enrolled=1), id="one day"),
]


@pytest.mark.parametrize(("blocks", "policy"), ONE_STUDENT_CASES)
def test_one_student_figures_equal_the_frame_record(blocks: list[Days], policy: Policy) -> None:
    days = days_frame(student_rows("0042", *blocks, start=dt.date(2025, 9, 3)))
    expected = student_year_figures(days, policy).to_dict("records")[0]
    record = one_student_figures(days, policy)
    assert list(record) == list(FIGURE_COLUMNS)
    assert record == expected
    assert {key: type(value) for key, value in record.items()} == {
        key: type(value) for key, value in expected.items()
    }


def test_one_student_figures_take_the_latest_date_of_unordered_days() -> None:
    rows = [
        ("s", dt.date(2025, 9, 3), 6, 6, 0, 0),
        ("s", dt.date(2025, 10, 1), 6, 6, 0, 0),
        ("s", dt.date(2025, 9, 10), 6, 0, 0, 0),
    ]
    record = one_student_figures(days_frame(rows), DEFAULT)
    assert record == student_year_figures(days_frame(rows), DEFAULT).to_dict("records")[0]
    assert record["as_of"] == dt.date(2025, 10, 1)
