"""`imports rollback ID`: exactly what was stored before the import, newest first, both backends."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

import ingest.recovery
from attendly.settings import Settings
from db.import_tables import attendance_history, attendance_stage
from db.merge import serialize_merges
from db.models import AttendanceCode, AuditEntry, Import
from ingest import rollback_import
from ingest.recovery import RollbackRefused
from tests.ingest.conftest import ATTENDANCE_HEADER, ROSTER_HEADER, Runner, Writer, snapshot

ROSTER = f"{ROSTER_HEADER},birthdate\n100234,Lee,Kim,7,2013-01-02\n100235,Ray,Ana,6,\n"
FIRST = (
    f"{ATTENDANCE_HEADER}\n"
    "100234,2025-09-02,7,P,P,P,P,P,P,P\n"
    "100234,2025-09-03,7,P,P,P,U,P,P,P\n"
    "100235,2025-09-02,6,U,U,U,U,U,U,U\n"
)
SECOND = (
    f"{ATTENDANCE_HEADER}\n"
    "100234,2025-09-02,7,P,P,P,P,P,P,P\n"  # unchanged
    "100234,2025-09-03,7,P,P,P,E,P,P,P\n"  # changed: E instead of U
    "100235,2025-09-03,6,P,P,P,P,P,P,P\n"  # new day
    "100999,2025-09-03,8,T,P,P,P,P,P,P\n"  # new student, created from the row
)


def back(session: Session, settings: Settings, import_id: int) -> Any:
    return rollback_import(session, import_id, settings=settings, username="clerk")


def test_rollbacks_restore_each_earlier_state(
    session: Session, settings: Settings, run: Runner, write_csv: Writer
) -> None:
    empty = snapshot(session)
    roster = run("roster", write_csv(ROSTER, name="roster.csv"))
    with_roster = snapshot(session)
    first = run("attendance", write_csv(FIRST, name="first.csv"))
    after_first = snapshot(session)
    second = run("attendance", write_csv(SECOND, name="second.csv"))
    assert (second.records_inserted, second.records_updated, second.records_skipped) == (2, 1, 1)
    assert second.students_created == ["100999"]

    with pytest.raises(RollbackRefused, match=f"later import.*{second.import_id}"):
        back(session, settings, first.import_id)  # the second import changed its rows
    with pytest.raises(RollbackRefused, match="later"):
        back(session, settings, roster.import_id)

    undone = back(session, settings, second.import_id)
    assert undone.restored["attendance_records"] == 1
    assert undone.deleted["attendance_records"] == 2 and undone.deleted["students"] == 1
    assert snapshot(session) == after_first
    back(session, settings, first.import_id)
    assert snapshot(session) == with_roster
    back(session, settings, roster.import_id)
    assert snapshot(session) == empty  # students and the school the roster created are gone
    statuses = session.scalars(select(Import.status).order_by(Import.id)).all()
    assert statuses == ["rolled_back"] * 3
    assert session.scalar(select(func.count()).select_from(attendance_history)) == 0
    with pytest.raises(RollbackRefused, match="already rolled back"):
        back(session, settings, first.import_id)


def test_roster_rollback_restores_updated_students(
    session: Session, settings: Settings, run: Runner, write_csv: Writer
) -> None:
    run("roster", write_csv(ROSTER, name="roster.csv"))
    before = snapshot(session)
    changed = ROSTER.replace("Lee,Kim,7,2013-01-02", "Lee,Kimberly,8,2013-01-02")
    update = run("roster", write_csv(changed, name="again.csv"))
    assert update.records_updated == 1
    back(session, settings, update.import_id)
    assert snapshot(session) == before


def test_rollback_audits_and_publishes(
    session: Session,
    settings: Settings,
    run: Runner,
    write_csv: Writer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run("roster", write_csv(ROSTER, name="roster.csv"))
    first = run("attendance", write_csv(FIRST, name="first.csv"))
    events: list[dict[str, Any]] = []
    monkeypatch.setattr(ingest.recovery, "publish", events.append)
    back(session, settings, first.import_id)
    assert events == [
        {
            "kind": "attendance",
            "school": None,
            "grades": [6, 7],
            "student_ids": ["100234", "100235"],
        }
    ]
    audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "rollback")).one()
    assert (audit.entity_id, audit.username) == (str(first.import_id), None)
    assert audit.details is not None and audit.details["by"] == "clerk"
    assert audit.details["deleted"]["attendance_records"] == 3


def test_what_cannot_be_rolled_back(
    session: Session, settings: Settings, run: Runner, write_csv: Writer
) -> None:
    rejected = run("attendance", write_csv(data=b""))
    assert rejected.status == "rejected"
    with pytest.raises(RollbackRefused, match="rejected"):
        back(session, settings, rejected.import_id)
    created = run("attendance", write_csv(f"{ATTENDANCE_HEADER}\n7,2025-09-02,6,P,,,,,,\n"))
    later = run("attendance", write_csv(f"{ATTENDANCE_HEADER}\n7,2025-09-03,6,U,,,,,,\n"))
    assert created.students_created == ["7"] and later.records_inserted == 1
    with pytest.raises(RollbackRefused, match="students it created have data"):
        back(session, settings, created.import_id)


def test_code_table_rollback(
    session: Session, settings: Settings, run: Runner, write_csv: Writer
) -> None:
    run("codes", write_csv("code,category\nA,V\nX,E\n", name="codes.csv"))
    before = snapshot(session)
    changed = run("codes", write_csv("code,category\nA,U\nN,U\n", name="codes2.csv"))
    assert (changed.records_updated, changed.records_inserted) == (1, 1)
    back(session, settings, changed.import_id)
    assert snapshot(session) == before
    assert session.get(AttendanceCode, "A").category == "V"  # type: ignore[union-attr]


def test_a_failed_import_is_abandoned(
    session: Session,
    settings: Settings,
    run: Runner,
    write_csv: Writer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ingest.pipeline

    monkeypatch.setattr(ingest.pipeline, "refresh_summaries", lambda *args, **kw: 1 / 0)
    failed = run("attendance", write_csv(FIRST))
    assert failed.status == "failed"
    assert session.scalar(select(attendance_stage.c.import_id).limit(1)) == failed.import_id
    back(session, settings, failed.import_id)
    assert session.scalar(select(attendance_stage.c.import_id).limit(1)) is None
    record = session.get(Import, failed.import_id)
    assert record is not None and record.status == "rolled_back"


def test_a_rollback_waits_for_a_running_merge(
    engine: Engine, session: Session, settings: Settings, run: Runner, write_csv: Writer
) -> None:
    """PostgreSQL's attendance rows name their student with no foreign key (migration 0810):
    a rollback deleting the students an import created must not run beside a merge that may
    be writing their rows. It queues on the merges' lock."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer: nothing runs beside the rollback")
    roster = run("roster", write_csv(ROSTER, name="roster.csv"))
    with_roster = snapshot(session)
    with Session(engine) as merging:
        serialize_merges(merging)  # a merge in progress in another process
        session.execute(text("SET LOCAL lock_timeout = '300ms'"))
        with pytest.raises(OperationalError, match="lock timeout"):
            back(session, settings, roster.import_id)
        assert snapshot(session) == with_roster
    back(session, settings, roster.import_id)  # the merge ended: the rollback goes through
    assert session.get(Import, roster.import_id).status == "rolled_back"  # type: ignore[union-attr]
