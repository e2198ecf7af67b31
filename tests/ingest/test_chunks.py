"""Chunked reading: the outcome never depends on the chunk size (duplicates across chunks,
row numbers, counts), and the day figures match the metric definitions for every pattern."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from sqlalchemy.orm import Session

from attendly.metrics.day import day_figures
from attendly.settings import Settings
from ingest import run_import
from ingest.periods import LETTER_DIGITS, patterns_of
from ingest.reading import iter_chunks, open_source
from tests.conftest import clean
from tests.ingest.conftest import ATTENDANCE_HEADER, ROSTER_HEADER, TODAY, Writer, snapshot

FILE = (
    f"{ATTENDANCE_HEADER}\n"
    "1,2025-09-02,6,P,P,P,P,P,P,P\n"  # 2
    "2,2025-09-02,6,U,U,U,U,U,U,U\n"  # 3: replaced by row 9
    "1,2025-09-03,6,P,P,P,T,P,P,P\n"  # 4
    "3,2025-09-02,9,P,P,P,P,P,P,P\n"  # 5: grade 9
    "1,2025-09-02,6,P,P,P,P,P,P,P\n"  # 6: identical to row 2
    "4,2025-09-02,6,E,E,E,E,E,E,E\n"  # 7
    "4,2025-09-02,6,E,E,E,E,E,E,E\n"  # 8: identical to row 7
    "2,2025-09-02,6,P,P,P,P,P,P,U\n"  # 9: wins over row 3
    "1,2025-09-04,6,P,P,P,P,P,P,P\n"  # 10
)


def outcome(result: Any) -> tuple[Any, ...]:
    found = [(p["row"], p["rule"], p["message"]) for p in result.to_dict()["errors"]]
    return result.counts(), found, result.students_touched, result.summary()["date_range"]


def test_chunk_size_changes_nothing(
    session: Session, settings: Settings, write_csv: Writer
) -> None:
    path = write_csv(FILE)
    outcomes, snapshots = [], []
    for size in (100, 3, 2, 1):
        clean(session.get_bind())  # type: ignore[arg-type]
        result = run_import(
            session, "attendance", path, settings=settings, today=TODAY, chunk_rows=size
        )
        outcomes.append(outcome(result))
        snapshots.append(snapshot(session))
    assert all(found == outcomes[0] for found in outcomes)
    assert all(taken == snapshots[0] for taken in snapshots)
    counts, problems, _, _ = outcomes[0]
    assert counts == {
        "records_processed": 9,
        "records_inserted": 5,
        "records_updated": 0,
        "records_skipped": 3,
        "records_failed": 1,
    }
    assert [(row, rule) for row, rule, _ in problems] == [
        (3, "duplicate_row"),
        (5, "grade_not_served"),
        (6, "duplicate_row"),
        (8, "duplicate_row"),
    ]
    messages = {row: message for row, _, message in problems}
    assert "row 9 differs and is loaded instead" in messages[3]
    assert "identical to row 2" in messages[6] and "identical to row 7" in messages[8]


def test_quoted_line_breaks_keep_row_numbers_across_chunks(write_csv: Writer) -> None:
    text = f'{ROSTER_HEADER}\n1,"Ann\nMarie",B,6\n2,C,"D\n\nE",7\n3,F,G,8\n4,H,I,\n'
    source = open_source(write_csv(text))
    for size in (1, 2, 10):
        rows = {}
        for chunk in iter_chunks(source, size):
            rows.update({int(n): list(cells) for n, cells in chunk.cells.iterrows()})
        assert rows == {
            2: ["1", "Ann\nMarie", "B", "6"],
            3: ["2", "C", "D\n\nE", "7"],
            4: ["3", "F", "G", "8"],
            5: ["4", "H", "I", ""],
        }


def test_resume_point_skips_whole_rows(write_csv: Writer) -> None:
    source = open_source(write_csv(FILE))
    rows = [int(n) for chunk in iter_chunks(source, 4, after_row=6) for n in chunk.cells.index]
    assert rows == [7, 8, 9, 10]


@pytest.mark.parametrize("periods", [1, 2, 3])
def test_day_patterns_follow_the_metric_definitions(periods: int) -> None:
    letters = [None, *LETTER_DIGITS]
    combos = list(itertools.product(letters, repeat=periods))
    digits = np.zeros((len(combos), 10), dtype=np.int8)
    for row, combo in enumerate(combos):
        for n, letter in enumerate(combo):
            digits[row, n + 1] = LETTER_DIGITS[letter] if letter else 0
    patterns = patterns_of(digits)
    for row, combo in enumerate(combos):
        stored = patterns.values[patterns.codes[row]]
        if not any(combo):
            assert stored[10] == 0 and stored[14] is None
            continue
        day = day_figures(list(combo))
        assert stored[10:14] == (
            day.scheduled,
            day.present,
            day.unexcused_periods,
            day.unverified_periods,
        )
        assert int(stored[14] * 100) == day.percentage_hundredths
