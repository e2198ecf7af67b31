"""In Chromium: markup in data never runs, admin pages work under the CSP, teachers are refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.security.helpers import MARKUP
from tests.web.conftest import login
from tests.web.test_overview_browser import WAIT, screenshot, severe_console_entries, sign_in

pytestmark = pytest.mark.browser


def no_alert(driver: Any) -> bool:
    from selenium.common.exceptions import NoAlertPresentException

    try:
        _ = driver.switch_to.alert
    except NoAlertPresentException:
        return True
    return False


def wait_for_text(driver: Any, element_id: str, text: str) -> str:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.wait import WebDriverWait

    def shown(d: Any) -> str | bool:
        found = d.find_elements("id", element_id)
        return bool(found) and text in found[0].text and found[0].text

    try:
        return str(WebDriverWait(driver, WAIT, poll_frequency=0.1).until(shown))
    except TimeoutException:
        screenshot(driver, f"missing-{element_id}")
        pytest.fail(
            f"#{element_id} never showed {text!r}; console: {severe_console_entries(driver)}"
        )


def test_markup_typed_as_a_username_is_shown_as_text_in_the_audit_log(
    new_browser: Callable[[], Any], live_url: str, web_app: Flask
) -> None:
    for value in MARKUP:
        assert login(web_app.test_client(), value, password="wrong-password").status_code == 401
    driver = new_browser()
    sign_in(driver, live_url, "admin")
    driver.get(f"{live_url}/audit")
    table = wait_for_text(driver, "audit-entries", MARKUP[1])
    screenshot(driver, "audit-log-with-markup")
    assert all(value in table for value in MARKUP)
    assert no_alert(driver)
    assert not driver.find_elements("css selector", "#audit-entries img, #audit-entries script")
    assert driver.execute_script("return window.__attendly_pwned === undefined")
    assert severe_console_entries(driver) == []


def test_users_page_works_under_the_csp(new_browser: Callable[[], Any], live_url: str) -> None:
    driver = new_browser()
    sign_in(driver, live_url, "admin")
    driver.get(f"{live_url}/users")
    wait_for_text(driver, "users-accounts", "teacher6")
    assert severe_console_entries(driver) == []


def test_a_teacher_opening_the_users_page_is_refused(
    new_browser: Callable[[], Any], live_url: str
) -> None:
    driver = new_browser()
    sign_in(driver, live_url, "teacher6")
    driver.get(f"{live_url}/users")
    wait_for_text(driver, "page-not-allowed", "Not allowed")
    assert not driver.find_elements("id", "users-accounts")
    assert "Users" not in driver.find_element("id", "shell-navbar").text
