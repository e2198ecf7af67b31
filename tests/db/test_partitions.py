"""Academic-year partitions of attendance_records: on demand, concurrent, pruned, migrated."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from attendly.settings import Settings
from db import partitions
from db.migrate import alembic_config, upgrade
from db.models import AttendanceRecord, School, Student
from db.queries import latest_date
from db.student_detail import student_days
from ingest import run_import
from tests.services import POSTGRES_URL, fresh_postgres_database

HEADER = "student_id,date,grade_level," + ",".join(f"period_{n}_status" for n in range(1, 8))
ROSTER = "student_id,last_name,first_name,grade_level\n100234,Lee,Kim,7\n100235,Ray,Ana,6\n"


def attendance(*days: str) -> str:
    """One student's days, the third period unexcused."""
    return "\n".join([HEADER, *(f"100234,{day},7,P,P,U,P,P,P,P" for day in days)]) + "\n"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        env="test",
        default_school_code="001",
        grade_levels=(6, 7, 8),
        periods_per_day=7,
        instance_path=tmp_path / "instance",
    )


def load(
    session: Session, settings: Settings, tmp_path: Path, kind: str, body: str, today: dt.date
) -> Any:
    path = tmp_path / f"{kind}-{today.isoformat()}.csv"
    path.write_text(body)
    return run_import(session, kind, path, settings=settings, today=today)


