"""Recovery: an import killed mid-file (a real SIGKILL) or failed in its merge resumes from its
checkpoint and ends exactly as a clean import of the same file does, on both backends."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

import ingest.pipeline
from attendly.settings import Settings
from db.import_tables import attendance_stage
from db.imports import import_errors
from db.models import AttendanceRecord, Import
from ingest import ImportResult, resume_import, run_import
from ingest.recovery import ImportNotResumable
from tests.conftest import clean
from tests.ingest.conftest import ATTENDANCE_HEADER, TODAY, Writer, snapshot

ROOT = Path(__file__).resolve().parents[2]
CHUNK = 40
KILL_AFTER = 3  # chunks committed before the kill
CHILD = """
import sys, time, datetime as dt
from pathlib import Path
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from attendly.settings import Settings
from ingest import run_import

url, path, instance, marker, chunk, kill_after = sys.argv[1:7]
seen = []

def paused(progress):
    seen.append(progress)
    if len(seen) == int(kill_after):
        Path(marker).write_text(str(progress["rows_done"]))
        time.sleep(120)  # the parent kills us here, between two committed chunks

settings = Settings(env="test", default_school_code="001", instance_path=Path(instance))
with Session(create_engine(url)) as session:
    run_import(session, "attendance", path, settings=settings, today=dt.date(2025, 10, 1),
               chunk_rows=int(chunk), on_checkpoint=paused)
"""


def year_file() -> str:
    """400 rows of 16 students, with a bad row and duplicates that straddle chunks."""
    days = [dt.date(2025, 8, 18) + dt.timedelta(days=n) for n in range(36)]
    school_days = [day for day in days if day.weekday() < 5][:25]
    lines = [ATTENDANCE_HEADER]
    for student in range(16):
        for number, day in enumerate(school_days):
            mark = "U" if (student + number) % 9 == 0 else "P"
            lines.append(f"{5000 + student},{day},{6 + student % 3},{mark},P,P,T,P,P,P")
    lines[57] = lines[57].replace(",P,P,T,", ",P,Q,T,")  # row 58: unknown status code
    lines.append(lines[5].replace(",T,", ",E,"))  # row 402: differs from row 6: wins
    lines.append(lines[100])  # row 403: identical to row 101: skipped
    return "\n".join(lines) + "\n"


def outcome(session: Session, import_id: int) -> dict[str, Any]:
    record = session.get(Import, import_id)
    assert record is not None
    errors = [{k: v for k, v in e.items()} for e in import_errors(session, import_id)]
    return {
        "status": record.status,
        "counts": (
            record.records_processed,
            record.records_inserted,
            record.records_updated,
            record.records_skipped,
            record.records_failed,
        ),
        "errors": errors,
        "summary": {
            k: v
            for k, v in (record.summary or {}).items()
            if k not in ("duration_seconds", "rows_per_second")
        },
    }


def resume_counting(
    session: Session, import_id: int, settings: Settings
) -> tuple[ImportResult, list[int]]:
    """Resume an import, noting the rows done at each checkpoint it commits."""
    progress: list[int] = []
    result = resume_import(
        session,
        import_id,
        settings=settings,
        chunk_rows=CHUNK,
        on_checkpoint=lambda done: progress.append(done["rows_done"]),
    )
    return result, progress


def test_resume_after_sigkill_ends_like_a_clean_import(
    session: Session, settings: Settings, write_csv: Writer, tmp_path: Path
) -> None:
    path = write_csv(year_file(), name="year.csv")
    first = run_import(
        session, "attendance", path, settings=settings, today=TODAY, chunk_rows=CHUNK
    )
    assert first.status == "completed" and first.records_failed == 1
    expected, expected_outcome = snapshot(session), outcome(session, first.import_id)
    engine: Engine = session.get_bind()  # type: ignore[assignment]
    clean(engine)

    marker = tmp_path / "paused"
    url = engine.url.render_as_string(hide_password=False)
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            url,
            str(path),
            str(settings.instance_path),
            str(marker),
            str(CHUNK),
            str(KILL_AFTER),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + 90
        while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the child import never reached its checkpoint"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL

    record = session.scalars(select(Import)).one()
    assert record.status == "running"  # nobody got to say otherwise
    assert record.checkpoint_row == KILL_AFTER * CHUNK  # the header is the first chunk's row 1
    assert session.scalar(select(func.count()).select_from(AttendanceRecord)) == 0
    staged = select(func.count()).where(attendance_stage.c.import_id == record.id)
    assert session.scalar(staged) > 0
    session.rollback()

    resumed, progress = resume_counting(session, record.id, settings)
    assert resumed.status == "completed"
    assert progress[0] == (KILL_AFTER + 1) * CHUNK - 1  # it went on from the checkpoint
    assert resumed.counts() == first.counts()
    assert outcome(session, record.id) == expected_outcome
    assert snapshot(session) == expected
    assert session.scalar(staged) == 0
    assert not Path(record.stored_path or "").exists()  # the kept copy is gone once done
    with pytest.raises(ImportNotResumable):
        resume_import(session, record.id, settings=settings)


def test_resume_after_a_failed_merge(
    session: Session,
    settings: Settings,
    write_csv: Writer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = write_csv(year_file(), name="year.csv")
    first = run_import(
        session, "attendance", path, settings=settings, today=TODAY, chunk_rows=CHUNK
    )
    expected, expected_outcome = snapshot(session), outcome(session, first.import_id)
    clean(session.get_bind())  # type: ignore[arg-type]

    def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("database went away")

    with monkeypatch.context() as patch:
        patch.setattr(ingest.pipeline, "refresh_summaries", broken)
        failed = run_import(
            session, "attendance", path, settings=settings, today=TODAY, chunk_rows=CHUNK
        )
    assert failed.status == "failed" and "database went away" in failed.errors[0].message
    assert session.scalar(select(func.count()).select_from(AttendanceRecord)) == 0
    resumed, reread = resume_counting(session, failed.import_id, settings)
    assert reread == []  # every chunk was staged: only the merge ran again
    assert resumed.counts() == first.counts()
    assert outcome(session, failed.import_id) == expected_outcome
    assert snapshot(session) == expected


def test_resume_reads_again_when_the_stage_was_lost(
    session: Session,
    settings: Settings,
    write_csv: Writer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After a PostgreSQL crash its UNLOGGED stage is empty: the resume starts over."""
    path = write_csv(year_file(), name="year.csv")
    first = run_import(
        session, "attendance", path, settings=settings, today=TODAY, chunk_rows=CHUNK
    )
    expected = snapshot(session)
    clean(session.get_bind())  # type: ignore[arg-type]
    with monkeypatch.context() as patch:
        patch.setattr(ingest.pipeline, "refresh_summaries", lambda *a, **kw: 1 / 0)
        failed = run_import(
            session, "attendance", path, settings=settings, today=TODAY, chunk_rows=CHUNK
        )
    session.execute(attendance_stage.delete())
    session.commit()
    resumed, reread = resume_counting(session, failed.import_id, settings)
    assert reread[0] == CHUNK - 1  # from the first row again
    assert resumed.counts() == first.counts()
    assert snapshot(session) == expected
