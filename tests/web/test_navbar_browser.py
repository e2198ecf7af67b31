"""The navbar in headless Chromium: one line at 1,200 to 1,400 px for an admin, the current
page marked for assistive technology, menus and the narrow-screen menu button usable from the
keyboard alone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.web.dash_browser import screenshot, signed_in, wait_for

pytestmark = pytest.mark.browser

MORE = "#shell-nav-menu-more"
NAV_ITEMS = "#shell-navbar .navbar-brand, #shell-navbar .nav-link, #shell-navbar .navbar-account"


@pytest.fixture(scope="module")
def admin(live_url: str, downloads: Path, iready_school: Flask) -> Iterator[Any]:
    yield from signed_in(live_url, downloads, "admin")


@pytest.fixture(scope="module")
def teacher(live_url: str, downloads: Path, iready_school: Flask) -> Iterator[Any]:
    yield from signed_in(live_url, downloads, "teacher6")


def set_width(driver: Any, width: int, height: int = 1000) -> None:
    """Make the page exactly `width` CSS pixels wide (the window frame not counted)."""
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


def open_overview(driver: Any, base: str) -> None:
    driver.get(f"{base}/")
    wait_for(driver, lambda d: d.find_element("id", "kpi-attendance_rate").text.strip())


def item_rows(driver: Any) -> dict[str, float]:
    """Each visible navbar item's text -> the vertical centre of its box."""
    script = """
        return Array.from(document.querySelectorAll(arguments[0]))
            .filter((e) => e.offsetParent !== null)
            .map((e) => { const r = e.getBoundingClientRect();
                          return [e.innerText.trim(), r.top + r.height / 2]; });
    """
    return dict(driver.execute_script(script, NAV_ITEMS))


def current_links(driver: Any) -> list[str]:
    script = """
        return Array.from(document.querySelectorAll('#shell-navbar [aria-current="page"]'),
                          (e) => e.textContent.trim());
    """
    return list(driver.execute_script(script))


@pytest.mark.parametrize("width", [1200, 1280, 1400])
def test_the_admin_navbar_is_one_line(admin: Any, live_url: str, width: int) -> None:
    set_width(admin, width)
    try:
        open_overview(admin, live_url)
        rows = item_rows(admin)
        screenshot(admin, f"navbar-admin-{width}")
        assert {"Overview", "Students", "More", "Admin", "Sign out"} <= {
            text.split("\n")[-1] for text in rows
        }, rows
        tops = sorted(rows.values())
        assert tops[-1] - tops[0] < 8, f"navbar items on more than one line at {width}px: {rows}"
        height = admin.execute_script(
            "return document.getElementById('shell-navbar').getBoundingClientRect().height"
        )
        assert height < 70, f"the navbar is {height}px high at {width}px"
    finally:
        set_width(admin, 1400)


def test_menus_group_pages_by_their_metadata(admin: Any, teacher: Any, live_url: str) -> None:
    def menus(driver: Any) -> dict[str, list[str]]:
        script = """
            const found = {};
            document.querySelectorAll('#shell-navbar .dropdown').forEach((menu) => {
                const label = menu.querySelector('.dropdown-toggle').textContent.trim();
                found[label] = Array.from(menu.querySelectorAll('.dropdown-item'),
                                          (item) => item.textContent.trim());
            });
            return found;
        """
        return dict(driver.execute_script(script))

    open_overview(admin, live_url)
    admin_menus = menus(admin)
    assert {"Imports", "Users", "Audit log"} <= set(admin_menus["Admin"]), admin_menus
    assert {"Truancy ladder", "Effectiveness", "Letter templates"} <= set(admin_menus["More"])
    open_overview(teacher, live_url)
    teacher_menus = menus(teacher)
    assert "Admin" not in teacher_menus, teacher_menus
    links = teacher.find_elements("css selector", "#shell-navbar a.nav-link:not(.dropdown-toggle)")
    assert [link.text for link in links][:4] == [
        "Overview",
        "Students",
        "Attendance vs i-Ready",
        "Interventions",
    ]


