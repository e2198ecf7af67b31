"""i-Ready growth read from the growth table (db.growth_models), and the table's refresh.

Growing a year of diagnostics in pandas on every cold page costs a fifth of a second at
7,200 students, twice on the Overview (now and a week earlier). The growth table keeps, per
diagnostic, the growth of its student, subject and year as it stood after it, computed by the
very function the pages used (attendly.metrics.iready.growth_by_student), so reading it gives
the same numbers. Every diagnostic write (db.iready.upsert_diagnostics) refreshes the rows of
the students it changed; `refresh_all_growth` rebuilds the table (with the dashboard
aggregates: db.aggregates.refresh_all_aggregates, so `attendly verify --repair` too);
`stale_growth` counts rows that differ from a recomputation (db.aggregates.stale_aggregates).

The table has one row per diagnostic: `in_sync` says whether it does (a stamp after every
growth write, the two counts otherwise), and readers fall back to the raw computation when it
does not (a database upgraded with diagnostics in it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from attendly.metrics.iready import GROWTH_COLUMNS, ON_GRADE_LEVEL, growth_by_student
from db.growth_models import IReadyGrowth
from db.models import IReadyDiagnostic, Student
from db.reads import code_point_order, read_frame
from db.versions import DIAGNOSTICS, GROWTH_CHECKED, bump, counter, current, set_counter

KEYS = ["student_id", "subject", "academic_year"]
DIAGNOSTIC_COLUMNS = (
    "student_id",
    "subject",
    "academic_year",
    "completion_date",
    "overall_scale_score",
    "baseline",
    "placement_level",
    "annual_typical_growth",
    "annual_stretch_growth",
)
STORED_COLUMNS = (
    "student_id",
    "subject",
    "academic_year",
    "most_recent_date",
    "valid_until",
    "diagnostics",
    "baseline_date",
    "baseline_score",
    "most_recent_score",
    "placement_level",
    "diagnostic_gain",
    "typical_hundredths",
    "stretch_hundredths",
)
# Column types of a stored read: NOT NULL numbers as int64, nullable whole numbers as float64
# (NULL read as NaN, every value below 2**53 exact: no per-value conversion of objects).
READ_TYPES = {
    **dict.fromkeys(("student_id", "subject", "academic_year"), "str"),
    **dict.fromkeys(("diagnostics", "baseline_score", "most_recent_score"), "int64"),
    "diagnostic_gain": "int64",
    **dict.fromkeys(("most_recent_date", "baseline_date"), "object"),
    **dict.fromkeys(("placement_level", "typical_hundredths", "stretch_hundredths"), "float64"),
}
# The growth columns the dashboards use (db.dashboard.scope_frames): without the baseline,
# the count of diagnostics and the year, a third fewer values to read on every cold page.
PAGE_COLUMNS = (
    "student_id",
    "subject",
    "most_recent_date",
    "most_recent_score",
    "placement_level",
    "on_grade_level",
    "progress_to_typical",
    "progress_to_stretch",
)
# Stored columns each growth column is made from.
SOURCES = {
    "on_grade_level": ("placement_level",),
    "progress_to_typical": ("typical_hundredths",),
    "progress_to_stretch": ("stretch_hundredths",),
}
CHUNK = 1000  # student ids per IN (...) list
WHOLE_TABLE = 3000  # students past which a refresh reads every diagnostic at once


def frame_of(session: Session, statement: Any, names: Sequence[str]) -> pd.DataFrame:
    """Rows of `statement` as a frame built column by column (object columns, as read)."""
    rows = session.execute(statement).all()
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    return pd.DataFrame(
        {name: pd.Series(values, dtype=object) for name, values in zip(names, columns, strict=True)}
    )


def diagnostics_of(session: Session, student_ids: Sequence[str] | None) -> pd.DataFrame:
    """Stored diagnostics (DIAGNOSTIC_COLUMNS) of these students, every year (None: all)."""
    diag = IReadyDiagnostic
    statement = select(*(getattr(diag, name) for name in DIAGNOSTIC_COLUMNS))
    if student_ids is not None:
        statement = statement.where(diag.student_id.in_(student_ids))
    diagnostics = frame_of(session, statement, DIAGNOSTIC_COLUMNS)
    diagnostics["overall_scale_score"] = diagnostics["overall_scale_score"].astype("int64")
    return diagnostics


def growth_states(diagnostics: pd.DataFrame) -> pd.DataFrame:
    """Table rows (STORED_COLUMNS): for every diagnostic, the growth of its student, subject
    and year counting the diagnostics completed up to it, valid until the next one's date."""
    if diagnostics.empty:
        return pd.DataFrame(columns=list(STORED_COLUMNS))
    ordered = diagnostics.sort_values([*KEYS, "completion_date"], kind="stable")
    ordered = ordered.reset_index(drop=True)
    grouped = ordered.groupby(KEYS, sort=False)
    position, size = grouped.cumcount(), grouped["completion_date"].transform("size")
    # Growth after each group's first, second, ... diagnostic: a few passes, not one per row.
    states = pd.concat(
        [
            growth_by_student(ordered[(position <= step) & (size > step)])
            for step in range(int(size.max()))
        ],
        ignore_index=True,
    )
    following = ordered[[*KEYS, "completion_date"]].assign(
        valid_until=grouped["completion_date"].shift(-1)
    )
    states = states.merge(
        following.rename(columns={"completion_date": "most_recent_date"}),
        on=[*KEYS, "most_recent_date"],
        how="left",
    )
    states["typical_hundredths"] = _hundredths(states["progress_to_typical"])
    states["stretch_hundredths"] = _hundredths(states["progress_to_stretch"])
    return states[list(STORED_COLUMNS)]


