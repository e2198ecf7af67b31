"""Upsert keyed by (student, subject, completion date): insert, update changes, skip the rest."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import IReadyDiagnostic, IReadyDomainScore
from tests.ingest.conftest import Writer

HEADER = (
    "Student ID,Academic Year,Completion Date,Overall Scale Score,Overall Relative Placement,"
    "Geometry Scale Score,Geometry Placement,Geometry Relative Placement"
)
ROWS = [
    "000001,2024-2025,09/03/2024,500,1 Grade Level Below,495,Level 6,1 Grade Level Below",
    "000001,2024-2025,01/15/2025,520,Early On Grade Level,530,Early 7,Early On Grade Level",
    "000002,2024-2025,09/04/2024,540,Mid or Above Grade Level,545,Mid 8,Mid or Above Grade Level",
]


def math_file(write_csv: Writer, rows: list[str]):  # type: ignore[no-untyped-def]
    return write_csv("\n".join([HEADER, *rows]) + "\n", name="diagnostic_results_math.csv")


def test_insert_then_update_changed_then_skip_unchanged(
    with_roster, iready, write_csv: Writer, session: Session
) -> None:
    first = iready(math_file(write_csv, ROWS))
    assert (first.records_inserted, first.records_updated, first.records_skipped) == (3, 0, 0)
    changed = [
        ROWS[0],
        ROWS[1].replace(",520,", ",525,"),
        ROWS[2],
        ROWS[2].replace("09/04", "12/04"),
    ]
    second = iready(math_file(write_csv, changed))
    assert (second.records_inserted, second.records_updated, second.records_skipped) == (1, 1, 2)
    assert second.to_dict()["summary"]["students_touched"] == 2
    scores = {
        (d.student_id, d.completion_date.isoformat()): d.overall_scale_score
        for d in session.scalars(select(IReadyDiagnostic))
    }
    assert scores == {
        ("000001", "2024-09-03"): 500,
        ("000001", "2025-01-15"): 525,
        ("000002", "2024-09-04"): 540,
        ("000002", "2024-12-04"): 540,
    }
    updated = session.scalars(
        select(IReadyDiagnostic).where(IReadyDiagnostic.overall_scale_score == 525)
    ).one()
    assert updated.import_id == second.import_id


def test_a_changed_domain_score_alone_is_an_update(
    with_roster, iready, write_csv: Writer, session: Session
) -> None:
    iready(math_file(write_csv, ROWS))
    again = iready(math_file(write_csv, [ROWS[0].replace(",495,", ",497,"), *ROWS[1:]]))
    assert (again.records_updated, again.records_skipped) == (1, 2)
    geometry = session.scalars(
        select(IReadyDomainScore.scale_score).where(IReadyDomainScore.domain == "Geometry")
    ).all()
    assert sorted(geometry) == [497, 530, 545]


def test_a_removed_domain_value_is_an_update_and_leaves_no_stale_row(
    with_roster, iready, write_csv: Writer, session: Session
) -> None:
    iready(math_file(write_csv, ROWS))
    blank = ROWS[2].split(",")[:5] + ["", "", ""]
    again = iready(math_file(write_csv, [*ROWS[:2], ",".join(blank)]))
    assert again.records_updated == 1
    assert len(session.scalars(select(IReadyDomainScore)).all()) == 2


def test_flags_are_stored_as_given(
    with_roster, iready, write_csv: Writer, session: Session
) -> None:
    header = (
        "Student ID,Completion Date,Overall Scale Score,"
        "Baseline Diagnostic (Y/N),Most Recent Diagnostic YTD (Y/N)"
    )
    path = write_csv(
        f"{header}\n000001,2024-09-03,500,N,Y\n000001,2025-01-15,520,Y,N\n",
        name="diagnostic_results_math.csv",
    )
    iready(path)
    flags = [
        (d.baseline, d.most_recent)
        for d in session.scalars(
            select(IReadyDiagnostic).order_by(IReadyDiagnostic.completion_date)
        )
    ]
    assert flags == [(False, True), (True, False)]
