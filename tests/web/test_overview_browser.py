"""The Overview page in headless Chromium: what a user sees equals what the queries compute."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from attendly.components import format_rate
from attendly.metrics.tiers import TIER_LABELS, Tier
from tests.services import unavailable
from tests.web.conftest import PASSWORDS
from tests.web.school import EXPECTED

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROME_ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--window-size=1400,1000",
)
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
KPI_KEYS = (
    "attendance_rate",
    "chronic_absenteeism_rate",
    "period_attendance_rate",
    "truant_students",
)
WAIT = 15  # seconds; the page normally settles in well under one


def shown_kpis(kpis: dict[str, Any]) -> dict[str, str]:
    """KPI element id -> text, formatted the way the Overview page formats them."""
    shown = {f"kpi-{key}": format_rate(kpis[key]) for key in KPI_KEYS[:3]}
    shown["kpi-truant_students"] = str(int(kpis["truant_students"]))
    return shown


def shown_figures(kpis: dict[str, Any]) -> dict[str, str]:
    """Element id -> text of every KPI value and tier badge for one KPI object."""
    tiers = {
        f"tier-{tier}": f"{TIER_LABELS[Tier(tier)]}: {count}"
        for tier, count in kpis["tier_counts"].items()
    }
    return {**shown_kpis(kpis), **tiers}


def expected_page(expected_kpis: dict[Any, dict[str, Any]], grade: int | None) -> dict[str, str]:
    """What the page must show: the queries' figures, which must equal the hand-worked ones."""
    from_queries = shown_figures(expected_kpis[grade])
    assert from_queries == shown_figures(EXPECTED[grade]), "queries disagree with school.py"
    return from_queries


@pytest.fixture(scope="module")
def webdriver_module() -> Any:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        unavailable(f"browser tests need {CHROMIUM} and {CHROMEDRIVER} (Debian chromium packages)")
    return pytest.importorskip("selenium.webdriver")


@pytest.fixture
def new_browser(webdriver_module: Any) -> Iterator[Callable[[], Any]]:
    """Start fresh Chromium sessions (empty profile each); all are quit after the test."""
    from selenium.webdriver.chrome.service import Service

    drivers: list[Any] = []

    def start() -> Any:
        options = webdriver_module.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for argument in CHROME_ARGS:
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver_module.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        drivers.append(driver)
        return driver

    yield start
    for driver in drivers:
        driver.quit()


# --- page helpers -----------------------------------------------------------------------------


def text_of(driver: Any, element_id: str) -> str | None:
    """The element's text, or None while it is absent or being replaced."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

    try:
        return driver.find_element("id", element_id).text
    except (NoSuchElementException, StaleElementReferenceException):
        return None


def texts(driver: Any, element_ids: Any) -> dict[str, str | None]:
    return {element_id: text_of(driver, element_id) for element_id in element_ids}


def settled(driver: Any, read: Callable[[Any], Any], wanted: Any) -> Any:
    """Wait until `read(driver)` gives `wanted`; return what it gives in the end either way."""
    from selenium.common.exceptions import JavascriptException, TimeoutException
    from selenium.webdriver.support.wait import WebDriverWait

    wait = WebDriverWait(driver, WAIT, poll_frequency=0.1, ignored_exceptions=[JavascriptException])
    try:
        wait.until(lambda d: read(d) == wanted)
    except TimeoutException:
        pass
    return read(driver)


def wait_for_texts(driver: Any, wanted: dict[str, str]) -> dict[str, str | None]:
    """Wait until every element shows its wanted text; return what is shown either way."""
    return settled(driver, lambda d: texts(d, wanted), wanted)


def sign_in(driver: Any, base_url: str, username: str) -> None:
    """Open the app, get sent to the login form, and sign in through it."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.wait import WebDriverWait

    driver.get(f"{base_url}/")
    WebDriverWait(driver, WAIT).until(ec.presence_of_element_located(("id", "username")))
    assert "/login?next=" in driver.current_url
    driver.find_element("id", "username").send_keys(username)
    driver.find_element("id", "password").send_keys(PASSWORDS[username])
    driver.find_element("id", "login-submit").click()
    try:
        WebDriverWait(driver, WAIT).until(
            ec.presence_of_element_located(("id", "kpi-attendance_rate"))
        )
    except TimeoutException:
        screenshot(driver, f"overview-{username}-not-rendered")
        pytest.fail(f"the Overview showed no KPIs; console: {severe_console_entries(driver)}")


