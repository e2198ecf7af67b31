"""The public sample exports beside the project (../shared/samples/): zero false rejections.

Skipped when the folder is absent. The samples' student ids match no roster, so every row is
kept aside as unmapped; with a roster made from their own ids, every row maps.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from db.models import IReadyDiagnostic, IReadyUnmapped
from tests.ingest.conftest import Runner
from tests.ingest.iready.conftest import count, errors


def sample_files(samples_dir: Path) -> list[Path]:
    files = sorted(samples_dir.rglob("*.csv"))
    if not files:
        pytest.skip(f"no CSV files under {samples_dir}")
    return files


def test_every_sample_file_imports_without_a_single_error(
    samples_dir: Path, iready, session: Session
) -> None:
    kept = 0
    for path in sample_files(samples_dir):
        result = iready(path)
        assert result.status == "completed", (path.name, result.errors[:3])
        assert errors(result) == [], (path.name, errors(result)[:3])
        assert result.records_failed == 0
        summary = result.to_dict()["summary"]
        assert summary["data_quality"]["alert"] is False
        assert result.records_skipped == result.records_processed  # kept aside or duplicate
        kept += summary["unmapped_rows"]
    assert count(session, IReadyUnmapped) == kept > 0
    assert count(session, IReadyDiagnostic) == 0


def test_with_a_roster_from_their_own_ids_every_sample_row_maps(
    samples_dir: Path, run: Runner, iready, tmp_path: Path, session: Session
) -> None:
    ids: dict[str, tuple[str, str]] = {}
    files = sample_files(samples_dir)
    for path in files:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                ids[row["Student ID"]] = (row.get("Last Name", ""), row.get("First Name", ""))
    roster = tmp_path / "roster.csv"
    lines = ["student_id,last_name,first_name,grade_level"]
    # The samples span grades K-12; the roster holds the school's own grade (6-8), while
    # i-Ready keeps the grade at test time on each diagnostic.
    lines += [
        f'{sid},"{last}","{first}",{6 + n % 3}'
        for n, (sid, (last, first)) in enumerate(sorted(ids.items()))
    ]
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run("roster", roster).success
    loaded = 0
    for path in files:
        result = iready(path)
        assert errors(result) == []
        assert result.to_dict()["summary"]["unmapped_rows"] == 0
        loaded += result.records_inserted
    assert count(session, IReadyDiagnostic) == loaded > 0
    grades = {d.student_grade for d in session.query(IReadyDiagnostic)}
    assert "K" in grades and "11" in grades  # test-time grades outside 6-8 are stored as given
