"""Schools in the web app: the filter bar's school choice, and every route keeping a user to
their schools (Dash callbacks, downloads, the student page, the JSON API), in Flask and in
headless Chromium.

For this module the shared app gets a second school, South (002), holding copies of three of
the hand-made school's students (`S602` chronic, `S801` truant, `S603` newcomer); it is taken
out again afterwards, so the other modules still see one school.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from attendly import ids
from attendly.components import format_rate
from tests.security.helpers import output_specs, signed_in
from tests.web.conftest import PASSWORDS, dash_post

NORTH, SOUTH = "001", "002"
COPIES = {"602": "S602", "801": "S801", "603": "S603"}
USERS = {  # username: (role, schools, password)
    "north-principal": ("principal", NORTH, "north-password-1"),
    "both-counselor": ("counselor", f"{NORTH},{SOUTH}", "both-password-1"),
}


@pytest.fixture(scope="module")
def two_schools(web_app: Flask) -> Iterator[dict[str | None, dict[str, Any]]]:
    yield from south_added(web_app)


def south_added(web_app: Flask) -> Iterator[dict[str | None, dict[str, Any]]]:
    """South added and two assigned users; yields db.queries.kpis per school (None = district)."""
    with web_app.app_context():
        _add_south(web_app)
        kpis = _kpis_by_school(web_app)
    PASSWORDS.update({name: user[2] for name, user in USERS.items()})
    try:
        yield kpis
    finally:
        for name in USERS:
            PASSWORDS.pop(name, None)
        with web_app.app_context():
            _remove_south(web_app)


def _add_south(app: Flask) -> None:
    from sqlalchemy import select

    from attendly.extensions import db
    from attendly.users import save_user
    from db.models import AttendanceRecord, School, Student
    from db.summaries import refresh_summaries

    session = db.session
    south = School(code=SOUTH, name="South Middle", periods_per_day=7)
    session.add(south)
    session.flush()
    for source, copy in COPIES.items():
        student = session.get(Student, source)
        assert student is not None
        session.add(
            Student(
                id=copy,
                last_name=student.last_name,
                first_name=student.first_name,
                grade_level=student.grade_level,
                school_id=south.id,
            )
        )
    session.flush()
    columns = [c.key for c in AttendanceRecord.__table__.columns if c.key not in ("id",)]
    for record in session.scalars(
        select(AttendanceRecord).where(AttendanceRecord.student_id.in_(list(COPIES)))
    ).all():
        values = {name: getattr(record, name) for name in columns}
        values.update(student_id=COPIES[record.student_id], school_id=south.id)
        session.add(AttendanceRecord(**values))
    session.flush()
    refresh_summaries(session, list(COPIES.values()), app.config["ATTENDLY_SETTINGS"])
    for name, (role, schools, password) in USERS.items():
        save_user(name, role, "", password, schools=schools)
    session.commit()


def _kpis_by_school(app: Flask) -> dict[str | None, dict[str, Any]]:
    from attendly.extensions import db
    from db.policy import load_policy
    from db.queries import kpis

    policy = load_policy(db.session, app.config["ATTENDLY_SETTINGS"])
    return {code: kpis(db.session, policy, school=code) for code in (None, NORTH, SOUTH)}


def _remove_south(app: Flask) -> None:
    from sqlalchemy import delete, select

    from attendly.extensions import db
    from db.intervention_models import Intervention
    from db.models import AttendanceRecord, School, Student, User, UserSchool
    from db.summaries import refresh_summaries

    session = db.session
    copies = list(COPIES.values())
    session.execute(delete(Intervention).where(Intervention.student_id.in_(copies)))
    session.execute(delete(AttendanceRecord).where(AttendanceRecord.student_id.in_(copies)))
    refresh_summaries(session, copies, app.config["ATTENDLY_SETTINGS"])  # their rows go
    session.execute(delete(Student).where(Student.id.in_(copies)))
    session.execute(delete(School).where(School.code == SOUTH))
    users = select(User.id).where(User.username.in_(list(USERS)))
    session.execute(delete(UserSchool).where(UserSchool.user_id.in_(users)))
    session.execute(delete(User).where(User.username.in_(list(USERS))))
    session.commit()


def user(app: Flask, name: str) -> FlaskClient:
    return signed_in(app, name, USERS[name][2] if name in USERS else None)


def callback(client: FlaskClient, output_id: str) -> dict[str, Any]:
    deps = client.get("/_dash-dependencies").get_json()
    return next(dep for dep in deps if f"{output_id}." in dep["output"])


def fire(client: FlaskClient, output_id: str, values: dict[str, Any]) -> dict[str, Any]:
    """Post the callback writing `output_id` with these input values; its JSON response."""
    dep = callback(client, output_id)
    specs = output_specs(dep["output"])
    first = dep["inputs"][0]
    payload = {
        "output": dep["output"],
        "outputs": specs if dep["output"].startswith("..") else specs[0],
        "inputs": [{**item, "value": values.get(item["id"])} for item in dep["inputs"]],
        "state": [{**item, "value": values.get(item["id"])} for item in dep["state"]],
        "changedPropIds": [f"{first['id']}.{first['property']}"],
    }
    response = dash_post(client, payload)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    body: dict[str, Any] = response.get_json()["response"]
    return body


def overview(client: FlaskClient, school: str | None) -> dict[str, Any]:
    return fire(client, ids.Overview.KPI_ROW, {ids.Filters.SCHOOL: school})


def shows_rate(body: dict[str, Any], kpis: dict[str, Any]) -> bool:
    return format_rate(kpis["attendance_rate"]) in json.dumps(body[ids.Overview.KPI_ROW])


def test_the_schools_add_up_to_the_district(two_schools: dict) -> None:
    north, south, district = two_schools[NORTH], two_schools[SOUTH], two_schools[None]
    assert south["students"] == 3 and north["students"] == 8
    for key in ("students", "eligible_students", "truant_students"):
        assert district[key] == north[key] + south[key], key
    assert north["attendance_rate"] != south["attendance_rate"]  # the test below can tell


def test_a_district_admin_chooses_a_school_or_the_district(
    web_app: Flask, two_schools: dict
) -> None:
    client = user(web_app, "admin")
    for code in (None, NORTH, SOUTH):
        body = overview(client, code)
        assert body[ids.Overview.ALERT]["is_open"] is False, code
        assert shows_rate(body, two_schools[code]), code
    assert not shows_rate(overview(client, SOUTH), two_schools[NORTH])


def test_a_principal_of_one_school_sees_it_and_is_refused_the_other(
    web_app: Flask, two_schools: dict
) -> None:
    client = user(web_app, "north-principal")
    assert shows_rate(overview(client, None), two_schools[NORTH])
    refused = overview(client, SOUTH)
    assert refused[ids.Overview.ALERT]["is_open"] is True
    assert "school" in refused[ids.Overview.ALERT]["children"]
    assert "kpi-attendance_rate" not in json.dumps(refused[ids.Overview.KPI_ROW])
    page = fire(client, ids.Correlation.SUMMARY, {ids.Filters.SCHOOL: SOUTH})
    assert page[ids.Correlation.ALERT]["is_open"] is True


def test_the_school_filter_shows_for_users_with_a_choice_only(
    web_app: Flask, two_schools: dict
) -> None:
    for name, visible, placeholder in (
        ("admin", True, "District (all schools)"),
        ("both-counselor", True, "All my schools"),
        ("north-principal", False, "All my schools"),
    ):
        client = user(web_app, name)
        shown = fire(client, ids.Filters.BAR, {ids.Shell.URL: "/"})
        assert ("d-none" not in shown[ids.Filters.SCHOOL_BOX]["className"]) is visible, name
        choices = fire(client, ids.Filters.GRADE, {})
        school = choices[ids.Filters.SCHOOL]
        assert school["placeholder"] == placeholder, name
        expected = [NORTH] if name == "north-principal" else [NORTH, SOUTH]
        assert [option["value"] for option in school["options"]] == expected, name


def test_the_school_choice_is_remembered_and_rechecked(web_app: Flask, two_schools: dict) -> None:
    admin = user(web_app, "admin")
    stored = fire(admin, ids.Filters.STORE, {ids.Filters.SCHOOL: SOUTH})
    remembered = stored[ids.Filters.STORE]["data"]
    assert remembered["school"] == SOUTH and remembered["user"] == "admin"
    restored = fire(admin, ids.Filters.GRADE, {ids.Filters.STORE: remembered})
    assert restored[ids.Filters.SCHOOL]["value"] == SOUTH
    # Another user's browser holding that choice: not theirs, so not restored.
    north = user(web_app, "north-principal")
    theirs = {**remembered, "user": "north-principal"}
    assert (
        fire(north, ids.Filters.GRADE, {ids.Filters.STORE: theirs})[ids.Filters.SCHOOL]["value"]
        is None
    )


def test_downloads_keep_to_the_users_schools(web_app: Flask, two_schools: dict) -> None:
    north = user(web_app, "north-principal")
    assert north.get(f"/download/overview-tiers.csv?school={SOUTH}").status_code == 403
    assert north.get("/download/student-days.csv?student=S602").status_code == 404
    assert north.get("/download/student-days.csv?student=602").status_code == 200
    rows = north.get("/download/students.csv").get_data(as_text=True)
    assert "S602" not in rows and "602" in rows
    admin = user(web_app, "admin")
    tiers = admin.get(f"/download/overview-tiers.csv?school={SOUTH}").get_data(as_text=True)
    counts = {line.split(",")[0]: line.split(",")[-1] for line in tiers.splitlines()[1:]}
    assert {tier: int(n) for tier, n in counts.items()} == two_schools[SOUTH]["tier_counts"]


def test_the_student_page_of_another_schools_student_is_not_found(
    web_app: Flask, two_schools: dict
) -> None:
    north = user(web_app, "north-principal")
    body = fire(north, ids.Student.HEADER, {ids.Student.ID: "S602"})
    assert body[ids.Student.ALERT]["is_open"] is True
    assert "Carlos" not in json.dumps(body)
    admin = user(web_app, "admin")
    shown = fire(admin, ids.Student.HEADER, {ids.Student.ID: "S602"})
    assert "Carlos" in json.dumps(shown[ids.Student.HEADER])


def test_the_api_takes_a_school_and_keeps_to_the_users(web_app: Flask, two_schools: dict) -> None:
    admin = user(web_app, "admin")
    south = admin.get(f"/api/v1/kpis?school={SOUTH}").get_json()
    assert south["scope"]["school"] == SOUTH and south["students"] == 3
    assert admin.get("/api/v1/kpis?school=999").status_code == 403
    north = user(web_app, "north-principal")
    assert north.get(f"/api/v1/kpis?school={SOUTH}").status_code == 403
    assert north.get("/api/v1/kpis").get_json()["students"] == two_schools[NORTH]["students"]
    listed = {row["student_id"] for row in north.get("/api/v1/students").get_json()}
    assert listed and not listed & set(COPIES.values())
    both = user(web_app, "both-counselor")
    assert both.get("/api/v1/kpis").get_json()["students"] == two_schools[None]["students"]


def test_interventions_of_another_school_are_not_found(web_app: Flask, two_schools: dict) -> None:
    from tests.web.conftest import csrf_header

    admin = user(web_app, "admin")
    created = admin.post(
        "/api/v1/interventions",
        json={"student_id": "S801", "type": "phone_call", "tier": 2, "status": "planned"},
        headers=csrf_header(admin),
    )
    assert created.status_code == 201, created.get_data(as_text=True)[:300]
    number = created.get_json()["id"]
    north = user(web_app, "north-principal")
    assert north.get(f"/api/v1/interventions/{number}").status_code == 404
    assert all(row["student_id"] != "S801" for row in north.get("/api/v1/interventions").json)
    assert admin.get(f"/api/v1/interventions/{number}").status_code == 200


def test_the_print_header_names_the_school(web_app: Flask, two_schools: dict) -> None:
    admin = user(web_app, "admin")
    header = fire(admin, ids.Filters.PRINT_HEADER, {ids.Filters.SCHOOL: SOUTH})
    assert header[ids.Filters.PRINT_HEADER]["children"].startswith("South Middle · ")
    district = fire(admin, ids.Filters.PRINT_HEADER, {})
    assert district[ids.Filters.PRINT_HEADER]["children"].startswith("District · ")


def test_a_pdf_keeps_to_the_schools_of_whoever_asked(web_app: Flask, two_schools: dict) -> None:
    """The report job stores the user's schools; rendering re-checks the chosen school."""
    from attendly import reports
    from attendly.errors import Forbidden, NotFound

    job = {"page": "overview", "params": {"school": SOUTH}, "grades": None}
    with web_app.app_context():
        with pytest.raises(Forbidden):
            reports.page_figures({**job, "schools": [NORTH]})
        with pytest.raises(NotFound):  # another school's student
            reports.page_figures(
                {
                    "page": "student",
                    "params": {"student": "S602"},
                    "grades": None,
                    "schools": [NORTH],
                }
            )
        cover = reports.page_figures({**job, "schools": None})[0]
    assert "South Middle" in json.dumps(cover.to_plotly_json(), default=str)


def test_the_students_page_lists_the_chosen_schools_students(
    web_app: Flask, two_schools: dict
) -> None:
    admin = user(web_app, "admin")
    south = fire(admin, ids.Students.CARDS, {ids.Filters.SCHOOL: SOUTH})
    assert south[ids.Students.COUNT]["children"] == "3 students"
    assert "S602" in json.dumps(south[ids.Students.CARDS])
    north = user(web_app, "north-principal")
    mine = fire(north, ids.Students.CARDS, {})
    assert mine[ids.Students.COUNT]["children"].startswith("8 students")
    assert "S602" not in json.dumps(mine[ids.Students.CARDS])
    refused = fire(north, ids.Students.CARDS, {ids.Filters.SCHOOL: SOUTH})
    assert refused[ids.Students.ALERT]["is_open"] is True
