"""The student detail page in headless Chromium: figures, charts, scope and an export."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from attendly.components import format_rate
from tests.web import dash_browser, dashboard_data
from tests.web.dash_browser import (
    click_export,
    open_page,
    screenshot,
    severe_console_entries,
    signed_in,
    text_of,
    wait_for,
)

pytestmark = pytest.mark.browser
# Fixtures shared with the other dashboard browser tests.
downloads = dash_browser.downloads
iready_school = dashboard_data.iready_school
CHARTS = ("student-calendar", "student-weekday-period", "student-monthly", "student-iready-ela")


@pytest.fixture(scope="module")
def teacher(live_url: str, downloads: Path, iready_school: Flask) -> Iterator[Any]:
    yield from signed_in(live_url, downloads, "teacher6")


def cli_row(app: Flask, student_id: str) -> dict[str, Any]:
    from attendly.extensions import db
    from db.policy import load_policy
    from db.queries import students_report

    with app.app_context():
        policy = load_policy(db.session, app.config["ATTENDLY_SETTINGS"])
        rows = students_report(db.session, policy)
    return next(row for row in rows if row["student_id"] == student_id)


def drawn(driver: Any, graph_id: str) -> bool:
    return bool(driver.find_elements("css selector", f"#{graph_id} .main-svg"))


def test_teacher_sees_their_students_year(
    teacher: Any,
    live_url: str,
    iready_school: Flask,
    downloads: Path,
) -> None:
    open_page(teacher, f"{live_url}/students/602", "student-name")
    expected = cli_row(iready_school, "602")
    assert text_of(teacher, "student-name") == "Carlos Chronic"
    wait_for(teacher, lambda d: all(drawn(d, graph) for graph in CHARTS))
    assert text_of(teacher, "kpi-student_attendance_rate") == format_rate(
        expected["attendance_rate"]
    )
    assert text_of(teacher, "kpi-student_days_absent") == str(expected["days_absent"])
    screenshot(teacher, "student-602-teacher6")
    assert severe_console_entries(teacher) == []
    path = click_export(teacher, 0, "Data as CSV", downloads, ".csv")
    with path.open(encoding="utf-8-sig") as handle:
        days = list(csv.DictReader(handle))
    assert len(days) == expected["days_enrolled"]
    assert sum(day["status"] == "Absent all day" for day in days) == expected["days_absent"]


def test_another_grades_student_is_not_found(teacher: Any, live_url: str) -> None:
    open_page(teacher, f"{live_url}/students/702", "student-alert")
    assert "No such student" in text_of(teacher, "student-alert")
    assert "Skipper" not in teacher.page_source
    assert "Sam" not in teacher.find_element("tag name", "body").text