def open_grade_options(driver: Any) -> list[Any]:
    """Open the grade dropdown; return its option elements (loaded by a callback)."""
    from selenium.webdriver.support.wait import WebDriverWait

    driver.find_element("id", "shell-filter-grade").click()
    return WebDriverWait(driver, WAIT, poll_frequency=0.1).until(
        lambda d: d.find_elements("css selector", "[role=option]")
    )


def grade_options(driver: Any) -> list[str]:
    """The option texts of the grade dropdown (it is closed again afterwards)."""
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.wait import WebDriverWait

    labels = [option.text for option in open_grade_options(driver)]
    driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    WebDriverWait(driver, WAIT, poll_frequency=0.1).until_not(
        lambda d: d.find_elements("css selector", "[role=option]")
    )
    return labels


def choose_grade(driver: Any, label: str) -> None:
    options = open_grade_options(driver)
    next(option for option in options if option.text == label).click()


def trend_series(driver: Any) -> dict[str, list[float]]:
    """The weekly trend chart's y values per trace name, as plotly holds them in the page."""
    script = """
        const plot = document.querySelector('#overview-trend .js-plotly-plot');
        return plot && plot._fullData ? plot._fullData.map(t => [t.name, Array.from(t.y)]) : null;
    """
    traces = driver.execute_script(script) or []
    return {name: [round(y, 2) for y in ys] for name, ys in traces}


def severe_console_entries(driver: Any) -> list[str]:
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE" and "favicon" not in entry["message"]
    ]


def screenshot(driver: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


# --- tests ------------------------------------------------------------------------------------


def test_admin_sees_the_school_then_grade_6(
    new_browser: Callable[[], Any], live_url: str, expected_kpis: dict[Any, dict[str, Any]]
) -> None:
    driver = new_browser()
    sign_in(driver, live_url, "admin")

    school = expected_page(expected_kpis, None)
    shown = wait_for_texts(driver, school)
    screenshot(driver, "overview-admin-all-grades")
    assert shown == school
    assert text_of(driver, "overview-as-of").startswith("Academic year 2025-2026, as of 2025-09-26")

    assert grade_options(driver) == ["Grade 6", "Grade 7", "Grade 8"]
    choose_grade(driver, "Grade 6")
    grade6 = expected_page(expected_kpis, 6)
    shown = wait_for_texts(driver, grade6)
    screenshot(driver, "overview-admin-grade-6")
    assert shown == grade6
    assert text_of(driver, "shell-filter-grade-value") == "Grade 6"
    # Grade 6 per school week (601 + 602 + 603; 603 starts on Wed 17 September):
    #   days:    (5+4)/10 = 90.00, (5+3+2)/13 = 76.92, (5+4+5)/15 = 93.33
    #   periods: (35+28)/70 = 90.00, (35+21+14)/91 = 76.92, (35+28+31)/105 = 89.52
    weeks = {"Attendance rate": [90.0, 76.92, 93.33], "Period attendance": [90.0, 76.92, 89.52]}
    assert settled(driver, trend_series, weeks) == weeks


def test_teacher_sees_only_their_grade(
    new_browser: Callable[[], Any], live_url: str, expected_kpis: dict[Any, dict[str, Any]]
) -> None:
    driver = new_browser()
    sign_in(driver, live_url, "teacher6")

    grade6 = expected_page(expected_kpis, 6)
    shown = wait_for_texts(driver, grade6)
    screenshot(driver, "overview-teacher6")
    assert shown == grade6
    assert grade_options(driver) == ["Grade 6"]
    page = driver.page_source
    assert "92.59" not in page and "97.50" not in page  # whole-school and grade 7 figures


def test_overview_logs_no_console_errors(
    new_browser: Callable[[], Any], live_url: str, expected_kpis: dict[Any, dict[str, Any]]
) -> None:
    driver = new_browser()
    sign_in(driver, live_url, "admin")
    wait_for_texts(driver, shown_kpis(expected_kpis[None]))
    choose_grade(driver, "Grade 7")
    grade7 = expected_page(expected_kpis, 7)
    assert wait_for_texts(driver, grade7) == grade7
    assert severe_console_entries(driver) == []