def postgres_only(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("partitions exist on PostgreSQL only")


def stored_days(session: Session) -> list[tuple[str, dt.date, str]]:
    record = AttendanceRecord
    query = select(record.student_id, record.date, record.academic_year).order_by(record.date)
    return [(row.student_id, row.date, row.academic_year) for row in session.execute(query)]


# --- The helper on both databases -------------------------------------------------------------


def test_years_of_dates_and_years_and_a_bad_year(session: Session) -> None:
    days = [dt.date(2025, 6, 30), dt.date(2025, 7, 1), "2027-2028"]
    assert partitions.years_of(days) == ["2024-2025", "2025-2026", "2027-2028"]
    assert partitions.years_between(dt.date(2024, 9, 1), dt.date(2026, 7, 1)) == [
        "2024-2025",
        "2025-2026",
        "2026-2027",
    ]
    with pytest.raises(ValueError, match="'2025-2027'"):
        partitions.ensure_attendance_partitions(session, ["2025-2027"])
    with pytest.raises(ValueError, match="'2025/26'"):
        partitions.ensure_attendance_partitions(session, ["2025/26"])


def test_ensure_creates_each_year_once(session: Session) -> None:
    created = partitions.ensure_attendance_partitions(session, ["2030-2031", dt.date(2031, 9, 1)])
    session.commit()
    again = partitions.ensure_attendance_partitions(session, ["2030-2031", "2031-2032"])
    if session.get_bind().dialect.name != "postgresql":
        assert (created, again, partitions.attendance_partitions(session)) == ([], [], [])
        return
    assert (created, again) == (["2030-2031", "2031-2032"], [])
    listed = {p.academic_year: p.name for p in partitions.attendance_partitions(session)}
    assert listed["2030-2031"] == "attendance_partitions.attendance_records_2030_2031"


# --- On demand, by the write paths ------------------------------------------------------------


def test_an_import_of_a_new_year_creates_its_partition_and_reimport_is_idempotent(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    years = [p.academic_year for p in partitions.attendance_partitions(session)]
    assert "2033-2034" not in years
    load(session, settings, tmp_path, "roster", ROSTER, dt.date(2033, 9, 10))
    body = attendance("2033-09-01", "2033-09-02")
    first = load(session, settings, tmp_path, "attendance", body, dt.date(2033, 9, 10))
    again = load(session, settings, tmp_path, "attendance", body, dt.date(2033, 9, 10))
    assert (first.records_inserted, again.records_inserted, again.records_updated) == (2, 0, 0)
    assert [day for _, day, _ in stored_days(session)] == [dt.date(2033, 9, 1), dt.date(2033, 9, 2)]
    if session.get_bind().dialect.name == "postgresql":
        counted = {
            p.academic_year: p.rows for p in partitions.attendance_partitions(session, count=True)
        }
        assert counted["2033-2034"] == 2


def test_an_orm_insert_gets_its_partition(session: Session) -> None:
    session.add(School(id=1, code="001", name="One"))
    session.add(Student(id="s1", grade_level=6, school_id=1))
    session.flush()
    session.add(_record("s1", dt.date(2035, 8, 20)))
    session.commit()
    assert stored_days(session) == [("s1", dt.date(2035, 8, 20), "2035-2036")]


def test_a_row_filed_under_another_year_is_refused(session: Session) -> None:
    postgres_only(session)
    session.add(School(id=1, code="001", name="One"))
    session.add(Student(id="s1", grade_level=6, school_id=1))
    session.flush()
    wrong = _record("s1", dt.date(2036, 9, 1))
    wrong.academic_year = "2035-2036"
    session.add(wrong)
    with pytest.raises(IntegrityError, match="ck_attendance_records_2036_2037_year"):
        session.commit()
    session.rollback()
    assert stored_days(session) == []


def _record(student: str, day: dt.date) -> AttendanceRecord:
    return AttendanceRecord(
        student_id=student,
        date=day,
        academic_year=partitions.years_of([day])[0],
        school_id=1,
        period_1="P",
        scheduled=1,
        present=1,
        daily_attendance_percentage=100,
        unexcused_periods=0,
        unverified_periods=0,
    )


# --- Concurrency ------------------------------------------------------------------------------


def test_two_sessions_creating_the_same_year_create_it_once(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("partitions exist on PostgreSQL only")
    year = "2040-2041"
    outcome: dict[str, Any] = {}
    with Session(engine) as first:
        assert partitions.ensure_attendance_partitions(first, [year]) == [year]

        def second() -> None:
            with Session(engine) as other:
                outcome["created"] = partitions.ensure_attendance_partitions(other, [year])
                other.commit()

        thread = threading.Thread(target=second)
        thread.start()
        _wait_for_a_waiting_advisory_lock(engine)  # the second holds on the first's lock
        first.commit()
        thread.join(30)
    assert outcome["created"] == []
    with Session(engine) as check:
        years = [p.academic_year for p in partitions.attendance_partitions(check)]
    assert years.count(year) == 1


def _wait_for_a_waiting_advisory_lock(engine: Engine) -> None:
    """Until a session of this database waits for the partition-creation lock."""
    query = text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
        "AND objid = :key AND database = (SELECT oid FROM pg_database "
        "WHERE datname = current_database())"
    )
    with engine.connect() as connection:
        for _ in range(300):
            if connection.execute(query, {"key": partitions.CREATE_LOCK}).scalar():
                return
            time.sleep(0.05)
    raise AssertionError("the second session never waited for the creation lock")


# --- Pruning ----------------------------------------------------------------------------------


def test_one_year_dashboard_reads_touch_one_partition(session: Session) -> None:
    postgres_only(session)
    session.add(School(id=1, code="001", name="One"))
    session.add(Student(id="s1", grade_level=6, school_id=1))
    session.flush()
    for day in (dt.date(2041, 9, 1), dt.date(2042, 9, 1), dt.date(2043, 9, 1)):
        session.add(_record("s1", day))
    session.commit()
    statements = _statements(
        session,
        lambda: (latest_date(session, "2042-2043"), student_days(session, "s1", "2042-2043")),
    )
    assert len(statements) == 2
    names = [p.name.split(".")[1] for p in partitions.attendance_partitions(session)]
    for sql, params in statements:
        explained = session.connection().exec_driver_sql(f"EXPLAIN {sql}", params)
        plan = "\n".join(explained.scalars())
        touched = {name for name in names if name in plan}
        assert touched == {"attendance_records_2042_2043"}, plan


def _statements(session: Session, call: Any) -> list[tuple[str, Any]]:
    """The SQL and parameters, as sent to the driver, of the statements `call` runs."""
    found: list[tuple[str, Any]] = []
    engine = session.get_bind()

    def grab(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: Any) -> None:
        found.append((statement, params))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    return found


# --- Migration with data, up and down ---------------------------------------------------------

ROWS = """
INSERT INTO schools (id, code, name, periods_per_day) VALUES (1, '001', 'One', 7);
INSERT INTO students (id, last_name, first_name, grade_level, school_id) VALUES
  ('s1', 'Lee', 'Kim', 7, 1), ('s2', 'Ray', 'Ana', 6, 1);
INSERT INTO attendance_records (student_id, date, academic_year, school_id, period_1, scheduled,
  present, daily_attendance_percentage, unexcused_periods, unverified_periods) VALUES
  ('s1', '2024-09-03', '2024-2025', 1, 'P', 1, 1, 100, 0, 0),
  ('s2', '2024-09-03', '2024-2025', 1, 'U', 1, 0, 0, 1, 0),
  ('s1', '2025-06-30', '2024-2025', 1, 'P', 1, 1, 100, 0, 0),
  ('s1', '2025-07-01', '2025-2026', 1, 'E', 1, 0, 0, 0, 0);
DELETE FROM attendance_records WHERE id = 2;
"""


@pytest.fixture
def old_database() -> Iterator[Engine]:
    """A PostgreSQL database of its own at revision 0001 (before partitioning) with rows."""
    name = f"{make_url(POSTGRES_URL).database}_partition_migration"
    engine = create_engine(fresh_postgres_database(str(make_url(POSTGRES_URL).set(database=name))))
    upgrade(engine, "0001")
    yield engine
    engine.dispose()


def everything(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [
            tuple(r)
            for r in connection.execute(text("SELECT * FROM attendance_records ORDER BY id"))
        ]


def kind(engine: Engine) -> str:
    with engine.connect() as connection:
        query = "SELECT relkind FROM pg_class WHERE oid = 'attendance_records'::regclass"
        return str(connection.execute(text(query)).scalar())


def test_migration_moves_rows_with_their_ids_and_back(
    old_database: Engine, settings: Settings, tmp_path: Path
) -> None:
    engine = old_database
    with engine.begin() as connection:
        connection.exec_driver_sql(ROWS)
    before = everything(engine)
    assert [row[0] for row in before] == [1, 3, 4]

    upgrade(engine, "0800")
    assert (kind(engine), everything(engine)) == ("p", before)
    with Session(engine) as session:
        counted = [
            (p.academic_year, p.rows) for p in partitions.attendance_partitions(session, count=True)
        ]
        assert counted == [("2024-2025", 2), ("2025-2026", 1)]
        session.add(_record("s2", dt.date(2025, 7, 2)))
        session.commit()  # the id sequence carried over: the next id follows the largest
    after = everything(engine)
    assert [row[0] for row in after] == [1, 3, 4, 5]

    downgrade(engine, "0001")
    assert (kind(engine), everything(engine)) == ("r", after)
    with engine.connect() as connection:
        schemas = "SELECT count(*) FROM pg_namespace WHERE nspname = 'attendance_partitions'"
        assert connection.execute(text(schemas)).scalar() == 0

    upgrade(engine)  # every head: the application's schema, partitioned again
    assert (kind(engine), everything(engine)) == ("p", after)
    with Session(engine) as session:
        load(session, settings, tmp_path, "roster", ROSTER, dt.date(2026, 9, 10))
        result = load(
            session,
            settings,
            tmp_path,
            "attendance",
            attendance("2026-09-01"),
            dt.date(2026, 9, 10),
        )
        assert result.records_inserted == 1
        years = [p.academic_year for p in partitions.attendance_partitions(session)]
    assert years == ["2024-2025", "2025-2026", "2026-2027"]


def test_migration_refuses_rows_filed_under_the_wrong_year(old_database: Engine) -> None:
    with old_database.begin() as connection:
        connection.exec_driver_sql(
            ROWS.replace("'2025-07-01', '2025-2026'", "'2025-07-01', '2024-2025'")
        )
    before = everything(old_database)
    with pytest.raises(RuntimeError, match="row id 4: academic_year '2024-2025' does not match"):
        upgrade(old_database, "0800")
    assert (kind(old_database), everything(old_database)) == ("r", before)


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_verify_lists_the_partitions_with_their_rows(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    from attendly.integrity import describe, run_integrity_check

    load(session, settings, tmp_path, "roster", ROSTER, dt.date(2044, 9, 10))
    load(session, settings, tmp_path, "attendance", attendance("2044-09-01"), dt.date(2044, 9, 10))
    result = run_integrity_check(session, settings)
    if session.get_bind().dialect.name != "postgresql":
        assert result["partitions"] == []
        return
    mine = [p for p in result["partitions"] if p["academic_year"] == "2044-2045"]
    assert [p["rows"] for p in mine] == [1]
    assert "partition 2044-2045: 1 rows (attendance_partitions.attendance_records_2044_2045)" in (
        describe(result)
    )
