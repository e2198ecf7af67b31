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


def normalise_grade(value: object) -> int | None:
    """A grade level from the browser as an int; None (= all the user may see) otherwise.

    Callback payloads can be crafted: a list, a string or an SQL fragment never reaches a
    query. A well-formed grade is still checked against the user's scope by the query layer.
    """
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    text = str(value).strip()
    return int(text) if text.isdigit() and len(text) <= 2 else None
