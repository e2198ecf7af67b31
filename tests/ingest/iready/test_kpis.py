"""i-Ready KPIs (metric definitions §6-§7) by hand, through the import, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from attendly.metrics.policy import Policy
from db import queries
from ingest import ImportResult
from tests import school
from tests.ingest.conftest import Runner, Writer
from tests.ingest.iready import school_iready
from tests.ingest.iready.conftest import errors


@pytest.fixture
def imported(run: Runner, iready, write_csv: Writer) -> dict[str, ImportResult]:
    """The hand-computed school with its i-Ready files, imported through the pipeline."""
    assert run("roster", write_csv(school.roster_csv(), name="roster.csv")).success
    assert run("attendance", write_csv(school.attendance_csv(), name="attendance.csv")).success
    results = {
        "ELA": iready(write_csv(school_iready.ela_csv(), name="diagnostic_results_ela.csv")),
        "MATH": iready(write_csv(school_iready.math_csv(), name="diagnostic_results_math.csv")),
    }
    for result in results.values():
        assert result.success and errors(result) == []
    return results


def test_school_kpis_match_the_hand_computation(imported: Any, session: Session) -> None:
    result = queries.kpis(session, Policy())
    assert result["academic_year"] == "2025-2026"
    assert result["iready"] == school_iready.EXPECTED_IREADY
    assert result["correlation"] == school_iready.EXPECTED_CORRELATION


def test_student_rows_carry_baseline_most_recent_gain_and_progress(
    imported: Any, session: Session
) -> None:
    rows = {row["student_id"]: row for row in queries.students_report(session, Policy())}
    for student_id, expected in school_iready.EXPECTED_STUDENT_ELA.items():
        got = rows[student_id]["iready"]["ELA"]
        assert {key: got[key] for key in expected} == expected, student_id
    assert rows["7"]["iready"]["MATH"]["progress_to_typical"] == 200.0
    assert rows["7"]["iready"]["MATH"]["progress_to_stretch"] == 100.0
    assert "MATH" not in rows["0100"]["iready"]


def test_grade_scope_keeps_only_that_grade(imported: Any, session: Session) -> None:
    result = queries.kpis(session, Policy(), grade=8)
    # 1234 alone: ELA on grade (level 5), progress 0.00; MATH not on grade, 50.00.
    assert result["iready"]["ELA"] == {
        "students": 1,
        "pct_on_grade": 100.0,
        "median_progress_to_typical": 0.0,
    }
    assert result["iready"]["MATH"] == {
        "students": 1,
        "pct_on_grade": 0.0,
        "median_progress_to_typical": 50.0,
    }
    assert result["correlation"]["ELA"]["n"] == 1


def test_the_import_summary_carries_the_same_growth_figures(imported: Any) -> None:
    growth = imported["MATH"].to_dict()["summary"]["growth"]
    assert set(growth) == {"2025-2026"}
    year = growth["2025-2026"]
    assert year["iready"] == school_iready.EXPECTED_IREADY
    assert year["correlation"] == school_iready.EXPECTED_CORRELATION
    assert year["by_tier"]["ELA"] == school_iready.EXPECTED_ELA_BY_TIER
    ela_growth = imported["ELA"].to_dict()["summary"]["growth"]
    assert set(ela_growth) == {"2024-2025", "2025-2026"}
    # 2024-2025: 007 alone, on no attendance: level 1, no correlation pairs.
    assert ela_growth["2024-2025"]["iready"]["ELA"] == {
        "students": 1,
        "pct_on_grade": 0.0,
        "median_progress_to_typical": 0.0,
    }
    assert ela_growth["2024-2025"]["correlation"]["ELA"]["n"] == 0


def test_historical_year_is_classified_and_kept_apart(imported: Any, session: Session) -> None:
    summary = imported["ELA"].to_dict()["summary"]
    assert summary["academic_years"] == {
        "2024-2025": {"rows": 1, "status": "historical"},
        "2025-2026": {"rows": 8, "status": "historical"},
    }
    older = queries.kpis(session, Policy(), academic_year="2024-2025")
    assert older["academic_year"] == "2024-2025"


def test_reimporting_changes_nothing(
    imported: Any, iready, write_csv: Writer, session: Session
) -> None:
    again = iready(write_csv(school_iready.ela_csv(), name="diagnostic_results_ela.csv"))
    assert again.records_skipped == again.records_processed == 9
    assert queries.kpis(session, Policy())["iready"] == school_iready.EXPECTED_IREADY
