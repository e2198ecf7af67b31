"""The i-Ready growth table against hand-computed growth, on SQLite and PostgreSQL.

Diagnostics go in through db.iready.upsert_diagnostics (what imports and re-maps use), which
refreshes the table. Hand-computed (metric definitions §6; progress = 100 x max(gain, 0) /
the baseline's measure, half up to 2 places):

- 007 ELA 2025-26: 9/2 500 (not flagged, level 3, typical 20, stretch 40), 9/12 512
  (flagged baseline, level 4, typical 24, stretch 48), 1/20 530 (level 5).
  After 9/2: baseline 9/2 500, gain 0. After 9/12: the flagged 9/12 is the baseline, gain 0.
  After 1/20: gain 530 - 512 = 18, typical 100 x 18 / 24 = 75.00, stretch 18 / 48 = 37.50.
- 7 MATH 2025-26: 9/3 480 (flagged, level 2, typical 30, stretch 45), 12/1 470: gain -10,
  progress 0.00. And 2024-25: 5/1 460 (its own year, its own row).
- 1234 ELA 2025-26: 9/10 560 (level 5, no typical, stretch 13), 10/1 575: gain 15, typical
  None, stretch 100 x 15 / 13 = 115.38.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from attendly.settings import Settings
from db import growth, queries, versions, week_change
from db.aggregates import stale_aggregates
from db.dashboard import Scope
from db.growth_models import IReadyGrowth
from db.iready import KEY, VALUES, upsert_diagnostics
from db.models import IReadyDiagnostic
from db.policy import load_policy
from db.summaries import refresh_all
from db.version_models import DataVersion
from tests.db.test_queries import load_school

YEAR = "2025-2026"
D = dt.date
# student, subject, year, date, score, flagged baseline, level, typical, stretch
DIAGNOSTICS = [
    ("007", "ELA", YEAR, D(2025, 9, 2), 500, False, 3, 20, 40),
    ("007", "ELA", YEAR, D(2025, 9, 12), 512, True, 4, 24, 48),
    ("007", "ELA", YEAR, D(2026, 1, 20), 530, False, 5, 30, 60),
    ("7", "MATH", YEAR, D(2025, 9, 3), 480, True, 2, 30, 45),
    ("7", "MATH", YEAR, D(2025, 12, 1), 470, False, 2, 30, 45),
    ("7", "MATH", "2024-2025", D(2025, 5, 1), 460, False, 1, 30, 45),
    ("1234", "ELA", YEAR, D(2025, 9, 10), 560, False, 5, None, 13),
    ("1234", "ELA", YEAR, D(2025, 10, 1), 575, False, 5, None, 13),
]


def diagnostics(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """Rows as upsert_diagnostics takes them (the other VALUES left empty)."""
    frame = pd.DataFrame(
        [
            {
                "student_id": student,
                "subject": subject,
                "academic_year": year,
                "completion_date": day,
                "overall_scale_score": score,
                "baseline": flagged,
                "placement_level": level,
                "annual_typical_growth": typical,
                "annual_stretch_growth": stretch,
            }
            for student, subject, year, day, score, flagged, level, typical, stretch in rows
        ]
    )
    for name in VALUES:
        if name not in frame:
            frame[name] = None
    frame["most_recent"] = False
    frame["import_id"] = None
    return frame[[*KEY, *VALUES, "import_id"]]


def no_domains(rows: pd.DataFrame) -> pd.DataFrame:
    columns = ["domain", "scale_score", "placement", "relative_placement", "placement_level"]
    return pd.DataFrame(columns=columns, index=rows.index[:0])


def store(session: Session, rows: list[tuple[Any, ...]] = DIAGNOSTICS) -> None:
    frame = diagnostics(rows)
    upsert_diagnostics(session, frame, no_domains(frame))
    session.commit()


def states(session: Session, student: str) -> list[tuple[Any, ...]]:
    g = IReadyGrowth
    query = (
        select(
            g.academic_year,
            g.most_recent_date,
            g.valid_until,
            g.diagnostics,
            g.baseline_date,
            g.baseline_score,
            g.most_recent_score,
            g.placement_level,
            g.diagnostic_gain,
            g.typical_hundredths,
            g.stretch_hundredths,
        )
        .where(g.student_id == student)
        .order_by(g.academic_year, g.most_recent_date)
    )
    return [tuple(row) for row in session.execute(query)]


def by_student(frame: pd.DataFrame) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["student_id"], r["subject"]): r for r in frame.to_dict("records")}


def test_a_row_per_diagnostic_with_the_growth_after_it(session: Session) -> None:
    load_school(session)
    store(session)
    assert states(session, "007") == [
        (YEAR, D(2025, 9, 2), D(2025, 9, 12), 1, D(2025, 9, 2), 500, 500, 3, 0, 0, 0),
        (YEAR, D(2025, 9, 12), D(2026, 1, 20), 2, D(2025, 9, 12), 512, 512, 4, 0, 0, 0),
        (YEAR, D(2026, 1, 20), None, 3, D(2025, 9, 12), 512, 530, 5, 18, 7500, 3750),
    ]
    assert states(session, "7") == [
        ("2024-2025", D(2025, 5, 1), None, 1, D(2025, 5, 1), 460, 460, 1, 0, 0, 0),
        (YEAR, D(2025, 9, 3), D(2025, 12, 1), 1, D(2025, 9, 3), 480, 480, 2, 0, 0, 0),
        (YEAR, D(2025, 12, 1), None, 2, D(2025, 9, 3), 480, 470, 2, -10, 0, 0),
    ]
    assert states(session, "1234")[-1][-4:] == (5, 15, None, 11538)
    assert growth.in_sync(session)


def test_growth_now_and_as_of_earlier_dates(session: Session) -> None:
    load_school(session)
    store(session)
    now = by_student(queries.iready_growth(session, YEAR, None))
    assert set(now) == {("007", "ELA"), ("7", "MATH"), ("1234", "ELA")}
    ela = now[("007", "ELA")]
    assert (ela["baseline_score"], ela["most_recent_score"], ela["diagnostics"]) == (512, 530, 3)
    assert (ela["progress_to_typical"], ela["progress_to_stretch"]) == (75.0, 37.5)
    assert ela["on_grade_level"] is True and ela["placement_level"] == 5
    assert now[("7", "MATH")]["diagnostic_gain"] == -10
    assert now[("7", "MATH")]["progress_to_typical"] == 0.0
    assert pd.isna(now[("1234", "ELA")]["progress_to_typical"])
    assert now[("1234", "ELA")]["progress_to_stretch"] == 115.38
    then = by_student(queries.iready_growth(session, YEAR, None, until=D(2025, 9, 12)))
    assert set(then) == {("007", "ELA"), ("7", "MATH"), ("1234", "ELA")}
    assert then[("007", "ELA")]["most_recent_score"] == 512
    assert then[("007", "ELA")]["on_grade_level"] is True  # level 4 on 9/12
    assert then[("1234", "ELA")]["diagnostics"] == 1
    assert queries.iready_growth(session, YEAR, None, until=D(2025, 9, 1)).empty


@pytest.mark.parametrize(
    "until", [None, D(2025, 9, 2), D(2025, 9, 11), D(2025, 10, 1), D(2026, 1, 19), D(2026, 6, 1)]
)
@pytest.mark.parametrize("grades", [None, (6,), (8,), (7,)])
def test_the_table_reads_what_the_diagnostics_compute(
    session: Session, until: dt.date | None, grades: tuple[int, ...] | None
) -> None:
    load_school(session)
    store(session)
    stored = growth.stored_growth(session, YEAR, grades, until)
    computed = queries.growth_from_diagnostics(session, YEAR, grades, until)
    pd.testing.assert_frame_equal(stored, computed, check_exact=True)


@pytest.mark.parametrize("before", [D(2025, 9, 1), D(2025, 9, 8), D(2025, 11, 30), D(2026, 2, 1)])
def test_a_week_ago_from_the_growth_now(session: Session, before: dt.date) -> None:
    """The Overview's "a week earlier": rows unchanged since, plus the rows that held then."""
    load_school(session)
    store(session)
    scope = Scope(YEAR, D(2026, 6, 1), None)
    now = queries.iready_growth(session, YEAR, None)
    earlier = week_change.growth_as_of(session, scope, before, now)
    computed = queries.growth_from_diagnostics(session, YEAR, None, before)
    pd.testing.assert_frame_equal(earlier, computed, check_exact=True)


