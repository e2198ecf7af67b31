"""The SQL terms of the Students list (db.student_list_query): the early warning, the
filters, the name/id search and the order, each as the pandas path defines it.

Search: the pandas path compares `str.casefold()` text. SQLite runs the same Python casefold
(a function registered on the connection). PostgreSQL uses lower() with the needle lowered by
Python's str.lower(): the two differ only for letters whose case folding is not a plain
lowercase (German ß matches "ß" but not "ss", Greek final sigma, dotted capital I).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, literal
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from attendly.metrics.early_warning import CHRONIC_PERCENT
from db.dashboard import Scope
from db.models import Student, StudentYearSummary
from db.reads import code_point_order
from db.students_list import SORTS, StudentFilter

# A header sort of the table: (data column, descending).
GridOrder = tuple[tuple[str, bool], ...]
CASEFOLD = "attendly_casefold"  # the SQLite function running Python's str.casefold


def more_absences(remaining: dict[int, int]) -> ColumnElement[Any]:
    """attendly.metrics.early_warning's N in SQL: max(0, ceil((E + R) / 10) - A), NULL when
    beyond the R school days left or when the student is chronically absent already.

    R is the student's school's days remaining (a CASE over the few schools; 0 for a school
    without any), E and A the summary's days enrolled and absent. Whole numbers only, so
    ceil(x / 100) is (x + 99) // 100 on both databases.
    """
    summary = StudentYearSummary
    left: ColumnElement[Any] = literal(0)
    if remaining:
        left = case(remaining, value=Student.school_id, else_=0)
    year_days = summary.days_enrolled + left
    needed = (year_days * CHRONIC_PERCENT + 99) // 100 - summary.days_absent
    needed = case((needed < 0, 0), else_=needed)
    return case(
        (summary.chronically_absent.is_(True), None),
        (needed > left, None),
        else_=needed,
    )


def filters(
    session: Session, scope: Scope, chosen: StudentFilter, more: ColumnElement[Any]
) -> list[ColumnElement[bool]]:
    """WHERE conditions of the grade and school scope and the page's filters."""
    summary = StudentYearSummary
    conditions: list[ColumnElement[bool]] = []
    if scope.grades is not None:
        conditions.append(Student.grade_level.in_(scope.grades))
    if scope.schools is not None:
        conditions.append(Student.school_id.in_(scope.schools))
    if chosen.tiers:
        conditions.append(summary.tier.in_(chosen.tiers))
    if chosen.truant_only:
        conditions.append(summary.truant.is_(True))
    if chosen.near_chronic is not None:
        conditions.append(more <= chosen.near_chronic)
    if chosen.search.strip():
        conditions.append(_search(session, chosen.search.strip()))
    return conditions


def _search(session: Session, text: str) -> ColumnElement[bool]:
    """A name ("First Last" or "Last, First") containing the text, or an id starting with it,
    without regard to case; %, _, / and \\ in the text match themselves (LIKE escaping with
    "/", SQLAlchemy's autoescape)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    needle = text.lower() if postgres else text.casefold()

    def folded(value: Any) -> ColumnElement[str]:
        return func.lower(value) if postgres else getattr(func, CASEFOLD)(value)

    names = folded(Student.first_name + " " + Student.last_name)
    reverse = folded(Student.last_name + ", " + Student.first_name)
    student_id = folded(StudentYearSummary.student_id)
    return (
        names.contains(needle, autoescape=True)
        | reverse.contains(needle, autoescape=True)
        | student_id.startswith(needle, autoescape=True)
    )


def register_casefold(session: Session) -> None:
    """Give this SQLite connection Python's casefold (no-op on PostgreSQL)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.create_function(CASEFOLD, 1, _casefold, deterministic=True)


def _casefold(value: str | None) -> str | None:
    return None if value is None else str(value).casefold()


def sort_keys(
    session: Session, chosen: StudentFilter, orders: GridOrder, more: ColumnElement[Any]
) -> list[tuple[ColumnElement[Any], bool]]:
    """(expression, descending) of the header sorts (columns of
    attendly.components.grid.SORT_COLUMNS), then of the page's sort, first deciding most."""
    summary = StudentYearSummary
    columns: dict[str, ColumnElement[Any]] = {
        "student_id": code_point_order(session, summary.student_id),
        "grade_level": Student.grade_level.expression,
        "attendance_rate": summary.attendance_rate.expression,
        "days_absent": summary.days_absent.expression,
        "period_attendance_rate": summary.period_attendance_rate.expression,
        "truancy_occasions": summary.truancy_occasions.expression,
        "more_absences_to_chronic": more,
    }
    names, ascending = SORTS.get(chosen.sort, SORTS["attendance"])
    wanted = [*orders, *((name, not up) for name, up in zip(names, ascending, strict=True))]
    return [(columns[name], descending) for name, descending in wanted]


def order_by(keys: list[tuple[ColumnElement[Any], bool]], session: Session) -> list[Any]:
    """ORDER BY the sort keys (unknown early warnings last, like NaN in pandas), then name
    and id (code point order): the stable pandas sorts' tie order."""
    terms = [(key.desc() if descending else key.asc()).nulls_last() for key, descending in keys]
    names = (Student.last_name, Student.first_name, StudentYearSummary.student_id)
    return terms + [code_point_order(session, column) for column in names]
