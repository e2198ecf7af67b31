"""Every export layout in the wild imports with zero false rejections (SQLite and PostgreSQL).

The fixtures are written by the project's own generator (attendly.demo.iready) in each layout:
2021-22 (growth-measure wording, `Reading Comprehension: ...`), 2024-25 (`Most Recent
Diagnostic YTD (Y/N)`, Comprehension: Overall, gain and progress), the California variant
(state ids, program flags, `07` grades, CRLF) and 2026-27 i-Ready Inform (Assessment renames,
`i-ready_inform_results_*` file names, byte-order mark).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from attendly.demo.iready import IReadyStudent
from attendly.demo.iready_layouts import LAYOUTS, layout
from db.models import IReadyDiagnostic, IReadyDomainScore, IReadyUnmapped
from tests.ingest.iready.conftest import TODAY, count, errors, warnings

Exports = Callable[..., dict[str, Path]]


def headers(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle))


@pytest.mark.parametrize("name", LAYOUTS)
def test_layout_headers_are_the_real_ones(name: str, exports: Exports) -> None:
    files = exports(name)
    ela, math = headers(files["ELA"]), headers(files["MATH"])
    assert 40 <= len(ela) <= 75 and 35 <= len(math) <= 75
    if name == "2021-22":
        assert "Diagnostic used to establish Growth Measures (Y/N)" in ela
        assert "Most Recent Diagnostic (Y/N)" in ela
        assert "Reading Comprehension: Literature Scale Score" in ela
        assert "Student State ID" not in ela
    if name.startswith("2024-25"):
        assert "Most Recent Diagnostic YTD (Y/N)" in ela
        assert "Comprehension: Overall Scale Score" in ela
    if name == "2024-25-ca":
        assert {"Student State ID", "504 Plan", "Foster Youth"} <= set(ela)
    if name == "2026-27":
        assert {"Baseline Assessment (Y/N)", "Assessment Gain", "Tactile Graphics"} <= set(ela)
        assert "Assessment Language" in math
        assert files["ELA"].name == "i-ready_inform_results_reading_english_CONFIDENTIAL.csv"


@pytest.mark.parametrize("name", LAYOUTS)
def test_every_layout_imports_without_a_rejection(
    name: str, exports: Exports, with_roster: list[IReadyStudent], iready, session: Session
) -> None:
    files = exports(name)
    for subject, path in files.items():
        result = iready(path)
        assert result.status == "completed", result.errors[:3]
        assert errors(result) == []
        assert warnings(result) == []
        assert result.records_failed == 0
        assert result.records_inserted == result.records_processed
        assert result.to_dict()["summary"]["subjects"] == {subject: result.records_processed}
    stored = session.scalars(select(IReadyDiagnostic)).all()
    assert {d.subject for d in stored} == {"ELA", "MATH"}
    assert {d.academic_year for d in stored} == {"2024-2025"}
    assert {d.student_id for d in stored} == {t.student_id for t in with_roster}
    assert count(session, IReadyUnmapped) == 0


@pytest.mark.parametrize("name", LAYOUTS)
def test_identical_reimport_skips_every_row(
    name: str, exports: Exports, with_roster: list[IReadyStudent], iready, session: Session
) -> None:
    files = exports(name)
    first = [iready(path) for path in files.values()]
    domains = count(session, IReadyDomainScore)
    for path, before in zip(files.values(), first, strict=True):
        again = iready(path)
        assert again.records_skipped == again.records_processed == before.records_processed
        assert again.records_inserted == again.records_updated == 0
    assert count(session, IReadyDomainScore) == domains


def test_grade_6_to_8_foundational_domains_are_tested_out_not_missing(
    exports: Exports, with_roster: list[IReadyStudent], iready, session: Session
) -> None:
    result = iready(exports("2024-25")["ELA"])
    assert errors(result) == []
    phonics = session.scalars(
        select(IReadyDomainScore).where(IReadyDomainScore.domain == "Phonics")
    ).all()
    assert phonics and all(d.scale_score is None for d in phonics)
    assert {d.placement for d in phonics} == {"Tested Out"}
    domains = {d.domain for d in session.scalars(select(IReadyDomainScore))}
    assert "Comprehension: Overall" in domains
    assert not domains & {"Geometry", "Number and Operations"}


def test_older_headers_map_onto_the_same_fields(
    exports: Exports, with_roster: list[IReadyStudent], iready, session: Session
) -> None:
    path = exports("2021-22")["ELA"]
    assert iready(path).status == "completed"
    diagnostics = session.scalars(select(IReadyDiagnostic)).all()
    assert any(d.baseline for d in diagnostics) and any(d.most_recent for d in diagnostics)
    literature = session.scalars(
        select(IReadyDomainScore).where(IReadyDomainScore.domain == "Comprehension: Literature")
    ).all()
    assert len(literature) == len(diagnostics)
    assert all(d.lexile and d.lexile.endswith("L") for d in diagnostics)


def test_inform_renames_map_onto_baseline_and_gain(
    exports: Exports, with_roster: list[IReadyStudent], iready, session: Session
) -> None:
    result = iready(exports("2026-27", year_start=2025)["MATH"])
    assert result.status == "completed" and errors(result) == []
    summary = result.to_dict()["summary"]
    assert summary["academic_years"] == {
        "2025-2026": {"rows": result.records_processed, "status": "historical"}
    }
    assert "Tactile Graphics" in summary["unknown_columns"]
    diagnostics = session.scalars(select(IReadyDiagnostic)).all()
    assert sum(d.baseline for d in diagnostics) == len(with_roster)
    assert sum(d.most_recent for d in diagnostics) == len(with_roster)
    assert any(d.diagnostic_gain is not None for d in diagnostics)
    assert all(d.quantile and d.quantile.endswith("Q") for d in diagnostics)


def test_current_year_files_are_classified_current(
    exports: Exports, with_roster: list[IReadyStudent], iready
) -> None:
    result = iready(exports("2026-27", year_start=2026, today=TODAY)["ELA"])
    assert errors(result) == []
    years = result.to_dict()["summary"]["academic_years"]
    assert years == {"2026-2027": {"rows": result.records_processed, "status": "current"}}


def test_california_variant_maps_by_state_id_when_the_local_id_differs(
    exports: Exports, testers: list[IReadyStudent], run, iready, tmp_path: Path, session: Session
) -> None:
    # The roster knows these students under other local ids but with the same state ids.
    roster = ["student_id,last_name,first_name,grade_level,state_student_id"]
    roster += [
        f"L{t.student_id},{t.last_name},{t.first_name},{t.grade},{t.state_id}" for t in testers
    ]
    path = tmp_path / "roster-local.csv"
    path.write_text("\n".join(roster) + "\n", encoding="utf-8")
    assert run("roster", path).status == "completed"
    result = iready(exports("2024-25-ca")["ELA"])
    assert errors(result) == [] and warnings(result, "unmapped_student") == []
    stored = {d.student_id for d in session.scalars(select(IReadyDiagnostic))}
    assert stored == {f"L{t.student_id}" for t in testers}
    grades = {d.student_grade for d in session.scalars(select(IReadyDiagnostic))}
    assert grades == {"6", "7", "8"}  # written `06`, `07`, `08`


def test_layout_names_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown i-Ready layout"):
        layout("2019-20")
