"""Interventions on SQLite and PostgreSQL: writes, validation, scope, audit, reads."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from attendly.errors import Forbidden, NotFound
from attendly.interventions import Actor, InvalidIntervention
from attendly.metrics.policy import Policy
from db import interventions as iv
from db.effectiveness import effectiveness
from db.models import AuditEntry, SchoolCalendarDay
from tests.db import intervention_school as school

ADMIN = Actor("ada", "admin")
COUNSELOR = Actor("cole", "counselor")
TEACHER6 = Actor("tess", "teacher", (6,))
TODAY = dt.date(2025, 10, 1)


def call(student_id: str = "B", **extra: object) -> dict[str, object]:
    return {"student_id": student_id, "type": "phone_call", "tier": 1, "status": "planned", **extra}


@pytest.fixture
def loaded(session: Session) -> Session:
    school.load(session)
    return session


def test_create_update_close_with_audit_and_event(loaded: Session) -> None:
    created, event = iv.create_intervention(
        loaded, COUNSELOR, call(start_date="2025-09-29", due_date="2025-10-03", notes="Mom")
    )
    loaded.commit()
    assert created["owner"] == "cole"  # the actor when no owner is given
    assert created["start_date"] == dt.date(2025, 9, 29)
    assert (created["last_name"], created["grade_level"]) == ("Núñez-García", 6)
    assert event == {"kind": "intervention", "school": "101", "grades": [6], "student_ids": ["B"]}
    closed, _ = iv.update_intervention(
        loaded, COUNSELOR, created["id"], {"status": "completed", "outcome": "Talked to mom"}
    )
    loaded.commit()
    assert closed["status"] == "completed"
    assert closed["end_date"] == dt.date.today()  # closing stamps the end date
    assert closed["notes"] == "Mom"  # untouched fields stay
    entries = loaded.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.username, e.details["event"]) for e in entries] == [
        ("intervention", "cole", "created"),
        ("intervention", "cole", "updated"),
    ]
    assert entries[1].details["status"] == "completed"
    assert "notes" not in entries[1].details  # only what changed


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (call(type="yoga"), "type"),
        (call(tier=4), "tier"),
        (call(status="done"), "status"),
        (call(student_id=""), "student_id"),
        (call(start_date="29/09/2025"), "start_date"),
        (call(start_date="2025-09-29", due_date="2025-09-01"), "due_date"),
        (call(status="in_progress"), "start_date"),
        (call(status="completed", start_date="2025-09-29"), "outcome"),
        (call(owner="x" * 81), "owner"),
    ],
)
def test_validation_names_the_field(loaded: Session, payload: dict, field: str) -> None:
    with pytest.raises(InvalidIntervention) as caught:
        iv.create_intervention(loaded, ADMIN, payload)
    assert field in caught.value.errors


def test_teacher_scope_and_types(loaded: Session) -> None:
    mine, _ = iv.create_intervention(loaded, TEACHER6, call("A"))
    with pytest.raises(NotFound):  # grade 7 is outside the teacher's scope
        iv.create_intervention(loaded, TEACHER6, call("C"))
    with pytest.raises(Forbidden):
        iv.create_intervention(loaded, TEACHER6, call("A", type="home_visit"))
    theirs, _ = iv.create_intervention(loaded, COUNSELOR, call("A", type="parent_letter"))
    with pytest.raises(Forbidden):  # not theirs
        iv.update_intervention(loaded, TEACHER6, theirs["id"], {"notes": "x"})
    with pytest.raises(Forbidden):  # may not turn a call into a home visit
        iv.update_intervention(loaded, TEACHER6, mine["id"], {"type": "home_visit"})
    updated, _ = iv.update_intervention(loaded, TEACHER6, mine["id"], {"notes": "left message"})
    assert updated["notes"] == "left message"
    other, _ = iv.create_intervention(loaded, ADMIN, call("C"))
    with pytest.raises(NotFound):
        iv.get_intervention(loaded, other["id"], (6,))
    listed = iv.list_interventions(loaded, allowed_grades=(6,))
    assert set(listed["student_id"]) == {"A"}
    with pytest.raises(Forbidden):
        iv.update_intervention(loaded, ADMIN, other["id"], {"student_id": "B"})


def test_list_filters(loaded: Session) -> None:
    rows = [
        call("A", owner="ann", due_date="2025-09-20"),  # overdue
        call("B", owner="bob", due_date="2025-10-05"),  # this week
        call("C", owner="ann", due_date="2025-10-20", type="home_visit"),  # this month
        call("D", owner="bob", status="cancelled"),  # closed, no due date
    ]
    for payload in rows:
        iv.create_intervention(loaded, ADMIN, payload)

    def ids(**filters: object) -> list[str]:
        frame = iv.list_interventions(loaded, allowed_grades=None, today=TODAY, **filters)
        return sorted(frame["student_id"])

    assert ids() == ["A", "B", "C", "D"]
    assert ids(owner="ann") == ["A", "C"]
    assert ids(kind="home_visit") == ["C"]
    assert ids(status="cancelled") == ["D"]
    assert ids(due="overdue") == ["A"]
    assert ids(due="week") == ["B"]
    assert ids(due="month") == ["B", "C"]
    assert ids(due="none") == ["D"]
    assert ids(student_id="B") == ["B"]
    with pytest.raises(ValueError):
        ids(due="someday")


def test_timeline_and_open_counts(loaded: Session) -> None:
    first, _ = iv.create_intervention(loaded, ADMIN, call("B", start_date="2025-09-10"))
    second, _ = iv.create_intervention(
        loaded, ADMIN, call("B", type="home_visit", start_date="2025-09-20")
    )
    iv.update_intervention(loaded, ADMIN, first["id"], {"status": "cancelled"})
    iv.create_intervention(loaded, ADMIN, call("C"))
    line = iv.timeline(loaded, "B", None)
    assert line["id"].tolist() == [second["id"], first["id"]]  # latest start first
    assert line["letter_ids"].tolist() == [[], []]
    with pytest.raises(NotFound):
        iv.timeline(loaded, "C", (6,))
    counts = iv.open_intervention_counts(loaded, None)
    assert counts.to_dict("records") == [
        {"student_id": "B", "open_interventions": 1},
        {"student_id": "C", "open_interventions": 1},
    ]
    assert iv.open_intervention_counts(loaded, (6,))["student_id"].tolist() == ["B"]


def test_early_warning_estimated_and_from_the_calendar(loaded: Session) -> None:
    as_of = school.DAYS[-1]
    # No calendar: 180 - 20 recorded = 160 days left; 20 + 160 = 180 -> 18 absences needed.
    # C: 6 full-day absences -> 12 more; E: 1 (excused) -> 17; A: 1 -> 17; B: 1 -> 17; D: 0.
    table = iv.early_warning(loaded, Policy(), "2025-2026", as_of, None)
    got = dict(zip(table["student_id"], table["more_absences_to_chronic"], strict=True))
    assert got == {"C": 12, "A": 17, "B": 17, "E": 17, "D": 18}
    assert set(table["days_remaining"]) == {160}
    # A calendar with 10 school days after as-of: 30-day year -> 3 needed.
    for offset in range(1, 11):
        loaded.add(
            SchoolCalendarDay(
                school_id=1, date=as_of + dt.timedelta(days=offset), academic_year="2025-2026"
            )
        )
    loaded.add(SchoolCalendarDay(school_id=1, date=as_of, academic_year="2025-2026"))
    loaded.flush()
    table = iv.early_warning(loaded, Policy(), "2025-2026", as_of, (6, 7))
    got = dict(zip(table["student_id"], table["more_absences_to_chronic"], strict=True))
    assert got == {"C": 0, "A": 2, "B": 2, "E": 2}


def test_effectiveness_from_the_database(loaded: Session) -> None:
    # C (6 absences on d1..d6) gets a call starting d7: before = d1..d6 (0 of 6 present),
    # after = d7..d20 (14 of 14). A gets a call starting d3: before d1..d2 (1 of 2: d2 absent),
    # after d3..d20 (18 of 18). A cancelled call and one without a start date are left out.
    day = school.DAYS
    iv.create_intervention(loaded, ADMIN, call("C", start_date=day[6].isoformat()))
    iv.create_intervention(loaded, ADMIN, call("A", start_date=day[2].isoformat()))
    iv.create_intervention(
        loaded, ADMIN, call("B", start_date=day[0].isoformat(), status="cancelled")
    )
    iv.create_intervention(loaded, ADMIN, call("D"))
    summary, windows = effectiveness(loaded, None)
    assert len(windows) == 2
    # before 1 of 8 = 12.50 %, after 32 of 32 = 100.00 %
    assert summary.to_dict("records") == [
        {
            "type": "phone_call",
            "interventions": 2,
            "student_days_before": 8,
            "rate_before": 12.5,
            "student_days_after": 32,
            "rate_after": 100.0,
            "change": 87.5,
        }
    ]
    scoped, _ = effectiveness(loaded, (6,))
    assert scoped["student_days_before"].tolist() == [2]
