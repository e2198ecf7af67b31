"""Set-based merge of staged rows into their target, keeping every overwritten row for rollback.

One portable SQL shape for SQLite (>= 3.39: IS DISTINCT FROM, UPDATE ... FROM) and PostgreSQL:

1. history: the stored rows that differ from their staged row are copied, with the import
   that last wrote them, into the target's history table (this is what rollback restores);
2. update: those rows take the staged values (skipped when step 1 found none);
3. insert: staged rows whose key is not stored yet.

Unchanged rows are never written, so an identical re-import writes nothing. The stage holds
at most one live row per key (the pipeline resolves duplicates before staging), which is
what makes a set-based update deterministic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace

from sqlalchemy import (
    Integer,
    Table,
    and_,
    case,
    exists,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.elements import ColumnElement

from db.import_tables import (
    ATTENDANCE_KEY,
    CALENDAR_KEY,
    CODE_KEY,
    STUDENT_KEY,
    StageState,
    attendance_history,
    attendance_stage,
    calendar_stage,
    code_history,
    code_stage,
    student_history,
    student_stage,
)
from db.models import AttendanceCode, AttendanceRecord, SchoolCalendarDay, Student
from db.partitions import ensure_attendance_partitions, years_between
from db.planner import joined_without


@dataclass(frozen=True)
class Target:
    """A table imports write: its stage table, its history table and its key.

    `history` is None for insert-only targets (a calendar day has nothing to change).
    """

    table: Table
    stage: Table
    history: Table | None
    key: tuple[str, ...]
    # Set for a target partitioned by its `date` column on PostgreSQL (db.partitions): the
    # merge creates the partitions its rows need and joins only the staged date range.
    dated: bool = False
    dates: tuple[dt.date, dt.date] | None = None

    @property
    def data(self) -> list[str]:
        """Every stored column besides the surrogate id, the key and the import stamp."""
        skip = {"id", "import_id", *self.key}
        return [column.name for column in self.table.columns if column.name not in skip]

    def on(self, other: Table) -> ColumnElement[bool]:
        """Stored row = staged row; within the staged dates when known, which lets PostgreSQL
        read only the partitions of those years (plan-time pruning on constants)."""
        same = and_(*(self.table.c[k] == other.c[k] for k in self.key))
        if self.dates is None:
            return same
        return and_(same, self.table.c.date.between(*self.dates))


ATTENDANCE = Target(
    AttendanceRecord.__table__, attendance_stage, attendance_history, ATTENDANCE_KEY, dated=True
)
STUDENTS = Target(Student.__table__, student_stage, student_history, STUDENT_KEY)
CODES = Target(AttendanceCode.__table__, code_stage, code_history, CODE_KEY)
CALENDAR = Target(SchoolCalendarDay.__table__, calendar_stage, None, CALENDAR_KEY)


@dataclass(frozen=True)
class MergeCounts:
    inserted: int
    updated: int
    # Targets keyed by student (attendance): the students whose rows were inserted or
    # changed, and the schools those rows name. Empty for the others.
    students: frozenset[str] = frozenset()
    schools: frozenset[int] = frozenset()


def merge(
    session: Session,
    target: Target,
    import_id: int,
    *,
    compare: Sequence[str],
    insert_columns: Sequence[str],
) -> MergeCounts:
    """Merge the import's live staged rows into `target`; returns what was written.

    `compare` are the columns an update may change (a roster without birthdates leaves them
    alone); `insert_columns` the data columns a new row takes from its staged row. Written
    rows are stamped with `import_id`. Does not commit.

    One read-only pass first counts the new and the changed rows, so that an identical
    re-import (the nightly case) costs a single join and writes nothing.
    """
    stage = target.stage
    live = and_(stage.c.import_id == import_id, stage.c.state == StageState.LIVE)
    if target.dated:
        target = _within_staged_dates(session, target, live)
    differs = or_(false(), *(target.table.c[c].is_distinct_from(stage.c[c]) for c in compare))
    with _by_key(session):
        classified = _classify(session, target, live, differs if compare else None)
    new, changed = classified.counts.inserted, classified.counts.updated
    updated = 0
    if changed and target.history is not None:
        updated = _keep_history(session, target, import_id, and_(live, differs))
        values = {c: stage.c[c] for c in compare}
        session.execute(
            update(target.table)
            .where(target.on(stage), live, differs)
            .values(**values, import_id=import_id)
        )
    with _by_key(session):
        inserted = (
            _insert_new(session, target, import_id, live, insert_columns, classified.all_new)
            if new
            else 0
        )
    return replace(classified.counts, inserted=inserted, updated=updated)


def _by_key(session: Session) -> AbstractContextManager[None]:
    """Join each staged row to its stored row through the target's key index. The target's
    statistics lag behind a batch of imports: with two workers loading a district, PostgreSQL
    hashed the whole year's partition instead and spilled it to disk (30 s to insert one
    school's 300,000 rows into 7 million, against 5 s by key)."""
    return joined_without(session, "hashjoin", "mergejoin")


