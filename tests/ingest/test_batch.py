"""A district batch (attendly.batch, `attendly import-batch`): which file waits for which,
and the whole batch imported through the real command (in process, SQLite and PostgreSQL).

The run on real RQ workers, with imports from two web processes, is tests/ops/test_multiprocess.py.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from attendly.batch import batch_files, batch_status, plan_batch
from attendly.settings import Settings
from db.models import Import
from tests import district
from tests.ingest.conftest import Writer
from tests.services import POSTGRES_URL, REDIS_URL, fresh_postgres_database, redis_client

ATTENDLY = str(Path(sys.executable).parent / "attendly")


def _plan(settings: Settings, *paths: Path) -> dict[str, tuple[str, list[str], list[str]]]:
    """{file name: (kind, schools, names of the files it waits for)}."""
    files = plan_batch(batch_files(paths), settings)
    return {
        item.path.name: (
            item.kind,
            sorted(item.schools),
            sorted(files[n].path.name for n in item.after),
        )
        for item in files
    }


def test_attendance_waits_for_its_own_schools_roster_only(
    settings: Settings, tmp_path: Path
) -> None:
    district.write_district(tmp_path / "batch", 3)
    plan = _plan(settings, tmp_path / "batch")
    assert plan == {
        # Attendance files name no school: tied to the roster by the students they share.
        "attendance-101.csv": ("attendance", [], ["roster-101.csv"]),
        "attendance-102.csv": ("attendance", [], ["roster-102.csv"]),
        "attendance-103.csv": ("attendance", [], ["roster-103.csv"]),
        "roster-101.csv": ("roster", ["101"], []),
        "roster-102.csv": ("roster", ["102"], []),
        "roster-103.csv": ("roster", ["103"], []),
    }


def test_codes_and_calendars_come_first_and_schools_are_read_from_the_rows(
    settings: Settings, write_csv: Writer
) -> None:
    roster = write_csv(  # no school column: the default school (001)
        "student_id,last_name,first_name,grade_level\n1,A,B,6\n", name="stu.csv"
    )
    other = write_csv(
        "student_id,last_name,first_name,grade_level,school_code\n2,C,D,7,002\n", name="stu2.csv"
    )
    att = write_csv("SC,ID,DT,AL\n001,1,2025-09-03,A\n", name="att.csv")  # Aeries ATT
    att2 = write_csv(
        "student_id,date,period_1_status,school_code\n2,2025-09-03,P,002\n", name="att2.csv"
    )
    codes = write_csv("code,category\nA,V\n", name="codes.csv")
    every = write_csv("date\n2025-09-03\n", name="calendar.csv")
    own = write_csv("date,school_code\n2025-09-03,002\n", name="calendar2.csv")
    plan = _plan(settings, roster, other, att, att2, codes, every, own)
    assert plan["stu.csv"] == ("roster", ["001"], [])
    assert plan["stu2.csv"] == ("roster", ["002"], [])
    assert plan["att.csv"] == ("attendance", ["001"], ["calendar.csv", "codes.csv", "stu.csv"])
    assert plan["att2.csv"] == (
        "attendance",
        ["002"],
        ["calendar.csv", "calendar2.csv", "codes.csv", "stu2.csv"],
    )
    for root in ("codes.csv", "calendar.csv", "calendar2.csv"):
        assert plan[root][2] == []


def test_a_file_of_unknown_kind_is_planned_to_be_rejected_by_its_import(
    settings: Settings, write_csv: Writer
) -> None:
    odd = write_csv("colour,size\nred,3\n", name="odd.csv")
    empty = write_csv("", name="empty.csv")
    plan = _plan(settings, odd, empty)
    assert plan == {"odd.csv": ("auto", [], []), "empty.csv": ("auto", [], [])}


def test_a_missing_path_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nowhere.csv"):
        batch_files([tmp_path / "nowhere.csv"])


@pytest.fixture(params=["sqlite", "postgresql"])
def cli_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """The command's environment: no Redis (the imports run in the command), one backend."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ATTENDLY_", "DATABASE_"))}
    clean.pop("REDIS_URL", None)
    env = {**clean, "ATTENDLY_INSTANCE": str(tmp_path / "instance"), "ATTENDLY_ENV": "test"}
    if request.param == "postgresql":
        url = make_url(POSTGRES_URL)
        name = f"{url.database}_batch"
        env["DATABASE_URL"] = fresh_postgres_database(
            url.set(database=name).render_as_string(hide_password=False)
        )
    return env


def _attendly(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ATTENDLY, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_import_batch_imports_a_district_and_reports_each_file(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    district.write_district(tmp_path / "batch", 3)
    (tmp_path / "batch" / "notes.csv").write_text("colour,size\nred,3\n")
    done = _attendly(cli_env, "import-batch", str(tmp_path / "batch"), "--json")
    assert done.returncode == 2, done.stderr[-2000:]  # the odd file was rejected
    rows = {Path(row["file"]).name: row for row in json.loads(done.stdout)}
    assert rows.pop("notes.csv")["status"] == "rejected"
    assert {row["status"] for row in rows.values()} == {"completed"}
    for code in district.codes(3):
        roster, attendance = rows[f"roster-{code}.csv"], rows[f"attendance-{code}.csv"]
        assert attendance["after"] == [roster["import_id"]]
        assert roster["import_id"] < attendance["import_id"]  # queued (and run) first

    figures = json.loads(_attendly(cli_env, "kpis", "--json").stdout)
    expected = district.expected_kpis(3)
    assert {key: figures[key] for key in expected} == expected
    verify = _attendly(cli_env, "verify")
    assert verify.returncode == 0 and verify.stdout.strip().endswith("ok"), verify.stdout


def test_a_failed_attempt_the_queue_will_retry_is_not_finished(
    session: Session, settings: Settings
) -> None:
    """The waiter reads RQ: a failed attempt with its retry scheduled is "retrying"; a running
    import whose job died (no attempt left) or is gone is "failed"; others are as recorded."""
    from rq import Queue

    connection = redis_client()
    on_redis = settings.model_copy(update={"redis_url": REDIS_URL})
    records = [Import(kind="roster", filename=f"{n}.csv", status=s) for n, s in enumerate(
        ("failed", "running", "completed", "failed", "running")
    )]  # fmt: skip
    session.add_all(records)
    session.commit()
    ids = [record.id for record in records]
    queue = Queue("attendly", connection=connection)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    queue.enqueue_at(later, print, job_id=f"import-{ids[0]}")  # the retry, scheduled
    dead = queue.enqueue(print, job_id=f"import-{ids[1]}")
    dead.set_status("failed")
    assert batch_status(session, ids, on_redis) == {
        ids[0]: "retrying",
        ids[1]: "failed",
        ids[2]: "completed",
        ids[3]: "failed",  # no job left in the queue: nothing will retry it
        ids[4]: "failed",  # running, but its job is gone: nothing will finish it
    }
    assert batch_status(session, ids, settings)[ids[0]] == "failed"  # without Redis
    connection.flushdb()
