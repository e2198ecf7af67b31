"""The System health page: admins only (checked on the server), its figures in Chromium, a
real failed import retried from the page onto the RQ queue, the integrity check run from it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.security.helpers import dependencies, page_payload, payload, signed_in
from tests.services import REDIS_URL, redis_client
from tests.web import school
from tests.web.conftest import dash_post
from tests.web.dash_browser import WAIT, downloads, open_page, wait_for
from tests.web.dash_browser import signed_in as browser_signed_in
from tests.web.test_import_worker import rollback, upload
from tests.web.test_import_worker import wait_for as wait_for_import

__all__ = ["downloads"]


def system_callbacks(app: Flask) -> list[dict[str, Any]]:
    found = [d for d in dependencies(app) if "system-" in d["output"]]
    assert len(found) == 4, [d["output"] for d in found]  # refresh, retry, start + follow check
    return found


def test_a_teacher_gets_neither_the_page_nor_its_callbacks(web_app: Flask) -> None:
    teacher = signed_in(web_app, "teacher6")
    page = dash_post(teacher, page_payload("/system"))
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "page-not-allowed" in body and "system-kpis" not in body
    for dep in system_callbacks(web_app):
        response = dash_post(teacher, payload(dep, 1))
        assert response.status_code == 403, dep["output"]
        assert "attendance_records" not in response.get_data(as_text=True)
    assert dash_post(signed_in(web_app, "admin"), page_payload("/system")).status_code == 200


@pytest.fixture
def failed_import(web_app: Flask, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[int]:
    """A roster import that really failed: the database connection drops on every attempt
    (the in-process runner, no retry left). Rolled back afterwards."""
    monkeypatch.setenv("ATTENDLY_FAULT_DISCONNECTS", "9")
    settings = web_app.config["ATTENDLY_SETTINGS"]
    web_app.config["ATTENDLY_SETTINGS"] = settings.model_copy(
        update={"retry_intervals": (), "import_chunk_rows": 3}
    )
    try:
        client = signed_in(web_app, "admin")
        content = school.write_roster(tmp_path / "roster.csv").read_bytes()
        import_id = upload(client, content, "roster-fails.csv", kind="roster")
        done = wait_for_import(client, import_id, lambda d: d["status"] != "running")[-1]
        assert done["status"] == "failed", done
    finally:
        web_app.config["ATTENDLY_SETTINGS"] = settings
    monkeypatch.delenv("ATTENDLY_FAULT_DISCONNECTS")
    yield import_id
    rollback(web_app, import_id)
    _clear_alerts(web_app)


def _clear_alerts(app: Flask) -> None:
    """Leave the shared app's alerts as the rules see them now (the import is rolled back)."""
    from attendly import alerts
    from attendly.extensions import db

    with app.app_context():
        alerts.evaluate(db.session(), app.config["ATTENDLY_SETTINGS"])
        db.session.remove()


@pytest.fixture
def on_redis(web_app: Flask) -> Iterator[Any]:
    """The app with REDIS_URL set (jobs go to RQ; no worker runs); yields the Redis client."""
    client = redis_client()
    settings = web_app.config["ATTENDLY_SETTINGS"]
    web_app.config["ATTENDLY_SETTINGS"] = settings.model_copy(update={"redis_url": REDIS_URL})
    try:
        yield client
    finally:
        web_app.config["ATTENDLY_SETTINGS"] = settings
        client.flushdb()


@pytest.fixture(scope="module")
def admin(live_url: str, downloads: Path) -> Iterator[Any]:  # noqa: F811
    yield from browser_signed_in(live_url, downloads, "admin")


def open_system_page(driver: Any, live_url: str) -> None:
    """Open the page and wait until its charts are drawn (the layout stops moving)."""
    open_page(driver, f"{live_url}/system", "kpi-system-success-rate")
    charts = "#system-duration-chart .main-svg, #system-quality-chart .main-svg"
    wait_for(driver, lambda d: len(d.find_elements("css selector", charts)) >= 2)
    wait_for(driver, lambda d: d.find_element("id", "system-table-sizes").text)


def click(driver: Any, element: Any) -> None:
    """Scroll at once (Bootstrap's smooth scrolling would still be moving) and click."""
    driver.execute_script(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element
    )
    wait_for(driver, lambda d: element.is_displayed() and element.is_enabled())
    element.click()


def test_the_page_shows_the_figures_and_retries_a_failed_job(
    admin: Any, live_url: str, failed_import: int, on_redis: Any
) -> None:
    from rq.job import Job

    open_system_page(admin, live_url)
    kpis = admin.find_element("id", "system-kpis").text.lower()  # titles are styled upper case
    assert "import success rate" in kpis and "target 99 %" in kpis
    assert "realtime connections" in kpis and "workers up" in kpis
    alerts = wait_for(admin, lambda d: d.find_element("id", "system-alerts").text)
    assert f"Import {failed_import} (roster, roster-fails.csv) failed" in alerts
    assert "0 / 0" in kpis  # REDIS_URL set, no worker registered
    sizes = admin.find_element("id", "system-table-sizes").text
    assert "attendance_records" in sizes and "Measured with SQLite dbstat" in sizes
    failed = admin.find_element("id", "system-failed-jobs").text
    assert f"import-{failed_import}" in failed
    assert not Job.exists(f"import-{failed_import}", connection=on_redis)
    button = admin.find_element(
        "xpath", f"//tr[td[text()='import-{failed_import}']]//button[text()='Retry']"
    )
    click(admin, button)
    message = wait_for(admin, lambda d: d.find_element("id", "system-retry-result").text)
    assert message == f"import {failed_import} queued again"
    job = Job.fetch(f"import-{failed_import}", connection=on_redis)
    assert job.get_status() == "queued" and job.args == (failed_import,)
    job.delete()


def test_the_integrity_check_runs_from_the_page(admin: Any, live_url: str) -> None:
    open_system_page(admin, live_url)
    click(admin, admin.find_element("id", "system-verify"))
    verdict = wait_for(
        admin, lambda d: d.find_element("id", "system-verify-verdict").text, timeout=WAIT * 3
    )
    assert verdict.startswith("Everything matches the raw rows."), verdict
    assert "student_days" in verdict and "attendance_imports" in verdict
