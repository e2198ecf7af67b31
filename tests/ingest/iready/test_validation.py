"""Validation layers of the i-Ready import: file, headers, types, business rules, duplicates."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from attendly.demo.iready import IReadyStudent
from db.models import Import, IReadyDiagnostic, IReadyDomainScore
from tests.ingest.conftest import Writer, problems
from tests.ingest.iready.conftest import errors

HEADER = (
    "Student ID,Student Grade,Academic Year,Completion Date,Baseline Diagnostic (Y/N),"
    "Most Recent Diagnostic YTD (Y/N),Overall Scale Score,Overall Relative Placement,"
    "Phonics Scale Score,Phonics Placement,Phonics Relative Placement,"
    "Vocabulary Scale Score,Vocabulary Placement"
)
ROW = (
    "000001,7,2024-2025,09/03/2024,Y,N,{score},Early On Grade Level,"
    "{phonics},Tested Out,,{vocab},Mid 7"
)


def ela(write_csv: Writer, *rows: str, header: str = HEADER, name: str = "diag_ela.csv") -> Path:
    return write_csv("\n".join([header, *rows]) + "\n", name=name)


def row(score: str = "612", phonics: str = "", vocab: str = "600") -> str:
    return ROW.format(score=score, phonics=phonics, vocab=vocab)


@pytest.mark.parametrize(
    ("score", "rule", "category"),
    [
        ("99", "scale_score_out_of_range", "business-rule"),
        ("801", "scale_score_out_of_range", "business-rule"),
        ("612.5", "invalid_scale_score", "type"),
        ("six hundred", "invalid_scale_score", "type"),
        ("", "required", "type"),
    ],
)
def test_invalid_overall_scores_fail_the_row(
    score: str, rule: str, category: str, with_roster, iready, write_csv: Writer, session: Session
) -> None:
    result = iready(
        ela(write_csv, row(score), row().replace("09/03", "12/03").replace(",Y,N,", ",N,Y,"))
    )
    found = problems(result, rule)
    assert [(p["row"], p["category"], p["column"]) for p in found] == [
        (2, category, "Overall Scale Score")
    ]
    assert result.records_failed == 1 and result.records_inserted == 1
    quality = result.to_dict()["summary"]["data_quality"]
    if rule != "required":
        assert quality["alert"] is True and quality["invalid_overall_scores"] == 1
        assert problems(result, "data_quality_alert")[0]["row"] is None
    stored = session.scalars(select(IReadyDiagnostic)).all()
    assert [d.overall_scale_score for d in stored] == [612]


def test_invalid_domain_score_fails_the_row_and_raises_the_alert(
    with_roster, iready, write_csv: Writer, session: Session
) -> None:
    result = iready(ela(write_csv, row(vocab="950")))
    assert [p["column"] for p in errors(result)] == ["Vocabulary Scale Score"]
    quality = result.to_dict()["summary"]["data_quality"]
    assert quality["invalid_domain_scores"] == 1 and quality["alert"] is True
    assert quality["rows_with_invalid_scores"] == 1
    stored = session.get(Import, result.import_id)
    assert stored is not None and stored.summary["data_quality"]["alert"] is True


def test_blank_foundational_domains_beside_tested_out_are_valid(
    with_roster, iready, write_csv: Writer, session: Session
) -> None:
    result = iready(ela(write_csv, row(phonics="")))
    assert result.to_dict()["errors"] == []
    phonics = session.scalars(
        select(IReadyDomainScore).where(IReadyDomainScore.domain == "Phonics")
    ).one()
    assert (phonics.scale_score, phonics.placement) == (None, "Tested Out")


def test_sentinel_score_beside_tested_out_is_ignored(
    with_roster, iready, write_csv: Writer, session: Session
) -> None:
    result = iready(ela(write_csv, row(phonics="999")))
    assert errors(result) == []
    assert result.to_dict()["summary"]["data_quality"]["ignored_domain_scores"] == 1
    phonics = session.scalars(
        select(IReadyDomainScore).where(IReadyDomainScore.domain == "Phonics")
    ).one()
    assert phonics.scale_score is None


def test_other_subject_domain_columns_are_a_schema_warning(
    with_roster, iready, write_csv: Writer, session: Session
) -> None:
    header = HEADER + ",Geometry Scale Score,Geometry Placement"
    result = iready(ela(write_csv, row() + ",530,Mid 7", header=header))
    (warning,) = problems(result, "other_subject_columns")
    assert warning["category"] == "schema" and warning["severity"] == "warning"
    assert "Geometry Scale Score" in warning["message"]
    assert result.records_inserted == 1
    domains = {d.domain for d in session.scalars(select(IReadyDomainScore))}
    assert "Geometry" not in domains


def test_missing_required_column_rejects_the_file(iready, write_csv: Writer) -> None:
    header = HEADER.replace("Overall Scale Score", "Score")
    result = iready(ela(write_csv, row(), header=header))
    assert result.status == "rejected"
    assert "overall_scale_score" in result.errors[0].message


def test_a_file_without_any_date_column_is_rejected(iready, write_csv: Writer) -> None:
    header = HEADER.replace("Completion Date", "Taken")
    result = iready(ela(write_csv, row(), header=header))
    assert result.status == "rejected"
    assert "Completion Date" in result.errors[0].message


def test_a_file_naming_no_subject_is_rejected(iready, write_csv: Writer) -> None:
    result = iready(ela(write_csv, row(), name="export.csv"))
    assert result.status == "rejected"
    assert result.errors[0].rule == "unknown_subject"
    assert "Subject column" in result.errors[0].message


def test_subject_column_decides_per_row(
    with_roster, iready, write_csv: Writer, session: Session
) -> None:
    header = "Subject,Student ID,Completion Date,Overall Scale Score"
    path = ela(
        write_csv,
        "Reading,000001,09/03/2024,600",
        "Math,000001,09/04/2024,510",
        "Science,000001,09/05/2024,500",
        header=header,
        name="export.csv",
    )
    result = iready(path)
    assert [(p["row"], p["rule"]) for p in errors(result)] == [(4, "invalid_subject")]
    stored = {(d.subject, d.overall_scale_score) for d in session.scalars(select(IReadyDiagnostic))}
    assert stored == {("ELA", 600), ("MATH", 510)}


def test_academic_year_is_derived_when_absent_and_completion_falls_back_to_start(
    with_roster, iready, write_csv: Writer, session: Session
) -> None:
    header = "Student ID,Start Date,Completion Date,Overall Scale Score"
    path = ela(
        write_csv, "000001,2025-05-01,,600", "000001,2025-09-02,2025-09-03,610", header=header
    )
    result = iready(path)
    assert errors(result) == []
    assert [p["row"] for p in problems(result, "completion_date_from_start")] == [2]
    stored = {
        (d.completion_date.isoformat(), d.academic_year)
        for d in session.scalars(select(IReadyDiagnostic))
    }
    assert stored == {("2025-05-01", "2024-2025"), ("2025-09-03", "2025-2026")}


def test_dates_in_the_future_are_errors(with_roster, iready, write_csv: Writer) -> None:
    result = iready(
        ela(write_csv, row().replace("09/03/2024", "09/03/2030").replace("2024-2025", "2030-2031"))
    )
    assert [p["rule"] for p in errors(result)] == ["date_out_of_range"]


def test_unknown_wordings_are_stored_with_one_warning_per_wording(
    with_roster, iready, write_csv: Writer, session: Session
) -> None:
    rows = [
        row().replace("Early On Grade Level", "Way Ahead"),
        row()
        .replace("09/03", "12/03")
        .replace(",Y,N,", ",N,Y,")
        .replace("Early On Grade Level", "Way Ahead"),
    ]
    result = iready(ela(write_csv, *rows))
    (warning,) = problems(result, "unrecognised_value")
    assert warning["value"] == "Way Ahead" and "2 row(s)" in warning["message"]
    stored = session.scalars(select(IReadyDiagnostic)).all()
    assert [(d.overall_relative_placement, d.placement_level) for d in stored] == [
        ("Way Ahead", None)
    ] * 2


def test_grades_placements_and_flags_are_normalised(
    with_roster, iready, write_csv: Writer, session: Session
) -> None:
    header = (
        "Student ID,Student Grade,Completion Date,Baseline Diagnostic (Y/N),Overall Scale Score,"
        "Overall Placement,Overall Relative Placement,Lexile Measure,Rush Flag"
    )
    path = ela(
        write_csv,
        "000001,KG,2024-09-03,Yes,612,Grade 7,Three or More Grades Below,br50l,yellow",
        "000002,07,2024-09-03,n,612,Surpassed Level,On Level,1035L,",
        header=header,
    )
    assert errors(iready(path)) == []
    stored = {d.student_id: d for d in session.scalars(select(IReadyDiagnostic))}
    first, second = stored["000001"], stored["000002"]
    assert (first.student_grade, first.overall_placement, first.placement_level) == (
        "K",
        "Level 7",
        1,
    )
    assert (first.baseline, first.lexile, first.rush_flag) == (True, "BR50L", "Yellow Rush Flag")
    assert (second.student_grade, second.overall_placement, second.placement_level) == (
        "7",
        "Tested Out",
        5,
    )
    assert second.baseline is False


def test_duplicates_keep_the_flagged_row(
    with_roster, iready, write_csv: Writer, session: Session
) -> None:
    # Same student, subject and completion date: a rushed attempt and the flagged baseline.
    rushed = row("418").replace(",Y,N,", ",N,N,")
    flagged = row("553")
    result = iready(ela(write_csv, flagged, rushed))
    (warning,) = problems(result, "duplicate_row")
    assert warning["row"] == 3 and warning["category"] == "duplicate"
    assert result.records_inserted == 1 and result.records_skipped == 1
    assert [d.overall_scale_score for d in session.scalars(select(IReadyDiagnostic))] == [553]


def test_blank_student_id_with_state_id_maps_by_state_id(
    with_roster: list[IReadyStudent], iready, write_csv: Writer, session: Session
) -> None:
    header = "Student ID,Student State ID,Completion Date,Overall Scale Score"
    student = with_roster[2]
    path = ela(write_csv, f",{student.state_id},2024-09-03,600", ",,2024-09-04,600", header=header)
    result = iready(path)
    assert [(p["row"], p["rule"]) for p in errors(result)] == [(3, "required")]
    assert [d.student_id for d in session.scalars(select(IReadyDiagnostic))] == [student.student_id]


def test_strict_mode_rejects_a_file_with_an_invalid_score(
    with_roster, iready, write_csv: Writer
) -> None:
    result = iready(ela(write_csv, row("900")), strict=True)
    assert result.status == "rejected" and result.records_inserted == 0


def test_unreadable_dates(with_roster, iready, write_csv: Writer, session: Session) -> None:
    header = "Student ID,Start Date,Completion Date,Overall Scale Score"
    path = ela(
        write_csv,
        "000001,2024-09-02,Sept 3,600",  # bad completion: error
        "000001,someday,,600",  # blank completion, bad start: error
        "000001,someday,2024-09-05,600",  # bad start beside a good completion: warning
        header=header,
    )
    result = iready(path)
    assert [(p["row"], p["column"]) for p in errors(result)] == [
        (2, "Completion Date"),
        (3, "Start Date"),
    ]
    assert [p["row"] for p in problems(result, "invalid_date") if p["severity"] == "warning"] == [4]
    stored = session.scalars(select(IReadyDiagnostic)).one()
    assert stored.start_date is None and stored.completion_date.isoformat() == "2024-09-05"
