"""The Students page in headless Chromium: cards equal `attendly students --json`, the grade
filter changes them, a card opens the student's page, the table view and exports work."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from attendly.components import format_rate
from tests.web.dash_browser import (
    choose_option,
    click_export,
    open_page,
    screenshot,
    severe_console_entries,
    signed_in,
    text_of,
    wait_for,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def admin(live_url: str, downloads: Path, iready_school: Flask) -> Iterator[Any]:
    yield from signed_in(live_url, downloads, "admin")


def report(app: Flask, grade: int | None = None) -> list[dict[str, Any]]:
    """What `attendly students --json` prints for the same filters."""
    from attendly.extensions import db
    from db.policy import load_policy
    from db.queries import students_report

    with app.app_context():
        policy = load_policy(db.session, app.config["ATTENDLY_SETTINGS"])
        return students_report(db.session, policy, grade=grade)


def shown_cards(driver: Any) -> dict[str, str]:
    cards = driver.find_elements("css selector", ".student-card-link")
    return {card.get_attribute("href").rsplit("/", 1)[-1]: card.text for card in cards}


def test_cards_match_the_cli_and_follow_the_grade_filter(
    admin: Any,
    live_url: str,
    iready_school: Flask,
) -> None:
    open_page(admin, f"{live_url}/students", "students-count")
    expected = report(iready_school)
    wait_for(admin, lambda d: len(shown_cards(d)) == len(expected))
    screenshot(admin, "students-admin-cards")
    cards = shown_cards(admin)
    for row in expected:
        text = cards[row["student_id"]]
        assert format_rate(row["attendance_rate"]) in text
        days = row["days_absent"]
        assert f"{days} {'day' if days == 1 else 'days'} absent" in text
    assert text_of(admin, "students-count") == f"{len(expected)} students"
    # Each card says its i-Ready placements, and repeats no element id of another card.
    assert all("ELA: " in text and "\nMath: " in text for text in cards.values())
    ids = admin.execute_script("return [...document.querySelectorAll('[id]')].map(e => e.id)")
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)

    choose_option(admin, "shell-filter-grade", "Grade 6")
    grade6 = {row["student_id"] for row in report(iready_school, 6)}
    wait_for(admin, lambda d: set(shown_cards(d)) == grade6)
    assert severe_console_entries(admin) == []


def test_a_card_opens_the_student_detail(admin: Any, live_url: str) -> None:
    open_page(admin, f"{live_url}/students", "students-count")
    card = wait_for(admin, lambda d: d.find_element("css selector", "a[href='/students/602']"))
    card.click()
    wait_for(admin, lambda d: (text_of(d, "student-name") or "") == "Carlos Chronic")
    assert admin.current_url.endswith("/students/602")


def test_table_view_and_export(admin: Any, live_url: str, downloads: Path) -> None:
    open_page(admin, f"{live_url}/students", "students-count")
    choose_option(admin, "shell-filter-grade", "Grade 7")
    wait_for(admin, lambda d: text_of(d, "students-count") == "3 students")
    _choose_table(admin)
    names = ("Tenpercent, Theo", "Skipper, Sam", "Sixperiod, Sofia")
    try:
        wait_for(
            admin,
            lambda d: all(n in d.find_element("id", "students-grid-pane").text for n in names),
        )
    finally:
        screenshot(admin, "students-admin-table")
    assert "Chronic, Carlos" not in admin.find_element("id", "students-grid-pane").text
    path = click_export(admin, 0, "Students as CSV", downloads, ".csv")
    with path.open(encoding="utf-8-sig") as handle:
        records = list(csv.DictReader(handle))
    assert sorted(r["student_id"] for r in records) == ["701", "702", "703"]


def _choose_table(driver: Any) -> None:
    def table(d: Any) -> Any:
        labels = d.find_elements("css selector", "#students-view label")
        return next((label for label in labels if label.text == "Table"), None)

    wait_for(driver, table).click()


def open_interventions(app: Flask) -> dict[str, int]:
    """Open (planned or in progress) interventions per student, counted from the table."""
    from sqlalchemy import func, select

    from attendly.extensions import db
    from db.intervention_models import Intervention

    with app.app_context():
        statement = (
            select(Intervention.student_id, func.count())
            .where(Intervention.status.in_(["planned", "in_progress"]))
            .group_by(Intervention.student_id)
        )
        return {str(student): int(count) for student, count in db.session.execute(statement)}


def card_of(driver: Any, student_id: str) -> str:
    return driver.find_element("css selector", f"a[href='/students/{student_id}']").text


# No school calendar is loaded, so R = 180 - 15 recorded school days = 165 for everyone
# (docs/interventions.md, early warning), and N = max(0, ceil((E + R) / 10) - A):
#   601: E 15, A 0 -> ceil(180 / 10) = 18, 18 - 0 = 18
#   603: E 8,  A 1 -> ceil(173 / 10) = 18, 18 - 1 = 17
#   702, 703: E 15, A 0 -> 18;  801, 802: E 15, A 1 -> 18 - 1 = 17
#   602 (4 of 15) and 701 (1 of 10) are chronically absent already: no warning.
MORE_TO_CHRONIC = {"601": 18, "603": 17, "702": 18, "703": 18, "801": 17, "802": 17}


def test_cards_show_open_interventions_and_the_early_warning(
    admin: Any, live_url: str, iready_school: Flask
) -> None:
    from tests.web.test_interventions_api import post
    from tests.web.test_interventions_api import signed_in as api_client

    api = api_client(iready_school, "admin")
    for kind, status in (("phone_call", "planned"), ("mentoring", "in_progress")):
        body = {"student_id": "601", "type": kind, "tier": 1, "status": status}
        if status == "in_progress":
            body["start_date"] = "2025-09-29"
        assert post(api, "/api/v1/interventions", body).status_code == 201
    counts = open_interventions(iready_school)
    assert counts["601"] >= 2

    # Forget an earlier grade choice from a page with no Dash app on it: cleared while a
    # dashboard is open, the page could write its remembered filters straight back.
    admin.get(f"{live_url}/health")
    admin.execute_script("window.localStorage.clear();")
    open_page(admin, f"{live_url}/students", "students-count")
    wait_for(admin, lambda d: len(shown_cards(d)) == 8)
    screenshot(admin, "students-interventions-early-warning")
    for student_id in ("601", "602", "603", "701", "702", "703", "801", "802"):
        text = card_of(admin, student_id)
        count = counts.get(student_id, 0)
        wanted = f"{count} open intervention{'' if count == 1 else 's'}"
        assert (wanted if count else "No open interventions") in text, (student_id, text)
        if student_id in MORE_TO_CHRONIC:
            assert f"after {MORE_TO_CHRONIC[student_id]} more absences" in text
        else:
            assert "Chronically absent after" not in text and "out of reach" not in text

    near = admin.find_element("id", "students-near-chronic")
    replace_text(near, "17")
    wait_for(admin, lambda d: set(shown_cards(d)) == {"603", "801", "802"})
    assert text_of(admin, "students-count") == "3 students"
    replace_text(near, "16")
    wait_for(admin, lambda d: text_of(admin, "students-count") == "0 students")
    replace_text(near, "")
    wait_for(admin, lambda d: len(shown_cards(d)) == 8)

    choose_option(admin, "students-sort", "Closest to chronic absence first")
    # N 17 then 18 (each by name), then the two already chronically absent.
    order = ["603", "802", "801", "601", "703", "702", "602", "701"]

    def ordered(d: Any) -> list[str]:
        return [
            c.get_attribute("href").rsplit("/", 1)[-1]
            for c in d.find_elements("css selector", ".student-card-link")
        ]

    wait_for(admin, lambda d: ordered(d) == order)
    screenshot(admin, "students-closest-to-chronic")


def replace_text(element: Any, text: str) -> None:
    """Select everything in an input and type over it.

    `clear()` does not reach React's state in a controlled input, so the old text could
    survive and be typed after; selecting and deleting goes through real key events.
    """
    from selenium.webdriver.common.keys import Keys

    element.send_keys(Keys.CONTROL, "a")
    element.send_keys(Keys.DELETE)
    if text:
        element.send_keys(text)
