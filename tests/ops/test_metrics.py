"""GET /metrics: who may read it, and that its numbers move with imports, callbacks and jobs.

Import figures come from the imports table at scrape time: checked on hand-made import rows
(SQLite and PostgreSQL) and end to end after an upload; queue figures from the real Redis
after a real `attendly worker --burst` fails a job; multiprocess mode in a process of its own.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rq import Queue
from sqlalchemy.orm import Session

from attendly.monitoring import ProblemCounts, import_families
from db.models import Import, ImportErrorRecord
from tests.ops.observe import TOKEN, scrape, settings_changed, value
from tests.security.helpers import page_payload, signed_in
from tests.services import REDIS_URL, redis_client
from tests.web import school
from tests.web.conftest import client, dash_post, fresh_sign_in_attempts, web_app  # noqa: F401
from tests.web.test_import_worker import ATTENDLY, finished, upload, wait_for, worker_env

ROUTER = ".._pages_content.children..._pages_store.data.."
T0 = dt.datetime(2025, 9, 8, 6, 0, tzinfo=dt.UTC)


# --- access --------------------------------------------------------------------------------


def test_refused_without_token_or_allowed_address(client: FlaskClient) -> None:  # noqa: F811
    response = client.get("/metrics")
    assert response.status_code == 401
    assert response.get_json() == {"error": "metrics need the metrics token or an allowed address"}


def test_refused_with_a_wrong_token(web_app: Flask) -> None:  # noqa: F811
    with settings_changed(web_app, metrics_token=TOKEN):
        wrong = web_app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}x"})
        basic = web_app.test_client().get("/metrics", headers={"Authorization": f"Basic {TOKEN}"})
    assert wrong.status_code == 403 and wrong.get_json() == {"error": "invalid metrics token"}
    assert basic.status_code == 403


def test_a_token_is_useless_while_none_is_configured(client: FlaskClient) -> None:  # noqa: F811
    response = client.get("/metrics", headers={"Authorization": "Bearer "})
    assert response.status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer None"}).status_code == 403


def test_a_signed_in_user_is_not_enough(web_app: Flask) -> None:  # noqa: F811
    assert signed_in(web_app, "admin").get("/metrics").status_code == 401


def test_served_with_the_token(web_app: Flask) -> None:  # noqa: F811
    with settings_changed(web_app, metrics_token=TOKEN):
        response = web_app.test_client().get(
            "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
        )
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert "# TYPE attendly_http_request_duration_seconds histogram" in response.get_data(True)


@pytest.mark.parametrize(
    ("allowed", "address", "status"),
    [
        (("127.0.0.1",), "127.0.0.1", 200),
        (("10.0.0.0/8", "::1"), "10.20.30.40", 200),
        (("10.0.0.0/8", "::1"), "::1", 200),
        (("10.0.0.0/8",), "192.168.1.5", 401),
        ((), "127.0.0.1", 401),
    ],
)
def test_allowed_addresses(
    web_app: Flask,  # noqa: F811
    allowed: tuple[str, ...],
    address: str,
    status: int,
) -> None:
    with settings_changed(web_app, metrics_allowed=allowed):
        response = web_app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": address})
    assert response.status_code == status


def test_bad_allowed_addresses_stop_the_app() -> None:
    from attendly.errors import ConfigError
    from attendly.settings import load_settings

    with pytest.raises(ConfigError, match="ATTENDLY_METRICS_ALLOWED.*'10.0.0.300'"):
        load_settings(ATTENDLY_METRICS_ALLOWED="127.0.0.1,10.0.0.300")
    with pytest.raises(ConfigError, match="ATTENDLY_METRICS_TOKEN"):
        load_settings(ATTENDLY_METRICS_TOKEN="short")


# --- request and callback latency, page cache -----------------------------------------------


def test_request_and_callback_latency_move(web_app: Flask) -> None:  # noqa: F811
    admin = signed_in(web_app, "admin")
    before = scrape(web_app)
    assert dash_post(admin, page_payload("/")).status_code == 200
    bogus = {**page_payload("/"), "output": "made-up.children"}
    assert dash_post(admin, bogus).status_code == 404
    after = scrape(web_app)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    callbacks = "attendly_dash_callback_duration_seconds_count"
    assert moved(callbacks, callback=ROUTER) == 1
    assert moved(callbacks, callback="unknown") == 1
    assert not any("made-up" in str(labels) for _, labels in after)  # bounded labels
    http = "attendly_http_request_duration_seconds_count"
    route = "/_dash-update-component"
    assert moved(http, route=route, method="POST", status="200") == 1
    assert moved(http, route=route, method="POST", status="404") == 1
    # The first scrape is counted under its route rule (the second is still running).
    assert moved(http, route="/metrics", method="GET", status="200") == 1
    assert (
        moved(
            "attendly_http_request_duration_seconds_sum", route=route, method="POST", status="200"
        )
        > 0
    )


def test_raw_paths_never_become_labels(web_app: Flask) -> None:  # noqa: F811
    """Every page path shares Dash's catch-all rule; a path no rule takes shares "unmatched"."""
    before = scrape(web_app)
    for path in ("/students/601", "/students/602"):
        assert web_app.test_client().get(path).status_code == 302  # to the login page
    assert web_app.test_client().post("/metrics").status_code == 401  # refused before routing
    # No rule takes DELETE /health; the gate's CSRF check answers before the 405 would.
    assert web_app.test_client().delete("/health").status_code == 400
    after = scrape(web_app)
    name = "attendly_http_request_duration_seconds_count"
    pages = {"route": "/<path:path>", "method": "GET", "status": "302"}
    assert value(after, name, **pages) - value(before, name, **pages) == 2
    unmatched = {"route": "unmatched", "method": "DELETE", "status": "400"}
    assert value(after, name, **unmatched) - value(before, name, **unmatched) == 1
    routes = {dict(labels).get("route") for _, labels in after}
    assert not routes & {"/students/601", "/students/602"}


