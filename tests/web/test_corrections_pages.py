"""The Corrections page through Dash's callback endpoint: rendering, the teacher's scope on
the server (a forged payload for another grade is refused), a saved correction with its
recomputed figures and event, and login protection.

The web school (tests/web/school.py) ends on Fri 2025-09-26; the clock is set to that day, so
the 7-day window is 2025-09-19 .. 2025-09-26. Student 602 (grade 6) was excused all day on
9/9, 9/15, 9/19 and 9/25: 4 of 15 days absent.

  before: absence 4/15 = 26.67 %, attendance 73.33 %, period rate 1100/15 = 73.33, severe
  9/25 period 1 E -> P: that day is 1/7 = 14.29 %, no longer a full-day absence
  after:  absence 3/15 = 20.00 %, attendance 80.00 %, period rate 1114.29/15 = 74.29,
          still severe_chronic (20.00 is the band's lower bound)
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from attendly import corrections as service
from tests.web.conftest import dash_post
from tests.web.test_interventions_pages import call, render, signed_in

CLOCK = dt.date(2025, 9, 26)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    """The server's date (the live server runs in this process, so it sees it too)."""
    monkeypatch.setattr(service, "today", lambda: CLOCK)
    return CLOCK


@pytest.fixture
def undo_corrections(web_app: Flask) -> Iterator[None]:
    """Put back every period the test corrected (other tests share the school's figures)."""
    from attendly.extensions import db
    from db.correction_models import AttendanceCorrection
    from db.corrections import set_period, student_day
    from db.summaries import refresh_summaries

    with web_app.app_context():
        start = db.session.scalar(select(func.max(AttendanceCorrection.id))) or 0
    yield
    with web_app.app_context():
        made = db.session.scalars(
            select(AttendanceCorrection)
            .where(AttendanceCorrection.id > start)
            .order_by(AttendanceCorrection.id.desc())
        ).all()
        for correction in made:
            record = student_day(db.session, correction.student_id, correction.date)
            assert record is not None
            set_period(record, correction.period, correction.prior_status)
            db.session.delete(correction)
        settings = web_app.config["ATTENDLY_SETTINGS"]
        refresh_summaries(db.session, {c.student_id for c in made}, settings)
        db.session.commit()


def form(**overrides: Any) -> dict[str, Any]:
    values = {
        "corrections-save.n_clicks": 1,
        "corrections-student.value": "602",
        "corrections-date.value": "2025-09-25",
        "corrections-period.value": "1",
        "corrections-status.value": "P",
        "corrections-reason.value": "in class; marked by mistake",
        "corrections-refresh.data": 0,
    }
    return {**values, **{f"corrections-{k}.value": v for k, v in overrides.items()}}


def figures(app: Flask, student_id: str) -> dict[str, Any]:
    from attendly.extensions import db
    from db.models import StudentYearSummary

    with app.app_context():
        row = db.session.get(StudentYearSummary, (student_id, "2025-2026"))
        assert row is not None
        return {
            "absence_rate": row.absence_rate,
            "attendance_rate": row.attendance_rate,
            "period_attendance_rate": row.period_attendance_rate,
            "tier": row.tier,
        }


def periods_of(app: Flask, student_id: str, day: str) -> list[str | None]:
    from attendly.extensions import db
    from db.corrections import statuses, student_day

    with app.app_context():
        record = student_day(db.session, student_id, dt.date.fromisoformat(day))
        assert record is not None
        return list(statuses(record).values())


def test_the_page_renders_for_teachers_and_admins(web_app: Flask) -> None:
    for username in ("teacher6", "admin"):
        page = render(signed_in(web_app, username), "/corrections")
        assert "corrections-save" in page and "page-not-allowed" not in page
    student_page = render(signed_in(web_app, "teacher6"), "/students/602")
    assert "/corrections?student=602" in student_page


def test_a_teacher_finds_only_students_of_their_grades(web_app: Flask) -> None:
    teacher = signed_in(web_app, "teacher6")
    found = call(teacher, "corrections-student", {"corrections-search.value": ""})
    assert [o["value"] for o in found["corrections-student"]["options"]] == ["602", "603", "601"]
    found = call(teacher, "corrections-student", {"corrections-search.value": "701"})
    assert found["corrections-student"] == {"options": [], "value": None}
    found = call(teacher, "corrections-student", {"corrections-search.value": "chron"})
    assert found["corrections-student"]["value"] == "602"


