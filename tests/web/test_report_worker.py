"""A board-packet PDF rendered by the real RQ worker process (`attendly worker`) on Redis."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from flask import Flask

from tests.services import REDIS_URL, redis_client

ATTENDLY = str(Path(sys.executable).parent / "attendly")


def test_the_worker_process_renders_a_queued_report(web_app: Flask) -> None:
    from flask_login import login_user
    from pypdf import PdfReader
    from sqlalchemy import select

    from attendly import reports
    from attendly.auth import auth_user
    from attendly.extensions import db
    from db.models import User

    redis_client()  # skips (or fails in CI) without Redis; flushes the test database
    settings = web_app.config["ATTENDLY_SETTINGS"]
    web_app.config["ATTENDLY_SETTINGS"] = settings.model_copy(update={"redis_url": REDIS_URL})
    try:
        with web_app.test_request_context():
            admin = db.session.scalar(select(User).where(User.username == "admin"))
            login_user(auth_user(admin))
            report_id = reports.request_report("overview", {"year": "2025-2026"})
            assert reports.report_status(report_id)["status"] == "queued"
    finally:
        web_app.config["ATTENDLY_SETTINGS"] = settings
    env = {
        **os.environ,
        "DATABASE_URL": web_app.config["SQLALCHEMY_DATABASE_URI"],
        "ATTENDLY_INSTANCE": web_app.instance_path,
        "REDIS_URL": REDIS_URL,
        "ATTENDLY_ENV": "test",
    }
    done = subprocess.run(
        [ATTENDLY, "worker", "--burst"], env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-2000:]
    with web_app.app_context():
        job = reports.read_job(report_id)
        assert job["status"] == "done", job
        pdf = (reports.reports_dir() / f"{report_id}.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(PdfReader(io.BytesIO(pdf)).pages) >= 2