def _hundredths(progress: pd.Series) -> pd.Series:
    """Two-decimal percentages as whole hundredths (None where undefined)."""
    values = (pd.to_numeric(progress) * 100).round().astype("Int64")
    return values.astype(object).where(values.notna(), None)


def refresh_growth(session: Session, student_ids: Iterable[str]) -> int:
    """Rewrite the growth rows of these students from their diagnostics; returns rows written.

    Flushes nothing else and never commits: the caller's transaction decides.
    """
    students = sorted(set(student_ids))
    if not students:
        return 0
    bump(session)  # the dashboards' data version: growth changes what pages show
    if len(students) > WHOLE_TABLE:  # one read of every diagnostic beats many IN lists
        wanted = set(students)
        diagnostics = diagnostics_of(session, None)
        diagnostics = diagnostics[diagnostics["student_id"].isin(wanted)]
    else:
        diagnostics = pd.concat(
            [diagnostics_of(session, chunk) for chunk in _chunks(students)], ignore_index=True
        )
    for chunk in _chunks(students):
        session.execute(delete(IReadyGrowth).where(IReadyGrowth.student_id.in_(chunk)))
    written = _insert(session, growth_states(diagnostics))
    record_sync(session)
    return written


def refresh_all_growth(session: Session) -> int:
    """Rebuild the whole table from every stored diagnostic; returns rows written."""
    bump(session)
    session.execute(delete(IReadyGrowth))
    written = _insert(session, growth_states(diagnostics_of(session, None)))
    record_sync(session)
    return written


def _insert(session: Session, states: pd.DataFrame) -> int:
    from db.iready import bulk_insert  # db.iready refreshes this table after its writes

    bulk_insert(session, IReadyGrowth.__table__, states)
    return len(states)


def in_sync(session: Session) -> bool:
    """Whether the table holds one row per stored diagnostic.

    Known without counting when the diagnostics have not changed since a growth write found
    it so (record_sync's stamp): counting both tables costs a district 50 ms and more.
    Otherwise (a database upgraded or loaded whole, a write that did not check) counted.
    """
    checked, written = (counter(name) for name in (GROWTH_CHECKED, DIAGNOSTICS))
    stamps = session.execute(select(checked, written)).one()
    if stamps[0] is not None and stamps[0] == (stamps[1] or 0):
        return True
    return _counted_in_sync(session)


def record_sync(session: Session) -> None:
    """After a growth write (in its transaction): count both tables, and when they match,
    stamp the diagnostics' counter as checked (db.versions), so readers need not count."""
    if _counted_in_sync(session):
        set_counter(session, GROWTH_CHECKED, current(session, DIAGNOSTICS) or 0)


def _counted_in_sync(session: Session) -> bool:
    diagnostics = select(func.count()).select_from(IReadyDiagnostic).scalar_subquery()
    states = select(func.count()).select_from(IReadyGrowth).scalar_subquery()
    counts = session.execute(select(diagnostics, states)).one()
    return int(counts[0]) == int(counts[1])


