"""User accounts: create, change role/grades/schools, deactivate, reset passwords; all audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from attendly import audit
from attendly.auth import ROLES, hash_password, parse_grades
from attendly.errors import AttendlyError, NotFound
from attendly.extensions import db
from db.models import User, UserSchool

MIN_PASSWORD = 8
USER_COLUMNS = ("username", "role", "grades", "schools", "active", "created_at", "last_login_at")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AttendlyError(f"the password must have at least {MIN_PASSWORD} characters")


def _grades(role: str, grades: str) -> tuple[int, ...]:
    if role not in ROLES:
        raise AttendlyError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    try:
        grade_levels = parse_grades(grades)
    except ValueError as exc:
        raise AttendlyError(f"grades must look like 6,7 — got {grades!r}") from exc
    if role == "teacher" and not grade_levels:
        raise AttendlyError("a teacher needs --grades (the grade levels they may see)")
    return grade_levels


def _schools(text: str) -> list[str]:
    codes = sorted({part.strip() for part in text.split(",") if part.strip()})
    if any(len(code) > 20 or not code.isalnum() for code in codes):
        raise AttendlyError(f"school codes must look like 001,002 — got {text!r}")
    return codes


def _get(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user named {username!r}")
    return user


def save_user(
    username: str,
    role: str,
    grades: str,
    password: str,
    actor: str | None = None,
    schools: str | None = None,
) -> User:
    """Create the user or reset its role, grades and password. Raises AttendlyError if invalid."""
    username = username.strip()
    if not username or len(username) > 80 or any(char.isspace() for char in username):
        raise AttendlyError("a username has 1 to 80 characters and no spaces")
    grade_levels = _grades(role, grades)
    _check_password(password)
    user = db.session.scalar(select(User).where(User.username == username))
    action = "user_updated" if user else "user_created"
    if user is None:
        user = User(username=username)
        db.session.add(user)
    user.role = role
    user.grades = ",".join(str(g) for g in grade_levels)
    user.password_hash = hash_password(password)
    user.active = True
    db.session.flush()
    details: dict[str, Any] = {"role": role, "grades": list(grade_levels)}
    if schools is not None:
        details["schools"] = _assign_schools(user, schools)
    audit.record(action, entity="user", entity_id=username, username=actor, details=details)
    return user


def _assign_schools(user: User, text: str) -> list[str]:
    codes = _schools(text)
    db.session.execute(delete(UserSchool).where(UserSchool.user_id == user.id))
    db.session.add_all(UserSchool(user_id=user.id, school_code=code) for code in codes)
    return codes


def update_user(
    username: str, role: str, grades: str, schools: str | None = None, actor: str | None = None
) -> None:
    """Change a user's role, grade levels and school assignment (audited)."""
    user = _get(username)
    grade_levels = _grades(role, grades)
    before = {"role": user.role, "grades": user.grades}
    user.role = role
    user.grades = ",".join(str(g) for g in grade_levels)
    details: dict[str, Any] = {"before": before, "role": role, "grades": list(grade_levels)}
    if schools is not None:
        details["schools"] = _assign_schools(user, schools)
    audit.record("user_updated", entity="user", entity_id=username, username=actor, details=details)


def set_active(username: str, active: bool, actor: str | None = None) -> None:
    """Deactivate (sessions and tokens stop working at once) or reactivate a user."""
    if not active and actor == username:
        raise AttendlyError("you cannot deactivate your own account")
    user = _get(username)
    user.active = active
    action = "user_updated" if active else "user_deactivated"
    audit.record(
        action, entity="user", entity_id=username, username=actor, details={"active": active}
    )


def reset_password(username: str, password: str, actor: str | None = None) -> None:
    """Set a new password; every session opened with the old one ends."""
    _check_password(password)
    user = _get(username)
    user.password_hash = hash_password(password)
    audit.record("password_reset", entity="user", entity_id=username, username=actor)


def list_users() -> list[dict[str, Any]]:
    """Every user by name, as dicts with USER_COLUMNS (schools comma-separated)."""
    schools: dict[int, list[str]] = {}
    for row in db.session.scalars(select(UserSchool).order_by(UserSchool.school_code)):
        schools.setdefault(row.user_id, []).append(row.school_code)
    users = db.session.scalars(select(User).order_by(User.username))
    return [
        {
            **{column: getattr(user, column) for column in USER_COLUMNS if column != "schools"},
            "schools": ",".join(schools.get(user.id, [])),
        }
        for user in users
    ]
