"""The Students page's data: one row per student with figures and latest i-Ready, filtered,
sorted and paged; weekly sparkline series for the students on screen."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from attendly.cache import cached
from attendly.metrics.policy import Policy
from attendly.metrics.rounding import percent_hundredths
from db.dashboard import Scope, data_version, scope_frames
from db.models import StudentWeekSummary

LIST_COLUMNS = (
    "student_id",
    "last_name",
    "first_name",
    "grade_level",
    "days_enrolled",
    "days_absent",
    "attendance_rate",
    "period_attendance_rate",
    "truancy_occasions",
    "truant",
    "chronically_absent",
    "tier",
    "ela_placement_level",
    "ela_score",
    "math_placement_level",
    "math_score",
)
# Sort key -> (columns, ascending); ties broken by name then id, so paging is stable.
SORTS = {
    "attendance": (["attendance_rate"], [True]),
    "absent": (["days_absent"], [False]),
    "truancy": (["truancy_occasions"], [False]),
    "period": (["period_attendance_rate"], [True]),
    "name": ([], []),
    "grade": (["grade_level"], [True]),
    # Needs db.student_actions.student_rows; chronic or out-of-reach students come last.
    "chronic": (["more_absences_to_chronic"], [True]),
}
SPARK_WEEKS = 8


@dataclass(frozen=True)
class StudentFilter:
    """The Students page's own filters (grade and year come with the Scope)."""

    tiers: tuple[str, ...] = ()
    truant_only: bool = False
    search: str = ""
    sort: str = "attendance"
    # At most this many more absences to chronic absence (needs db.student_actions rows).
    near_chronic: int | None = None


def student_rows(session: Session, policy: Policy, scope: Scope) -> pd.DataFrame:
    """Every student of the scope with LIST_COLUMNS, sorted by name (cached per data version)."""
    if scope.empty:
        return pd.DataFrame(columns=list(LIST_COLUMNS))

    version = data_version(session)

    def build() -> pd.DataFrame:
        figures, growth = scope_frames(session, policy, scope, version)
        rows = figures.copy()
        for subject in ("ELA", "MATH"):
            latest = growth[growth["subject"] == subject].set_index("student_id")
            prefix = subject.lower()
            rows[f"{prefix}_placement_level"] = rows["student_id"].map(latest["placement_level"])
            rows[f"{prefix}_score"] = rows["student_id"].map(latest["most_recent_score"])
        rows = rows.sort_values(["last_name", "first_name", "student_id"], kind="stable")
        return rows[list(LIST_COLUMNS)].reset_index(drop=True)

    return cached(("student-rows", scope, policy, version), build)


def filter_students(rows: pd.DataFrame, chosen: StudentFilter) -> pd.DataFrame:
    """The rows matching tier, truancy, nearness to chronic absence and a name/id search, in
    the chosen order."""
    keep = pd.Series(True, index=rows.index)
    if chosen.tiers:
        keep &= rows["tier"].isin(chosen.tiers)
    if chosen.truant_only:
        keep &= rows["truant"].astype(bool)
    if chosen.near_chronic is not None:
        keep &= rows["more_absences_to_chronic"].le(chosen.near_chronic).fillna(False).astype(bool)
    needle = chosen.search.strip().casefold()
    if needle:
        names = (rows["first_name"] + " " + rows["last_name"]).str.casefold()
        reverse = (rows["last_name"] + ", " + rows["first_name"]).str.casefold()
        keep &= (
            names.str.contains(needle, regex=False)
            | reverse.str.contains(needle, regex=False)
            | rows["student_id"].str.casefold().str.startswith(needle)
        )
    columns, ascending = SORTS.get(chosen.sort, SORTS["attendance"])
    matched = rows[keep]
    if columns:
        matched = matched.sort_values(columns, ascending=ascending, kind="stable")
    return matched.reset_index(drop=True)


def grid_sorted(rows: pd.DataFrame, orders: Sequence[tuple[str, bool]]) -> pd.DataFrame:
    """`rows` re-sorted by the table's header sorts, `(column, descending)` pairs, the first
    deciding most; ties keep the rows' order (the page's sort, then name and id)."""
    for column, descending in reversed(orders):
        rows = rows.sort_values(column, ascending=not descending, kind="stable")
    return rows.reset_index(drop=True)


def page_of(rows: pd.DataFrame, page: int, size: int) -> tuple[pd.DataFrame, int]:
    """Rows of 1-based `page` (clamped to the last page) and the number of pages."""
    pages = max(1, -(-len(rows) // size))
    page = min(max(page, 1), pages)
    return rows.iloc[(page - 1) * size : page * size], pages


def sparklines(
    session: Session, scope: Scope, student_ids: Sequence[str], weeks: int = SPARK_WEEKS
) -> dict[str, list[float]]:
    """Weekly attendance rate of each student over the last `weeks` school weeks to as_of.

    Reads these students' weekly sums (db.aggregates); a week a student was not enrolled is
    left out of their series. A week counts its days up to as_of, the year's last date.
    """
    if scope.empty or not student_ids:
        return {}
    assert scope.as_of is not None
    monday = scope.as_of - dt.timedelta(days=scope.as_of.weekday() + 7 * (weeks - 1))
    week = StudentWeekSummary
    result = session.execute(
        select(week.student_id, week.week_start, week.days_enrolled, week.days_absent)
        .where(
            week.student_id.in_(list(student_ids)),
            week.academic_year == scope.academic_year,
            week.week_start >= monday,
            week.week_start <= scope.as_of,
        )
        .order_by(week.student_id, week.week_start)
    )
    # A page's few hundred rows, in student order: added up in Python, not grouped in pandas.
    lines: dict[str, list[float]] = {}
    for student, _, size, absent in result:
        hundredths = percent_hundredths(int(size) - int(absent), int(size))
        assert hundredths is not None  # a stored week counts at least one day
        lines.setdefault(str(student), []).append(hundredths / 100)
    return lines