def prepare_partitions(session: Session, target: Target, import_id: int) -> None:
    """Create the academic-year partitions the import's staged rows need, in a transaction of
    their own committed before the merge's (db.partitions; nothing on SQLite or for undated
    targets). Commits `session` first: what it holds then is the staging's, committed anyway.

    Attaching a partition locks the tables its foreign keys name (imports among them) against
    writes until its transaction ends. Inside the merge's transaction that lock was held while
    waiting for the merge lock, whose holder had to write its own import row to finish: a
    deadlock between two imports. In a short transaction of its own it is only waited for."""
    if not target.dated or session.get_bind().dialect.name != "postgresql":
        return
    stage = target.stage
    live = and_(stage.c.import_id == import_id, stage.c.state == StageState.LIVE)
    first, last = session.execute(
        select(func.min(stage.c.date), func.max(stage.c.date)).where(live)
    ).one()
    session.commit()  # holds nothing the partition's creation waits for
    if first is None:
        return
    with Session(session.get_bind()) as own, own.begin():
        ensure_attendance_partitions(own, years_between(_as_date(first), _as_date(last)))


def _within_staged_dates(session: Session, target: Target, live: ColumnElement[bool]) -> Target:
    """`target` limited to the staged rows' first..last date, after creating the academic-year
    partitions those dates need (db.partitions; a no-op on SQLite)."""
    dates = session.execute(
        select(func.min(target.stage.c.date), func.max(target.stage.c.date)).where(live)
    ).one()
    if dates[0] is None:
        return target
    first, last = (_as_date(value) for value in dates)
    ensure_attendance_partitions(session, years_between(first, last))
    return replace(target, dates=(first, last))


def _as_date(value: object) -> dt.date:
    """SQLite returns MIN/MAX of a date as text."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _classify(
    session: Session,
    target: Target,
    live: ColumnElement[bool],
    differs: ColumnElement[bool] | None,
) -> Classified:
    """New rows and changed rows among the live staged rows (as inserted and updated), and
    for a target keyed by student, the students and schools of those rows."""
    table, stage = target.table, target.stage
    missing = table.c[target.key[0]].is_(None)
    counted = [func.count(), func.count(case((missing, 1)))]
    if differs is not None:
        counted.append(func.count(case((and_(~missing, differs), 1))))
    by = [stage.c[name] for name in ("student_id", "school_id") if "student_id" in target.key]
    query = select(*by, *counted).select_from(stage.outerjoin(table, target.on(stage)))
    rows = session.execute(query.where(live).group_by(*by)).all()
    live_rows = new = changed = 0
    students, schools = set(), set()
    for row in rows:
        found = [int(count) for count in row[len(by) :]]
        live_rows, new = live_rows + found[0], new + found[1]
        changed += found[2] if differs is not None else 0
        if by and (found[1] or (differs is not None and found[2])):
            students.add(row[0])
            schools.add(row[1])
    counts = MergeCounts(new, changed, frozenset(students), frozenset(schools))
    return Classified(counts, all_new=live_rows == new)


@dataclass(frozen=True)
class Classified:
    counts: MergeCounts
    all_new: bool  # no live staged row is stored yet (a new school year, a new school)


def _keep_history(
    session: Session, target: Target, import_id: int, changed: ColumnElement[bool]
) -> int:
    history, table = target.history, target.table
    assert history is not None
    names = [*target.key, *target.data]
    query = (
        select(literal(import_id, Integer), table.c.import_id, *(table.c[name] for name in names))
        .select_from(table.join(target.stage, target.on(target.stage)))
        .where(changed)
    )
    columns = ["import_id", "prior_import_id", *names]
    statement = insert(history).from_select(columns, query)
    return _rowcount(session, statement)


def _insert_new(
    session: Session,
    target: Target,
    import_id: int,
    live: ColumnElement[bool],
    insert_columns: Sequence[str],
    all_new: bool,
) -> int:
    """Insert the staged rows not stored yet. When the count found none of them stored (a new
    year's or a new school's file), the merge's lock keeps it so, and the insert does not look
    every key up a second time."""
    stage = target.stage
    names = [*target.key, *insert_columns]
    query = select(*(stage.c[name] for name in names), literal(import_id, Integer)).where(live)
    if not all_new:
        stored = exists(select(literal(1)).select_from(target.table).where(target.on(stage)))
        query = query.where(~stored)
    statement = insert(target.table).from_select([*names, "import_id"], query)
    return _rowcount(session, statement)


def _rowcount(session: Session, statement: Executable) -> int:
    """Rows an INSERT ... SELECT wrote (SQLAlchemy reports it only when asked to keep it)."""
    result = session.execute(statement.execution_options(preserve_rowcount=True))
    return int(result.rowcount)  # type: ignore[attr-defined]


MERGES = 4254330657  # "ATTENDLY" merges: the district's advisory lock
SCHOOL_MERGES = 425433  # the key space of one school's merges (two-key form: space, school id)


def serialize_merges(session: Session, schools: Collection[int] | None = None) -> None:
    """Keep merges that could write the same rows apart (PostgreSQL; SQLite has one writer
    anyway), until the transaction ends: a merge reads the rows it overwrites into its
    history, which a concurrent merge of the same rows would falsify.

    Without `schools`, the merge has the district to itself. With them, the caller says its
    merge writes only rows of students whose school is among `schools`: it shares the
    district's lock with other such merges and takes each of these schools' own, in order
    (so two of them never wait on each other in a circle). Two schools' nightly files then
    merge side by side, while a roster, a rollback or any other merge still waits for all.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    if schools is None:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MERGES})
        return
    session.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": MERGES})
    for school in sorted(schools):
        session.execute(
            text("SELECT pg_advisory_xact_lock(:space, :school)"),
            {"space": SCHOOL_MERGES, "school": school},
        )


def tune_for_bulk(session: Session) -> None:
    """Let PostgreSQL hash a million staged rows in memory for this transaction's joins, and
    skip JIT compilation (it costs more than it saves on these one-off statements)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL work_mem = '256MB'"))
        session.execute(text("SET LOCAL jit = off"))
