"""The Students list in SQL (db.student_list_query) equals the pandas path it replaces
(filter_students over student_actions.student_rows, then page_of / grid_sorted) for every
sort, filter, header sort, scope and page, on SQLite and PostgreSQL; plus hand-computed cases.

The school is written straight into the summary tables (the list reads nothing else), with
names chosen to trip the SQL: ties, LIKE wildcards, mixed case, accents, ids that sort
differently as text and as numbers.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
from sqlalchemy.orm import Session

from attendly.metrics.policy import Policy
from db import growth, student_actions, student_list_query
from db.dashboard import Scope
from db.models import (
    AttendanceDayTotal,
    AttendanceRecord,
    IReadyDiagnostic,
    School,
    SchoolCalendarDay,
    Student,
    StudentYearSummary,
)
from db.students_list import SORTS, StudentFilter, filter_students, grid_sorted, page_of
from db.versions import DIAGNOSTICS, bump

POLICY = Policy()
YEAR = "2025-2026"
AS_OF = dt.date(2025, 10, 31)
SCOPE = Scope(YEAR, AS_OF, None)
GRID_COLUMNS = (
    "student_id",
    "grade_level",
    "attendance_rate",
    "days_absent",
    "period_attendance_rate",
    "truancy_occasions",
)
TIERS = ("satisfactory", "at_risk", "moderate_chronic", "severe_chronic")
# (id, last, first, grade, school, enrolled, absent, chronic flag): the hand-checked students.
HAND = [
    ("9", "Lee", "Ann", 6, 1, 40, 2, False),  # school 1: 10 days left -> ceil(50/10) - 2 = 3
    ("10", "Lee", "Ann", 6, 1, 40, 6, True),  # chronic already -> no number
    ("0100", "50% Off", "Max", 7, 1, 40, 5, False),  # ceil(5) - 5 = 0
    ("500", "Fivehundred", "Zed", 7, 3, 40, 3, False),  # school 3: no days left -> 1 > 0: none
    ("a_b", "Under_Score", "Una", 8, 3, 40, 4, False),  # 4 - 4 = 0: reachable with 0 days
    ("ab", "Back\\Slash", "Bea/Bo", 8, 2, 30, 0, False),  # school 2: 180 - 30 days = 150 left
    ("X1", "ÉMILE", "Zoë", 6, 2, 30, 1, False),
    ("x2", "émile", "ZOË", 7, 2, 30, 30, True),
]


def _summary(sid: str, enrolled: int, absent: int, chronic: bool, rnd: random.Random) -> Any:
    attendance = Decimal(100 * (enrolled - absent) // enrolled) if enrolled else Decimal(0)
    truancy = rnd.choice([0, 0, 1, 3, 5])
    return StudentYearSummary(
        student_id=sid,
        academic_year=YEAR,
        as_of=AS_OF,
        days_enrolled=enrolled,
        days_absent=absent,
        days_present=enrolled - absent,
        partial_days=0,
        absence_rate=100 - attendance,
        attendance_rate=attendance,
        period_attendance_rate=Decimal(rnd.choice(["90.00", "95.50", "99.25", "100.00"])),
        scheduled_periods=enrolled * 7,
        present_periods=(enrolled - absent) * 7,
        truancy_occasions=truancy,
        truant=truancy >= 3,
        eligible=enrolled >= 10,
        chronically_absent=chronic,
        tier=rnd.choice(TIERS),
    )


def load(session: Session, extra: int = 60) -> None:
    """Three schools (1 with a calendar, 2 estimated from 30 recorded days, 3 with neither),
    the HAND students and `extra` random ones (names repeat on purpose), i-Ready for most."""
    rnd = random.Random(7)
    for number in (1, 2, 3):
        session.add(School(id=number, code=f"S{number}", name=f"School {number}"))
    session.flush()
    for offset in range(11):  # school 1: as_of and 10 school days after it
        day = AS_OF + dt.timedelta(days=offset)
        session.add(SchoolCalendarDay(school_id=1, date=day, academic_year=YEAR))
    for offset in range(30):  # school 2: 30 recorded days, no calendar
        day = AS_OF - dt.timedelta(days=offset)
        session.add(_day_total(2, day))
    people = list(HAND)
    lasts, firsts = ["Lee", "García", "lee", "O'Brien", "Zhu", "Ávila"], ["Ann", "Bo", "ann"]
    for n in range(extra):
        enrolled, absent = rnd.randint(20, 60), rnd.randint(0, 12)
        chronic = absent * 10 >= enrolled
        last, first = rnd.choice(lasts), rnd.choice(firsts)
        people.append((f"{1000 + n}", last, first, 6 + n % 3, 1 + n % 3, enrolled, absent, chronic))
    for sid, last, first, grade, school, enrolled, absent, chronic in people:
        session.add(
            Student(id=sid, last_name=last, first_name=first, grade_level=grade, school_id=school)
        )
        session.flush()
        session.add(_summary(sid, enrolled, absent, chronic, rnd))
        if rnd.random() < 0.8:
            _diagnostics(session, sid, rnd)
    session.add(_record("9", AS_OF))  # the year's last date: the stored figures hold
    session.flush()
    growth.refresh_all_growth(session)
    session.commit()


def _day_total(school: int, day: dt.date) -> AttendanceDayTotal:
    return AttendanceDayTotal(
        school_id=school,
        grade_level=6,
        date=day,
        academic_year=YEAR,
        days_enrolled=1,
        days_absent=0,
        scheduled_periods=7,
        present_periods=7,
    )


def _record(student: str, day: dt.date) -> AttendanceRecord:
    return AttendanceRecord(
        student_id=student,
        date=day,
        academic_year=YEAR,
        school_id=1,
        scheduled=7,
        present=7,
        daily_attendance_percentage=Decimal(100),
    )


def _diagnostics(session: Session, sid: str, rnd: random.Random) -> None:
    for subject in ("ELA", "MATH")[: rnd.randint(1, 2)]:
        for day in (dt.date(2025, 9, 5), dt.date(2025, 10, 20))[: rnd.randint(1, 2)]:
            session.add(
                IReadyDiagnostic(
                    student_id=sid,
                    subject=subject,
                    completion_date=day,
                    academic_year=YEAR,
                    overall_scale_score=rnd.randint(400, 600),
                    placement_level=rnd.choice([None, 1, 2, 3, 4, 5]),
                    annual_typical_growth=20,
                    annual_stretch_growth=40,
                )
            )


def plain(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as comparable records: missing values as None, numbers as floats."""
    out = []
    for record in rows[list(student_actions.ROW_COLUMNS)].to_dict("records"):
        out.append(
            {
                key: None
                if value is None or value is pd.NA or (isinstance(value, float) and value != value)
                else float(value)
                if isinstance(value, int | float) and not isinstance(value, bool)
                else value
                for key, value in record.items()
            }
        )
    return out


