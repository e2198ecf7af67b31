"""The i-Ready export generator: deterministic, real layouts, plausible values."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from attendly.demo.iready import IReadyStudent, diagnostics, generate_iready, layout_for
from attendly.demo.iready_layouts import LAYOUTS
from tests.ingest.iready.conftest import population


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("name", LAYOUTS)
def test_same_arguments_give_identical_files(name: str, tmp_path: Path) -> None:
    people = population(12)
    one = generate_iready(tmp_path / "a", people, year_start=2024, layout_name=name)
    two = generate_iready(tmp_path / "b", people, year_start=2024, layout_name=name)
    for subject in ("ELA", "MATH"):
        assert one[subject].read_bytes() == two[subject].read_bytes()


def test_current_year_holds_only_diagnostics_completed_before_today() -> None:
    rows = diagnostics(population(30), "ELA", 2026, today=dt.date(2026, 11, 26))
    assert rows and all(r["_done"] < dt.date(2026, 11, 26) for r in rows)
    assert {r["Norming Window"] for r in rows} == {"Fall"}


def test_each_student_has_one_baseline_and_one_most_recent() -> None:
    rows = diagnostics(population(30), "MATH", 2024)
    for student in {r["Student ID"] for r in rows}:
        mine = [r for r in rows if r["Student ID"] == student]
        assert [r["Baseline"] for r in mine].count("Y") == 1
        assert mine[-1]["Most Recent"] == "Y" and [r["Most Recent"] for r in mine].count("Y") == 1


def test_scores_are_valid_and_follow_attendance() -> None:
    steady = [IReadyStudent(f"s{n}", "A", "B", 7, absence_rate=0.01) for n in range(80)]
    absent = [IReadyStudent(f"a{n}", "A", "B", 7, absence_rate=0.30) for n in range(80)]
    for subject in ("ELA", "MATH"):
        good = [r["Overall Scale Score"] for r in diagnostics(steady, subject, 2024)]
        poor = [r["Overall Scale Score"] for r in diagnostics(absent, subject, 2024)]
        assert all(100 <= s <= 800 for s in good + poor)
        assert sum(good) / len(good) > sum(poor) / len(poor) + 40


def test_layout_follows_the_year() -> None:
    assert layout_for(2021) == "2021-22"
    assert layout_for(2025) == "2024-25-ca"
    assert layout_for(2026) == "2026-27"


def test_california_layout_writes_padded_grades_and_state_ids(tmp_path: Path) -> None:
    files = generate_iready(tmp_path, population(6), year_start=2024, layout_name="2024-25-ca")
    rows = read(files["ELA"])
    assert {r["Student Grade"] for r in rows} == {"06", "07", "08"}
    assert all(r["Student State ID"].startswith("5") for r in rows)
    assert files["ELA"].read_bytes().count(b"\r\n") == len(rows) + 1
