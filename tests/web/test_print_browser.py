"""Print view and the Overview's exports in headless Chromium: the print header names school,
filters and date, navigation and controls disappear, and a chart's data downloads."""

from __future__ import annotations

import base64
import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.web.dash_browser import (
    choose_option,
    click_export,
    open_page,
    screenshot,
    signed_in,
    text_of,
    wait_for,
)

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture(scope="module")
def admin(live_url: str, downloads: Path, iready_school: Flask) -> Iterator[Any]:
    yield from signed_in(live_url, downloads, "admin")


def test_overview_trend_data_downloads_as_csv(admin: Any, live_url: str, downloads: Path) -> None:
    open_page(admin, f"{live_url}/", "kpi-attendance_rate")
    choose_option(admin, "shell-filter-grade", "Grade 6")
    wait_for(admin, lambda d: text_of(d, "kpi-attendance_rate") == "86.84 %")
    path = click_export(admin, 0, "Data as CSV", downloads, ".csv")
    with path.open(encoding="utf-8-sig") as handle:
        weeks = list(csv.DictReader(handle))
    assert [w["attendance_rate"] for w in weeks] == ["90.0", "76.92", "93.33"]
    assert "grade-6" in path.name or "-6-" in path.name
    svg = click_export(admin, 0, "Image (SVG)", downloads, ".svg")
    assert svg.name == "attendly-overview-weekly-attendance.svg"
    assert (
        svg.read_text().lstrip().startswith("<svg") and "Weekly attendance rate" in svg.read_text()
    )
    png = click_export(admin, 0, "Image (PNG)", downloads, ".png")
    assert png.read_bytes().startswith(b"\x89PNG")


def test_print_view_has_a_header_and_no_navigation(admin: Any, live_url: str) -> None:
    open_page(admin, f"{live_url}/", "kpi-attendance_rate")
    wait_for(admin, lambda d: d.find_elements("css selector", "#overview-trend .main-svg"))
    admin.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        header = admin.find_element("id", "shell-print-header")
        assert header.is_displayed()
        assert "Academic year 2025-2026" in header.text and "Printed" in header.text
        assert not admin.find_element("id", "shell-navbar").is_displayed()
        assert not admin.find_element("css selector", ".page-actions").is_displayed()
        pdf = admin.execute_cdp_cmd("Page.printToPDF", {"paperWidth": 8.5, "paperHeight": 11})
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "overview-print-letter.pdf").write_bytes(base64.b64decode(pdf["data"]))
        screenshot(admin, "overview-print-media")
    finally:
        admin.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
