"""Who sees which change event: hand-made events against each kind of user."""

from __future__ import annotations

from typing import Any

from attendly.auth import AuthUser
from attendly.event_scope import Viewer, viewer_of, visible

SIX = Viewer(grades=frozenset({6}))
SCHOOL_2 = Viewer(schools=frozenset({"002"}))


def event(school: str | None, grades: list[int], ids: list[str], **extra: Any) -> dict[str, Any]:
    return {"kind": "attendance", "school": school, "grades": grades, "student_ids": ids,
            "version": 9, **extra}  # fmt: skip


def test_viewers_come_from_the_server_side_user() -> None:
    teacher = AuthUser(id=1, username="t", role="teacher", grades=(6, 7))
    principal = AuthUser(id=2, username="p", role="principal", grades=(6,), schools=("002",))
    assert viewer_of(teacher) == Viewer(grades=frozenset({6, 7}))
    assert viewer_of(principal) == Viewer(schools=frozenset({"002"}))  # grades only bind teachers
    assert viewer_of(AuthUser(id=3, username="a", role="admin", grades=())).sees_everything


def test_everyone_else_sees_the_whole_event_without_internal_keys() -> None:
    shown = visible(Viewer(), event("001", [6, 7], ["A", "B"], scope={"A": [6, "001"]}))
    assert shown == event("001", [6, 7], ["A", "B"])


def test_a_teacher_gets_only_their_grades_and_students() -> None:
    assert visible(SIX, event("001", [7], ["B"])) is None
    assert visible(SIX, event("001", [6], ["A"])) == event("001", [6], ["A"])
    placed = {"A": [6, "001"], "B": [7, "001"]}
    assert visible(SIX, event("001", [6, 7], ["A", "B"], scope=placed)) == event("001", [6], ["A"])


def test_students_that_cannot_be_placed_are_left_out() -> None:
    # Two grades and no scope: the grade is theirs, which students are is unknown.
    assert visible(SIX, event("001", [6, 7], ["A", "B"])) == event("001", [6], [])
    # Students but no grade at all (deleted by a rollback): nothing for a teacher.
    assert visible(SIX, event(None, [], ["GONE"])) is None


def test_school_assignments_limit_to_those_schools() -> None:
    assert visible(SCHOOL_2, event("001", [6], ["A"])) is None
    assert visible(SCHOOL_2, event("002", [6], ["A"])) == event("002", [6], ["A"])
    spanning = event(None, [6, 7], ["A", "C"], scope={"A": [6, "001"], "C": [7, "002"]})
    assert visible(SCHOOL_2, spanning) == event(None, [7], ["C"])
    assert visible(SCHOOL_2, event(None, [6, 7], ["A", "C"])) is None  # no scope: deny


def test_a_change_naming_no_grade_and_no_student_concerns_everyone() -> None:
    codes = event(None, [], [])
    assert visible(SIX, codes) == codes and visible(SCHOOL_2, codes) == codes
    calendar = event("001", [], [])
    assert visible(SIX, calendar) == calendar
    assert visible(SCHOOL_2, calendar) is None
