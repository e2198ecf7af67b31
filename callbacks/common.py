"""What every callback needs: the policy in force and the user's data scope."""

from __future__ import annotations

from flask import current_app
from flask_login import current_user
from sqlalchemy.orm import Session

from attendly.extensions import db
from attendly.metrics.policy import Policy
from db.policy import load_policy
from db.reads import read_session


def policy() -> Policy:
    return load_policy(db.session(), current_app.config["ATTENDLY_SETTINGS"])


def reads() -> Session:
    """The session for a dashboard's page data: the read replica when one is configured and
    current, else the primary (db.reads.read_session). Writes always use `db.session()`."""
    return read_session()


def grade_scope() -> tuple[int, ...] | None:
    """The grades the logged-in user may see (None = all); never taken from the browser."""
    return current_user.grade_scope


def school_scope() -> tuple[str, ...] | None:
    """The school codes the logged-in user may see (None = every school of the district);
    never taken from the browser."""
    return current_user.school_scope


def normalise_school(value: object) -> str | None:
    """A school code from the browser as a short string; None (= every school the user may
    see) otherwise. The query layer checks it against the user's schools."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    return text if text and len(text) <= 32 else None


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