def reference(
    session: Session, scope: Scope, chosen: StudentFilter, orders: Any = ()
) -> pd.DataFrame:
    rows = student_actions.student_rows(session, POLICY, scope)
    return grid_sorted(filter_students(rows, chosen), orders)


def in_sql(session: Session, scope: Scope, chosen: StudentFilter, orders: Any = ()) -> pd.DataFrame:
    rows, total = student_list_query.student_block(
        session, POLICY, scope, chosen, tuple(orders), 0, 10_000
    )
    assert total == len(rows)
    return rows


@pytest.fixture
def school(session: Session) -> Session:
    load(session)
    return session


FILTERS = [
    StudentFilter(),
    StudentFilter(tiers=("at_risk",)),
    StudentFilter(tiers=("moderate_chronic", "severe_chronic"), truant_only=True),
    StudentFilter(truant_only=True),
    StudentFilter(near_chronic=0),
    StudentFilter(near_chronic=3),
    StudentFilter(search="lee"),
    StudentFilter(search="  LEE, a "),
    StudentFilter(search="ann l"),
    StudentFilter(search="10"),
    StudentFilter(search="50%"),
    StudentFilter(search="%"),
    StudentFilter(search="_"),
    StudentFilter(search="r_s"),
    StudentFilter(search="\\"),
    StudentFilter(search="/"),
    StudentFilter(search="émile"),
    StudentFilter(search="ZOË"),
    StudentFilter(search="x"),
    StudentFilter(search="nobody"),
    StudentFilter(tiers=("at_risk", "satisfactory"), search="a", near_chronic=5),
]


