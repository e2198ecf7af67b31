"""Imports side by side on PostgreSQL: an import finishing its merge never waits for another
import's hold on a stage table (the deadlock two RQ workers ran into, found by
bench/bench_parallel_import.py: the merging import, holding the merge lock, waited for the
stage table's exclusive lock while the other import, holding the stage table, waited for
the merge lock)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.orm import Session

from db.import_tables import StageState, attendance_stage
from db.staging import clear_stage


def _staged(import_id: int) -> dict[str, int]:
    return {"import_id": import_id, "row_number": 2, "state": StageState.LIVE}


def test_clearing_the_stage_does_not_wait_for_an_import_still_staging(
    engine: Engine, session: Session
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("table locks are PostgreSQL's (SQLite has one writer)")
    session.execute(insert(attendance_stage), [_staged(1), _staged(1)])
    session.commit()
    with engine.connect() as other:  # another import, mid-chunk: its row not committed yet
        other.execute(insert(attendance_stage).values(**_staged(2)))
        # Waiting for `other` would now fail the statement instead of hanging the test.
        session.execute(text("SET LOCAL lock_timeout = '3s'"))
        clear_stage(session, 1)
        session.commit()
        other.commit()
    left = session.execute(select(attendance_stage.c.import_id)).scalars().all()
    assert left == [2]  # this import's rows gone, the other's kept


def test_a_stage_table_used_by_no_other_import_is_truncated(
    engine: Engine, session: Session
) -> None:
    session.execute(insert(attendance_stage), [_staged(1), _staged(1)])
    session.commit()
    clear_stage(session, 1)
    session.commit()
    assert session.scalar(select(attendance_stage.c.import_id)) is None


def test_a_new_years_partition_is_committed_before_the_merge_takes_its_lock(
    engine: Engine, session: Session
) -> None:
    """Attaching a partition locks `imports` against writes until its transaction ends; made
    inside the merge's transaction, that lock was held while queuing for the merge lock, whose
    holder had to write its import row to finish (a deadlock two workers met). The staged
    year's partition is created and committed first, and the merge's session holds no such
    lock afterwards."""
    import datetime as dt

    from db.merge import ATTENDANCE, prepare_partitions
    from db.partitions import attendance_partitions

    if engine.dialect.name != "postgresql":
        pytest.skip("partitions exist on PostgreSQL only")
    day = dt.date(2036, 9, 2)  # a year no other test creates
    session.execute(insert(attendance_stage), [{**_staged(1), "date": day}])
    session.commit()
    prepare_partitions(session, ATTENDANCE, 1)
    with engine.connect() as other:  # committed: another connection sees it
        assert "2036-2037" in {p.academic_year for p in attendance_partitions(other)}
    pid = session.scalar(text("SELECT pg_backend_pid()"))
    held = session.execute(
        text(
            "SELECT mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE l.pid = :pid AND c.relname = 'imports'"
        ),
        {"pid": pid},
    ).scalars()
    assert "ShareRowExclusiveLock" not in set(held)
    session.rollback()


def test_rows_deleted_from_a_shared_stage_are_vacuumed(engine: Engine) -> None:
    """Two workers: each import clears its rows by DELETE (the other is staging), and the
    stage's deleted rows are vacuumed once they pile up, not read by every later import."""
    from db.staging import DEAD_ROWS, vacuum_stages

    if engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL table's dead rows")
    # One connection throughout: a backend's table statistics are its own until it flushes them.
    with engine.connect() as connection, Session(bind=connection) as session:
        session.execute(
            text(
                "INSERT INTO attendance_stage (import_id, row_number, state) "
                "SELECT 1, n, 0 FROM generate_series(1, :rows) n"
            ),
            {"rows": DEAD_ROWS + 1000},
        )
        session.execute(insert(attendance_stage).values(**_staged(2)))  # another import's row
        session.commit()
        clear_stage(session, 1)
        session.commit()

        def dead() -> int:
            session.execute(text("SELECT pg_stat_force_next_flush()"))
            session.commit()
            query = "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'attendance_stage'"
            return int(session.scalar(text(query)) or 0)

        assert dead() > DEAD_ROWS
        assert vacuum_stages(session) == ["attendance_stage"]
        assert dead() == 0
        assert session.execute(select(attendance_stage.c.import_id)).scalars().all() == [2]
        assert vacuum_stages(session) == []  # nothing left to reclaim
        clear_stage(session, 2)
        session.commit()
