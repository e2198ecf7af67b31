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
from tests.web import dash_browser, dashboard_data
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
# Fixtures shared with the other dashboard browser tests.
downloads = dash_browser.downloads
iready_school = dashboard_data.iready_school


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
