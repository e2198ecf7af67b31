"""The Attendance vs i-Ready page in headless Chromium: r and n equal the KPI contract's,
the grade filter changes them, Excel export is a valid workbook, the PDF job completes."""

from __future__ import annotations

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
    severe_console_entries,
    signed_in,
    text_of,
    wait_for,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def admin(live_url: str, downloads: Path, iready_school: Flask) -> Iterator[Any]:
    yield from signed_in(live_url, downloads, "admin")


def correlation(app: Flask, grade: int | None, subject: str) -> dict[str, Any]:
    from attendly.extensions import db
    from db.policy import load_policy
    from db.queries import kpis

    with app.app_context():
        policy = load_policy(db.session, app.config["ATTENDLY_SETTINGS"])
        return kpis(db.session, policy, grade=grade)["correlation"][subject]


def summary(fit: dict[str, Any]) -> str:
    r = "not defined" if fit["r"] is None else f"{fit['r']:.2f}"
    return f"r = {r}, n = {fit['n']} students"


def test_fit_matches_the_kpis_and_follows_the_grade(
    admin: Any,
    live_url: str,
    iready_school: Flask,
    downloads: Path,
) -> None:
    open_page(admin, f"{live_url}/attendance-vs-iready", "correlation-summary")
    school = correlation(iready_school, None, "ELA")
    wait_for(admin, lambda d: summary(school) in (text_of(d, "correlation-summary") or ""))
    wait_for(
        admin,
        lambda d: d.find_elements("css selector", "#correlation-scatter .scatterlayer .trace"),
    )
    screenshot(admin, "correlation-admin-ela")
    assert severe_console_entries(admin) == []

    choose_option(admin, "shell-filter-grade", "Grade 7")
    grade7 = correlation(iready_school, 7, "ELA")
    wait_for(admin, lambda d: summary(grade7) in (text_of(d, "correlation-summary") or ""))
    path = click_export(admin, 0, "Data as Excel", downloads, ".xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(path, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    ela = [r for r in rows[1:] if r[header.index("subject")] == "ELA"]
    assert len(ela) == grade7["n"]


def test_pdf_for_the_board_packet(admin: Any, live_url: str) -> None:
    open_page(admin, f"{live_url}/", "kpi-attendance_rate")
    admin.find_element("xpath", "//button[text()='PDF for board packet']").click()
    link = wait_for(admin, lambda d: d.find_element("link text", "Download the PDF"), timeout=90)
    href = link.get_attribute("href")
    cookies = {c["name"]: c["value"] for c in admin.get_cookies()}
    import urllib.request

    request = urllib.request.Request(
        href, headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
    assert body.startswith(b"%PDF")
    import io

    from pypdf import PdfReader

    assert len(PdfReader(io.BytesIO(body)).pages) == 4  # cover, trend, tiers, grades