def test_a_teacher_scope_reads_only_its_grades(session: Session) -> None:
    load_school(session)
    store(session)
    sixth = queries.iready_growth(session, YEAR, (6,))
    assert sorted(sixth["student_id"]) == ["007", "7"]  # 1234 is in grade 8
    assert queries.iready_growth(session, YEAR, (7,)).empty


def test_reimport_changes_only_what_changed(session: Session) -> None:
    load_school(session)
    store(session)
    before = {student: states(session, student) for student in ("007", "7", "1234")}
    store(session)  # the same file again
    assert {student: states(session, student) for student in before} == before
    changed = [
        row if row[3] != D(2026, 1, 20) else (*row[:4], 540, *row[5:]) for row in DIAGNOSTICS
    ]
    store(session, changed)
    # gain 540 - 512 = 28: typical 100 x 28 / 24 = 116.67, stretch 28 / 48 = 58.33
    assert states(session, "007")[-1][-5:] == (540, 5, 28, 11667, 5833)
    assert states(session, "007")[:2] == before["007"][:2]
    assert states(session, "7") == before["7"] and states(session, "1234") == before["1234"]


def test_a_rolled_back_write_leaves_the_table_as_it_was(session: Session) -> None:
    load_school(session)
    store(session, DIAGNOSTICS[:2])
    kept = states(session, "007")
    frame = diagnostics(DIAGNOSTICS[2:3])
    upsert_diagnostics(session, frame, no_domains(frame))
    assert len(states(session, "007")) == 3  # same transaction: diagnostics and growth
    session.rollback()
    assert states(session, "007") == kept
    assert growth.in_sync(session)


