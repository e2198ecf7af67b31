"""The Overview's school filter in headless Chromium: a district admin picks a school and the
numbers change to that school's; a user of one school never sees the filter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from attendly import ids
from attendly.components import format_rate
from tests.web.dash_browser import screenshot, start_driver, wait_for
from tests.web.test_overview_browser import sign_in, text_of
from tests.web.test_school_scope_web import NORTH, SOUTH, south_added

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def two_schools(web_app: Flask) -> Iterator[dict[str | None, dict[str, Any]]]:
    yield from south_added(web_app)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    driver = start_driver(tmp_path)
    try:
        yield driver
    finally:
        driver.quit()


def shown_rate(driver: Any) -> str | None:
    return text_of(driver, "kpi-attendance_rate")


def option_labels(driver: Any) -> list[str]:
    """The open dropdown's option labels (empty while it is still opening)."""
    return [o.text for o in driver.find_elements("css selector", "[role=option]") if o.text]


def school_box_shown(driver: Any) -> bool:
    return bool(driver.find_element("id", ids.Filters.SCHOOL_BOX).is_displayed())


def test_a_district_admin_picks_a_school_and_the_numbers_follow(
    live_url: str, browser: Any, two_schools: dict
) -> None:
    sign_in(browser, live_url, "admin")
    district = format_rate(two_schools[None]["attendance_rate"])
    try:
        wait_for(browser, lambda d: shown_rate(d) == district)
        wait_for(browser, school_box_shown)
        assert "District" in browser.find_element("id", ids.Filters.SCHOOL).text
        browser.find_element("id", ids.Filters.SCHOOL).click()
        labels = wait_for(browser, option_labels)
        assert len(labels) == 2 and "South Middle" in labels, labels
        south = browser.find_element("xpath", "//*[@role='option'][.='South Middle']")
        south.click()
        wanted = format_rate(two_schools[SOUTH]["attendance_rate"])
        assert wanted != district
        wait_for(browser, lambda d: shown_rate(d) == wanted)
    except Exception:
        screenshot(browser, "school-filter-admin")
        raise


def test_a_single_school_user_sees_no_school_filter(
    live_url: str, browser: Any, two_schools: dict
) -> None:
    sign_in(browser, live_url, "north-principal")
    north = format_rate(two_schools[NORTH]["attendance_rate"])
    try:
        wait_for(browser, lambda d: shown_rate(d) == north)
        assert not school_box_shown(browser)
    except Exception:
        screenshot(browser, "school-filter-single")
        raise
