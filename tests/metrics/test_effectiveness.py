"""Effectiveness figures against hand computation."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from attendly.metrics.effectiveness import effectiveness_by_type, intervention_windows
from tests.metrics.frames import weekdays

# 40 school days from Mon 18 Aug 2025; day i (1-based) is DAYS[i - 1].
DAYS = weekdays(40)
COUNTS = ["days_before", "present_before", "days_after", "present_after"]


def history(student_id: str, absent_days: set[int], first: int = 1, last: int = 40) -> list[dict]:
    """One record per school day `first..last`; `absent_days` are full-day absences."""
    return [
        {"student_id": student_id, "date": DAYS[i - 1], "present": 0 if i in absent_days else 7}
        for i in range(first, last + 1)
    ]


def test_windows_and_rates_by_hand() -> None:
    # A: call starting on day 31 -> before = days 1..30 (absent on 2, 5, 9: 27 present),
    #    after = days 31..40 (10 days; absent on 33: 9 present).
    # B: call starting day 36 -> before = days 6..35 (30 latest; absent 10, 20, 30, 35 -> 26),
    #    after = days 36..40 (5 days; absent 36 -> 4).
    # C: home visit starting day 11, records only from day 5 -> before = days 5..10 (6 days,
    #    absent 7 -> 5), after = days 11..40 (30 days, no absences -> 30).
    # D: letter starting day 41 (after the data) -> no days after: not counted.
    days = pd.DataFrame(
        history("A", {2, 5, 9, 33})
        + history("B", {10, 20, 30, 35, 36})
        + history("C", {7}, first=5)
        + history("D", set())
    )
    interventions = pd.DataFrame(
        [
            (1, "A", "phone_call", DAYS[30]),
            (2, "B", "phone_call", DAYS[35]),
            (3, "C", "home_visit", DAYS[10]),
            (4, "D", "parent_letter", DAYS[39] + dt.timedelta(days=3)),
        ],
        columns=["intervention_id", "student_id", "type", "start_date"],
    )
    windows = intervention_windows(interventions, days)
    assert windows[COUNTS].values.tolist() == [
        [30, 27, 10, 9],
        [30, 26, 5, 4],
        [6, 5, 30, 30],
        [30, 30, 0, 0],
    ]
    summary = effectiveness_by_type(windows)
    # phone_call: before 53/60 = 88.333.. -> 88.33; after 13/15 = 86.666.. -> 86.67; -> -1.66
    # home_visit: before 5/6 = 83.33; after 30/30 = 100.00; -> +16.67
    assert summary.to_dict("records") == [
        {
            "type": "home_visit",
            "interventions": 1,
            "student_days_before": 6,
            "rate_before": 83.33,
            "student_days_after": 30,
            "rate_after": 100.0,
            "change": 16.67,
        },
        {
            "type": "phone_call",
            "interventions": 2,
            "student_days_before": 60,
            "rate_before": 88.33,
            "student_days_after": 15,
            "rate_after": 86.67,
            "change": -1.66,
        },
    ]


def test_partial_days_count_as_present_and_window_size_is_a_parameter() -> None:
    days = pd.DataFrame(
        [{"student_id": "A", "date": DAYS[i], "present": [7, 3, 0, 0, 1, 7][i]} for i in range(6)]
    )
    interventions = pd.DataFrame(
        [(1, "A", "counseling", DAYS[3])],
        columns=["intervention_id", "student_id", "type", "start_date"],
    )
    windows = intervention_windows(interventions, days, window=2)
    # before: days 2..3 (present 3, 0) -> 1 of 2; after: days 4..5 (0, 1) -> 1 of 2
    assert windows[COUNTS].values.tolist() == [[2, 1, 2, 1]]
    assert effectiveness_by_type(windows)["change"].tolist() == [0.0]


def test_no_interventions() -> None:
    empty = pd.DataFrame(columns=["intervention_id", "student_id", "type", "start_date"])
    days = pd.DataFrame(columns=["student_id", "date", "present"])
    assert effectiveness_by_type(intervention_windows(empty, days)).empty
