"""The Overview's pre-added groups (db.overview_groups) give exactly the grouped sums of the
summaries (db.overview_figures._grade_sums), now and a week ago, for every kind of scope, on
SQLite and PostgreSQL; after imports, corrections, roster changes and rollbacks they still do,
and a write that skipped their refresh or another policy makes them answer None."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from attendly.integrity import run_integrity_check
from attendly.metrics.policy import Policy
from attendly.settings import Settings
from db import overview_figures
from db.aggregates import stale_aggregates
from db.dashboard import Scope
from db.models import AttendanceRecord, Student, StudentYearSummary
from db.overview_group_models import OverviewGroup, OverviewGroupYear
from db.overview_groups import (
    SOURCES,
    group_sums,
    rebuild_loaded,
    refresh_overview_groups,
    stale_overview_groups,
)
from db.policy import load_policy
from db.summaries import refresh_all, refresh_summaries
from db.versions import SUMMARIES, bump, current
from ingest.recovery import rollback_import
from tests.db.days import add_day
from tests.db.test_overview_figures import DAYS, POLICY, SETTINGS, load_random_school
from tests.ingest.conftest import (  # noqa: F401  (fixtures)
    ATTENDANCE_HEADER,
    ROSTER_HEADER,
    Runner,
    Writer,
    run,
    settings,
    write_csv,
)

YEAR = "2025-2026"
AS_OF = DAYS[-1]
SCOPES: dict[str, Scope] = {
    "district": Scope(YEAR, AS_OF, None),
    "one school": Scope(YEAR, AS_OF, None, schools=(2,)),
    "one grade": Scope(YEAR, AS_OF, (7,), grade=7),
    "a teacher's grades": Scope(YEAR, AS_OF, (6, 8)),
    "grades of a school": Scope(YEAR, AS_OF, (6, 7), schools=(1,)),
    "no grade": Scope(YEAR, AS_OF, ()),
}


def assert_equal(
    session: Session, policy: Policy = POLICY, scopes: Iterable[Scope] = SCOPES.values()
) -> None:
    """group_sums is _grade_sums (order aside) for every scope, now and a week ago."""
    for scope in scopes:
        for which, table in SOURCES.items():
            stored = group_sums(session, which, scope, policy)  # type: ignore[arg-type]
            assert stored is not None, (which, scope)
            expected = overview_figures._grade_sums(session, table, scope, policy)
            assert sorted(stored) == sorted(expected), (which, scope)


@pytest.mark.parametrize("seed", [1, 2])
def test_every_scope_now_and_before(session: Session, seed: int) -> None:
    load_random_school(session, seed)
    assert_equal(session)
    district = SCOPES["district"]
    before = group_sums(session, "before", district, POLICY)
    assert before and sum(sums[0] for _, _, sums in before) > 0  # a week before exists
    # a few rows per (school, grade): what the page adds up instead of every student
    assert len(session.scalars(select(OverviewGroup)).all()) <= 2 * 2 * 3 * 5  # 5 tiers
    assert stale_overview_groups(session, POLICY) == 0
    # a year without summaries has no header: the caller adds up (and finds nothing)
    assert group_sums(session, "now", Scope("2019-2020", AS_OF, None), POLICY) is None


def test_a_further_import_and_one_students_refresh(session: Session) -> None:
    """A later day for one student (the week before moves for everyone), then a correction
    of one day of another student (a date-restricted refresh)."""
    ids = load_random_school(session, 3)
    day = dt.date(2025, 9, 29)
    add_day(session, ids[0], day, ["P"] * 7)
    add_day(session, ids[1], day, ["U"] * 7, school_id=2)
    session.flush()
    refresh_summaries(session, ids[:2], SETTINGS)
    session.commit()
    assert_equal(session)
    record = session.scalars(
        select(AttendanceRecord).where(AttendanceRecord.student_id == ids[5])
    ).first()
    assert record is not None
    changed = record.date
    session.execute(
        update(AttendanceRecord)
        .where(AttendanceRecord.id == record.id)
        .values(present=0, unexcused_periods=record.scheduled)
    )
    refresh_summaries(session, [ids[5]], SETTINGS, dates=(changed, changed))
    session.commit()
    assert_equal(session)
    assert stale_overview_groups(session, POLICY) == 0


def test_a_student_moving_grade_or_school(session: Session) -> None:
    """What a roster import does (ingest.pipeline refreshes the students it changed)."""
    ids = load_random_school(session, 4)
    session.execute(update(Student).where(Student.id == ids[0]).values(grade_level=8))
    session.execute(update(Student).where(Student.id == ids[1]).values(school_id=1))
    refresh_summaries(session, ids[:2], SETTINGS)
    session.commit()
    assert_equal(session)


def test_a_write_that_skips_the_refresh_is_never_used(session: Session) -> None:
    load_random_school(session, 5)
    district = SCOPES["district"]
    assert group_sums(session, "now", district, POLICY) is not None
    session.execute(update(StudentYearSummary).values(days_present=0))
    bump(session, SUMMARIES)  # what every writer of summaries does
    assert group_sums(session, "now", district, POLICY) is None
    assert group_sums(session, "before", district, POLICY) is None
    assert stale_overview_groups(session, POLICY) > 1  # the header and the rows
    refresh_overview_groups(session, POLICY)
    session.commit()
    assert_equal(session)
    # an emptied counter starts again at 1: the refresh stamps what it finds
    session.execute(delete(OverviewGroupYear))
    assert group_sums(session, "now", district, POLICY) is None


def test_a_policy_change(session: Session) -> None:
    """Another truant threshold or tier preset: None until the refresh under the new policy
    (db.summaries.refresh_all, as after a policy change); then the new policy's sums."""
    load_random_school(session, 6)
    district = SCOPES["district"]
    lower = Policy(truancy_steps=(1, 2, 3))
    assert lower.truant_threshold != POLICY.truant_threshold
    assert group_sums(session, "now", district, lower) is None
    refresh_overview_groups(session, lower)
    assert_equal(session, lower)
    assert group_sums(session, "now", district, POLICY) is None
    ladder = Settings(env="test", tier_preset="days_ladder")
    refresh_all(session, ladder)
    session.commit()
    policy = Policy(tier_preset="days_ladder")
    assert group_sums(session, "now", district, POLICY) is None
    assert_equal(session, policy)
    tiers = {tier for (tier,) in session.execute(select(OverviewGroup.tier).distinct())}
    assert tiers == {t for (t,) in session.execute(select(StudentYearSummary.tier).distinct())}


