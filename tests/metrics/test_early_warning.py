"""More absences to chronic, worked by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from attendly.metrics.early_warning import (
    early_warning,
    estimated_days_remaining,
    more_absences_to_chronic,
)


@pytest.mark.parametrize(
    ("enrolled", "absent", "remaining", "expected"),
    [
        # 20 + 160 = 180 days; 10 % of 180 = 18; 2 absent -> 16 more (18/180 = 10.00 %)
        (20, 2, 160, 16),
        # 15 + 160 = 175; ceil(17.5) = 18; 0 absent -> 18 (17/175 = 9.71 % is not enough)
        (15, 0, 160, 18),
        # already 20 absences of 100 + 80 = 180 -> 18 needed: chronic whatever happens -> 0
        (100, 20, 80, 0),
        # year end: 170 + 10 = 180 -> 18 needed; 5 absent -> 13 more, but only 10 days left
        (170, 5, 10, None),
        # exactly reachable on the last days: 170 + 10, 8 absent -> 10 more of 10 left
        (170, 8, 10, 10),
        # the last day of the year: nothing left; chronic (2/10) -> 0, not chronic -> None
        (10, 2, 0, 0),
        (10, 0, 0, None),
    ],
)
def test_more_absences_to_chronic(
    enrolled: int, absent: int, remaining: int, expected: int | None
) -> None:
    assert more_absences_to_chronic(enrolled, absent, remaining) == expected


def test_estimated_days_remaining() -> None:
    assert estimated_days_remaining(30) == 150
    assert estimated_days_remaining(190) == 0


def test_table_orders_closest_first_and_unreachable_last() -> None:
    figures = pd.DataFrame(
        {
            "student_id": ["a", "b", "c", "d"],
            "days_enrolled": [20, 170, 20, 100],
            "days_absent": [2, 5, 0, 20],
            "days_remaining": [160, 10, 160, 80],
        }
    )
    table = early_warning(figures)
    assert table["student_id"].tolist() == ["d", "a", "c", "b"]
    assert table["more_absences_to_chronic"].tolist() == [0, 16, 18, pd.NA]
