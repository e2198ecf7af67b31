"""Academic-year partitions of `attendance_records` on PostgreSQL, created when first needed.

On PostgreSQL `attendance_records` is partitioned BY RANGE (date), one partition per academic
year (1 July to 1 July), kept in the schema `attendance_partitions` so that the public schema
holds exactly the tables the models describe. Each partition also carries
CHECK (academic_year = '<its year>'): PostgreSQL's constraint exclusion then skips the other
years for the dashboards' `academic_year = ...` reads, while the range bound prunes the date
reads (see docs/database.md). SQLite keeps one plain table and everything here is a no-op.

There is no DEFAULT partition: a row of a year without a partition makes its statement fail
(nothing is written) instead of landing in a catch-all that would later block creating that
year's partition. Every writer of new student-days (imports, `transfer import-all`) calls
`ensure_attendance_partitions` before writing, and a flush of new `AttendanceRecord` objects
does it by itself (`_before_flush`); corrections and rollbacks only change or remove stored
rows, whose partitions exist.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, event, text
from sqlalchemy.orm import Session, UOWTransaction

from attendly.metrics.years import academic_year_bounds, academic_year_of

PARENT = "attendance_records"
SCHEMA = "attendance_partitions"
YEAR = re.compile(r"^(\d{4})-(\d{4})$")
# Serialises partition creation across sessions (held to the end of the transaction); the
# merges' lock is 4254330657, the summary refreshes' 4254330658 (db.aggregates).
CREATE_LOCK = 4254330659
_BOUND = re.compile(r"FROM \('(\d{4}-\d{2}-\d{2})'\)")


@dataclass(frozen=True)
class Partition:
    """One partition: its qualified name, the academic year it holds ("DEFAULT" for a default
    partition) and, when counted, its rows."""

    name: str
    academic_year: str
    rows: int | None = None


def partition_name(year: str) -> str:
    """The schema-qualified table holding `year`, e.g.
    `attendance_partitions.attendance_records_2025_2026`."""
    start, _ = _year_bounds(year)
    return f"{SCHEMA}.{PARENT}_{start.year}_{start.year + 1}"


def years_of(values: Iterable[str | dt.date]) -> list[str]:
    """The academic years named by `values` (years like `2025-2026`, or dates), sorted.

    Raises ValueError naming a year that is not `YYYY-YYYY` with consecutive years.
    """
    years = set()
    for value in values:
        if isinstance(value, dt.date):
            years.add(academic_year_of(value))
        else:
            _year_bounds(value)
            years.add(value)
    return sorted(years)


def years_between(first: dt.date, last: dt.date) -> list[str]:
    """Every academic year from `first`'s to `last`'s (both included)."""
    start, end = int(academic_year_of(first)[:4]), int(academic_year_of(last)[:4])
    return [f"{year}-{year + 1}" for year in range(start, end + 1)]


def is_partitioned(bind: Session | Connection) -> bool:
    """True when `attendance_records` is a partitioned table (PostgreSQL from migration 0800 on)."""
    if _dialect(bind) != "postgresql":
        return False
    kind = bind.execute(
        text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:parent)"), {"parent": PARENT}
    ).scalar()
    return kind == "p"


def ensure_attendance_partitions(
    bind: Session | Connection, years_or_dates: Iterable[str | dt.date]
) -> list[str]:
    """Create the partitions missing for these academic years (or the years of these dates),
    inside the caller's transaction; returns the years created (none on SQLite).

    Safe under concurrency: creators queue on a transaction-level advisory lock and look again
    once they hold it, so two imports of the same new year create it once. A partition is made
    as a plain table and then attached, which locks `attendance_records` only in SHARE UPDATE
    EXCLUSIVE mode: dashboards keep reading and writing while the caller's transaction runs
    (the new partition's foreign keys do hold writes to students, schools and imports until
    the caller commits). Raises ValueError for a malformed year (before touching the database).
    """
    wanted = years_of(years_or_dates)
    if not wanted or not is_partitioned(bind):
        return []
    if not set(wanted) - _covered(bind):
        return []
    bind.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CREATE_LOCK})
    missing = sorted(set(wanted) - _covered(bind))
    for year in missing:
        _create(bind, year)
    return missing


def attendance_partitions(bind: Session | Connection, *, count: bool = False) -> list[Partition]:
    """Every partition of `attendance_records`, oldest year first, with its exact row count
    when `count` (a scan of each partition); [] when the table is not partitioned."""
    if not is_partitioned(bind):
        return []
    found = [
        Partition(name, year if year else "DEFAULT")
        for name, year in sorted(_partitions(bind).items(), key=lambda item: item[1] or "9999")
    ]
    if not count:
        return found
    return [Partition(p.name, p.academic_year, _count(bind, p.name)) for p in found]


def _count(bind: Session | Connection, name: str) -> int:
    return int(bind.execute(text(f"SELECT count(*) FROM {name}")).scalar() or 0)


def _dialect(bind: Session | Connection) -> str:
    # A Session, or the app's scoped_session (which proxies get_bind but is no Session).
    return (bind.get_bind() if hasattr(bind, "get_bind") else bind).dialect.name


def _covered(bind: Session | Connection) -> set[str]:
    return {year for year in _partitions(bind).values() if year}


def _partitions(bind: Session | Connection) -> dict[str, str | None]:
    """{qualified name: academic year of its lower bound, None for a DEFAULT partition}."""
    rows = bind.execute(
        text(
            "SELECT format('%I.%I', n.nspname, c.relname), pg_get_expr(c.relpartbound, c.oid) "
            "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE i.inhparent = to_regclass(:parent)"
        ),
        {"parent": PARENT},
    ).all()
    found: dict[str, str | None] = {}
    for name, bound in rows:
        match = _BOUND.search(bound or "")
        found[str(name)] = academic_year_of(dt.date.fromisoformat(match[1])) if match else None
    return found


def _create(bind: Session | Connection, year: str) -> None:
    """Create `year`'s table beside the parent, then attach it (see the caller's docstring)."""
    start, end = _year_bounds(year)
    name = partition_name(year)
    check = f"ck_{PARENT}_{start.year}_{start.year + 1}_year"
    for statement in (
        f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS)",
        f"ALTER TABLE {name} ADD CONSTRAINT {check} CHECK (academic_year = '{year}')",
        f"ALTER TABLE {PARENT} ATTACH PARTITION {name} "
        f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')",
    ):
        bind.execute(text(statement))


def _year_bounds(year: str) -> tuple[dt.date, dt.date]:
    """(1 July, next 1 July) of `year`; the upper bound is exclusive as partition bounds are."""
    match = YEAR.match(str(year))
    if match is None or int(match[2]) != int(match[1]) + 1:
        raise ValueError(f"academic year {year!r} is not like 2025-2026")
    first, last = academic_year_bounds(year)
    return first, last + dt.timedelta(days=1)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    """Student-days added through the ORM get their year's partition before the INSERT."""
    days = [
        getattr(obj, "date", None)
        for obj in session.new
        if getattr(obj, "__tablename__", None) == PARENT
    ]
    if days and _dialect(session) == "postgresql":
        ensure_attendance_partitions(session, [day for day in days if isinstance(day, dt.date)])
