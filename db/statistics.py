"""The planner's statistics, kept fresh by the imports themselves (PostgreSQL).

Every plan PostgreSQL makes rests on what ANALYZE last saw of a table. Autovacuum analyzes a
table once a tenth of its rows changed, but it runs on its own schedule (or not at all, where
it is turned off), and a nightly batch grows the year's partition by a school every few
seconds. Planned on a partition never analyzed, reading 500 students' rows went through the
whole (school_id, date) index (3 s) instead of the student index (8 ms); the merge hashed
whole partitions and the day totals looped once per student (db.planner has those cases).

So each import, before its merge and after its commit, analyzes the tables that changed by
more than autovacuum's tenth since they were last analyzed: one catalog query when none did.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from db.import_tables import STAGE_TABLES

SHARE = 0.1  # autovacuum_analyze_scale_factor's default
FLOOR = 50  # autovacuum_analyze_threshold's default

STALE = text(
    "SELECT quote_ident(s.schemaname) || '.' || quote_ident(s.relname) "
    "FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
    "WHERE c.relkind = 'r' AND NOT (s.relname = ANY(:skip)) "
    "AND s.n_mod_since_analyze > :floor + :share * greatest(c.reltuples, 0) "
    "ORDER BY s.n_mod_since_analyze DESC"
)


def stale_tables(session: Session) -> list[str]:
    """The application's tables (each attendance partition apart) changed by more than a tenth
    of their rows since last analyzed, most changed first; the stage tables are left out (each
    merge analyzes its stage). Counts what committed transactions reported to the statistics
    system, which a backend does within about a second of its commit. [] on SQLite."""
    if session.get_bind().dialect.name != "postgresql":
        return []
    skip = [table.name for table in STAGE_TABLES]
    found = session.scalars(STALE, {"skip": skip, "floor": FLOOR, "share": SHARE})
    return list(found)


def analyze_changed(session: Session) -> list[str]:
    """ANALYZE the stale tables (stale_tables) between transactions: commits `session` first.
    Returns the tables found stale. A table another session is analyzing (or vacuuming) is
    skipped, not waited for; the next import finds it again if it is still stale. A no-op on
    SQLite (nothing committed)."""
    if session.get_bind().dialect.name != "postgresql":
        return []
    stale = stale_tables(session)
    maintain(session, "ANALYZE (SKIP_LOCKED)", stale)
    return stale


def analyze_stage(session: Session, table: Table) -> None:
    """ANALYZE a freshly filled stage table between transactions (commits `session`), from a
    small sample: plenty to plan its joins. Inside a merge's transaction the table's lock
    would be held to its end, and two schools' merges side by side would queue on it."""
    if session.get_bind().dialect.name == "postgresql":
        maintain(session, "ANALYZE", [table.name], statistics_target=10)


def maintain(
    session: Session, command: str, tables: Sequence[str], *, statistics_target: int = 0
) -> None:
    """Commit `session`, then run `command` (VACUUM or ANALYZE with its options) on each of
    `tables` on a connection of its own in autocommit: outside every transaction, so that
    it holds no lock of the import's and VACUUM may run at all (PostgreSQL). A
    `statistics_target` replaces default_statistics_target meanwhile."""
    session.commit()
    if not tables:
        return
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if statistics_target:
            connection.execute(text(f"SET default_statistics_target = {int(statistics_target)}"))
        try:
            for name in tables:
                connection.execute(text(f"{command} {name}"))
        finally:
            if statistics_target:
                connection.execute(text("RESET default_statistics_target"))