def test_a_whole_dataset_load(session: Session) -> None:
    """attendly.transfer's load: headers stamped with another database's counter and rows
    that may be stale there are rebuilt, the headers kept as loaded."""
    load_random_school(session, 8)
    header = session.get(OverviewGroupYear, YEAR)
    assert header is not None
    loaded = header.source_version + 40  # the source database's counter
    session.execute(update(OverviewGroupYear).values(source_version=loaded))
    session.execute(update(OverviewGroup).values(students=0))  # stale in the source
    session.add(
        OverviewGroupYear(
            academic_year="2024-2025", source_version=3, policy_key="x", truant_threshold=3
        )
    )
    session.flush()
    assert group_sums(session, "now", SCOPES["district"], POLICY) is None
    rebuild_loaded(session.connection())
    assert current(session, SUMMARIES) == loaded
    assert_equal(session)
    assert group_sums(session, "now", Scope("2024-2025", AS_OF, None), POLICY) is None
    session.execute(delete(OverviewGroupYear))
    rebuild_loaded(session.connection())  # nothing loaded: the counter moves on
    assert current(session, SUMMARIES) == loaded + 1


def test_verify_finds_and_repairs_wrong_groups(session: Session) -> None:
    load_random_school(session, 7)
    assert stale_aggregates(session, POLICY)["overview_groups"] == 0
    session.execute(update(OverviewGroup).where(OverviewGroup.grade_level == 6).values(truant=99))
    session.commit()
    wrong = stale_aggregates(session, POLICY)["overview_groups"]
    assert wrong >= 2  # each wrong row twice
    result = run_integrity_check(session, SETTINGS, repair=True)
    assert result["aggregates"] == {"overview_groups": wrong} and not result["ok"]
    assert result["repaired"]["aggregates_rebuilt"] is True
    assert stale_aggregates(session, POLICY)["overview_groups"] == 0
    assert_equal(session)


ON = dt.date(2025, 9, 26)
SCHOOL_DAYS = [DAYS[0] + dt.timedelta(days=n) for n in range(26)]
SCHOOL_DAYS = [day for day in SCHOOL_DAYS if day.weekday() < 5 and day <= ON]


def test_roster_imports_and_their_rollback(
    session: Session,
    run: Runner,  # noqa: F811  (the import fixtures of tests.ingest)
    write_csv: Writer,  # noqa: F811
    settings: Settings,  # noqa: F811
) -> None:
    """Through the import pipeline: a roster import moving students between grades and
    schools refreshes them (and the groups); rolling it back restores the groups."""
    roster = f"{ROSTER_HEADER},school_code\nA,Lee,Kim,6,001\nB,Ray,Ana,7,001\nC,Cho,Min,6,002\n"
    lines = [f"{ATTENDANCE_HEADER},school_code"]
    for n, day in enumerate(SCHOOL_DAYS):
        for student, grade, school in (("A", 6, "001"), ("B", 7, "001"), ("C", 6, "002")):
            status = "U" if (n + ord(student)) % 4 == 0 else "P"
            lines.append(f"{student},{day},{grade},{','.join([status] * 7)},{school}")
    for kind, content in (("roster", roster), ("attendance", "\n".join(lines) + "\n")):
        result = run(kind, write_csv(content, name=f"{kind}.csv"), today=ON)
        assert result.status == "completed" and result.records_failed == 0, result.errors[:3]
    policy = load_policy(session, settings)
    schools = {
        sid: school for sid, school in session.execute(select(Student.id, Student.school_id))
    }
    scopes = [
        Scope(YEAR, ON, None),
        Scope(YEAR, ON, (6,)),
        Scope(YEAR, ON, (7,), schools=(schools["A"],)),
        Scope(YEAR, ON, None, schools=(schools["C"],)),
    ]
    assert_equal(session, policy, scopes)
    before = {s: group_sums(session, "now", s, policy) for s in scopes}
    moved = f"{ROSTER_HEADER},school_code\nA,Lee,Kim,7,001\nC,Cho,Min,6,001\n"
    result = run("roster", write_csv(moved, name="moved.csv"), today=ON)
    assert result.status == "completed" and result.records_updated == 2
    assert_equal(session, policy, scopes)
    assert group_sums(session, "now", scopes[3], policy) == []  # C left that school
    assert result.import_id is not None
    rollback_import(session, result.import_id, settings=settings)
    assert_equal(session, policy, scopes)
    assert {s: group_sums(session, "now", s, policy) for s in scopes} == before
    assert stale_overview_groups(session, policy) == 0
