"""The district policy the metrics depend on (settings with the documented defaults)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

TierPreset = Literal["attendance_works", "days_ladder"]


@dataclass(frozen=True)
class Policy:
    """Values a district may change; defaults follow CDE / Attendance Works / CA EC 48260."""

    min_days_enrolled: int = 10
    tier_preset: TierPreset = "attendance_works"
    truancy_steps: tuple[int, ...] = (3, 6, 9)
    unverified_counts_as_unexcused: bool = False
    grade_levels: tuple[int, ...] = field(default=(6, 7, 8))

    @property
    def truant_threshold(self) -> int:
        """Truancy occasions that make a student truant: the first ladder step."""
        return min(self.truancy_steps) if self.truancy_steps else 3