def test_a_teacher_corrects_a_period_and_the_change_goes_out(
    web_app: Flask, clock: dt.date, undo_corrections: None
) -> None:
    assert figures(web_app, "602") == {
        "absence_rate": Decimal("26.67"),
        "attendance_rate": Decimal("73.33"),
        "period_attendance_rate": Decimal("73.33"),
        "tier": "severe_chronic",
    }
    seen: list[dict[str, Any]] = []
    web_app.extensions["attendly.events"].subscribe(seen.append)
    response = call(signed_in(web_app, "teacher6"), "corrections-student", form())

    assert response["corrections-message"] == {
        "children": "Saved: student 602, 2025-09-25, period 1: E → P.",
        "color": "success",
        "is_open": True,
    }
    assert response["corrections-refresh"] == {"data": 1}
    assert periods_of(web_app, "602", "2025-09-25")[:3] == [None, "P", "E"]  # period 0 blank
    assert figures(web_app, "602") == {
        "absence_rate": Decimal("20.00"),
        "attendance_rate": Decimal("80.00"),
        "period_attendance_rate": Decimal("74.29"),
        "tier": "severe_chronic",
    }
    ours = [e for e in seen if e["kind"] == "attendance"]
    assert [(e["school"], e["grades"], e["student_ids"]) for e in ours] == [("001", [6], ["602"])]
    recent = call(
        signed_in(web_app, "teacher6"),
        "corrections-recent",
        {"corrections-student.value": None, "corrections-refresh.data": 1},
    )
    shown = json.dumps(recent, ensure_ascii=False)
    assert "teacher6" in shown and "E → P" in shown and "Chronic, Carlos (602)" in shown


def test_a_forged_payload_for_another_grade_is_refused(
    web_app: Flask, clock: dt.date, undo_corrections: None
) -> None:
    before = periods_of(web_app, "701", "2025-09-22")
    teacher = signed_in(web_app, "teacher6")
    response = call(teacher, "corrections-student", form(student="701", date="2025-09-22"))
    assert response["corrections-message"]["color"] == "danger"
    assert "no student '701' you may correct" in response["corrections-message"]["children"]
    assert response["corrections-student"]["invalid"] is True
    assert response["corrections-focus"]["title"] == "corrections-student|1"
    assert periods_of(web_app, "701", "2025-09-22") == before
    assert "701" not in json.dumps(
        call(teacher, "corrections-recent", {"corrections-student.value": "701"})
    )


def test_a_bad_field_is_marked_and_focused(
    web_app: Flask, clock: dt.date, undo_corrections: None
) -> None:
    teacher = signed_in(web_app, "teacher6")
    response = call(teacher, "corrections-student", form(date="2025-09-18", status="Q"))
    # Each field at fault is marked with its message; the first one gets the focus.
    assert response["corrections-date"]["invalid"] is True
    assert response["corrections-feedback-date"]["children"] == (
        "Date: 2025-09-18 is outside the correction window (2025-09-19 to 2025-09-26)"
    )
    assert response["corrections-focus"]["title"] == "corrections-date|1"
    response = call(teacher, "corrections-student", form(status="Q"))
    assert response["corrections-feedback-status"]["children"] == (
        "Status: 'Q' is not a status code"
    )
    assert response["corrections-focus"]["title"] == "corrections-status|1"
    assert periods_of(web_app, "602", "2025-09-25")[1] == "E"


def test_anonymous_callbacks_are_refused(web_app: Flask) -> None:
    response = dash_post(
        web_app.test_client(),
        {
            "output": "corrections-recent.children",
            "outputs": {"id": "corrections-recent", "property": "children"},
            "inputs": [{"id": "corrections-student", "property": "value", "value": "602"}],
            "changedPropIds": ["corrections-student.value"],
        },
    )
    assert response.status_code == 401


def corrections_callbacks(app: Flask) -> list[dict[str, Any]]:
    from tests.security.helpers import dependencies

    found = [d for d in dependencies(app) if d["output"].lstrip(".").startswith("corrections-")]
    assert len(found) == 5, [d["output"] for d in found]
    return found


def test_crafted_grades_and_hostile_values_change_and_leak_nothing(
    web_app: Flask, clock: dt.date, undo_corrections: None
) -> None:
    """The security sweeps of tests/security, on this page's callbacks: other grades' values
    as a grade-6 teacher, SQL and markup as an admin; nothing is stored either way."""
    from tests.security.helpers import HOSTILE, assert_callback_answered, payload, raw
    from tests.security.test_teacher_scope import assert_no_foreign_data

    before = periods_of(web_app, "602", "2025-09-25")
    teacher, admin = signed_in(web_app, "teacher6"), signed_in(web_app, "admin")
    for dep in corrections_callbacks(web_app):
        for value in (7, 8, [7, 8], "7", "701", None):
            response = dash_post(teacher, payload(dep, value, state=value))
            assert_callback_answered(dep, response)
            assert_no_foreign_data(raw(response))
        for value in HOSTILE:
            response = dash_post(admin, payload(dep, value, state=value))
            assert_callback_answered(dep, response)
    assert periods_of(web_app, "602", "2025-09-25") == before
    with web_app.app_context():
        from attendly.extensions import db
        from db.correction_models import AttendanceCorrection

        assert db.session.scalar(select(func.count()).select_from(AttendanceCorrection)) == 0
