"""The overview_groups table (db.overview_group_models): the Overview's sums per (school,
grade, tier), rebuilt with the summaries.

`refresh_overview_groups` runs at the end of db.week_before.refresh_week_before, which every
refresh of summaries or of the aggregates ends with (db.summaries, db.aggregates), inside that
transaction: two INSERT ... SELECT ... GROUP BY over every year, the grouping of
db.overview_figures._grade_sums with the school added. `group_sums` then answers a scope with
a sum over its cells' rows, a few hundred at most, instead of a scan of every student's row.

Every writer of summaries or week-before rows moves db.versions.SUMMARIES in its transaction
(refresh_summaries, refresh_week_before, the rollback's delete; attendly.transfer's load sets
it, see `rebuild_loaded`); the header stores the value the rows were built at, with the
policy. A write that skipped the
refresh, or another policy, therefore makes `group_sums` answer None: the caller adds up the
summaries itself (db.overview_figures._grade_sums), as before.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import Connection, String, delete, func, insert, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from attendly.metrics.policy import Policy
from db.aggregates import count_of
from db.models import School, Student, StudentYearSummary
from db.overview_group_models import OverviewGroup, OverviewGroupYear
from db.versions import SUMMARIES, bump, bump_connection, counter, current, set_counter
from db.week_before import policy_key
from db.week_before_models import StudentWeekBefore

Which = Literal["now", "before"]
# The Overview's sums per group, in the order db.overview_figures adds them up.
SUMS = (
    "students",
    "eligible",
    "chronically_absent",
    "days_enrolled",
    "days_present",
    "present_periods",
    "scheduled_periods",
    "truant",
)
KEY = ("academic_year", "which", "school_id", "grade_level", "tier")
COLUMNS = (*KEY, *SUMS)
SOURCES: dict[str, type[StudentYearSummary] | type[StudentWeekBefore]] = {
    "now": StudentYearSummary,
    "before": StudentWeekBefore,
}


def refresh_overview_groups(session: Session, policy: Policy) -> int:
    """Rebuild the groups of every academic year from the stored summaries and week-before
    rows under `policy`, stamped with the current db.versions.SUMMARIES; returns rows
    written. Flushes, never commits."""
    stamp = current(session, SUMMARIES)
    if stamp is None:  # a database emptied by hand: the counter starts again
        bump(session, SUMMARIES)
        stamp = current(session, SUMMARIES)
    assert stamp is not None
    session.execute(delete(OverviewGroup))
    session.execute(delete(OverviewGroupYear))
    _insert_groups(session, policy.truant_threshold, None)
    years = session.scalars(select(StudentYearSummary.academic_year).distinct()).all()
    header = {
        "source_version": stamp,
        "policy_key": policy_key(policy),
        "truant_threshold": policy.truant_threshold,
    }
    if years:
        session.execute(
            insert(OverviewGroupYear), [{"academic_year": year, **header} for year in years]
        )
    session.flush()
    return int(session.scalar(select(func.count()).select_from(OverviewGroup)) or 0)


def rebuild_loaded(connection: Connection) -> None:
    """After a whole-dataset load (attendly.transfer), in its transaction: the loaded headers
    hold the source database's counter, which means nothing here. The years of the newest
    stamp among them are rebuilt from the loaded rows with the header's own truant threshold
    (so its policy still describes them), and this database's counter is set to that stamp:
    every header left in the database is a loaded one, so only those just rebuilt match (the
    headers stay as exported, and an export of the copy gives the same file)."""
    header = OverviewGroupYear
    headers = connection.execute(
        select(header.academic_year, header.truant_threshold, header.source_version)
    ).all()
    if not headers:
        bump_connection(connection, SUMMARIES)
        return
    stamp = max(int(version) for _, _, version in headers)
    for year, threshold, version in headers:
        if version == stamp:
            connection.execute(delete(OverviewGroup).where(OverviewGroup.academic_year == year))
            _insert_groups(connection, int(threshold), str(year))
    set_counter(connection, SUMMARIES, stamp)


def group_sums(
    session: Session, which: Which, scope: Any, policy: Policy
) -> list[tuple[int, str, tuple[int, ...]]] | None:
    """db.overview_figures._grade_sums(session, SOURCES[which], scope, policy) from the
    stored groups: per (grade, tier) of the scope (a db.dashboard.Scope: its academic_year,
    grades and schools ids; None = no limit), (grade, tier, the SUMS in their order), ordered
    by grade then tier (_grade_sums gives the database's order). None when the stored groups
    cannot answer: the year has no header, or summaries or week-before rows were written
    since the groups were built, or they were built under another policy.

    Two primary-key reads: the header against the counter, then the scope's cells added up."""
    header = OverviewGroupYear
    fresh = session.scalar(
        select(header.academic_year).where(
            header.academic_year == scope.academic_year,
            header.source_version == counter(SUMMARIES),
            header.policy_key == policy_key(policy),
        )
    )
    if fresh is None:
        return None
    group = OverviewGroup
    statement = (
        select(group.grade_level, group.tier, *(func.sum(getattr(group, n)) for n in SUMS))
        .where(group.academic_year == scope.academic_year, group.which == which)
        .group_by(group.grade_level, group.tier)
        .order_by(group.grade_level, group.tier)
    )
    if scope.grades is not None:
        statement = statement.where(group.grade_level.in_(scope.grades))
    if scope.schools is not None:
        statement = statement.where(group.school_id.in_(scope.schools))
    return [
        (int(grade), str(tier), tuple(int(value) for value in sums))
        for grade, tier, *sums in session.execute(statement)
    ]


def stale_overview_groups(session: Session, policy: Policy) -> int:
    """Rows that differ from a regrouping of the stored summaries and week-before rows under
    `policy` (missing, extra or wrong: a wrong row counts twice), plus one per year whose
    header is missing, extra, or does not match the counter and the policy."""
    stored = session.execute(select(*(getattr(OverviewGroup, c) for c in COLUMNS))).all()
    fresh = [
        row
        for which in SOURCES
        for row in session.execute(_grouped(which, policy.truant_threshold, None)).all()
    ]
    stale = len(_normal(stored) ^ _normal(fresh))
    years = set(session.scalars(select(StudentYearSummary.academic_year).distinct()))
    expected = (current(session, SUMMARIES), policy_key(policy), policy.truant_threshold)
    headers = {
        row.academic_year: (row.source_version, row.policy_key, row.truant_threshold)
        for row in session.scalars(select(OverviewGroupYear))
    }
    stale += len(set(headers) ^ years)
    stale += sum(1 for year in years & set(headers) if headers[year] != expected)
    return stale


def _insert_groups(executor: Session | Connection, threshold: int, year: str | None) -> None:
    """Insert the groups of `year` (None: every year), both kinds."""
    for which in SOURCES:
        executor.execute(
            insert(OverviewGroup).from_select(list(COLUMNS), _grouped(which, threshold, year))
        )


def summed(table: type[StudentYearSummary] | type[StudentWeekBefore], threshold: int) -> list[Any]:
    """The SUMS of `table`'s rows as labelled aggregate expressions, in SUMS' order: what
    the Overview adds up per group (students at or above `threshold` truancy occasions are
    truant)."""
    return [
        func.count().label("students"),
        count_of(table.eligible).label("eligible"),
        count_of(table.chronically_absent).label("chronically_absent"),
        func.sum(table.days_enrolled).label("days_enrolled"),
        func.sum(table.days_present).label("days_present"),
        func.sum(table.present_periods).label("present_periods"),
        func.sum(table.scheduled_periods).label("scheduled_periods"),
        count_of(table.truancy_occasions >= threshold).label("truant"),
    ]


def _grouped(which: str, threshold: int, year: str | None) -> Select[*tuple[Any, ...]]:
    """The sums of `which`'s table per (year, school, grade, tier), labelled as COLUMNS:
    _grade_sums' statement, students without a school left out the same way (joined)."""
    table = SOURCES[which]
    statement = (
        select(
            table.academic_year,
            literal(which, String).label("which"),
            Student.school_id,
            Student.grade_level,
            table.tier,
            *summed(table, threshold),
        )
        .select_from(table)
        .join(Student, Student.id == table.student_id)
        .join(School, School.id == Student.school_id)
        .group_by(table.academic_year, Student.school_id, Student.grade_level, table.tier)
    )
    if year is not None:
        statement = statement.where(table.academic_year == year)
    return statement


def _normal(rows: Any) -> set[tuple[str, ...]]:
    """Rows as comparable tuples (PostgreSQL sums bigints to decimals)."""
    return {tuple(str(int(v)) if not isinstance(v, str) else v for v in row) for row in rows}