@pytest.mark.parametrize("chosen", FILTERS, ids=repr)
def test_every_sort_and_filter_equals_the_pandas_path(
    school: Session, chosen: StudentFilter
) -> None:
    for sort in SORTS:
        wanted = StudentFilter(
            chosen.tiers, chosen.truant_only, chosen.search, sort, chosen.near_chronic
        )
        assert plain(in_sql(school, SCOPE, wanted)) == plain(reference(school, SCOPE, wanted))


@pytest.mark.parametrize("column", GRID_COLUMNS)
def test_header_sorts_equal_the_pandas_path(school: Session, column: str) -> None:
    for descending, sort in itertools.product([False, True], ["attendance", "chronic", "name"]):
        chosen = StudentFilter(sort=sort)
        orders = ((column, descending),)
        assert plain(in_sql(school, SCOPE, chosen, orders)) == plain(
            reference(school, SCOPE, chosen, orders)
        )


def test_several_header_sorts_equal_the_pandas_path(school: Session) -> None:
    for orders in itertools.permutations(
        [("grade_level", True), ("truancy_occasions", False), ("period_attendance_rate", True)]
    ):
        chosen = StudentFilter(sort="absent", search="a")
        assert plain(in_sql(school, SCOPE, chosen, orders)) == plain(
            reference(school, SCOPE, chosen, orders)
        )


@pytest.mark.parametrize("grades", [(6, 7), (8,), ()])
def test_a_grade_scope_equals_the_pandas_path(school: Session, grades: tuple[int, ...]) -> None:
    scope = Scope(YEAR, AS_OF, grades)
    for chosen in (StudentFilter(sort="chronic"), StudentFilter(search="lee", sort="grade")):
        got = in_sql(school, scope, chosen)
        assert plain(got) == plain(reference(school, scope, chosen))
        assert set(got["grade_level"]) <= set(grades)


