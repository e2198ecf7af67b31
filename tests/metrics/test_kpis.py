"""School and grade KPIs and trend series (metric definitions §5)."""

from __future__ import annotations

import datetime as dt

import pytest

from attendly.metrics.kpis import attendance_kpis, trend
from attendly.metrics.policy import Policy
from attendly.metrics.student import student_year_figures
from tests.metrics.frames import Days, attendance, days_frame, student_rows

DEFAULT = Policy()

# A: 20 days: 1 full U day, 2 days 5 P + 1 U, 17 full days of 6 P
#    absent 1 -> 5.00 % at_risk; occasions 3 -> truant; periods 0 + 10 + 102 = 112 of 120
# B: 20 days: 4 full E days, 2 days 5 P + 1 U, 14 full days
#    absent 4 -> 20.00 % severe_chronic, chronic; occasions 2; periods 0 + 10 + 84 = 94 of 120
# C: 10 days all present -> 0.00 % satisfactory; periods 60 of 60
# D: 5 days all U -> not eligible (5 < 10), insufficient_data; occasions 5 -> truant;
#    periods 0 of 30
SCHOOL = (
    student_rows("A", Days(1, 6, 0, unexcused=6), Days(2, 6, 5, unexcused=1), Days(17, 6, 6))
    + student_rows("B", Days(4, 6, 0), Days(2, 6, 5, unexcused=1), Days(14, 6, 6))
    + student_rows("C", Days(10, 6, 6))
    + student_rows("D", Days(5, 6, 0, unexcused=6))
)


@pytest.fixture
def school_kpis():
    return attendance_kpis(student_year_figures(days_frame(SCHOOL), DEFAULT), DEFAULT)


def test_kpis_count_students_and_eligible_students(school_kpis):
    assert school_kpis["students"] == 4
    assert school_kpis["eligible_students"] == 3  # A, B, C


def test_attendance_rate_is_pooled_days_not_mean_of_rates(school_kpis):
    # days present 19 + 16 + 10 + 0 = 45 of 20 + 20 + 10 + 5 = 55 enrolled
    # 4500/55 = 81.8181... -> 81.82
    # (the mean of the four student rates would be (95 + 80 + 100 + 0)/4 = 68.75)
    assert school_kpis["attendance_rate"] == 81.82


def test_chronic_absenteeism_rate_is_over_eligible_students_only(school_kpis):
    # chronic: B only; eligible: A, B, C -> 100/3 = 33.33 (D, not eligible, is left out:
    # 1/4 would be 25.00)
    assert school_kpis["chronic_absenteeism_rate"] == 33.33


def test_period_attendance_rate_is_pooled_periods(school_kpis):
    # present periods 112 + 94 + 60 + 0 = 266 of 120 + 120 + 60 + 30 = 330 scheduled
    # 26600/330 = 80.6060... -> 80.61
    assert school_kpis["period_attendance_rate"] == 80.61


def test_truant_students_count_occasions_of_three_or_more(school_kpis):
    # A 3, B 2, C 0, D 5 -> A and D
    assert school_kpis["truant_students"] == 2


def test_tier_counts_include_every_tier_of_the_preset_with_zeros(school_kpis):
    assert school_kpis["tier_counts"] == {
        "satisfactory": 1,  # C
        "at_risk": 1,  # A
        "moderate_chronic": 0,
        "severe_chronic": 1,  # B
        "insufficient_data": 1,  # D
    }


def test_tier_counts_of_the_days_ladder_preset():
    policy = Policy(tier_preset="days_ladder")
    kpis = attendance_kpis(student_year_figures(days_frame(SCHOOL), policy), policy)
    # A 1 day absent -> tier_1; B chronic -> tier_3; C 0 days -> no_concern; D not eligible
    assert kpis["tier_counts"] == {
        "no_concern": 1,
        "tier_1": 1,
        "tier_2": 0,
        "tier_3": 1,
        "insufficient_data": 1,
    }


def test_truant_students_follow_the_truancy_ladder_setting():
    policy = Policy(truancy_steps=(4, 8, 12))
    kpis = attendance_kpis(student_year_figures(days_frame(SCHOOL), policy), policy)
    assert kpis["truant_students"] == 1  # only D (5 >= 4); A has 3


def test_empty_scope_gives_none_rates_and_zero_counts():
    kpis = attendance_kpis(student_year_figures(days_frame([]), DEFAULT), DEFAULT)
    assert kpis["students"] == 0
    assert kpis["eligible_students"] == 0
    assert kpis["attendance_rate"] is None
    assert kpis["chronic_absenteeism_rate"] is None
    assert kpis["period_attendance_rate"] is None
    assert kpis["truant_students"] == 0
    assert kpis["tier_counts"] == {
        "satisfactory": 0,
        "at_risk": 0,
        "moderate_chronic": 0,
        "severe_chronic": 0,
        "insufficient_data": 0,
    }