def test_page_cache_hits_and_misses(web_app: Flask) -> None:  # noqa: F811
    from attendly.cache import cached

    before = scrape(web_app)
    with web_app.app_context():
        assert cached(("ops-test", 1), lambda: 41 + 1) == 42
        assert cached(("ops-test", 1), lambda: 0) == 42
        assert cached(("ops-test", 1), lambda: 0) == 42
    after = scrape(web_app)
    name = "attendly_page_cache_requests_total"
    assert value(after, name, result="miss") - value(before, name, result="miss") == 1
    assert value(after, name, result="hit") - value(before, name, result="hit") == 2


def test_websocket_connections_reported(web_app: Flask) -> None:  # noqa: F811
    try:
        from attendly.realtime import connection_count
    except ImportError:
        expected = 0
    else:
        expected = connection_count()
    assert value(scrape(web_app), "attendly_websocket_connections") == expected


# --- imports: figures from the imports table ------------------------------------------------


def _import(
    session: Session, kind: str, status: str, seconds: float | None, **counts: int
) -> Import:
    record = Import(
        kind=kind,
        filename=f"{kind}.csv",
        status=status,
        started_at=T0,
        finished_at=None if seconds is None else T0 + dt.timedelta(seconds=seconds),
        **{f"records_{name}": n for name, n in counts.items()},
    )
    session.add(record)
    session.flush()
    return record


def _problem(session: Session, import_id: int, category: str) -> None:
    session.add(
        ImportErrorRecord(
            import_id=import_id, rule="r", message="m", severity="error", category=category
        )
    )


def test_import_figures_from_the_database(session: Session) -> None:
    """Three hand-made imports; every expected number worked out by hand."""
    done = _import(
        session,
        "attendance",
        "completed",
        3,
        processed=10,
        inserted=7,
        updated=1,
        skipped=1,
        failed=1,
    )
    refused = _import(session, "attendance", "rejected", 40, processed=4, failed=4)
    _import(session, "roster", "running", None, processed=0)
    _problem(session, done.id, "type")
    _problem(session, done.id, "type")
    _problem(session, refused.id, "file")
    session.commit()
    samples = families(session, ProblemCounts())

    def at(name: str, **labels: str) -> float | None:
        return samples.get((name, frozenset(labels.items())))

    assert at("attendly_imports", kind="attendance", status="completed") == 1
    assert at("attendly_imports", kind="attendance", status="rejected") == 1
    assert at("attendly_imports", kind="roster", status="running") == 1
    rows = {
        o: at("attendly_import_rows_total", kind="attendance", outcome=o)
        for o in ("processed", "inserted", "updated", "skipped", "failed")
    }
    assert rows == {"processed": 14, "inserted": 7, "updated": 1, "skipped": 1, "failed": 5}
    assert at("attendly_import_errors", kind="attendance", category="type") == 2
    assert at("attendly_import_errors", kind="attendance", category="file") == 1
    duration = "attendly_import_duration_seconds"
    assert at(f"{duration}_count", kind="attendance") == 2
    assert at(f"{duration}_sum", kind="attendance") == 43
    assert at(f"{duration}_bucket", kind="attendance", le="1.0") == 0
    assert at(f"{duration}_bucket", kind="attendance", le="5.0") == 1
    assert at(f"{duration}_bucket", kind="attendance", le="30.0") == 1
    assert at(f"{duration}_bucket", kind="attendance", le="60.0") == 2
    assert at(f"{duration}_bucket", kind="attendance", le="+Inf") == 2
    assert at(f"{duration}_count", kind="roster") is None  # not finished: no duration yet


def families(session: Session, problems: ProblemCounts) -> dict[tuple[str, frozenset], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in import_families(session, problems)
        for s in family.samples
    }


