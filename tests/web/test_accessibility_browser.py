"""WCAG AA contrast, checked in headless Chromium on every page an admin and a teacher can
open: each visible text against its effective background (tests/web/contrast.js), plus the
navbar's menus opened; every chart titled, its numeric axes too; nothing sticking out sideways;
and the keyboard path from the skip link through the navbar and the filter bar to a student
card opened with Enter."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.web.dash_browser import screenshot, signed_in, wait_for

pytestmark = pytest.mark.browser

PROBE = (Path(__file__).with_name("contrast.js")).read_text(encoding="utf-8")
STUDENT = "/students/602"


@pytest.fixture(scope="module")
def admin(live_url: str, downloads: Path, iready_school: Flask) -> Iterator[Any]:
    yield from signed_in(live_url, downloads, "admin")


@pytest.fixture(scope="module")
def teacher(live_url: str, downloads: Path, iready_school: Flask) -> Iterator[Any]:
    yield from signed_in(live_url, downloads, "teacher6")


def settle(driver: Any) -> None:
    """Wait until the page's callbacks have answered (nothing loading for three looks)."""
    script = "return document.querySelectorAll('[data-dash-is-loading=\"true\"]').length"
    quiet = 0
    deadline = time.monotonic() + 15
    while quiet < 3 and time.monotonic() < deadline:
        quiet = quiet + 1 if driver.execute_script(script) == 0 else 0
        time.sleep(0.2)


def navbar_paths(driver: Any) -> list[str]:
    """The pages the navbar offers this user (its links and its menus' items)."""
    script = """
        const links = document.querySelectorAll(
            '#shell-navbar a.nav-link:not(.dropdown-toggle), #shell-navbar a.dropdown-item');
        return Array.from(links, (link) => new URL(link.href).pathname);
    """
    return sorted(set(driver.execute_script(script)))


def contrast_failures(driver: Any, scope: str | None = None) -> list[dict[str, Any]]:
    """What tests/web/contrast.js finds below WCAG AA in `scope` (a CSS selector) or the page."""
    driver.set_script_timeout(30)
    return list(driver.execute_async_script(PROBE, scope))


def page_failures(driver: Any, base: str, path: str) -> list[str]:
    from selenium.common.exceptions import TimeoutException

    driver.get(f"{base}{path}")
    try:
        wait_for(driver, lambda d: d.find_element("id", "_pages_content").text.strip())
    except TimeoutException:
        screenshot(driver, f"contrast-empty-{path.strip('/').replace('/', '-')}")
        pytest.fail(f"{path} showed nothing in 15 s")
    settle(driver)
    return [
        f"{path}: {f['element']} {f['text']!r} has contrast {f['ratio']}:1 "
        f"({f['colours']}), needs {f['required']}:1"
        for f in contrast_failures(driver)
    ] + [f"{path}: {problem}" for problem in unlabelled_charts(driver) + sideways(driver)]


def sideways(driver: Any) -> list[str]:
    """Elements sticking out past the right edge (the page would scroll sideways)."""
    script = """
        const width = document.documentElement.clientWidth;
        if (document.documentElement.scrollWidth <= width) { return []; }
        return Array.from(document.querySelectorAll('body *'))
            .filter((e) => e.getBoundingClientRect().right > width + 1)
            .map((e) => `${e.tagName.toLowerCase()}#${e.id} sticks out past ${width}px`)
            .slice(0, 3);
    """
    return list(driver.execute_script(script))


def unlabelled_charts(driver: Any) -> list[str]:
    """Charts drawn without a title, or with a numeric axis that says nothing of its unit."""
    script = """
        const problems = [];
        document.querySelectorAll('.js-plotly-plot').forEach((plot) => {
            const layout = plot._fullLayout;
            if (!layout) { return; }
            const name = (plot.closest('[id]') || plot).id;
            const title = (layout.title && layout.title.text || '').trim();
            if (!title) { problems.push(`chart ${name} has no title`); }
            for (const key of Object.keys(layout).filter((k) => /^[xy]axis\\d*$/.test(k))) {
                const axis = layout[key];
                const numeric = axis.type === 'linear' || axis.type === 'log';
                if (axis.visible && numeric && !(axis.title && axis.title.text || '').trim()) {
                    problems.push(`chart "${title}" (${name}): ${key} has no title`);
                }
            }
        });
        return problems;
    """
    return list(driver.execute_script(script))


