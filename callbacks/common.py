"""What every callback needs: the policy in force and the user's data scope."""

from __future__ import annotations

from flask import current_app
from flask_login import current_user

from attendly.extensions import db
from attendly.metrics.policy import Policy
from db.policy import load_policy


def policy() -> Policy:
    return load_policy(db.session(), current_app.config["ATTENDLY_SETTINGS"])


def grade_scope() -> tuple[int, ...] | None:
    """The grades the logged-in user may see (None = all); never taken from the browser."""
    return current_user.grade_scope


def grade_choices() -> list[dict[str, object]]:
    """Grade filter options limited to what the user may see."""
    grades = grade_scope() or policy().grade_levels
    return [{"label": f"Grade {grade}", "value": grade} for grade in grades]