@pytest.mark.parametrize("in_limit", [500, 1])  # 1: more ids than an IN list takes
def test_problem_counts_follow_running_and_changed_imports(
    session: Session, in_limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kept per import; recounted while it runs or when its status changes (SQLite, PostgreSQL)."""
    from db import import_metrics

    monkeypatch.setattr(import_metrics, "IN_LIMIT", in_limit)
    running = _import(session, "attendance", "running", None)
    done = _import(session, "roster", "completed", 2)
    _problem(session, running.id, "type")
    _problem(session, done.id, "duplicate")
    session.commit()
    counts = ProblemCounts()
    errors = "attendly_import_errors"

    def at(kind: str, category: str) -> float | None:
        return families(session, counts).get(
            (errors, frozenset({("kind", kind), ("category", category)}))
        )

    assert (at("attendance", "type"), at("roster", "duplicate")) == (1, 1)
    _problem(session, running.id, "type")  # found while the import still runs
    session.commit()
    assert at("attendance", "type") == 2
    session.query(ImportErrorRecord).filter_by(import_id=done.id).delete()
    done.status = "rolled_back"
    session.commit()
    assert at("roster", "duplicate") is None
    session.delete(session.get(Import, done.id))
    session.commit()
    assert at("attendance", "type") == 2


def test_import_figures_move_after_an_upload(web_app: Flask, tmp_path: Path) -> None:  # noqa: F811
    """The school's attendance again (108 unchanged rows) plus one row with an impossible date."""
    content = school.write_attendance(tmp_path / "a.csv").read_bytes()
    content += b"601,2025-09-31,6,P,P,P,P,P,P,P\n"
    admin = signed_in(web_app, "admin")
    before = scrape(web_app)
    import_id = upload(admin, content, "attendance.csv", kind="attendance")
    done = wait_for(admin, import_id, finished)[-1]
    assert done["status"] == "completed", done
    assert [e["category"] for e in done["errors"]] == ["type"], done["errors"]
    after = scrape(web_app)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("attendly_imports", kind="attendance", status="completed") == 1
    assert moved("attendly_import_rows_total", kind="attendance", outcome="processed") == 109
    assert moved("attendly_import_rows_total", kind="attendance", outcome="skipped") == 108
    assert moved("attendly_import_rows_total", kind="attendance", outcome="failed") == 1
    assert moved("attendly_import_errors", kind="attendance", category="type") == 1
    assert moved("attendly_import_duration_seconds_count", kind="attendance") == 1


# --- queues: depth and failed jobs from RQ ---------------------------------------------------


@pytest.fixture
def on_redis(web_app: Flask) -> Iterator[Flask]:  # noqa: F811
    redis_client()
    with settings_changed(web_app, redis_url=REDIS_URL) as app:
        yield app
    redis_client()


def test_queue_depth_and_failed_jobs(on_redis: Flask) -> None:
    empty = scrape(on_redis)
    assert value(empty, "attendly_queue_up") == 1
    assert value(empty, "attendly_queue_jobs", queue="attendly") == 0
    queue = Queue("attendly", connection=redis_client())
    queue.enqueue("attendly.jobs.run_import_job", 987654, job_id="ops-test-missing-import")
    queued = scrape(on_redis)
    assert value(queued, "attendly_queue_jobs", queue="attendly") == 1
    assert value(queued, "attendly_queue_failed_jobs", queue="attendly") == 0
    done = subprocess.run(
        [ATTENDLY, "worker", "--burst"], env=worker_env(on_redis), capture_output=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-2000:]
    failed = scrape(on_redis)
    assert value(failed, "attendly_queue_jobs", queue="attendly") == 0
    assert value(failed, "attendly_queue_failed_jobs", queue="attendly") == 1
    assert value(failed, "attendly_queue_failed_jobs", queue="reports") == 0


def test_queue_figures_when_redis_does_not_answer(web_app: Flask) -> None:  # noqa: F811
    with settings_changed(web_app, redis_url="redis://127.0.0.1:9/0"):
        samples = scrape(web_app)
    assert value(samples, "attendly_queue_up") == 0
    assert ("attendly_queue_up", frozenset()) in samples


# --- gunicorn-style multiprocess mode ----------------------------------------------------------

MULTIPROCESS_SCRIPT = """
import sys
from attendly import create_app
from attendly.settings import Settings
from attendly.setup import initialise_database

folder = sys.argv[1]
settings = Settings(
    instance_path=folder + "/instance", database_url=f"sqlite:///{folder}/m.db", env="test",
    metrics_token=sys.argv[2],
)
app = create_app(settings)
with app.app_context():
    initialise_database(app)
client = app.test_client()
for _ in range(3):
    assert client.get("/health").status_code == 200
response = client.get("/metrics", headers={"Authorization": "Bearer " + sys.argv[2]})
assert response.status_code == 200, response.status_code
sys.stdout.write(response.get_data(as_text=True))
"""


def test_multiprocess_mode_reads_the_shared_folder(tmp_path: Path) -> None:
    """With PROMETHEUS_MULTIPROC_DIR set (as under gunicorn) series go through its files."""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    done = subprocess.run(
        [sys.executable, "-c", MULTIPROCESS_SCRIPT, str(tmp_path), TOKEN],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert any(folder.glob("histogram_*.db")), list(folder.iterdir())
    health = (
        'attendly_http_request_duration_seconds_count{method="GET",route="/health",status="200"}'
    )
    assert f"{health} 3.0" in done.stdout, done.stdout[:3000]
    assert "attendly_imports" in done.stdout  # the scrape-time families are there too
