"""Risk tiers (metric definitions §4), on exact integer hundredths of the absence rate."""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import pandas as pd

from attendly.metrics.policy import TierPreset


class Tier(StrEnum):
    SATISFACTORY = "satisfactory"
    AT_RISK = "at_risk"
    MODERATE_CHRONIC = "moderate_chronic"
    SEVERE_CHRONIC = "severe_chronic"
    NO_CONCERN = "no_concern"
    TIER_1 = "tier_1"
    TIER_2 = "tier_2"
    TIER_3 = "tier_3"
    INSUFFICIENT_DATA = "insufficient_data"


PRESET_TIERS: dict[str, tuple[Tier, ...]] = {
    "attendance_works": (
        Tier.SATISFACTORY,
        Tier.AT_RISK,
        Tier.MODERATE_CHRONIC,
        Tier.SEVERE_CHRONIC,
        Tier.INSUFFICIENT_DATA,
    ),
    "days_ladder": (
        Tier.NO_CONCERN,
        Tier.TIER_1,
        Tier.TIER_2,
        Tier.TIER_3,
        Tier.INSUFFICIENT_DATA,
    ),
}

TIER_LABELS = {
    Tier.SATISFACTORY: "Satisfactory",
    Tier.AT_RISK: "At risk",
    Tier.MODERATE_CHRONIC: "Moderate chronic",
    Tier.SEVERE_CHRONIC: "Severe chronic",
    Tier.NO_CONCERN: "No concern",
    Tier.TIER_1: "Tier 1",
    Tier.TIER_2: "Tier 2",
    Tier.TIER_3: "Tier 3",
    Tier.INSUFFICIENT_DATA: "Insufficient data",
}


def assign_tiers(
    absence_hundredths: pd.Series,
    days_absent: pd.Series,
    eligible: pd.Series,
    chronic: pd.Series,
    preset: TierPreset,
) -> pd.Series:
    """The tier of each student; `absence_hundredths` is absence_rate × 100 (rounded)."""
    rate = absence_hundredths.to_numpy(dtype=np.int64)
    if preset == "attendance_works":
        conditions = [rate < 500, rate < 1000, rate < 2000]
        choices = [Tier.SATISFACTORY.value, Tier.AT_RISK.value, Tier.MODERATE_CHRONIC.value]
        default = Tier.SEVERE_CHRONIC.value
    elif preset == "days_ladder":
        absent = days_absent.to_numpy(dtype=np.int64)
        conditions = [chronic.to_numpy(dtype=bool), absent == 0, absent <= 2]
        choices = [Tier.TIER_3.value, Tier.NO_CONCERN.value, Tier.TIER_1.value]
        default = Tier.TIER_2.value
    else:
        raise ValueError(f"unknown tier preset {preset!r}")
    tiers = np.select(conditions, choices, default=default)
    tiers = np.where(eligible.to_numpy(dtype=bool), tiers, Tier.INSUFFICIENT_DATA.value)
    return pd.Series(tiers, index=absence_hundredths.index, dtype=object)
