"""The Students page's intervention data on SQLite and PostgreSQL: the early-warning column,
the 'closest to chronic absence' filter and sort, open-intervention counts in scope."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy.orm import Session

from attendly.interventions import Actor
from attendly.metrics.policy import Policy
from db import interventions as iv
from db import student_actions
from db.dashboard import Scope
from db.models import SchoolCalendarDay
from db.students_list import StudentFilter, filter_students
from tests.db import intervention_school as school

AS_OF = school.DAYS[-1]
SCOPE = Scope("2025-2026", AS_OF, None)


@pytest.fixture
def loaded(session: Session) -> Session:
    """The intervention school with a calendar of 10 school days after the as-of date."""
    school.load(session)
    for offset in range(11):
        day = AS_OF + dt.timedelta(days=offset)
        session.add(SchoolCalendarDay(school_id=1, date=day, academic_year="2025-2026"))
    session.flush()
    return session


def test_rows_carry_the_absences_left_before_chronic(loaded: Session) -> None:
    rows = student_actions.student_rows(loaded, Policy(), SCOPE)
    got = dict(zip(rows["student_id"], rows["more_absences_to_chronic"], strict=True))
    # 20 days so far + 10 left = 30-day year: ceil(30 / 10) = 3 full-day absences make chronic.
    # A, B (one full-day U) and E (one full-day E): 3 - 1 = 2; D (only period-1 U): 3 - 0 = 3;
    # C (6 of 20 days, 30 %) is chronically absent already: no number.
    assert {k: v for k, v in got.items() if not pd.isna(v)} == {"A": 2, "B": 2, "E": 2, "D": 3}
    assert pd.isna(got["C"])
    assert rows.set_index("student_id").loc["C", "chronically_absent"]


def test_closest_to_chronic_filter_and_sort(loaded: Session) -> None:
    rows = student_actions.student_rows(loaded, Policy(), SCOPE)
    near = filter_students(rows, StudentFilter(near_chronic=2))
    assert set(near["student_id"]) == {"A", "B", "E"}
    assert set(filter_students(rows, StudentFilter(near_chronic=3))["student_id"]) == {
        "A",
        "B",
        "D",
        "E",
    }
    assert filter_students(rows, StudentFilter(near_chronic=1)).empty
    ordered = filter_students(rows, StudentFilter(sort="chronic"))
    assert [str(n) for n in ordered["more_absences_to_chronic"]] == ["2", "2", "2", "3", "<NA>"]
    assert list(ordered["student_id"])[-2:] == ["D", "C"]


def test_open_counts_stay_in_scope(loaded: Session) -> None:
    admin = Actor("ada", "admin")
    for payload in (
        {"student_id": "B", "type": "phone_call", "tier": 1, "status": "planned"},
        {"student_id": "B", "type": "mentoring", "tier": 2, "status": "in_progress"},
        {"student_id": "C", "type": "home_visit", "tier": 2, "status": "planned"},
    ):
        if payload["status"] == "in_progress":
            payload["start_date"] = "2025-09-29"
        iv.create_intervention(loaded, admin, payload)
    closed = {"student_id": "B", "type": "phone_call", "tier": 1, "status": "completed"}
    iv.create_intervention(
        loaded, admin, {**closed, "start_date": "2025-09-26", "outcome": "Spoke to mother"}
    )
    assert student_actions.open_counts(loaded, None, ["A", "B", "C"]) == {"B": 2, "C": 1}
    assert student_actions.open_counts(loaded, (6,), ["A", "B", "C"]) == {"B": 2}
    assert student_actions.open_counts(loaded, (6,), []) == {}