def test_stale_rows_are_counted_and_refresh_all_rebuilds(session: Session) -> None:
    load_school(session)
    store(session)
    settings = Settings(env="test")
    policy = load_policy(session, settings)
    assert stale_aggregates(session, policy)["iready_growth"] == 0
    # Out of step as a database upgraded with diagnostics in it: rows missing, never checked.
    session.execute(delete(IReadyGrowth).where(IReadyGrowth.student_id == "7"))
    session.execute(delete(DataVersion).where(DataVersion.name == versions.GROWTH_CHECKED))
    assert stale_aggregates(session, policy)["iready_growth"] == 3  # three rows missing
    assert not growth.in_sync(session)
    # Out of step, readers compute from the diagnostics: the same numbers.
    assert (
        by_student(queries.iready_growth(session, YEAR, None))[("7", "MATH")]["most_recent_score"]
        == 470
    )
    refresh_all(session, settings)
    session.commit()
    assert stale_aggregates(session, policy)["iready_growth"] == 0
    assert growth.in_sync(session)
    count = select(func.count()).select_from(IReadyGrowth)
    assert session.scalar(count) == session.scalar(
        select(func.count()).select_from(IReadyDiagnostic)
    )


def test_verify_reports_a_stale_table_and_repair_rebuilds_it(session: Session) -> None:
    from attendly.integrity import run_integrity_check

    load_school(session)
    store(session)
    session.execute(delete(IReadyGrowth).where(IReadyGrowth.student_id == "007"))
    session.commit()
    settings = Settings(env="test")
    found = run_integrity_check(session, settings, repair=True)
    assert found["aggregates"] == {"iready_growth": 3} and not found["ok"]
    assert growth.in_sync(session) and growth.stale_growth(session) == 0
    assert run_integrity_check(session, settings)["ok"]


def test_a_growth_write_stamps_the_diagnostics_it_found_in_step(session: Session) -> None:
    load_school(session)
    store(session, DIAGNOSTICS[:2])
    written = versions.current(session, versions.DIAGNOSTICS)
    assert written is not None and written >= 1
    assert versions.current(session, versions.GROWTH_CHECKED) == written
    assert growth.in_sync(session)
    store(session)  # the other diagnostics: the counter moves, the stamp follows
    assert versions.current(session, versions.DIAGNOSTICS) == written + 1
    assert versions.current(session, versions.GROWTH_CHECKED) == written + 1


def test_diagnostics_changed_since_the_stamp_are_counted_again(session: Session) -> None:
    load_school(session)
    store(session)
    versions.bump(session, versions.DIAGNOSTICS)  # a write that did not check the table
    assert growth.in_sync(session)  # counted: still one row per diagnostic
    session.execute(delete(IReadyGrowth).where(IReadyGrowth.student_id == "7"))
    assert not growth.in_sync(session)
    growth.record_sync(session)  # out of step: no stamp
    assert versions.current(session, versions.GROWTH_CHECKED) != versions.current(
        session, versions.DIAGNOSTICS
    )
    assert not growth.in_sync(session)
    growth.refresh_growth(session, ["7"])
    assert growth.in_sync(session)
    assert versions.current(session, versions.GROWTH_CHECKED) == versions.current(
        session, versions.DIAGNOSTICS
    )
