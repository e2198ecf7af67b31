"""The Students page's list in SQL: filter, sort, count and page in the database.

Loading every student of a scope into pandas to show 24 of them costs time in proportion to
the school (and a district holds many schools). Here the database filters, counts,
sorts and cuts the page; only the page's rows travel, and only they get their latest i-Ready
placement and score. The result equals the pandas path (db.students_list.filter_students over
db.student_actions.student_rows, then page_of or grid_sorted), which stays the reference and
the fallback for an as-of date before the year's last (figures recomputed from raw days);
only the i-Ready columns' type differs (IREADY_COLUMNS).

Order: the table's header sorts, then the page's sort (students_list.SORTS), then last name,
first name and id, as the stable pandas sorts give; text compares by code point
(db.reads.code_point_order); an unknown early warning sorts last either way, like NaN.

Search and case: db.student_list_terms.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Float, func, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from attendly.cache import cached
from attendly.metrics.iready import growth_by_student
from attendly.metrics.policy import Policy
from db import queries
from db.dashboard import Scope
from db.early_warning import days_remaining
from db.growth import diagnostics_of
from db.growth_models import IReadyGrowth
from db.models import IReadyDiagnostic, Student, StudentYearSummary
from db.reads import read_frame
from db.student_actions import ROW_COLUMNS, student_rows
from db.student_list_terms import (
    GridOrder,
    filters,
    more_absences,
    order_by,
    register_casefold,
    sort_keys,
)
from db.students_list import StudentFilter, filter_students, grid_sorted, page_of

# (student id, subject) -> (latest placement level or None, latest scale score).
Latest = dict[tuple[str, str], tuple[int | None, int]]
SUBJECTS = ("ELA", "MATH")
CARDS_PER_PAGE = 24  # the Students page's cards per page (callbacks.students)
IN_LIST = 1000  # listed students past which their i-Ready is read for the whole scope
# Pages up to this many rows are read through the session (db.reads.read_frame's `few`): its
# cached compiled statement saves more than the driver's cursor saves on so few rows.
FEW_ROWS = 1000
GROWTH_READ = ("student_id", "subject", "placement_level", "most_recent_score")
READ_TYPES = {
    **dict.fromkeys(("student_id", "last_name", "first_name", "tier"), "str"),
    **dict.fromkeys(("grade_level", "days_enrolled", "days_absent", "truancy_occasions"), "int64"),
    **dict.fromkeys(("attendance_rate", "period_attendance_rate"), "float64"),
    **dict.fromkeys(("truant", "chronically_absent"), "bool"),
    "more_absences_to_chronic": "object",
}
# The i-Ready columns, whole numbers or <NA> (Int64) however many students lack a diagnostic:
# the pandas path's map makes them floats only when one of the scope's students does.
IREADY_COLUMNS = ("ela_placement_level", "ela_score", "math_placement_level", "math_score")


@dataclass(frozen=True)
class StudentPage:
    """Rows of one page (student_actions.ROW_COLUMNS), how many students match, the page
    shown (1-based, clamped to the last) and the number of pages."""

    rows: pd.DataFrame
    total: int
    page: int
    pages: int


def student_page(
    session: Session, policy: Policy, scope: Scope, chosen: StudentFilter, page: int, size: int
) -> StudentPage:
    """Page `page` of `size` cards of the students matching `chosen` (a page past the end
    gives the last page). Cached per data version, scope and filters: callers must not modify
    the rows."""
    if scope.empty:
        return StudentPage(pd.DataFrame(columns=list(ROW_COLUMNS)), 0, 1, 1)
    version = queries.data_version(session)

    def build() -> StudentPage:
        if not _stored(session, scope):
            rows = filter_students(student_rows(session, policy, scope), chosen)
            shown, pages = page_of(rows, page, size)
            number = min(max(page, 1), pages)
            return StudentPage(shown.reset_index(drop=True), len(rows), number, pages)
        query = _ListQuery(session, scope, version, chosen)
        total = query.count()
        pages = max(1, -(-total // size))
        number = min(max(page, 1), pages)
        return StudentPage(query.rows((), (number - 1) * size, size), total, number, pages)

    return cached(("student-page", scope, policy, version, chosen, page, size), build)


def student_block(
    session: Session,
    policy: Policy,
    scope: Scope,
    chosen: StudentFilter,
    orders: GridOrder,
    start: int,
    end: int,
) -> tuple[pd.DataFrame, int]:
    """(rows `start` to `end` (exclusive) of the matching students in the table's order,
    how many match). Cached like `student_page`."""
    if scope.empty:
        return pd.DataFrame(columns=list(ROW_COLUMNS)), 0
    version = queries.data_version(session)

    def build() -> tuple[pd.DataFrame, int]:
        if not _stored(session, scope):
            rows = grid_sorted(
                filter_students(student_rows(session, policy, scope), chosen), orders
            )
            return rows.iloc[start:end].reset_index(drop=True), len(rows)
        query = _ListQuery(session, scope, version, chosen)
        return query.rows(orders, start, max(0, end - start)), query.count()

    return cached(("student-block", scope, policy, version, chosen, orders, start, end), build)


def student_list(
    session: Session, policy: Policy, scope: Scope, chosen: StudentFilter
) -> pd.DataFrame:
    """Every student matching `chosen`, in its order (the students export): the frame
    filter_students gives, with IREADY_COLUMNS as Int64 so that the file does not depend on
    who else is in the scope. Not cached: an export is read once."""
    if scope.empty:
        return pd.DataFrame(columns=list(ROW_COLUMNS))
    if not _stored(session, scope):
        rows = filter_students(student_rows(session, policy, scope), chosen)
        return rows.astype(dict.fromkeys(IREADY_COLUMNS, "Int64"))
    query = _ListQuery(session, scope, queries.data_version(session), chosen)
    return query.rows((), 0, None)


def _stored(session: Session, scope: Scope) -> bool:
    """Whether the scope's figures are the stored summaries (as of the year's last date),
    the figures db.queries.student_figures gives then."""
    assert scope.academic_year is not None and scope.as_of is not None
    latest = queries.latest_date(session, scope.academic_year)
    return latest is None or scope.as_of >= latest


class _ListQuery:
    """The statements of one scope and filter: the matching students' count and a page."""

    def __init__(
        self, session: Session, scope: Scope, version: tuple[Any, ...], chosen: StudentFilter
    ) -> None:
        assert scope.academic_year is not None and scope.as_of is not None
        self.session, self.scope, self.version, self.chosen = session, scope, version, chosen
        remaining = days_remaining(session, scope.academic_year, scope.as_of)
        self.more = more_absences(remaining)
        self.conditions = [StudentYearSummary.academic_year == scope.academic_year]
        self.conditions += filters(session, scope, chosen, self.more)
        register_casefold(session)

    def count(self) -> int:
        """How many students match. The roster is joined only when a condition reads it (a
        grade scope, a search, the early warning's school): every summary has its student
        (a foreign key), and a district's count then reads one table, not two."""
        statement = select(func.count()).select_from(StudentYearSummary).where(*self.conditions)
        if Student.__table__ in statement.get_final_froms():
            statement = statement.join(Student, Student.id == StudentYearSummary.student_id)
        return int(self.session.execute(statement).scalar_one())

    def rows(self, orders: GridOrder, offset: int, limit: int | None) -> pd.DataFrame:
        """ROW_COLUMNS of the matching students from `offset`, at most `limit` of them
        (None: every one)."""
        summary = StudentYearSummary
        keys = sort_keys(self.session, self.chosen, orders, self.more)
        statement = (
            select(
                summary.student_id,
                Student.last_name,
                Student.first_name,
                Student.grade_level,
                summary.days_enrolled,
                summary.days_absent,
                summary.attendance_rate.cast(Float).label("attendance_rate"),
                summary.period_attendance_rate.cast(Float).label("period_attendance_rate"),
                summary.truancy_occasions,
                summary.truant,
                summary.chronically_absent,
                summary.tier,
                self.more.label("more_absences_to_chronic"),
            )
            .join(Student, Student.id == summary.student_id)
            .where(*self.conditions, *self._bound(keys, offset, limit))
            .order_by(*order_by(keys, self.session))
            .offset(offset)
            .limit(limit)
        )
        few = limit is not None and limit <= FEW_ROWS
        rows = read_frame(self.session, statement, dtypes=READ_TYPES, few=few)
        rows["more_absences_to_chronic"] = rows["more_absences_to_chronic"].astype("Int64")
        return _with_iready(rows, self._growth(list(rows["student_id"])))

    def _bound(
        self, keys: list[tuple[ColumnElement[Any], bool]], offset: int, limit: int | None
    ) -> list[ColumnElement[bool]]:
        """A condition that leaves the page as it is but spares most students the join with
        the roster and the wide sort: [] for a whole list, or when the first sort key or a
        filter reads the roster (grade, name, the early warning's school).

        The rows up to the page's last all sort at or before the first sort key's value in
        that last position, so `key <= that value` (>= when descending) keeps them and their
        order; an unknown value there (NULL sorts last, or fewer students) bounds nothing.
        The value is one narrow top-N read of the summaries: on 50,000 students the
        district's first page takes about half the time (bench/bench_student_list.py).
        """
        if limit is None or limit <= 0 or not keys:
            return []
        key, descending = keys[0]
        probe = select(key).select_from(StudentYearSummary).where(*self.conditions)
        if Student.__table__ in probe.get_final_froms():
            return []  # measured: reading the roster twice costs more than the bound saves
        last = (
            probe.order_by((key.desc() if descending else key.asc()).nulls_last())
            .offset(offset + limit - 1)
            .limit(1)
            .scalar_subquery()
        )
        # Past the bound, as one test: the subquery is evaluated once, where `last IS NULL OR
        # key <= last` made PostgreSQL evaluate it twice. A row with no value of the key
        # passes too (it sorts last, so the page stays the same).
        beyond = key < last if descending else key > last
        return [beyond.is_not(true())]

    def _growth(self, student_ids: list[str]) -> Latest:
        """Latest placement and score per subject of these students: the growth table's rows
        without a successor, or computed from their diagnostics while the table is out of
        step for them (db.growth.in_sync, counted for these students only). Past a page, the
        scope's rows in one read (as db.queries.iready_growth gives them)."""
        year = self.scope.academic_year
        assert year is not None
        if not student_ids:
            return {}
        if len(student_ids) > IN_LIST:
            growth = queries.iready_growth(
                self.session,
                year,
                self.scope.grades,
                columns=GROWTH_READ,
                version=self.version,
                schools=self.scope.schools,
            )
            return _latest(growth.itertuples(index=False, name=None))
        if not _growth_in_step(self.session, student_ids):
            diagnostics = diagnostics_of(self.session, student_ids)
            growth = growth_by_student(diagnostics[diagnostics["academic_year"] == year])
            return _latest(growth[list(GROWTH_READ)].itertuples(index=False, name=None))
        latest = IReadyGrowth
        statement = select(*(getattr(latest, name) for name in GROWTH_READ)).where(
            latest.academic_year == year,
            latest.valid_until.is_(None),
            latest.student_id.in_(student_ids),
        )
        return _latest(tuple(row) for row in self.session.execute(statement))


