"""Structured logs: JSON lines carrying the request id (echoed as X-Request-ID) and import id.

Requests go through the one web app; imports run in this process and on a real
`attendly worker` process (its standard error read back line by line).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from attendly import logs
from attendly.settings import Settings
from tests.ops.observe import settings_changed
from tests.security.helpers import signed_in
from tests.services import REDIS_URL, redis_client
from tests.web import school
from tests.web.conftest import fresh_sign_in_attempts, web_app  # noqa: F401
from tests.web.test_import_worker import ATTENDLY, finished, upload, wait_for, worker_env

GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """The process's log handler, in JSON, writing into a buffer for the test."""
    buffer = io.StringIO()
    installed = logs.configure(Settings(log_format="json"), stream=buffer)
    try:
        yield buffer
    finally:
        logging.getLogger().removeHandler(installed)  # type: ignore[arg-type]


def parsed(buffer: io.StringIO) -> list[dict[str, Any]]:
    """Every line written, each parsed as JSON (a line that is not JSON fails the test)."""
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def access_lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [line for line in parsed(buffer) if line["logger"] == "attendly.access"]


def test_a_request_logs_one_json_line_with_the_clients_request_id(
    web_app: Flask,  # noqa: F811
    json_lines: io.StringIO,
) -> None:
    response = web_app.test_client().get("/health", headers={"X-Request-ID": "lb-7f3a.42"})
    assert response.headers["X-Request-ID"] == "lb-7f3a.42"
    [line] = access_lines(json_lines)
    assert line["request_id"] == "lb-7f3a.42"
    assert line["message"] == "GET /health 200"
    assert (line["level"], line["path"], line["status"], line["method"]) == (
        "INFO",
        "/health",
        200,
        "GET",
    )
    assert line["user"] is None and line["import_id"] is None
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    logged_at = dt.datetime.fromisoformat(line["ts"])
    assert abs((dt.datetime.now(dt.UTC) - logged_at).total_seconds()) < 60


def test_generated_ids_and_the_signed_in_user(
    web_app: Flask,  # noqa: F811
    json_lines: io.StringIO,
) -> None:
    admin = signed_in(web_app, "admin")
    json_lines.truncate(0)
    json_lines.seek(0)
    first = admin.get("/_dash-layout")
    second = admin.get("/_dash-layout")
    ids = [first.headers["X-Request-ID"], second.headers["X-Request-ID"]]
    assert all(GENERATED_ID.match(i) for i in ids) and ids[0] != ids[1]
    lines = access_lines(json_lines)
    assert [line["request_id"] for line in lines] == ids
    assert {line["user"] for line in lines} == {"admin"}


@pytest.mark.parametrize("offered", ["x" * 129, "<script>", "a b", "id\u00e9"])
def test_an_unsafe_request_id_is_replaced(
    web_app: Flask,  # noqa: F811
    json_lines: io.StringIO,
    offered: str,
) -> None:
    response = web_app.test_client().get("/health", headers={"X-Request-ID": offered})
    assert GENERATED_ID.match(response.headers["X-Request-ID"])
    assert offered not in json_lines.getvalue()


def test_refused_requests_are_logged_too(web_app: Flask, json_lines: io.StringIO) -> None:  # noqa: F811
    response = web_app.test_client().get("/api/v1/kpis", headers={"X-Request-ID": "r-1"})
    assert response.status_code == 401
    [line] = access_lines(json_lines)
    assert (line["request_id"], line["status"], line["path"]) == ("r-1", 401, "/api/v1/kpis")


def test_lines_inside_an_import_carry_its_id(
    web_app: Flask,  # noqa: F811
    json_lines: io.StringIO,
    tmp_path: Path,
) -> None:
    """An upload run by the in-process runner: its outcome line names the import."""
    admin = signed_in(web_app, "admin")
    content = school.write_attendance(tmp_path / "a.csv").read_bytes()
    import_id = upload(admin, content, "attendance.csv", kind="attendance")
    wait_for(admin, import_id, finished)
    outcome = [line for line in parsed(json_lines) if line["logger"] == "attendly.imports"]
    assert len(outcome) == 1, outcome
    assert outcome[0]["import_id"] == import_id
    assert outcome[0]["import_status"] == "completed" and outcome[0]["import_kind"] == "attendance"
    assert outcome[0]["rows"] == 108
    assert outcome[0]["request_id"] is None  # a job, not a request
    uploads = [line for line in access_lines(json_lines) if line["path"] == "/api/v1/imports"]
    assert [line["import_id"] for line in uploads] == [None]


def test_the_import_id_is_unbound_after_the_import() -> None:
    with logs.bound_import(5):
        with logs.bound_import(6):
            assert logs.current_import_id() == 6
        assert logs.current_import_id() == 5
    assert logs.current_import_id() is None


def test_worker_lines_are_json_with_the_import_id(web_app: Flask, tmp_path: Path) -> None:  # noqa: F811
    """`attendly worker --burst` with ATTENDLY_LOG_FORMAT=json runs one import."""
    redis_client()
    with settings_changed(web_app, redis_url=REDIS_URL):
        admin = signed_in(web_app, "admin")
        content = school.write_attendance(tmp_path / "a.csv").read_bytes()
        import_id = upload(admin, content, "attendance.csv", kind="attendance")
        done = subprocess.run(
            [ATTENDLY, "worker", "--burst"],
            env=worker_env(web_app, ATTENDLY_LOG_FORMAT="json"),
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert wait_for(admin, import_id, finished, timeout=5)[-1]["status"] == "completed"
    # Every line the worker, its scheduler and its work horse wrote is one JSON object.
    structured = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    ours = [line for line in structured if line["import_id"] == import_id]
    assert [line["logger"] for line in ours if line["logger"] == "attendly.imports"] == [
        "attendly.imports"
    ], done.stderr[-2000:]
    assert all(set(line) >= {"ts", "level", "logger", "message"} for line in structured)
    assert any(line["logger"] == "rq.worker" for line in structured)  # RQ's own lines too


def test_log_format_defaults() -> None:
    assert Settings(env="development").resolved_log_format == "text"
    assert Settings(env="production", secret_key="k" * 32).resolved_log_format == "json"
    assert (
        Settings(env="production", secret_key="k" * 32, log_format="text").resolved_log_format
        == "text"
    )
    with pytest.raises(ValueError, match="ATTENDLY_LOG_FORMAT"):
        Settings(ATTENDLY_LOG_FORMAT="xml")  # type: ignore[call-arg]


def test_configuring_twice_keeps_one_handler() -> None:
    root = logging.getLogger()
    first = logs.configure(Settings(log_format="json"), stream=io.StringIO())
    second = logs.configure(Settings(log_format="json"), stream=io.StringIO())
    try:
        assert first not in root.handlers and second in root.handlers
        assert [h.get_name() for h in root.handlers].count(logs.HANDLER_NAME) == 1
    finally:
        root.removeHandler(second)  # type: ignore[arg-type]
