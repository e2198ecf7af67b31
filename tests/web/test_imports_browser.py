"""The Imports page in Chromium: drop a file, watch it land, keep seeing it on another page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web import school
from tests.web.dash_browser import WAIT, downloads, open_page, signed_in, wait_for

__all__ = ["downloads"]


@pytest.fixture(scope="module")
def admin(live_url: str, downloads: Path) -> Iterator[Any]:  # noqa: F811
    yield from signed_in(live_url, downloads, "admin")


def test_a_dropped_file_is_imported_and_its_summary_shown(
    admin: Any, live_url: str, tmp_path: Path
) -> None:
    roster = school.write_roster(tmp_path / "roster-drop.csv")
    open_page(admin, f"{live_url}/imports", "imports-history")
    admin.find_element("css selector", "#imports-upload input[type=file]").send_keys(str(roster))
    summary = wait_for(
        admin,
        lambda d: d.find_element("css selector", "#shell-import-progress .import-summary").text,
        timeout=WAIT * 3,
    )
    rows = len(school.ROSTER)
    assert summary.startswith(f"completed: {rows:,} rows"), summary
    assert "0 failed" in summary
    history = wait_for(
        admin, lambda d: "roster-drop.csv" in d.find_element("id", "imports-history").text
    )
    assert history
    admin.find_element("link text", "Overview").click()
    kept = wait_for(
        admin,
        lambda d: d.find_element("css selector", "#shell-import-progress .import-summary").text,
    )
    assert kept == summary  # the progress lives in the app shell: it survives navigation
