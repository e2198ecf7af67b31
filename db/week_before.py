"""The student_week_before table (db.week_before_models): written with the summaries.

`refresh_week_before` runs inside the transaction that rewrote summaries (db.summaries) or
the aggregates (db.aggregates.refresh_all_aggregates), so the committed rows always belong to
the committed summaries. Only the touched students are recomputed, unless the year's dates
moved (a newer day arrived, so "a week ago" is another day for everyone) or the policy
changed: then the whole year is. The figures come from db.week_change.figures_before, the
code the Overview used to run on every request, so both ways give the same numbers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence

import pandas as pd
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from attendly.metrics.policy import Policy
from db.frames import plain
from db.versions import SUMMARIES, bump
from db.week_before_models import StudentWeekBefore, WeekBeforeYear

CHUNK = 1000
COLUMNS = (
    "student_id",
    "days_enrolled",
    "days_present",
    "scheduled_periods",
    "present_periods",
    "truancy_occasions",
    "eligible",
    "chronically_absent",
    "tier",
)


def policy_key(policy: Policy) -> str:
    """A fingerprint of the policy the rows were computed under (its fields, in order)."""
    return hashlib.sha256(repr(policy).encode()).hexdigest()


def year_dates(session: Session, academic_year: str) -> tuple[dt.date, dt.date] | None:
    """(the year's latest date, the comparison date) or None when there is no week before."""
    from db import queries, week_change
    from db.dashboard import Scope

    as_of = queries.latest_date(session, academic_year)
    if as_of is None:
        return None
    before = week_change.previous_as_of(session, Scope(academic_year, as_of, None))
    return None if before is None else (as_of, before)


def header(session: Session, academic_year: str) -> WeekBeforeYear | None:
    return session.get(WeekBeforeYear, academic_year)


def refresh_week_before(
    session: Session, policy: Policy, student_ids: Iterable[str] | None = None
) -> int:
    """Rewrite the rows of these students (None: everyone) in every year with summaries,
    then the Overview's groups (db.overview_groups); returns rows written. Flushes, never
    commits."""
    from db.dashboard import academic_years
    from db.overview_groups import refresh_overview_groups  # reads these rows: imports this

    bump(session, SUMMARIES)  # the groups built from the old rows are stale until rebuilt
    touched = None if student_ids is None else sorted(set(student_ids))
    if touched is not None and not touched:
        refresh_overview_groups(session, policy)  # the summaries may have moved the counter
        return 0
    years = academic_years(session)
    gone = delete(StudentWeekBefore).where(StudentWeekBefore.academic_year.not_in(years))
    session.execute(gone)
    session.execute(delete(WeekBeforeYear).where(WeekBeforeYear.academic_year.not_in(years)))
    written = sum(_refresh_year(session, policy, year, touched) for year in years)
    session.flush()
    # Every write of summaries ends here (db.summaries, db.aggregates): the Overview's groups
    # are rebuilt from the rows just written, in the same transaction.
    refresh_overview_groups(session, policy)
    return written


def _refresh_year(
    session: Session, policy: Policy, year: str, touched: Sequence[str] | None
) -> int:
    dates = year_dates(session, year)
    stored = header(session, year)
    key = policy_key(policy)
    if dates is None:
        session.execute(delete(StudentWeekBefore).where(StudentWeekBefore.academic_year == year))
        if stored is not None:
            session.delete(stored)
        return 0
    as_of, before = dates
    same = stored is not None and (stored.as_of, stored.before, stored.policy_key) == (
        as_of,
        before,
        key,
    )
    if not same:
        touched = None  # a new comparison date or policy: every student's row changes
    rows = _figures_before(session, policy, year, as_of, before, touched)
    table = StudentWeekBefore
    if touched is None:
        session.execute(delete(table).where(table.academic_year == year))
    else:
        for start in range(0, len(touched), CHUNK):
            chunk = touched[start : start + CHUNK]
            session.execute(
                delete(table).where(table.academic_year == year, table.student_id.in_(chunk))
            )
    if rows:
        session.execute(insert(table), [{**row, "academic_year": year} for row in rows])
    if stored is None:
        session.add(WeekBeforeYear(academic_year=year, as_of=as_of, before=before, policy_key=key))
    else:
        stored.as_of, stored.before, stored.policy_key = as_of, before, key
    return len(rows)


def _figures_before(
    session: Session,
    policy: Policy,
    year: str,
    as_of: dt.date,
    before: dt.date,
    touched: Sequence[str] | None,
) -> list[dict[str, object]]:
    """Figures as of `before` of these students (None: all with a summary of the year)."""
    from db import queries, week_change
    from db.dashboard import Scope

    grades = schools = None
    if touched is not None:
        # Read the grades and schools of these students only: one school's import touches a
        # thirtieth of a district, whose other students' figures would be read for nothing.
        grades, schools = _places_of(session, touched)
        if not grades:
            return []
    figures = queries._stored_figures(session, year, grades, schools)
    if touched is not None:
        figures = figures[figures["student_id"].isin(set(touched))]
    if figures.empty:
        return []
    scope = Scope(year, as_of, grades, schools=schools)
    earlier = week_change.figures_before(session, policy, scope, figures, before)
    if earlier.empty:
        return []
    return [
        {str(name): plain(value) for name, value in row.items()}
        for row in earlier[list(COLUMNS)].to_dict("records")
    ]


def _from_raw_days(
    session: Session, policy: Policy, year: str, before: dt.date
) -> list[dict[object, object]]:
    """Every student's figures as of `before` recomputed from the raw student-days (not from
    the summaries the refresh subtracts from): an independent check. Only students of a
    school, as the refresh (db.queries._stored_figures joins the school)."""
    from db import queries

    figures = queries._student_figures(session, policy, year, before, None)
    if figures.empty:
        return []
    figures = figures[figures["school_code"].notna()]
    return list(figures[list(COLUMNS)].to_dict("records"))


def _places_of(
    session: Session, student_ids: Sequence[str]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The grades and the schools of these students (each sorted)."""
    from db.models import Student

    places: set[tuple[int, int]] = set()
    for start in range(0, len(student_ids), CHUNK):
        chunk = student_ids[start : start + CHUNK]
        found = session.execute(
            select(Student.grade_level, Student.school_id).where(Student.id.in_(chunk)).distinct()
        )
        places.update((int(g), int(s)) for g, s in found if g is not None and s is not None)
    grades = tuple(sorted({grade for grade, _ in places}))
    return grades, tuple(sorted({school for _, school in places}))


def stored_rows(session: Session, academic_year: str) -> pd.DataFrame:
    """The stored rows of a year (for `attendly verify` and tests), by student id."""
    table = StudentWeekBefore
    result = session.execute(
        select(*(getattr(table, name) for name in COLUMNS))
        .where(table.academic_year == academic_year)
        .order_by(table.student_id)
    )
    return pd.DataFrame(result.all(), columns=list(COLUMNS))


def stale_week_before(session: Session, policy: Policy) -> int:
    """Rows that differ from a recomputation from the raw student-days of every year
    (missing, extra or wrong: a wrong row counts twice), plus one per year whose header does
    not match its dates and policy."""
    from db.dashboard import academic_years

    stale = 0
    for year in academic_years(session):
        dates = year_dates(session, year)
        stored = header(session, year)
        if dates is None:
            stale += int(stored is not None) + len(stored_rows(session, year))
            continue
        if stored is None or (stored.as_of, stored.before, stored.policy_key) != (
            *dates,
            policy_key(policy),
        ):
            stale += 1
            continue
        expected = {
            tuple(str(plain(row[c])) for c in COLUMNS)
            for row in _from_raw_days(session, policy, year, dates[1])
        }
        have = {
            tuple(str(plain(v)) for v in row)
            for row in stored_rows(session, year).itertuples(index=False)
        }
        stale += len(expected ^ have)
    return stale