def test_no_eligible_student_gives_no_chronic_rate():
    # 9 days, 3 absent: 6 present of 9 = 66.67; nobody eligible -> chronic rate None
    kpis = attendance_kpis(
        student_year_figures(days_frame(attendance("s", 9, 3)), DEFAULT), DEFAULT
    )
    assert kpis["eligible_students"] == 0
    assert kpis["chronic_absenteeism_rate"] is None
    assert kpis["attendance_rate"] == 66.67


def test_kpi_attendance_rate_rounds_the_pooled_share():
    # one student, 1 absent of 160: the KPI is 100 x 159/160 = 99.375 -> 99.38
    # (§5 formula), while the student's own attendance_rate is 100 - 0.63 = 99.37 (§3)
    figures = student_year_figures(days_frame(attendance("s", 160, 1)), DEFAULT)
    assert figures.iloc[0]["attendance_rate"] == 99.37
    assert attendance_kpis(figures, DEFAULT)["attendance_rate"] == 99.38


# ----- trend -----------------------------------------------------------------------------

# Week of Mon 2025-09-01: Wed 09-03 and Fri 09-05; week of Mon 2025-09-08: Mon 09-08, Tue 09-09
TREND_ROWS = [
    ("s1", dt.date(2025, 9, 3), 6, 6, 0, 0),  # full day
    ("s1", dt.date(2025, 9, 5), 6, 0, 6, 0),  # absent
    ("s2", dt.date(2025, 9, 3), 6, 3, 0, 0),  # partial, still a day present
    ("s2", dt.date(2025, 9, 5), 6, 6, 0, 0),
    ("s1", dt.date(2025, 9, 8), 7, 6, 1, 0),  # partial
    ("s2", dt.date(2025, 9, 8), 7, 7, 0, 0),
    ("s2", dt.date(2025, 9, 9), 7, 0, 0, 0),  # absent
]


def test_weekly_trend_groups_by_iso_week_starting_monday():
    weeks = trend(days_frame(TREND_ROWS), DEFAULT, "week")
    assert weeks["period_start"].tolist() == [dt.date(2025, 9, 1), dt.date(2025, 9, 8)]
    # week 1: 4 student-days, 1 absent -> 3/4 = 75.00; periods 6+0+3+6 = 15 of 24 = 62.50
    # week 2: 3 student-days, 1 absent -> 2/3 = 66.67; periods 6+7+0 = 13 of 21 = 61.90
    assert weeks["days_enrolled"].tolist() == [4, 3]
    assert weeks["days_present"].tolist() == [3, 2]
    assert weeks["attendance_rate"].tolist() == [75.0, 66.67]
    assert weeks["scheduled_periods"].tolist() == [24, 21]
    assert weeks["present_periods"].tolist() == [15, 13]
    assert weeks["period_attendance_rate"].tolist() == [62.5, 61.9]


def test_daily_trend_has_one_row_per_date():
    days = trend(days_frame(TREND_ROWS), DEFAULT, "day")
    assert days["period_start"].tolist() == [
        dt.date(2025, 9, 3),
        dt.date(2025, 9, 5),
        dt.date(2025, 9, 8),
        dt.date(2025, 9, 9),
    ]
    # 09-03: 2 of 2 days, 9 of 12 periods = 75.00
    # 09-05: 1 of 2 days = 50.00, 6 of 12 periods = 50.00
    # 09-08: 2 of 2 days, 13 of 14 periods = 92.857 -> 92.86
    # 09-09: 0 of 1 day, 0 of 7 periods
    assert days["attendance_rate"].tolist() == [100.0, 50.0, 100.0, 0.0]
    assert days["period_attendance_rate"].tolist() == [75.0, 50.0, 92.86, 0.0]


@pytest.mark.parametrize(
    ("dates", "mondays"),
    [
        # Friday and the following Monday: two weeks
        ([dt.date(2025, 9, 5), dt.date(2025, 9, 8)], [dt.date(2025, 9, 1), dt.date(2025, 9, 8)]),
        # Sunday ends the ISO week that began on the Monday before
        ([dt.date(2025, 9, 1), dt.date(2025, 9, 7)], [dt.date(2025, 9, 1)]),
        # Wed 2025-12-31 and Fri 2026-01-02 share ISO week 2026-W01 (Monday 2025-12-29)
        ([dt.date(2025, 12, 31), dt.date(2026, 1, 2)], [dt.date(2025, 12, 29)]),
    ],
)
def test_week_label_is_the_monday_of_the_iso_week(dates, mondays):
    rows = [("s", day, 6, 6, 0, 0) for day in dates]
    assert trend(days_frame(rows), DEFAULT, "week")["period_start"].tolist() == mondays


def test_trend_of_no_days_is_empty_with_columns():
    weeks = trend(days_frame([]), DEFAULT, "week")
    assert weeks.empty
    assert list(weeks.columns) == [
        "period_start",
        "days_enrolled",
        "days_present",
        "attendance_rate",
        "scheduled_periods",
        "present_periods",
        "period_attendance_rate",
    ]


def test_unknown_trend_frequency_is_an_error():
    with pytest.raises(ValueError):
        trend(days_frame(TREND_ROWS), DEFAULT, "fortnight")
