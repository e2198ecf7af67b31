"""One student-day (metric definitions §2)."""

from __future__ import annotations

import pytest

from attendly.metrics.day import day_figures

# statuses, scheduled, present, daily %, full-day absence, partial-day absence, truancy occasion
DAY_TABLE = [
    # 6 P: 6 scheduled, 6 present, 600/6 = 100.00
    (["P"] * 6, 6, 6, 100.0, False, False, False),
    # all tardy 30 min or less: T is present -> 100.00, not truancy
    (["T"] * 6, 6, 6, 100.0, False, False, False),
    # all tardy over 30 min unexcused: L is present -> 100.00, but a truancy occasion
    (["L"] * 6, 6, 6, 100.0, False, False, True),
    # in-school suspension all day: I is present -> 100.00
    (["I"] * 6, 6, 6, 100.0, False, False, False),
    # out-of-school suspension all day: S absent, 0/6 = 0.00, full day, not truancy
    (["S"] * 6, 6, 0, 0.0, True, False, False),
    # excused all day: full-day absence, not truancy
    (["E"] * 6, 6, 0, 0.0, True, False, False),
    # unexcused all day: full-day absence and a truancy occasion
    (["U"] * 6, 6, 0, 0.0, True, False, True),
    # unverified all day: absent, not truancy by default
    (["V"] * 6, 6, 0, 0.0, True, False, False),
    # 1 U among 6 P: 6/7 = 85.714... -> 85.71, partial, one truancy occasion
    (["P"] * 6 + ["U"], 7, 6, 85.71, False, True, True),
    # 3 U among 3 P: still one day, one occasion; 3/6 = 50.00
    (["P", "U", "P", "U", "P", "U"], 6, 3, 50.0, False, True, True),
    # blanks (None and "") are not scheduled: 3 scheduled, 3 present = 100.00
    (["P", "P", None, "P", ""], 3, 3, 100.0, False, False, False),
    # only one period scheduled, unexcused: 0/1, full day, truancy
    ([None, "U", None], 1, 0, 0.0, True, False, True),
    # 2 of 3: 200/3 = 66.666... -> 66.67, partial
    (["P", "E", "P"], 3, 2, 66.67, False, True, False),
    # 1 of 3: 100/3 = 33.333... -> 33.33, partial
    (["E", "P", "E"], 3, 1, 33.33, False, True, False),
    # one of each: present P T L I = 4 of 8 -> 50.00; L and U are truancy-countable
    (["P", "T", "L", "I", "E", "U", "V", "S"], 8, 4, 50.0, False, True, True),
    # 1 of 8 = 12.50 exactly
    (["P"] + ["E"] * 7, 8, 1, 12.5, False, True, False),
    # suspension kinds: S absent + I present = 1/2 = 50.00, no truancy
    (["S", "I"], 2, 1, 50.0, False, True, False),
]


@pytest.mark.parametrize(
    ("statuses", "scheduled", "present", "percentage", "full", "partial", "truancy"), DAY_TABLE
)
def test_day_figures_table(statuses, scheduled, present, percentage, full, partial, truancy):
    day = day_figures(statuses)
    assert day.scheduled == scheduled
    assert day.present == present
    assert day.daily_attendance_percentage == percentage
    assert day.full_day_absence is full
    assert day.partial_day_absence is partial
    assert day.truancy_occasion() is truancy


def test_percentage_hundredths_of_six_of_seven():
    # 600/7 = 85.714285... -> 8571 hundredths
    assert day_figures(["P"] * 6 + ["E"]).percentage_hundredths == 8571


@pytest.mark.parametrize(
    ("statuses", "unexcused", "unverified"),
    [
        (["U", "U", "L", "P"], 3, 0),  # U, U and L are truancy-countable periods
        (["V", "V", "E", "P"], 0, 2),  # V counted apart; E is neither
        (["T", "I", "S", "E"], 0, 0),  # none countable
    ],
)
def test_truancy_countable_periods_are_counted(statuses, unexcused, unverified):
    day = day_figures(statuses)
    assert day.unexcused_periods == unexcused
    assert day.unverified_periods == unverified


def test_unverified_day_is_not_truancy_by_default():
    assert day_figures(["P", "V", "P"]).truancy_occasion() is False


def test_unverified_day_is_truancy_when_policy_counts_it_as_unexcused():
    assert day_figures(["P", "V", "P"]).truancy_occasion(unverified_counts_as_unexcused=True)


def test_setting_does_not_make_excused_absence_truancy():
    assert day_figures(["E", "E"]).truancy_occasion(unverified_counts_as_unexcused=True) is False


@pytest.mark.parametrize("statuses", [[], [None], [None, ""], ["", "", ""]])
def test_day_with_no_scheduled_period_is_invalid(statuses):
    with pytest.raises(ValueError):
        day_figures(statuses)


def test_whole_day_present_is_neither_full_nor_partial_absence():
    day = day_figures(["P", "T"])
    assert not day.full_day_absence
    assert not day.partial_day_absence


@pytest.mark.parametrize("bad", ["X", "p", " "])
def test_day_figures_refuses_codes_that_are_not_canonical(bad: str) -> None:
    with pytest.raises(ValueError, match="not canonical"):
        day_figures(["P", bad])