@pytest.mark.parametrize("size", [1, 7, 100])
def test_pages_equal_page_of_and_clamp_past_the_end(school: Session, size: int) -> None:
    # Tied keys (truancy, absences) cut inside a run of equal values on most pages.
    for sort in ("chronic", "truancy", "absent", "attendance", "name"):
        chosen = StudentFilter(sort=sort, tiers=("at_risk", "satisfactory", "severe_chronic"))
        rows = reference(school, SCOPE, chosen)
        last = max(1, -(-len(rows) // size))
        for page in sorted({0, 1, 2, 3, last // 2, last - 1, last, last + 1, last + 50}):
            got = student_list_query.student_page(school, POLICY, SCOPE, chosen, page, size)
            expected, pages = page_of(rows, page, size)
            assert (got.total, got.pages, got.page) == (len(rows), pages, min(max(page, 1), pages))
            assert plain(got.rows) == plain(expected)


@pytest.mark.parametrize(
    "orders",
    [(("student_id", True),), (("truancy_occasions", True),), (("days_absent", False),)],
)
def test_table_blocks_equal_slices(school: Session, orders: Any) -> None:
    chosen = StudentFilter(sort="truancy")
    rows = reference(school, SCOPE, chosen, orders)
    for start, end in ((0, 10), (10, 25), (13, 14), (60, 100), (500, 600), (5, 5)):
        got, total = student_list_query.student_block(
            school, POLICY, SCOPE, chosen, orders, start, end
        )
        assert total == len(rows)
        assert plain(got) == plain(rows.iloc[start:end])


def test_empty_scope_and_no_match(school: Session) -> None:
    empty = Scope(None, None, None)
    page = student_list_query.student_page(school, POLICY, empty, StudentFilter(), 3, 24)
    assert (page.total, page.page, page.pages, len(page.rows)) == (0, 1, 1, 0)
    assert list(page.rows.columns) == list(student_actions.ROW_COLUMNS)
    nobody = StudentFilter(search="nobody")
    page = student_list_query.student_page(school, POLICY, SCOPE, nobody, 2, 24)
    assert (page.total, page.page, page.pages, len(page.rows)) == (0, 1, 1, 0)
    rows, total = student_list_query.student_block(school, POLICY, empty, nobody, (), 0, 100)
    assert (total, len(rows)) == (0, 0)


def _ids(session: Session, chosen: StudentFilter, orders: Any = ()) -> list[str]:
    return list(in_sql(session, Scope(YEAR, AS_OF, None), chosen, orders)["student_id"])


def test_hand_computed_early_warning(session: Session) -> None:
    load(session, extra=0)
    rows = in_sql(session, SCOPE, StudentFilter(sort="chronic"))
    more = dict(zip(rows["student_id"], rows["more_absences_to_chronic"], strict=True))
    assert {k: int(v) for k, v in more.items() if not pd.isna(v)} == {
        "9": 3,  # 40 + 10 days: 5 absences make chronic, 2 so far
        "0100": 0,
        "a_b": 0,
        "ab": 18,  # 30 + 150 days: 18 absences, none so far
        "X1": 17,
    }
    assert {k for k, v in more.items() if pd.isna(v)} == {"10", "500", "x2"}
    # Fewest first, the unknowns last; ties by name then id.
    assert list(rows["student_id"]) == ["0100", "a_b", "9", "X1", "ab", "500", "10", "x2"]
    near = in_sql(session, SCOPE, StudentFilter(near_chronic=0))
    assert list(near["student_id"]) == ["0100", "a_b"]


def test_hand_computed_search_and_ties(session: Session) -> None:
    load(session, extra=0)
    # Identical names: by id in code point order ("10" before "9").
    assert _ids(session, StudentFilter(search="lee", sort="name")) == ["10", "9"]
    assert _ids(session, StudentFilter(search="ann lee")) == ["10", "9"]
    assert _ids(session, StudentFilter(search="LEE, ANN", sort="name")) == ["10", "9"]
    # Wildcards match themselves only.
    assert _ids(session, StudentFilter(search="50%")) == ["0100"]
    assert _ids(session, StudentFilter(search="r_s")) == ["a_b"]
    assert _ids(session, StudentFilter(search="a_")) == ["a_b"]
    assert _ids(session, StudentFilter(search="\\s")) == ["ab"]
    assert _ids(session, StudentFilter(search="A/BO")) == ["ab"]
    # Accented capitals fold; the id matches only as a prefix.
    assert _ids(session, StudentFilter(search="ÉMILE", sort="name")) == ["X1", "x2"]
    assert _ids(session, StudentFilter(search="zoë émile", sort="name")) == ["X1", "x2"]
    assert _ids(session, StudentFilter(search="00")) == []
    assert _ids(session, StudentFilter(search="01")) == ["0100"]
    assert _ids(session, StudentFilter(search="5", sort="name")) == ["0100", "500"]


def test_hand_computed_header_sort(session: Session) -> None:
    load(session, extra=0)
    ids = _ids(session, StudentFilter(sort="name"), (("student_id", False),))
    assert ids == ["0100", "10", "500", "9", "X1", "a_b", "ab", "x2"]
    ids = _ids(session, StudentFilter(sort="name"), (("grade_level", True),))
    assert ids == ["ab", "a_b", "0100", "500", "x2", "10", "9", "X1"]


def test_placements_follow_the_latest_diagnostic(session: Session) -> None:
    load(session, extra=0)
    page = student_list_query.student_page(session, POLICY, SCOPE, StudentFilter(), 1, 24)
    expected = student_actions.student_rows(session, POLICY, SCOPE)
    by_id = {row["student_id"]: row for row in plain(expected)}
    for row in plain(page.rows):
        assert row == by_id[row["student_id"]]
    # A diagnostic written without refreshing the growth table (moving the diagnostics'
    # counter, as every writer does): the page computes from the diagnostics of its students,
    # like the pandas path does for the whole scope.
    bump(session, DIAGNOSTICS)
    session.add(
        IReadyDiagnostic(
            student_id="9",
            subject="ELA",
            completion_date=dt.date(2025, 10, 30),
            academic_year=YEAR,
            overall_scale_score=777,
            placement_level=5,
        )
    )
    session.commit()
    chosen = StudentFilter(search="lee", sort="name")
    rows = in_sql(session, SCOPE, chosen)
    assert plain(rows) == plain(reference(session, SCOPE, chosen))
    assert rows.set_index("student_id").loc["9", "ela_score"] == 777
    assert rows.set_index("student_id").loc["9", "ela_placement_level"] == 5


def test_an_earlier_as_of_uses_the_pandas_path(school: Session) -> None:
    scope = Scope(YEAR, AS_OF - dt.timedelta(days=1), None)  # before the year's last date
    chosen = StudentFilter(sort="absent")
    page = student_list_query.student_page(school, POLICY, scope, chosen, 1, 5)
    expected, _ = page_of(reference(school, scope, chosen), 1, 5)
    assert plain(page.rows) == plain(expected)
    everyone = student_list_query.student_list(school, POLICY, scope, chosen)
    assert plain(everyone) == plain(reference(school, scope, chosen))
    assert everyone["math_score"].dtype == "Int64"


@pytest.mark.parametrize(
    "chosen",
    [
        StudentFilter(sort="name"),
        StudentFilter(search="lee", sort="chronic"),
        StudentFilter(near_chronic=2),
    ],
    ids=repr,
)
@pytest.mark.parametrize("in_list", [student_list_query.IN_LIST, 5])
def test_the_export_list_equals_the_pandas_frame(
    school: Session, chosen: StudentFilter, in_list: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Past IN_LIST students the i-Ready columns come from one read of the scope.
    monkeypatch.setattr(student_list_query, "IN_LIST", in_list)
    for scope in (SCOPE, Scope(YEAR, AS_OF, (7,))):
        got = student_list_query.student_list(school, POLICY, scope, chosen)
        expected = reference(school, scope, chosen).astype(
            dict.fromkeys(student_list_query.IREADY_COLUMNS, "Int64")
        )
        assert list(got.dtypes) == list(expected.dtypes)
        assert got.to_csv(index=False) == expected.to_csv(index=False)
    # Whole numbers in the file, blank where there is no diagnostic.
    assert got["ela_score"].dtype == "Int64"


def test_pages_by_the_early_warning_without_days_left(school: Session) -> None:
    # No calendar and no recorded days: every school has 0 days left, the early warning
    # reads the summaries alone (mostly unknown, sorted last) and pages are cut in SQL.
    school.query(SchoolCalendarDay).delete()
    school.query(AttendanceDayTotal).delete()
    school.commit()
    chosen = StudentFilter(sort="chronic")
    rows = reference(school, SCOPE, chosen)
    assert rows["more_absences_to_chronic"].isna().sum() > 5
    for page in range(1, 12):
        got = student_list_query.student_page(school, POLICY, SCOPE, chosen, page, 7)
        assert plain(got.rows) == plain(page_of(rows, page, 7)[0])
