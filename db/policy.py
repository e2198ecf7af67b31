"""The stored district policy: database values first, settings as the seed and fallback."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from attendly.metrics.policy import Policy
from attendly.settings import Settings
from db.models import PolicySetting

POLICY_KEYS = (
    "min_days_enrolled",
    "tier_preset",
    "truancy_steps",
    "unverified_counts_as_unexcused",
    "grade_levels",
)


def seed_values(settings: Settings) -> dict[str, Any]:
    """The policy values settings propose for a new database."""
    return {
        "min_days_enrolled": settings.min_days_enrolled,
        "tier_preset": settings.tier_preset,
        "truancy_steps": list(settings.truancy_steps),
        "unverified_counts_as_unexcused": settings.unverified_counts_as_unexcused,
        "grade_levels": list(settings.grade_levels),
    }


def seed_policy(session: Session, settings: Settings) -> None:
    """Store the settings' values for every policy key not stored yet (never overwrites)."""
    stored = set(session.scalars(select(PolicySetting.key)))
    for key, value in seed_values(settings).items():
        if key not in stored:
            session.add(PolicySetting(key=key, value=value))
    session.flush()


def load_policy(session: Session, settings: Settings) -> Policy:
    """The policy in force: stored values over the settings' seed values."""
    values = seed_values(settings)
    for row in session.scalars(select(PolicySetting)):
        if row.key in values:
            values[row.key] = row.value
    return Policy(
        min_days_enrolled=int(values["min_days_enrolled"]),
        tier_preset=values["tier_preset"],
        truancy_steps=tuple(int(v) for v in values["truancy_steps"]),
        unverified_counts_as_unexcused=bool(values["unverified_counts_as_unexcused"]),
        grade_levels=tuple(int(v) for v in values["grade_levels"]),
    )
