"""Who may see which change event, decided on the server for every message sent.

A teacher gets only events whose grades meet their grade levels, with `grades` and
`student_ids` trimmed to those levels; a user assigned to schools (`user_schools`) gets only
those schools' events, trimmed the same way; everyone else gets every event. An event with
no grades, no school and no students (the attendance code table) concerns everyone. A
student whose grade or school cannot be established is left out (deny by default).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from attendly.events import SCOPE_KEY

PUBLIC_KEYS = ("kind", "school", "grades", "student_ids", "version")


@dataclass(frozen=True)
class Viewer:
    """What one user may see: grade levels and school codes, None meaning all of them."""

    grades: frozenset[int] | None = None
    schools: frozenset[str] | None = None

    @property
    def sees_everything(self) -> bool:
        return self.grades is None and self.schools is None


def viewer_of(user: Any) -> Viewer:
    """The Viewer of a signed-in user (attendly.auth.AuthUser), from the server-side record."""
    grades = user.grade_scope
    schools = user.school_scope
    return Viewer(
        frozenset(int(grade) for grade in grades) if grades is not None else None,
        frozenset(str(code) for code in schools) if schools is not None else None,
    )


def public(event: dict[str, Any]) -> dict[str, Any]:
    """The event as the contract shapes it (internal keys removed)."""
    return {key: event.get(key) for key in PUBLIC_KEYS}


def visible(viewer: Viewer, event: dict[str, Any]) -> dict[str, Any] | None:
    """The event trimmed to what `viewer` may see, or None when nothing of it is theirs."""
    if viewer.sees_everything:
        return public(event)
    school = event.get("school")
    if viewer.schools is not None and school is not None and school not in viewer.schools:
        return None
    grades: list[int] = list(event.get("grades") or [])
    students: list[str] = list(event.get("student_ids") or [])
    if not grades and not students:
        return public(event)  # concerns every grade (of its school, or of every school)
    kept = [student for student in students if _placed_for(viewer, event, student)]
    if viewer.grades is not None:
        grades = [grade for grade in grades if grade in viewer.grades]
    if viewer.schools is not None and school is None:
        # The event spans schools: only the grades of the viewer's schools' students count.
        theirs = {_placement(event, student)[0] for student in kept}
        grades = [grade for grade in grades if grade in theirs]
    if not grades:
        return None
    return {**public(event), "grades": grades, "student_ids": kept}


def _placement(event: dict[str, Any], student: str) -> tuple[int | None, str | None]:
    """A student's (grade, school) as the event tells it; None for what it does not tell."""
    placed = (event.get(SCOPE_KEY) or {}).get(student)
    if placed:
        return int(placed[0]), str(placed[1])
    grades = event.get("grades") or []
    school = event.get("school")
    if len(grades) == 1:  # a single-grade event places every student it names
        return int(grades[0]), str(school) if school is not None else None
    return None, None


def _placed_for(viewer: Viewer, event: dict[str, Any], student: str) -> bool:
    """Whether one student of the event is known to be within the viewer's grades and schools."""
    grade, code = _placement(event, student)
    if grade is None:
        return False
    if viewer.grades is not None and grade not in viewer.grades:
        return False
    return viewer.schools is None or (code is not None and code in viewer.schools)
