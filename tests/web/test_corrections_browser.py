"""In headless Chromium: a teacher opens the Corrections page from a student link, is refused a
day outside the window (the date field is marked, announced and focused), then corrects a
period and sees the confirmation and the correction in the recent list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tests.web.dash_browser import screenshot, severe_console_entries, wait_for
from tests.web.test_corrections_pages import clock, undo_corrections  # noqa: F401  (fixtures)
from tests.web.test_overview_browser import (  # noqa: F401  (browser fixtures)
    new_browser,
    sign_in,
    webdriver_module,
)

pytestmark = pytest.mark.browser


def set_date(driver: Any, value: str) -> None:
    """Type an ISO date into the date input (the browser's own order is month/day/year)."""
    element = driver.find_element("id", "corrections-date")
    element.clear()
    year, month, day = value.split("-")
    element.send_keys(month + day + year)
    if element.get_attribute("value") != value:  # a locale with another order
        driver.execute_script(
            "const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;"
            "set.call(arguments[0], arguments[1]);"
            "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
            element,
            value,
        )


def choose(driver: Any, element_id: str, value: str) -> None:
    from selenium.webdriver.support.select import Select

    def offered(d: Any) -> bool:
        options = d.find_elements("css selector", f"#{element_id} option")
        return any(o.get_attribute("value") == value for o in options)

    wait_for(driver, offered)
    Select(driver.find_element("id", element_id)).select_by_value(value)


def day_shows(driver: Any, text: str) -> bool:
    return text in driver.find_element("id", "corrections-day").text


def test_a_teacher_corrects_a_period_after_a_refused_date(
    new_browser: Callable[[], Any],  # noqa: F811  (the imported fixture)
    live_url: str,
    clock: dt.date,  # noqa: F811
    undo_corrections: None,  # noqa: F811
) -> None:
    driver = new_browser()
    sign_in(driver, live_url, "teacher6")
    driver.get(f"{live_url}/students/602")
    wait_for(driver, lambda d: d.find_element("id", "student-correct-attendance")).click()
    try:
        wait_for(
            driver,
            lambda d: d.find_element("id", "corrections-student").get_attribute("value") == "602",
        )
        assert (
            "September 19, 2025 to Friday September 26, 2025"
            in driver.find_element("id", "corrections-window").text
        )
        # A day before the window: its periods show, saving is refused on the date field.
        set_date(driver, "2025-09-18")
        wait_for(driver, lambda d: day_shows(d, "outside the correction window"))
        choose(driver, "corrections-period", "1")
        choose(driver, "corrections-status", "P")
        driver.find_element("id", "corrections-save").click()
        date = driver.find_element("id", "corrections-date")
        wait_for(driver, lambda d: date.get_attribute("aria-invalid") == "true")
        assert "is-invalid" in date.get_attribute("class")
        assert driver.find_element("id", "corrections-feedback-date").text == (
            "Date: 2025-09-18 is outside the correction window (2025-09-19 to 2025-09-26)"
        )
        wait_for(
            driver, lambda d: d.switch_to.active_element.get_attribute("id") == "corrections-date"
        )

        # A day in the window: period 1 was excused; the teacher marks it present.
        set_date(driver, "2025-09-25")
        wait_for(driver, lambda d: day_shows(d, "E — Excused absence"))
        wait_for(driver, lambda d: not day_shows(d, "outside"))
        choose(driver, "corrections-period", "1")
        choose(driver, "corrections-status", "P")
        driver.find_element("id", "corrections-reason").send_keys("In class; marked by mistake")
        driver.find_element("id", "corrections-save").click()
        wait_for(
            driver,
            lambda d: (
                d.find_element("id", "corrections-message").text
                == "Saved: student 602, 2025-09-25, period 1: E → P."
            ),
        )
        assert date.get_attribute("aria-invalid") is None
        rows = wait_for(
            driver,
            lambda d: [
                row
                for row in d.find_elements("css selector", "#corrections-recent-table tr")
                if "E → P" in row.text
            ],
        )
        assert "teacher6" in rows[0].text and "In class; marked by mistake" in rows[0].text
        wait_for(driver, lambda d: day_shows(d, "P — Present"))
        assert severe_console_entries(driver) == []
    except Exception:
        screenshot(driver, "corrections-browser-failure")
        raise
    screenshot(driver, "corrections-saved")
