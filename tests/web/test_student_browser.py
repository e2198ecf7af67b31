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


def test_the_timeline_shows_an_intervention_and_offers_a_new_one(
    teacher: Any, live_url: str, iready_school: Flask
) -> None:
    from tests.web.test_interventions_api import post
    from tests.web.test_interventions_api import signed_in as api_client

    body = {
        "student_id": "602",
        "type": "attendance_contract",
        "tier": 2,
        "status": "in_progress",
        "owner": "counselor-kim",
        "start_date": "2025-09-30",
        "due_date": "2025-10-14",
        "notes": "Contract signed with the family",
    }
    created = post(api_client(iready_school, "admin"), "/api/v1/interventions", body)
    assert created.status_code == 201, created.get_json()
    item_id = f"timeline-item-{created.get_json()['id']}"

    open_page(teacher, f"{live_url}/students/602", "student-name")
    item = wait_for(teacher, lambda d: d.find_element("id", item_id))
    text = item.text
    assert "Attendance contract" in text and "In progress" in text and "Tier 2" in text
    assert "2025-09-30" in text and "owner counselor-kim" in text
    assert "Notes: Contract signed with the family" in text
    wait_for(teacher, lambda d: all(drawn(d, graph) for graph in CHARTS))
    teacher.execute_script("arguments[0].scrollIntoView({block: 'center'});", item)
    screenshot(teacher, "student-602-timeline")

    teacher.find_element("id", "student-new-intervention").click()
    wait_for(teacher, lambda d: d.current_url.endswith("/interventions?student=602"))
    wait_for(teacher, lambda d: d.find_element("id", "interventions-new").is_displayed())
    assert teacher.find_element("id", "interventions-filter-student").get_attribute("value") == (
        "602"
    )
    teacher.find_element("id", "interventions-new").click()
    student_field = '{"name":"student_id","type":"interventions-field"}'
    wait_for(
        teacher,
        lambda d: (
            d.execute_script("return document.getElementById(arguments[0]).value;", student_field)
            == "602"
        ),
    )
    assert severe_console_entries(teacher) == []


def test_letters_on_the_timeline_are_download_links(
    live_url: str, downloads: Path, iready_school: Flask
) -> None:
    """801's letters (generated by the truancy-ladder tests when they run first) are linked."""
    from sqlalchemy import select

    from attendly.extensions import db
    from db.intervention_models import Letter

    with iready_school.app_context():
        letters = sorted(
            db.session.scalars(select(Letter.id).where(Letter.student_id == "801")).all()
        )
    for driver in signed_in(live_url, downloads, "admin"):
        open_page(driver, f"{live_url}/students/801", "student-name")
        wait_for(driver, lambda d: d.find_elements("css selector", ".intervention-timeline"))
        links = driver.find_elements("css selector", ".intervention-timeline a")
        hrefs = sorted(link.get_attribute("href").rsplit("/", 1)[-1] for link in links)
        assert hrefs == sorted(f"{letter}.pdf" for letter in letters)
        if letters:
            assert "Truancy ladder: " in text_of(driver, "student-timeline")
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", links[0])
            screenshot(driver, "student-801-timeline-letters")


def test_no_timeline_for_another_grades_student(teacher: Any, live_url: str) -> None:
    open_page(teacher, f"{live_url}/students/801", "student-alert")
    assert teacher.find_element("id", "student-timeline").text == ""
    assert "Truant" not in teacher.page_source