def _growth_in_step(session: Session, student_ids: list[str]) -> bool:
    """Whether the growth table holds one row per stored diagnostic of these students."""
    counts = [
        select(func.count()).select_from(table).where(table.student_id.in_(student_ids))
        for table in (IReadyDiagnostic, IReadyGrowth)
    ]
    both = session.execute(select(*(count.scalar_subquery() for count in counts))).one()
    return int(both[0]) == int(both[1])


def _latest(rows: Iterable[tuple[Any, ...]]) -> Latest:
    """(student, subject) -> (placement level or None, score) from GROWTH_READ tuples."""
    return {
        (str(student), str(subject)): (None if pd.isna(level) else int(level), int(score))
        for student, subject, level, score in rows
    }


def _with_iready(rows: pd.DataFrame, latest: Latest) -> pd.DataFrame:
    """`rows` with each subject's latest placement level and score as IREADY_COLUMNS types
    them (<NA> for a student without a diagnostic)."""
    ids = list(rows["student_id"])
    for subject in SUBJECTS:
        found = [latest.get((student, subject)) for student in ids]
        prefix = subject.lower()
        for position, column in enumerate(("placement_level", "score")):
            values = [None if hit is None else hit[position] for hit in found]
            rows[f"{prefix}_{column}"] = pd.array(values, dtype="Int64")
    return rows[list(ROW_COLUMNS)]
