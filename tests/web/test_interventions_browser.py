"""In headless Chromium: create an intervention through the form (a validation message first,
focused on its field) and see it in the list and on the student's timeline."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.web.dash_browser import screenshot, severe_console_entries, wait_for
from tests.web.test_overview_browser import (  # noqa: F401  (browser fixtures)
    new_browser,
    sign_in,
    webdriver_module,
)

pytestmark = pytest.mark.browser


def field_id(name: str) -> str:
    """The DOM id Dash gives the pattern-matching form field {"type": ..., "name": name}."""
    return json.dumps({"name": name, "type": "interventions-field"}, separators=(",", ":"))


def by_id(driver: Any, element_id: str) -> Any:
    """An element by a JSON-like id (the CSS id locator cannot take its quotes)."""
    from selenium.common.exceptions import NoSuchElementException

    element = driver.execute_script("return document.getElementById(arguments[0]);", element_id)
    if element is None:
        raise NoSuchElementException(element_id)
    return element


def field(driver: Any, name: str) -> Any:
    return by_id(driver, field_id(name))


def type_date(driver: Any, name: str, value: str) -> None:
    """Type an ISO date into a date input; the browser's own format is month/day/year."""
    element = field(driver, name)
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


def form_open(driver: Any) -> bool:
    """The form's collapse has finished opening (its buttons can take clicks)."""
    classes = driver.find_element("id", "interventions-form").get_attribute("class").split()
    return "show" in classes and driver.find_element("id", "interventions-save").is_displayed()


def choose(driver: Any, name: str, value: str) -> None:
    from selenium.webdriver.support.select import Select

    Select(field(driver, name)).select_by_value(value)


def test_create_an_intervention_and_see_it_on_the_timeline(
    new_browser: Callable[[], Any],  # noqa: F811  (the imported fixture)
    live_url: str,
) -> None:
    driver = new_browser()
    sign_in(driver, live_url, "admin")
    driver.get(f"{live_url}/interventions")
    wait_for(driver, lambda d: d.find_element("id", "interventions-new").is_displayed())
    try:
        driver.find_element("id", "interventions-new").click()
        wait_for(driver, form_open)
        # Saving without a student: the message is on the field, and the field has the focus.
        driver.find_element("id", "interventions-save").click()
        wait_for(driver, lambda d: "is-invalid" in field(d, "student_id").get_attribute("class"))
        feedback = by_id(driver, '{"name":"student_id","type":"interventions-feedback"}')
        assert feedback.text == "enter the student's id"
        wait_for(
            driver,
            lambda d: d.switch_to.active_element.get_attribute("id") == field_id("student_id"),
        )

        field(driver, "student_id").send_keys("702")
        choose(driver, "type", "home_visit")
        choose(driver, "tier", "2")
        choose(driver, "status", "in_progress")
        field(driver, "owner").clear()
        field(driver, "owner").send_keys("counselor-kim")
        type_date(driver, "start_date", "2025-09-29")
        field(driver, "notes").send_keys("Visited with grandmother; bus pass arranged")
        driver.find_element("id", "interventions-save").click()
        wait_for(
            driver,
            lambda d: d.find_element("id", "interventions-message").text == "Intervention saved.",
        )
        rows = wait_for(
            driver,
            lambda d: [
                row
                for row in d.find_elements("css selector", "#interventions-table tr")
                if "Sam Skipper (702)" in row.text and "Home visit" in row.text
            ],
        )
        assert "counselor-kim" in rows[0].text and "2025-09-29" in rows[0].text

        student = driver.find_element("id", "interventions-filter-student")
        student.send_keys("702\n")
        items = wait_for(
            driver, lambda d: d.find_elements("css selector", ".intervention-timeline li")
        )
        text = items[0].text
        assert "Home visit" in text and "In progress" in text and "Tier 2" in text
        assert "2025-09-29" in text and "grandmother" in text
        assert severe_console_entries(driver) == []
    except Exception:
        screenshot(driver, "interventions-browser-failure")
        raise
    screenshot(driver, "interventions-timeline")
