"""Browser helpers shared by the dashboard pages' tests (one signed-in Chromium per module)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.test_overview_browser import (
    CHROME_ARGS,
    CHROMEDRIVER,
    CHROMIUM,
    WAIT,
    screenshot,
    severe_console_entries,
    sign_in,
    text_of,
)

__all__ = ["WAIT", "screenshot", "severe_console_entries", "text_of"]


def start_driver(download_dir: Path) -> Any:
    """Headless Chromium that saves downloads into `download_dir`."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from tests.services import unavailable

    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        unavailable(f"browser tests need {CHROMIUM} and {CHROMEDRIVER}")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in CHROME_ARGS:
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(download_dir), "download.prompt_for_download": False},
    )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(download_dir)}
    )
    return driver


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


def signed_in(live_url: str, downloads: Path, username: str) -> Iterator[Any]:
    driver = start_driver(downloads)
    try:
        sign_in(driver, live_url, username)
        yield driver
    finally:
        driver.quit()


def wait_for(driver: Any, condition: Any, timeout: float = WAIT) -> Any:
    from selenium.common.exceptions import (
        JavascriptException,
        NoSuchElementException,
        StaleElementReferenceException,
    )
    from selenium.webdriver.support.wait import WebDriverWait

    ignored = [JavascriptException, NoSuchElementException, StaleElementReferenceException]
    return WebDriverWait(driver, timeout, 0.1, ignored_exceptions=ignored).until(condition)


def open_page(driver: Any, url: str, ready_id: str) -> None:
    """Navigate and wait until `ready_id` has text."""
    driver.get(url)
    wait_for(driver, lambda d: d.find_element("id", ready_id).text.strip())


def choose_option(driver: Any, dropdown_id: str, label: str) -> None:
    """Pick `label` in a Dash dropdown (waiting for the option list to hold it)."""
    driver.find_element("id", dropdown_id).click()

    def option(d: Any) -> Any:
        found = [o for o in d.find_elements("css selector", "[role=option]") if o.text == label]
        return found[0] if found else None

    wait_for(driver, option).click()


def wait_for_download(folder: Path, suffix: str, before: set[str], timeout: float = WAIT) -> Path:
    """The new finished file with `suffix` in `folder`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = [p for p in folder.iterdir() if p.name not in before and p.suffix == suffix]
        if new:
            return new[0]
        time.sleep(0.1)
    raise AssertionError(f"no {suffix} file was downloaded into {folder}")


def click_export(driver: Any, menu_index: int, item_text: str, folder: Path, suffix: str) -> Path:
    """Open the n-th Export menu on the page, click the item, return the downloaded file."""
    before = {p.name for p in folder.iterdir()}
    menus = wait_for(
        driver, lambda d: d.find_elements("css selector", ".export-menu .dropdown-toggle")
    )
    menus[menu_index].click()
    items = wait_for(
        driver,
        lambda d: [
            i
            for i in d.find_elements("css selector", ".dropdown-menu.show .dropdown-item")
            if i.text == item_text
        ],
    )
    wait_for(
        driver,
        lambda d: (
            items[0].get_attribute("href") and "/download/" in items[0].get_attribute("href")
            if items[0].tag_name == "a"
            else True
        ),
    )
    items[0].click()
    return wait_for_download(folder, suffix, before)
