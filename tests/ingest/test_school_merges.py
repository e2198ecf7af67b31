"""Two schools' attendance merges run side by side on PostgreSQL; a merge that could write the
same rows as another waits for it (db.merge.serialize_merges, db.stage_attendance.merge_schools).

Schools 001 (students A, B) and 002 (C). A merge of an attendance file is confined to the
schools its rows name and its students belong to; a file that would create a student or a
school, and every other kind of merge, has the district to itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, delete, func, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from attendly.jobs import transient
from attendly.settings import Settings
from db.merge import serialize_merges
from db.models import AttendanceRecord, Import, School, Student
from ingest import run_import
from ingest.checks import ImportContext
from ingest.detect import open_attendance
from ingest.records import new_import
from ingest.report import ErrorLog
from ingest.run import MergeScopeChanged, Options, Run
from ingest.source import open_source
from tests.ingest.conftest import TODAY, Runner, Writer

HEADER = "student_id,date,school_code,grade_level,period_1_status,period_2_status"
ROSTER = (
    "student_id,last_name,first_name,grade_level,school_code\n"
    "A,Lee,Kim,6,001\nB,Ray,Ana,6,001\nC,Cho,Min,7,002\n"
)


def attendance(*rows: str) -> str:
    return HEADER + "\n" + "\n".join(rows) + "\n"


def school(session: Session, code: str) -> int:
    return int(session.scalar(select(School.id).where(School.code == code)) or 0)


@pytest.fixture
def district(run: Runner, write_csv: Writer) -> None:
    assert run("roster", write_csv(ROSTER, name="roster.csv")).status == "completed"


def staged_scope(session: Session, settings: Settings, path: Path) -> tuple[set[int] | None, Run]:
    """Stage `path` as an attendance import (no merge) and ask its loader for its schools."""
    record = new_import(session, "attendance", path, settings=settings, today=TODAY)
    ctx = ImportContext(settings, record.id, TODAY, None, record.filename, None)
    source = open_source(Path(record.stored_path or ""))
    loader = open_attendance(session, source.headers, ctx)
    run = Run(session, record, loader, source, ctx, Options(), ErrorLog(record.id))
    run.stage_all()
    return loader.merge_schools(session, run.staged), run


@pytest.mark.usefixtures("district")
def test_a_file_is_confined_to_its_rows_and_students_schools(
    session: Session, settings: Settings, write_csv: Writer
) -> None:
    one, two = school(session, "001"), school(session, "002")
    own = write_csv(attendance("A,2025-09-22,001,6,P,P", "B,2025-09-22,,6,P,U"), name="own.csv")
    assert staged_scope(session, settings, own)[0] == {one}
    # C belongs to 002: its row in 001's file is under 002's lock too.
    mover = write_csv(attendance("A,2025-09-22,001,6,P,P", "C,2025-09-22,001,7,P,P"), name="m.csv")
    assert staged_scope(session, settings, mover)[0] == {one, two}


@pytest.mark.usefixtures("district")
def test_a_file_that_creates_a_student_or_a_school_is_the_districts(
    session: Session, settings: Settings, write_csv: Writer
) -> None:
    new_student = write_csv(attendance("Z,2025-09-22,001,8,P,P"), name="student.csv")
    assert staged_scope(session, settings, new_student)[0] is None
    new_school = write_csv(attendance("A,2025-09-22,003,6,P,P"), name="school.csv")
    assert staged_scope(session, settings, new_school)[0] is None


@pytest.fixture
def postgres(engine: Engine) -> Engine:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer: merges never run side by side")
    return engine


def blocked(engine: Engine, schools: set[int] | None) -> bool:
    """Whether a merge of `schools` would have to wait now (it gives up after 200 ms)."""
    with Session(engine) as asking:
        asking.execute(text("SET LOCAL lock_timeout = '200ms'"))
        try:
            serialize_merges(asking, schools)
        except OperationalError as error:
            assert "lock timeout" in str(error)
            return True
        return False


def waits(engine: Engine, schools: set[int] | None, holder: set[int] | None) -> bool:
    """Whether a merge of `schools` has to wait for one holding `holder`'s locks."""
    with Session(engine) as holding:
        serialize_merges(holding, holder)
        return blocked(engine, schools)


