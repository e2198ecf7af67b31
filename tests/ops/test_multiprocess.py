"""Two web processes and two workers on one PostgreSQL and one Redis: a district's imports
submitted through both web processes at once land exactly once, correct, on both workers.

Real processes only: `attendly serve --production` twice (gunicorn, two ports, one shared
SECRET_KEY) and `attendly worker` twice. The admin signs in on the first web process and
uses the same cookies on the second (no sticky sessions). Each school's roster goes up first,
through alternating web processes in parallel threads, then every attendance file the same
way; the expected figures are the hand-made school's (tests/district.py), checked through
`attendly kpis --json`, `/api/v1/kpis` and the Overview's KPI callback on both web processes.
A deadlock between two imports (one per fresh database while the year's partition is
created) is retried by RQ: the waits below read the queue as well as the database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from attendly.settings import Settings
from db.models import AuditEntry
from tests import district
from tests.realtime.live import PASSWORD, free_port, signed_in, unique_prefix, wait_until
from tests.services import POSTGRES_URL, REDIS_URL, fresh_postgres_database, redis_client
from tests.web.test_import_worker import kill_worker

ATTENDLY = str(Path(sys.executable).parent / "attendly")
SCHOOLS = 4


@dataclass
class Cluster:
    webs: list[str]
    env: dict[str, str]
    database_url: str


def _run(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [ATTENDLY, *args], env=env, input=stdin, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    return done.stdout


def _answers(url: str) -> bool:
    try:
        return requests.get(f"{url}/health", timeout=1).status_code == 200
    except requests.RequestException:
        return False


@contextmanager
def _process(command: list[str], env: dict[str, str], log: Path) -> Iterator[None]:
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield
        finally:
            kill_worker(process, 15)  # SIGTERM to the process and its forks


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A fresh database, an emptied Redis db, two gunicorns and two workers."""
    folder = tmp_path_factory.mktemp("cluster")
    url = make_url(POSTGRES_URL)
    database_url = fresh_postgres_database(
        url.set(database=f"{url.database}_multi").render_as_string(hide_password=False)
    )
    redis_client()  # skips without Redis; flushes the test db
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ATTENDLY_", "DATABASE_"))},
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "multiprocess-test-secret-key",
        "ATTENDLY_ENV": "test",
        "ATTENDLY_INSTANCE": str(folder),  # shared: uploads and kept copies, as on one host
        "ATTENDLY_EVENTS_PREFIX": unique_prefix(),
        "ATTENDLY_WEB_WORKERS": "1",
        "ATTENDLY_WEB_THREADS": "8",
        "ATTENDLY_RETRY_INTERVALS": "1,2",
    }
    _run(env, "init-db")
    _run(env, "create-user", "admin", "--role", "admin", "--password-stdin", stdin=PASSWORD)
    ports = [free_port(), free_port()]
    with ExitStack() as stack:
        for n, port in enumerate(ports):
            serve = [ATTENDLY, "serve", "--production", "--port", str(port)]
            stack.enter_context(_process(serve, env, folder / f"web{n}.log"))
        for n in range(2):
            stack.enter_context(_process([ATTENDLY, "worker"], env, folder / f"worker{n}.log"))
        webs = [f"http://127.0.0.1:{port}" for port in ports]
        for web in webs:
            wait_until(lambda web=web: _answers(web), 120, f"gunicorn answering at {web}")
        yield Cluster(webs, env, database_url)


def _upload(browser: requests.Session, web: str, path: Path) -> int:
    """POST one file to /api/v1/imports the way the Imports page does (CSRF header)."""
    token = browser.cookies.get("_csrf_token")
    with path.open("rb") as handle:
        answer = browser.post(
            f"{web}/api/v1/imports",
            files={"file": (path.name, handle)},
            headers={"X-CSRFToken": token or ""},
            timeout=60,
        )
    assert answer.status_code == 202, (web, path.name, answer.status_code, answer.text[:300])
    return int(answer.json()["import_id"])