def stored_growth(
    session: Session,
    academic_year: str,
    grades: Sequence[int] | None,
    until: dt.date | None = None,
    columns: Sequence[str] = GROWTH_COLUMNS,
    schools: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Growth per (student, subject) of one academic year (metrics GROWTH_COLUMNS, or the
    `columns` of them asked for, in the order and types of growth_by_student): the latest
    rows, or the rows holding on `until`, of students in `grades` of `schools` (ids)."""
    growth = IReadyGrowth
    holding: ColumnElement[bool]
    if until is None:
        holding = growth.valid_until.is_(None)
    else:
        holding = (growth.most_recent_date <= until) & or_(
            growth.valid_until.is_(None), growth.valid_until > until
        )
    return _read(session, academic_year, grades, holding, columns, schools)


def growth_before(
    session: Session,
    now: pd.DataFrame,
    academic_year: str,
    grades: Sequence[int] | None,
    before: dt.date,
    schools: Sequence[int] | None = None,
) -> pd.DataFrame:
    """`stored_growth(..., until=before)` from the same scope's growth now (`now`, as read by
    stored_growth, with its columns): a student and subject without a diagnostic after
    `before` keeps its row; the rest take the row that held on `before` (read here: usually a
    handful) or drop out."""
    growth = IReadyGrowth
    superseded = (growth.most_recent_date <= before) & (growth.valid_until > before)
    earlier = _read(session, academic_year, grades, superseded, list(now.columns), schools)
    kept = now[now["most_recent_date"] <= before]
    if kept.empty and earlier.empty:
        return pd.DataFrame(columns=list(now.columns))
    if earlier.empty:
        return kept.reset_index(drop=True)
    both = pd.concat([kept, earlier], ignore_index=True) if not kept.empty else earlier
    return both.take(_by_student_subject(both)).reset_index(drop=True)


def _read(
    session: Session,
    academic_year: str,
    grades: Sequence[int] | None,
    condition: ColumnElement[bool],
    columns: Sequence[str] = GROWTH_COLUMNS,
    schools: Sequence[int] | None = None,
) -> pd.DataFrame:
    growth = IReadyGrowth
    wanted = {source for name in columns for source in SOURCES.get(name, (name,))}
    names = [name for name in STORED_COLUMNS if name in wanted]
    # One academic year and one row per student and subject holding at a time: ordered by
    # student and subject, the rows come in growth_by_student's order.
    order = [code_point_order(session, column) for column in (growth.student_id, growth.subject)]
    statement = (
        select(*(getattr(growth, name) for name in names))
        .where(growth.academic_year == academic_year, condition)
        .order_by(*order)
    )
    if grades is not None or schools is not None:  # the student's row only when asked
        statement = statement.join(Student, Student.id == growth.student_id)
        if grades is not None:
            statement = statement.where(Student.grade_level.in_(grades))
        if schools is not None:
            statement = statement.where(Student.school_id.in_(schools))
    return growth_frame(read_frame(session, statement, names, READ_TYPES), columns)


def growth_frame(stored: pd.DataFrame, columns: Sequence[str] = GROWTH_COLUMNS) -> pd.DataFrame:
    """GROWTH_COLUMNS (or the `columns` of them asked for) from stored rows of one academic
    year read in (student_id, subject) order, growth_by_student's order."""
    if stored.empty:
        return pd.DataFrame(columns=list(columns))
    level = None
    if "placement_level" in stored:
        level = pd.to_numeric(stored["placement_level"]).astype("Int64")
    return pd.DataFrame({name: _output_column(stored, name, level) for name in columns})


def _output_column(stored: pd.DataFrame, name: str, level: pd.Series | None) -> Any:
    """One GROWTH_COLUMNS column from the stored columns (growth_by_student's types)."""
    if name in ("student_id", "subject", "academic_year"):
        return stored[name].astype("str")
    if name in ("baseline_date", "most_recent_date"):
        return _dates(stored[name])
    if name in ("placement_level", "on_grade_level"):
        assert level is not None
        values = level if name == "placement_level" else level >= ON_GRADE_LEVEL
        return values.astype(object).where(values.notna(), None)
    if name in SOURCES:
        return pd.to_numeric(stored[SOURCES[name][0]]).astype("float64") / 100
    return stored[name].astype("int64")


def _by_student_subject(rows: pd.DataFrame) -> Any:
    """Row positions in (student_id, subject) order: a stable sort comparing the values as
    Python strings, the order sort_values gives, without factorising each key first."""
    subjects = rows["subject"].to_numpy(dtype=object)
    return np.lexsort((subjects, rows["student_id"].to_numpy(dtype=object)))


def _dates(values: pd.Series) -> pd.Series:
    """A column of dates as date objects (SQLite may return them as text)."""
    values = values.astype(object)
    if isinstance(values.iloc[0], dt.date):
        return values
    return values.map(lambda value: dt.date.fromisoformat(str(value)))


def stale_growth(session: Session) -> int:
    """Rows of the growth table that differ from a recomputation from every diagnostic
    (stored but wrong or extra, plus missing)."""
    stored = frame_of(
        session, select(*(getattr(IReadyGrowth, n) for n in STORED_COLUMNS)), STORED_COLUMNS
    )
    fresh = growth_states(diagnostics_of(session, None))
    return len(_normal(stored) ^ _normal(fresh))


def _normal(rows: pd.DataFrame) -> set[tuple[str, ...]]:
    """Rows as comparable tuples (missing as one marker, numbers without a trailing .0)."""
    return {
        tuple("-" if pd.isna(value) else str(value) for value in row)
        for row in rows.itertuples(index=False)
    }


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