@pytest.mark.parametrize(("role", "width"), [("admin", 1400), ("teacher", 1280)])
def test_every_page_meets_wcag_aa_contrast_and_labels_its_charts(
    role: str, width: int, admin: Any, teacher: Any, live_url: str
) -> None:
    driver = admin if role == "admin" else teacher
    metrics = {"width": width, "height": 1000, "deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    try:
        driver.get(f"{live_url}/")
        wait_for(driver, lambda d: d.find_element("id", "kpi-attendance_rate").text.strip())
        paths = navbar_paths(driver) + [STUDENT]
        assert len(paths) >= 8, f"the navbar offers only {paths}"
        failures: list[str] = []
        for path in paths:
            failures += page_failures(driver, live_url, path)
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert failures == [], "\n".join(failures)


def test_the_students_table_meets_wcag_aa_contrast(admin: Any, live_url: str) -> None:
    admin.get(f"{live_url}/students")
    wait_for(admin, lambda d: d.find_elements("css selector", ".student-card-link"))
    admin.find_element("css selector", "#students-view input[value='table']").click()
    wait_for(admin, lambda d: d.find_elements("css selector", ".ag-row .ag-cell"))
    settle(admin)
    assert contrast_failures(admin) == []


def test_the_sign_in_page_meets_wcag_aa_contrast(live_url: str, downloads: Path) -> None:
    from tests.web.dash_browser import start_driver

    driver = start_driver(downloads)
    try:
        driver.get(f"{live_url}/login")
        wait_for(driver, lambda d: d.find_element("id", "login-submit"))
        assert contrast_failures(driver) == []
    finally:
        driver.quit()


def test_navbar_menus_meet_wcag_aa_contrast(admin: Any, live_url: str) -> None:
    admin.get(f"{live_url}/")
    wait_for(admin, lambda d: d.find_element("id", "kpi-attendance_rate").text.strip())
    toggles = admin.find_elements("css selector", "#shell-navbar .dropdown-toggle")
    assert len(toggles) == 2, "the admin's navbar should have the More and Admin menus"
    failures = []
    for toggle in toggles:
        toggle.click()
        wait_for(
            admin, lambda d: d.find_elements("css selector", "#shell-navbar .dropdown-menu.show")
        )
        failures += contrast_failures(admin, "#shell-navbar .dropdown-menu.show")
        toggle.click()
    assert failures == []


def test_the_probe_finds_what_it_should(admin: Any) -> None:
    """The probe itself, on a page of known colours (ratios worked by hand)."""
    page = """
        <body style="background:#ffffff">
          <p style="color:#777777">#777 on white: 4.48, just under 4.5</p>
          <p style="color:#767676">#767676 on white: 4.54, passes</p>
          <h1 style="color:#949494;font-size:24px">#949494 large: 3.03, passes at 3</h1>
          <div style="background:#0b4f8a"><span style="color:#ffffff;opacity:.4">faded</span></div>
          <svg width="200" height="60"><rect width="200" height="60" fill="#0072B2"/>
            <text x="10" y="30" style="fill:#56B4E9">sky on blue</text>
            <text x="10" y="50" style="fill:#ffffff">white on blue</text></svg>
        </body>
    """
    admin.get("data:text/html;charset=utf-8," + page.replace("#", "%23"))
    found = {failure["text"]: failure for failure in contrast_failures(admin)}
    assert set(found) == {"#777 on white: 4.48, just under 4.5", "faded", "sky on blue"}
    assert found["#777 on white: 4.48, just under 4.5"]["ratio"] == 4.48
    # White at 40 % over #0b4f8a: (108.6, 149.4, 184.8), luminance 0.2834, on 0.0750: 2.67.
    assert found["faded"]["ratio"] == pytest.approx(2.67, abs=0.01)
    # #56B4E9 (luminance 0.4050) on the rect's #0072B2 (0.1525), not on the white page:
    # (0.4050 + 0.05) / (0.1525 + 0.05) = 2.25.
    assert found["sky on blue"]["ratio"] == pytest.approx(2.25, abs=0.01)


def focused(driver: Any) -> str:
    """The focused element: the shell filter holding it, else its text, else its id."""
    script = """
        const e = document.activeElement;
        const filter = e.closest('[id^="shell-filter-"]');
        const text = (e.innerText || '').trim().split('\\n')[0];
        return (filter && filter.id) || text || e.id || e.tagName;
    """
    return str(driver.execute_script(script))


def tab_until(driver: Any, wanted: Any, limit: int = 40) -> list[str]:
    """Press Tab until `wanted(driver)` holds; returns what had the focus on the way."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    path: list[str] = []
    for _ in range(limit):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        path.append(focused(driver))
        if wanted(driver):
            return path
    raise AssertionError(f"Tab never got there; the focus went through {path}")


def focus_shown(driver: Any) -> bool:
    """Whether the focused element draws a focus indicator (an outline or a ring)."""
    script = """
        const style = getComputedStyle(document.activeElement);
        return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
            || style.boxShadow !== 'none';
    """
    return bool(driver.execute_script(script))


def in_filter(driver: Any, filter_id: str) -> bool:
    return bool(
        driver.execute_script(
            "return !!document.activeElement.closest('#' + arguments[0])", filter_id
        )
    )


def test_the_keyboard_reaches_everything_and_skips_the_navbar(admin: Any, live_url: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    admin.get(f"{live_url}/")
    wait_for(admin, lambda d: d.find_element("id", "kpi-attendance_rate").text.strip())
    settle(admin)
    # The first Tab lands on the skip link, which shows itself on the screen.
    assert tab_until(admin, lambda d: True, limit=1) == ["Skip to main content"]
    top = admin.execute_script("return document.activeElement.getBoundingClientRect().top")
    assert top >= 0, "the focused skip link is off screen"
    unmarked: list[str] = []

    def reached_year(d: Any) -> bool:
        if not focus_shown(d):
            unmarked.append(focused(d))
        return in_filter(d, "shell-filter-year")

    path = tab_until(admin, reached_year)
    assert unmarked == [], f"no visible focus indicator on {unmarked}"
    wanted = [
        "Attendly",
        "Overview",
        "Students",
        "Attendance vs i-Ready",
        "Interventions",
        "More",
        "Admin",
        "Notifications 0",
        "Sign out",
        "shell-filter-grade",
        "shell-filter-year",
    ]
    assert [step for step in path if step in wanted] == wanted, path

    # Enter on the skip link puts the focus on the page's content.
    admin.get(f"{live_url}/")
    wait_for(admin, lambda d: d.find_element("id", "kpi-attendance_rate").text.strip())
    tab_until(admin, lambda d: True, limit=1)
    ActionChains(admin).send_keys(Keys.ENTER).perform()
    assert admin.switch_to.active_element.get_attribute("id") == "_pages_content"
    tab_until(admin, lambda d: "Print" in focused(d), limit=5)


def option_focused(driver: Any) -> str | None:
    """The text of the dropdown option holding the focus, if one does."""
    script = """
        const option = document.activeElement.closest('[role=option]');
        return option && option.innerText.trim();
    """
    return driver.execute_script(script)  # type: ignore[no-any-return]


def test_the_filter_and_a_student_card_work_from_the_keyboard(admin: Any, live_url: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    admin.get(f"{live_url}/students")
    wait_for(admin, lambda d: d.find_elements("css selector", ".student-card-link"))
    settle(admin)
    tab_until(admin, lambda d: in_filter(d, "shell-filter-grade"))
    try:
        ActionChains(admin).send_keys(Keys.ENTER).perform()
        # The list opens with the focus on Grade 6; one step down is Grade 7.
        wait_for(admin, lambda d: option_focused(d) == "Grade 6")
        ActionChains(admin).send_keys(Keys.ARROW_DOWN).perform()
        wait_for(admin, lambda d: option_focused(d) == "Grade 7")
        ActionChains(admin).send_keys(Keys.ENTER).perform()
        wait_for(admin, lambda d: d.find_element("id", "shell-filter-grade").text == "Grade 7")

        def grades_shown(d: Any) -> set[str]:
            cards = d.find_elements("css selector", ".student-card-link .student-meta")
            return {card.text.split(" · ")[0] for card in cards}

        wait_for(admin, lambda d: grades_shown(d) == {"Grade 7"})
        path = tab_until(
            admin,
            lambda d: (
                "student-card-link" in (d.switch_to.active_element.get_attribute("class") or "")
            ),
        )
        assert "shell-filter-year" in " ".join(path)
        card = admin.switch_to.active_element.get_attribute("href").rsplit("/", 1)[-1]
        ActionChains(admin).send_keys(Keys.ENTER).perform()
        wait_for(admin, lambda d: d.current_url.endswith(f"/students/{card}"))
        wait_for(admin, lambda d: d.find_element("id", "student-name").text.strip())
    finally:
        admin.execute_script("window.localStorage.clear()")
