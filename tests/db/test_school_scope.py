"""Schools as a dimension of every dashboard read, on SQLite and PostgreSQL.

Two schools: North (101) is the hand-made school of tests/school.py (four students);
South (102) holds copies of North's two grade-6 students (`S007`, `S7`, same days), so
South's figures are the hand-worked grade-6 ones, and the district's are worked by hand below.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from attendly.errors import Forbidden, NotFound
from attendly.interventions import Actor
from attendly.metrics.day import day_figures
from attendly.metrics.policy import Policy
from db import dashboard, growth, interventions, letters, overview_figures, queries, truancy
from db.correlation import joined_points
from db.effectiveness import counted_interventions
from db.models import AttendanceRecord, School, Student
from db.student_detail import find_student, student_year
from db.summaries import refresh_summaries
from tests import school
from tests.db.test_dashboard_queries import add_diagnostics
from tests.db.test_queries import SETTINGS, load_school

POLICY = Policy()
NORTH, SOUTH = "101", "102"
SOUTH_IDS = {"007": "S007", "7": "S7"}  # North's grade-6 students, copied into South

# South = North's grade 6 (tests/school.py EXPECTED_GRADE_6).
SOUTH_KPIS = {
    "students": 2,
    "eligible_students": 2,
    "attendance_rate": 90.0,
    "chronic_absenteeism_rate": 100.0,
    "period_attendance_rate": 89.29,
    "truant_students": 0,
    "tier_counts": {
        "satisfactory": 0,
        "at_risk": 0,
        "moderate_chronic": 2,
        "severe_chronic": 0,
        "insufficient_data": 0,
    },
}
# District: days present 34 + 18 = 52 of 39 + 20 = 59 -> 88.135 -> 88.14; chronic 2 + 2 = 4
# of 3 + 2 = 5 eligible -> 80.00; periods 227 + 125 = 352 of 263 + 140 = 403 -> 87.344 ->
# 87.34; truant 1 (North's 0100).
DISTRICT_KPIS = {
    "students": 6,
    "eligible_students": 5,
    "attendance_rate": 88.14,
    "chronic_absenteeism_rate": 80.0,
    "period_attendance_rate": 87.34,
    "truant_students": 1,
    "tier_counts": {
        "satisfactory": 1,
        "at_risk": 0,
        "moderate_chronic": 4,
        "severe_chronic": 0,
        "insufficient_data": 1,
    },
}


def load_two_schools(session: Session) -> None:
    """North (the designed school, with three students' ELA diagnostics) and South."""
    load_school(session)
    add_diagnostics(session)
    session.add(School(id=2, code=SOUTH, name="South Middle", periods_per_day=7))
    for source, copy in SOUTH_IDS.items():
        _, last, first, grade = next(row for row in school.ROSTER if row[0] == source)
        session.add(
            Student(id=copy, last_name=last, first_name=first, grade_level=grade, school_id=2)
        )
    session.flush()
    for student_id, day, _, periods in school.attendance_rows():
        if student_id in SOUTH_IDS:
            session.add(south_day(SOUTH_IDS[student_id], day, periods))
    session.flush()
    refresh_summaries(session, list(SOUTH_IDS.values()), SETTINGS)
    growth.refresh_all_growth(session)
    session.commit()


def south_day(student_id: str, day: dt.date, periods: list[str]) -> AttendanceRecord:
    figures = day_figures([p or None for p in periods])
    return AttendanceRecord(
        student_id=student_id,
        date=day,
        academic_year="2025-2026",
        school_id=2,
        scheduled=figures.scheduled,
        present=figures.present,
        daily_attendance_percentage=figures.daily_attendance_percentage,
        unexcused_periods=figures.unexcused_periods,
        unverified_periods=figures.unverified_periods,
        **{f"period_{n}": (p or None) for n, p in enumerate(periods, start=1)},
    )


def call(student_id: str) -> dict[str, object]:
    return {
        "student_id": student_id,
        "type": "phone_call",
        "tier": 2,
        "status": "planned",
        "start_date": "2025-09-08",
    }


def picked(kpis: dict, keys=tuple(DISTRICT_KPIS)) -> dict:
    return {key: kpis[key] for key in keys}


def resolve(session: Session, school_code=None, allowed=None, grade=None) -> dashboard.Scope:
    return dashboard.resolve_scope(
        session,
        grade=grade,
        academic_year=None,
        allowed_grades=None,
        school=school_code,
        allowed_schools=allowed,
    )


def test_kpis_of_each_school_and_of_the_district(session: Session) -> None:
    load_two_schools(session)
    north = queries.kpis(session, POLICY, school=NORTH)
    south = queries.kpis(session, POLICY, school=SOUTH)
    district = queries.kpis(session, POLICY)
    assert picked(north) == picked(school.EXPECTED_SCHOOL)
    assert picked(south) == SOUTH_KPIS
    assert picked(district) == DISTRICT_KPIS
    for key in ("students", "eligible_students", "truant_students"):
        assert district[key] == north[key] + south[key], key
    for tier, count in district["tier_counts"].items():
        assert count == north["tier_counts"][tier] + south["tier_counts"][tier], tier
    assert north["scope"]["school"] == NORTH and district["scope"]["school"] is None
    # i-Ready: only North's students have diagnostics.
    assert north["iready"]["ELA"]["students"] == 3
    assert south["iready"]["ELA"]["students"] == 0
    assert district["iready"]["ELA"]["students"] == 3


@pytest.mark.parametrize("code", [None, NORTH, SOUTH])
def test_the_overview_by_sums_and_per_student_agree_per_school(
    session: Session, code: str | None
) -> None:
    """Both of the Overview's paths (grouped sums, per-student rows) give the CLI's figures
    of the scope's school, the comparison with last week included."""
    load_two_schools(session)
    scope = resolve(session, code)
    version = queries.data_version(session)
    summed = overview_figures.overview_kpis(
        session,
        POLICY,
        academic_year="2025-2026",
        as_of=dt.date(2025, 9, 15),
        grades=None,
        schools=scope.schools,
        school=scope.school,
    )
    per_student = dashboard.per_student_overview(session, POLICY, scope, version)
    assert summed is not None
    without = {k: v for k, v in per_student.kpis.items() if k != "correlation"}
    assert summed.now == without
    assert summed.before == {k: v for k, v in per_student.previous.items() if k != "correlation"}
    assert summed.grades.equals(per_student.grades)
    cli = queries.kpis(session, POLICY, school=code)
    assert {k: v for k, v in cli.items() if k != "correlation"} == summed.now
    then = queries.kpis(session, POLICY, school=code, as_of=dt.date(2025, 9, 8))
    for key in ("students", "attendance_rate", "tier_counts"):
        assert summed.before[key] == then[key], key


def test_daily_totals_of_the_schools_add_up_to_the_district(session: Session) -> None:
    load_two_schools(session)
    parts = [dashboard.daily_totals(session, resolve(session, code)) for code in (NORTH, SOUTH)]
    district = dashboard.daily_totals(session, resolve(session))
    both = parts[0].set_index("date").add(parts[1].set_index("date"), fill_value=0)
    assert both.astype("int64").reset_index().equals(district)
    # South: two students a day, every one of the ten days.
    assert parts[1]["days_enrolled"].tolist() == [2] * 10


def test_a_user_with_schools_sees_them_and_is_refused_others(session: Session) -> None:
    load_two_schools(session)
    mine = resolve(session, allowed=(NORTH,))
    assert (mine.schools, mine.school) == ((1,), None)
    assert resolve(session, allowed=(NORTH, SOUTH)).schools == (1, 2)  # all of theirs, no choice
    assert resolve(session, NORTH, allowed=(NORTH,)).schools == (1,)
    with pytest.raises(Forbidden):
        resolve(session, SOUTH, allowed=(NORTH,))
    with pytest.raises(Forbidden):
        queries.kpis(session, POLICY, school=SOUTH, allowed_schools=[NORTH])
    with pytest.raises(Forbidden):
        queries.students_report(session, POLICY, school=SOUTH, allowed_schools=[NORTH])
    assert picked(queries.kpis(session, POLICY, allowed_schools=[NORTH])) == picked(
        school.EXPECTED_SCHOOL
    )
    # An assignment to a school the district does not hold shows nothing, not everything.
    assert queries.kpis(session, POLICY, allowed_schools=["999"])["students"] == 0


def test_a_district_admin_sees_everything_and_may_choose(session: Session) -> None:
    load_two_schools(session)
    assert resolve(session).schools is None
    assert resolve(session, SOUTH).schools == (2,)
    with pytest.raises(Forbidden):
        resolve(session, "999")  # unknown school


def test_students_report_and_correlation_points_stay_in_the_school(session: Session) -> None:
    load_two_schools(session)
    rows = queries.students_report(session, POLICY, school=SOUTH)
    assert [row["student_id"] for row in rows] == ["S007", "S7"]
    assert {row["school_code"] for row in rows} == {SOUTH}
    north = joined_points(session, resolve(session, NORTH), "ELA")
    assert sorted(north["student_id"]) == ["007", "1234", "7"]
    assert joined_points(session, resolve(session, SOUTH), "ELA").empty


def test_growth_reads_keep_to_the_schools(session: Session) -> None:
    load_two_schools(session)
    assert growth.stored_growth(session, "2025-2026", None, schools=(2,)).empty
    north = growth.stored_growth(session, "2025-2026", None, schools=(1,))
    assert sorted(north["student_id"]) == ["007", "1234", "7"]
    computed = queries.growth_from_diagnostics(session, "2025-2026", None, schools=(2,))
    assert computed.empty


def test_a_student_of_another_school_is_not_found(session: Session) -> None:
    load_two_schools(session)
    assert find_student(session, "S7", None, (SOUTH,))["id"] == "S7"
    with pytest.raises(NotFound, match="No such student"):
        find_student(session, "S7", None, (NORTH,))
    with pytest.raises(NotFound):
        student_year(session, POLICY, "7", None, None, (SOUTH,))
    assert student_year(session, POLICY, "7", None, None, None).figures is not None


def test_interventions_truancy_and_letters_keep_to_the_users_schools(session: Session) -> None:
    load_two_schools(session)
    admin = Actor("admin", "admin")
    created = {
        student: interventions.create_intervention(session, admin, call(student))[0]["id"]
        for student in ("7", "S7")
    }
    session.commit()
    south = Actor("south", "principal", None, (SOUTH,))
    listed = interventions.list_interventions(session, allowed_grades=None, allowed_schools=[SOUTH])
    assert listed["student_id"].tolist() == ["S7"]
    assert interventions.get_intervention(session, created["S7"], None, [SOUTH])["id"]
    with pytest.raises(NotFound):
        interventions.get_intervention(session, created["7"], None, [SOUTH])
    with pytest.raises(NotFound):
        interventions.create_intervention(session, south, call("7"))
    with pytest.raises(NotFound):
        interventions.update_intervention(session, south, created["7"], {"notes": "x"})
    with pytest.raises(NotFound):
        interventions.timeline(session, "7", None, [SOUTH])
    assert interventions.owners(session, None, [SOUTH]) == ["admin"]
    counted = counted_interventions(session, None, [SOUTH])
    assert counted["student_id"].tolist() == ["S7"]
    assert len(counted_interventions(session, None, None)) == 2
    # North's 0100 is truant: due a ladder step for North, not for South's principal.
    north_queue = truancy.truancy_queue(
        session, POLICY, allowed_grades=None, allowed_schools=[NORTH]
    )
    assert north_queue["student_id"].tolist() == ["0100"]
    assert truancy.truancy_queue(
        session, POLICY, allowed_grades=None, allowed_schools=[SOUTH]
    ).empty
    proposal_id = int(north_queue["proposal_id"].iloc[0])
    with pytest.raises(NotFound):
        truancy.proposal(session, proposal_id, None, [SOUTH])
    assert letters.list_letters(session, None, allowed_schools=[SOUTH]).empty


def test_the_warm_up_covers_the_school_sets_users_have(session: Session) -> None:
    """Users assigned to schools open pages without choosing one: the warm-up computes the
    scope resolve_scope gives them (equal, so the same cache key), within its bound."""
    from attendly import warmup
    from db.models import User, UserSchool

    load_two_schools(session)
    for n, codes in enumerate([(SOUTH,), (SOUTH,), (NORTH, SOUTH), ()]):
        session.add(User(id=10 + n, username=f"user{n}", password_hash="x", role="principal"))
        session.flush()
        session.add_all(UserSchool(user_id=10 + n, school_code=code) for code in codes)
    session.commit()
    scopes = warmup.common_scopes(session, (6, 7, 8))
    assert scopes[0] == resolve(session)  # the district first
    assert scopes[1] == resolve(session, allowed=(SOUTH,))  # the most common set next
    assert resolve(session, allowed=(NORTH, SOUTH)) in scopes
    assert len(scopes) <= warmup.MAX_SCOPES
