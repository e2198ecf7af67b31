"""One student-day (metric definitions §2): scheduled, present, daily percentage, truancy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from attendly.metrics.codes import ALL_CATEGORIES, PRESENT_CATEGORIES, UNEXCUSED_CATEGORIES
from attendly.metrics.rounding import percent_hundredths


@dataclass(frozen=True)
class DayFigures:
    """What one day's period statuses amount to."""

    scheduled: int
    present: int
    unexcused_periods: int
    unverified_periods: int

    @property
    def percentage_hundredths(self) -> int:
        """daily_attendance_percentage in hundredths (100 × present / scheduled, half up)."""
        value = percent_hundredths(self.present, self.scheduled)
        assert value is not None  # scheduled > 0 is guaranteed by `day_figures`
        return value

    @property
    def daily_attendance_percentage(self) -> float:
        return self.percentage_hundredths / 100

    @property
    def full_day_absence(self) -> bool:
        return self.present == 0

    @property
    def partial_day_absence(self) -> bool:
        return 0 < self.present < self.scheduled

    def truancy_occasion(self, unverified_counts_as_unexcused: bool = False) -> bool:
        """At least one truancy-countable period (CA EC 48260)."""
        if self.unexcused_periods > 0:
            return True
        return unverified_counts_as_unexcused and self.unverified_periods > 0


def day_figures(statuses: Sequence[str | None]) -> DayFigures:
    """Count one day's canonical statuses (None = no period scheduled).

    Raises ValueError when no period is scheduled (such a row is invalid) or a status is not
    a canonical category letter (normalise with `canonical_status` first).
    """
    recorded = [status for status in statuses if status]
    unknown = sorted({status for status in recorded if status not in ALL_CATEGORIES})
    if unknown:
        raise ValueError(f"not canonical status codes: {', '.join(map(repr, unknown))}")
    if not recorded:
        raise ValueError("no period is scheduled on this day")
    return DayFigures(
        scheduled=len(recorded),
        present=sum(status in PRESENT_CATEGORIES for status in recorded),
        unexcused_periods=sum(status in UNEXCUSED_CATEGORIES for status in recorded),
        unverified_periods=sum(status == "V" for status in recorded),
    )