def test_which_merges_wait_for_which(postgres: Engine) -> None:
    assert not waits(postgres, {1}, {2})  # two schools side by side
    assert not waits(postgres, {1, 3}, {2, 4})
    assert waits(postgres, {1}, {1})  # the same school
    assert waits(postgres, {2, 3}, {1, 3})  # a school in common
    assert waits(postgres, None, {1})  # the district waits for every school
    assert waits(postgres, {1}, None)  # and every school for the district
    assert waits(postgres, None, None)


@pytest.fixture
def held(postgres: Engine, session: Session) -> Iterator[Session]:
    """A session holding school 001's merge lock, as a merge of 001 in another process."""
    with Session(postgres) as holding:
        serialize_merges(holding, {school(session, "001")})
        yield holding


def waiting_for_locks(engine: Engine) -> int:
    with engine.connect() as connection:
        query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        return int(connection.execute(text(query)).scalar_one())


@pytest.mark.usefixtures("district")
def test_one_schools_import_goes_through_while_another_merges(
    postgres: Engine, session: Session, settings: Settings, write_csv: Writer, held: Session
) -> None:
    # A lock wait that never ends fails the test instead of hanging it.
    patient = create_engine(postgres.url, connect_args={"options": "-c lock_timeout=20s"})
    two = write_csv(attendance("C,2025-09-22,002,7,P,U"), name="two.csv")
    with Session(patient) as own:
        result = run_import(own, "attendance", two, settings=settings, today=TODAY)
    assert result.status == "completed" and result.records_inserted == 1, result.errors[:3]

    one = write_csv(attendance("A,2025-09-22,001,6,U,U"), name="one.csv")
    outcome: list[str] = []

    def import_one() -> None:
        with Session(patient) as own:
            found = run_import(own, "attendance", one, settings=settings, today=TODAY)
            outcome.append(found.status)

    worker = threading.Thread(target=import_one)
    worker.start()
    deadline = time.monotonic() + 30
    while waiting_for_locks(postgres) == 0 and worker.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert worker.is_alive() and waiting_for_locks(postgres) == 1  # 001's import queues
    assert session.scalar(select(func.count()).select_from(AttendanceRecord)) == 1
    held.rollback()  # the other merge of 001 ends
    worker.join(timeout=60)
    assert outcome == ["completed"]
    stored = session.execute(
        select(
            AttendanceRecord.student_id, AttendanceRecord.period_1, AttendanceRecord.period_2
        ).order_by(AttendanceRecord.student_id)
    ).all()
    assert [tuple(row) for row in stored] == [("A", "U", "U"), ("C", "P", "U")]
    statuses = session.scalars(select(Import.status).where(Import.kind == "attendance")).all()
    assert sorted(statuses) == ["completed", "completed"]
    patient.dispose()


@pytest.mark.usefixtures("district")
def test_a_merge_looks_again_once_it_holds_its_locks(
    postgres: Engine, session: Session, settings: Settings, write_csv: Writer
) -> None:
    """A roster merged while the merge queued moved its student to 002: it takes 002's lock
    too. A student removed meanwhile would be created by the merge: it fails, to be retried."""
    one, two = school(session, "001"), school(session, "002")
    path = write_csv(attendance("A,2025-09-22,001,6,P,P"), name="a.csv")
    schools, run = staged_scope(session, settings, path)
    assert schools == {one}
    with Session(postgres) as roster:
        roster.execute(update(Student).where(Student.id == "A").values(school_id=two))
        roster.commit()
    serialize_merges(session, schools)
    assert not blocked(postgres, {two})
    run._still_within(schools)
    assert blocked(postgres, {two}) and not blocked(postgres, {3})
    session.rollback()

    path = write_csv(attendance("B,2025-09-22,001,6,P,P"), name="b.csv")
    schools, run = staged_scope(session, settings, path)
    with Session(postgres) as rollback:
        rollback.execute(delete(Student).where(Student.id == "B"))
        rollback.commit()
    serialize_merges(session, schools)
    with pytest.raises(MergeScopeChanged, match="removed while the import waited") as raised:
        run._still_within(schools)
    assert transient(raised.type)  # the job queue tries the import again
