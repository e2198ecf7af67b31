"""User accounts: create or update with a hashed password and an audit entry."""

from __future__ import annotations

from sqlalchemy import select

from attendly.auth import ROLES, hash_password, parse_grades
from attendly.errors import AttendlyError
from attendly.extensions import db
from db.models import AuditEntry, User


def save_user(
    username: str, role: str, grades: str, password: str, actor: str | None = None
) -> User:
    """Create the user or reset its role, grades and password. Raises AttendlyError if invalid."""
    if role not in ROLES:
        raise AttendlyError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if len(password) < 8:
        raise AttendlyError("the password must have at least 8 characters")
    try:
        grade_levels = parse_grades(grades)
    except ValueError as exc:
        raise AttendlyError(f"grades must look like 6,7 — got {grades!r}") from exc
    if role == "teacher" and not grade_levels:
        raise AttendlyError("a teacher needs --grades (the grade levels they may see)")
    user = db.session.scalar(select(User).where(User.username == username))
    action = "user_updated" if user else "user_created"
    if user is None:
        user = User(username=username)
        db.session.add(user)
    user.role = role
    user.grades = ",".join(str(g) for g in grade_levels)
    user.password_hash = hash_password(password)
    user.active = True
    db.session.add(
        AuditEntry(
            username=actor,
            action=action,
            entity="user",
            entity_id=username,
            details={"role": role, "grades": list(grade_levels)},
        )
    )
    db.session.commit()
    return user