def _submit_all(browser: requests.Session, webs: list[str], paths: list[Path]) -> list[int]:
    """Upload every file at once, alternating web processes; returns the import ids."""
    with ThreadPoolExecutor(len(paths)) as pool:
        jobs = [
            pool.submit(_upload, browser, webs[n % len(webs)], path) for n, path in enumerate(paths)
        ]
        return [job.result() for job in jobs]


def _finished(database_url: str, import_ids: list[int]) -> bool:
    """Every import ended for good: completed, rejected, or failed with no retry queued (a
    deadlocked attempt is "failed" in the database until RQ runs it again)."""
    from attendly.batch import FINISHED, batch_status

    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            statuses = batch_status(session, import_ids, Settings(redis_url=REDIS_URL))
    finally:
        engine.dispose()
    return all(status in FINISHED for status in statuses.values())


def _statuses(database_url: str) -> list[tuple[Any, ...]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(
                connection.execute(
                    text("SELECT id, kind, status, records_inserted FROM imports ORDER BY id")
                )
            )
    finally:
        engine.dispose()


def _counts_by_school(database_url: str) -> dict[str, tuple[int, int]]:
    """{school code: (students, attendance rows)} as stored."""
    from db.models import AttendanceRecord, School, Student

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            students = dict(
                connection.execute(
                    select(School.code, func.count(Student.id)).join(Student).group_by(School.code)
                ).all()
            )
            days = dict(
                connection.execute(
                    select(School.code, func.count())
                    .select_from(AttendanceRecord)
                    .join(School, School.id == AttendanceRecord.school_id)
                    .group_by(School.code)
                ).all()
            )
    finally:
        engine.dispose()
    return {code: (students[code], days.get(code, 0)) for code in students}


def _overview_kpis(browser: requests.Session, web: str) -> dict[str, Any]:
    """The Overview's KPI texts as the dashboard shows them: the callback the page's grade
    filter fires, POSTed the way Dash's renderer does (tests/web/test_gate.py)."""
    from tests.web.test_gate import kpi_values

    dependencies = browser.get(f"{web}/_dash-dependencies", timeout=30).json()
    callback = next(
        dep
        for dep in dependencies
        if {"id": "shell-filter-grade", "property": "value"} in dep["inputs"]
        and "overview-kpis.children" in dep["output"]
    )
    names = callback["output"].strip(".").split("...")
    payload = {
        "output": callback["output"],
        "outputs": [dict(zip(("id", "property"), n.split("."), strict=True)) for n in names],
        "inputs": [{**dep, "value": None} for dep in callback["inputs"]],
        "changedPropIds": ["shell-filter-grade.value"],
        "state": [{**dep, "value": None} for dep in callback.get("state", [])],
    }
    token = browser.cookies.get("_csrf_token") or ""
    answer = browser.post(
        f"{web}/_dash-update-component", json=payload, headers={"X-CSRFToken": token}, timeout=60
    )
    assert answer.status_code == 200, answer.text[:300]
    return kpi_values(answer.json()["response"]["overview-kpis"]["children"])


def _workers_of(import_ids: list[int]) -> set[str]:
    from redis import Redis
    from rq.job import Job

    connection = Redis.from_url(REDIS_URL)
    return {str(Job.fetch(f"import-{i}", connection=connection).worker_name) for i in import_ids}


def test_a_district_imported_through_both_web_processes_on_both_workers(
    cluster: Cluster, tmp_path: Path
) -> None:
    paths = district.write_district(tmp_path / "batch", SCHOOLS)
    rosters = [path for path in paths if path.name.startswith("roster")]
    attendance = [path for path in paths if path.name.startswith("attendance")]
    browser = signed_in(cluster.webs[0], "admin")
    assert browser.get(f"{cluster.webs[1]}/api/v1/imports/0", timeout=30).status_code == 404

    roster_ids = _submit_all(browser, cluster.webs, rosters)
    wait_until(lambda: _finished(cluster.database_url, roster_ids), 120, "rosters imported")
    attendance_ids = _submit_all(browser, cluster.webs, attendance)
    wait_until(lambda: _finished(cluster.database_url, attendance_ids), 120, "attendance imported")
    for n, import_id in enumerate(roster_ids + attendance_ids):  # as either web process says
        detail = browser.get(f"{cluster.webs[n % 2]}/api/v1/imports/{import_id}", timeout=30)
        assert detail.json()["status"] == "completed", detail.json()

    # Every import ran once and completed: one record per upload, nothing queued twice.
    imports = _statuses(cluster.database_url)
    assert sorted(row[0] for row in imports) == sorted(roster_ids + attendance_ids)
    assert {row[2] for row in imports} == {"completed"}
    inserted = sorted((row[1], row[3]) for row in imports)
    expected_inserted = [("attendance", district.ATTENDANCE_ROWS)] * SCHOOLS
    assert inserted == expected_inserted + [("roster", district.ROSTER_ROWS)] * SCHOOLS
    # Row counts per school equal the files.
    assert _counts_by_school(cluster.database_url) == {
        code: (district.ROSTER_ROWS, district.ATTENDANCE_ROWS) for code in district.codes(SCHOOLS)
    }
    # Both workers took imports.
    assert len(_workers_of(roster_ids + attendance_ids)) == 2

    # The figures: the command line, and the same from either web process.
    figures = json.loads(_run(cluster.env, "kpis", "--json"))
    expected = district.expected_kpis(SCHOOLS)
    assert {key: figures[key] for key in expected} == expected
    for web in cluster.webs:
        served = browser.get(f"{web}/api/v1/kpis", timeout=60)
        assert served.status_code == 200, served.text[:300]
        assert {key: served.json()[key] for key in expected} == expected
    shown = [_overview_kpis(browser, web) for web in cluster.webs]
    assert shown[0] == shown[1], shown
    assert shown[0]["kpi-attendance_rate"] == f"{expected['attendance_rate']:.2f} %"
    rate = expected["chronic_absenteeism_rate"]
    assert shown[0]["kpi-chronic_absenteeism_rate"] == f"{rate:.2f} %"
    assert _run(cluster.env, "verify").strip().endswith("ok")

    # The audit trail: one completed entry per import; any other is a retried attempt's.
    engine = create_engine(cluster.database_url)
    try:
        with engine.connect() as connection:
            audited = connection.execute(
                select(AuditEntry.entity_id, AuditEntry.details).where(
                    AuditEntry.action == "import"
                )
            ).all()
    finally:
        engine.dispose()
    completed = sorted(int(i) for i, details in audited if details["status"] == "completed")
    assert completed == sorted(roster_ids + attendance_ids)
    assert {details["status"] for _, details in audited} <= {"completed", "failed"}


def test_import_batch_waits_for_rosters_and_runs_schools_on_both_workers(
    cluster: Cluster, tmp_path: Path
) -> None:
    """The same district again through `attendly import-batch --wait` on the two workers:
    every import completes and changes nothing (the data is already there)."""
    district.write_district(tmp_path / "again", SCHOOLS)
    out = _run(cluster.env, "import-batch", str(tmp_path / "again"), "--wait", "--json")
    rows = json.loads(out[out.index("[") :])
    assert [row["status"] for row in rows] == ["completed"] * 2 * SCHOOLS
    by_id = {row["import_id"]: row for row in rows}
    for row in rows:
        if row["kind"] == "attendance":
            (roster_id,) = row["after"]
            assert by_id[roster_id]["kind"] == "roster"
            assert Path(by_id[roster_id]["file"]).name == Path(row["file"]).name.replace(
                "attendance", "roster"
            )
        else:
            assert row["after"] == []
    assert len(_workers_of(list(by_id))) == 2
    assert _counts_by_school(cluster.database_url) == {
        code: (district.ROSTER_ROWS, district.ATTENDANCE_ROWS) for code in district.codes(SCHOOLS)
    }