def test_the_current_page_is_marked_as_the_user_moves(admin: Any, live_url: str) -> None:
    open_overview(admin, live_url)
    assert wait_for(admin, lambda d: current_links(d) == ["Overview"])
    admin.find_element("link text", "Students").click()
    assert wait_for(admin, lambda d: current_links(d) == ["Students"])
    assert admin.current_url.endswith("/students")

    admin.find_element("css selector", "#shell-nav-menu-admin .dropdown-toggle").click()
    wait_for(admin, lambda d: d.find_element("link text", "Imports").is_displayed())
    admin.find_element("link text", "Imports").click()
    assert wait_for(admin, lambda d: current_links(d) == ["Imports"])
    # The closed Admin menu shows it holds the page in view (underlined, see attendly.css).
    toggle = admin.find_element("css selector", "#shell-nav-menu-admin .dropdown-toggle")
    assert toggle.value_of_css_property("text-decoration-line") == "underline"
    other = admin.find_element("css selector", "#shell-nav-menu-more .dropdown-toggle")
    assert other.value_of_css_property("text-decoration-line") == "none"


def test_a_menu_works_from_the_keyboard(admin: Any, live_url: str) -> None:
    from selenium.webdriver.common.keys import Keys

    open_overview(admin, live_url)
    toggle = admin.find_element("css selector", "#shell-nav-menu-more .dropdown-toggle")
    admin.execute_script("arguments[0].focus()", toggle)
    toggle.send_keys(Keys.ENTER)
    wait_for(admin, lambda d: d.find_element("css selector", f"{MORE} .dropdown-menu.show"))
    assert toggle.get_attribute("aria-expanded") == "true"
    admin.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
    first = wait_for(admin, lambda d: d.switch_to.active_element.text or None)
    assert "dropdown-item" in admin.switch_to.active_element.get_attribute("class")
    admin.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait_for(admin, lambda d: not d.find_elements("css selector", ".dropdown-menu.show"))
    assert toggle.get_attribute("aria-expanded") == "false"
    assert admin.switch_to.active_element == toggle  # focus back where it was

    toggle.send_keys(Keys.ENTER)
    wait_for(admin, lambda d: d.find_element("css selector", f"{MORE} .dropdown-menu.show"))
    admin.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
    wait_for(admin, lambda d: d.switch_to.active_element.text == first)
    admin.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(admin, lambda d: current_links(d) == [first])


def test_a_narrow_screen_folds_the_links_behind_a_menu_button(teacher: Any, live_url: str) -> None:
    from selenium.webdriver.common.keys import Keys

    set_width(teacher, 600)
    try:
        open_overview(teacher, live_url)
        toggler = teacher.find_element("id", "shell-nav-toggler")
        students = teacher.find_element(
            "css selector", "#shell-navbar a.nav-link[href='/students']"
        )
        assert toggler.is_displayed() and not students.is_displayed()
        assert toggler.get_attribute("aria-label")  # a name for screen readers
        teacher.execute_script("arguments[0].focus()", toggler)
        toggler.send_keys(Keys.ENTER)
        wait_for(teacher, lambda d: students.is_displayed())
        sign_out = teacher.find_element("css selector", "#shell-navbar .navbar-account button")
        wait_for(teacher, lambda d: sign_out.is_displayed())
        screenshot(teacher, "navbar-teacher-600-open")
        sideways = (
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert teacher.execute_script(sideways) == 0, "the page scrolls sideways at 600px"
        students.send_keys(Keys.ENTER)
        wait_for(teacher, lambda d: current_links(d) == ["Students"])
        # Moving to another page folds the links away again.
        wait_for(teacher, lambda d: not students.is_displayed())
    finally:
        set_width(teacher, 1400)
