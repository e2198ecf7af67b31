"""The interventions and truancy-queue API: contract, role scope, letters, bearer tokens."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from attendly.extensions import db
from tests.web.conftest import csrf_header, login


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, username).status_code == 302
    client.get("/_dash-layout")  # sets the CSRF cookie, as the browser's first request does
    return client


def post(client: FlaskClient, path: str, body: dict[str, Any], method: str = "POST") -> Any:
    return client.open(path, method=method, json=body, headers=csrf_header(client))


def last_event(app: Flask) -> dict[str, Any]:
    return dict(app.extensions["attendly.events"].recent[-1])


def test_anonymous_callers_get_401(client: FlaskClient) -> None:
    for path in ("/api/v1/interventions", "/api/v1/truancy-queue", "/api/v1/letters/1.pdf"):
        response = client.get(path)
        assert response.status_code == 401 and response.get_json() == {"error": "login required"}


def test_create_list_update_and_close(web_app: Flask) -> None:
    admin = signed_in(web_app, "admin")
    body = {
        "student_id": "602",
        "type": "parent_conference",
        "tier": 2,
        "status": "planned",
        "owner": "counselor-kim",
        "start_date": "2025-09-29",
        "notes": "SART prep",
    }
    created = post(admin, "/api/v1/interventions", body)
    assert created.status_code == 201, created.get_json()
    row = created.get_json()
    assert {k: row[k] for k in body} == {**body, "start_date": "2025-09-29"}
    assert row["grade_level"] == 6 and row["created_by"] == "admin"
    event = last_event(web_app)
    assert {k: event[k] for k in ("kind", "grades", "student_ids")} == {
        "kind": "intervention",
        "grades": [6],
        "student_ids": ["602"],
    }
    listed = admin.get("/api/v1/interventions", query_string={"student_id": "602"}).get_json()
    assert row["id"] in [item["id"] for item in listed]
    closed = post(
        admin,
        f"/api/v1/interventions/{row['id']}",
        {"status": "completed", "outcome": "Plan agreed"},
        "PATCH",
    )
    assert closed.status_code == 200
    assert closed.get_json()["status"] == "completed" and closed.get_json()["end_date"]
    bad = post(admin, "/api/v1/interventions", {**body, "type": "yoga", "tier": 5})
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"type", "tier"}
    assert admin.get("/api/v1/interventions/999999").status_code == 404
    assert admin.get("/api/v1/interventions?due=someday").status_code == 400


def test_teacher_scope(web_app: Flask) -> None:
    teacher = signed_in(web_app, "teacher6")
    call = {
        "student_id": "601",
        "type": "phone_call",
        "tier": 1,
        "status": "completed",
        "start_date": "2025-09-26",
        "outcome": "Left a message",
    }
    assert post(teacher, "/api/v1/interventions", call).status_code == 201
    assert post(teacher, "/api/v1/interventions", {**call, "student_id": "801"}).status_code == 404
    visit = post(teacher, "/api/v1/interventions", {**call, "type": "home_visit"})
    assert visit.status_code == 403
    rows = teacher.get("/api/v1/interventions").get_json()
    assert rows and {row["grade_level"] for row in rows} == {6}
    assert teacher.get("/api/v1/truancy-queue").get_json() == []  # no truant sixth graders
    assert teacher.get("/api/v1/truancy-queue?grade=8").status_code == 403


def test_truancy_queue_letter_and_download(web_app: Flask) -> None:
    admin = signed_in(web_app, "admin")
    queue = admin.get("/api/v1/truancy-queue").get_json()
    # 801 has 4 truancy occasions (d4, d7, d11, d14): letter 1 (at 3) is due.
    (row,) = [item for item in queue if item["student_id"] == "801"]
    assert (row["truancy_occasions"], row["step"], row["threshold"]) == (4, "letter_1", 3)
    made = post(admin, f"/api/v1/truancy-queue/{row['proposal_id']}/letter", {"language": "es"})
    assert made.status_code == 201, made.get_json()
    pdf = admin.get(made.get_json()["url"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = " ".join(PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text().split())
    assert "Estimado padre, madre o tutor de Tomas Truant" in text
    assert "jueves, 11 de septiembre de 2025" in text  # d4 of the web school
    assert "801" not in [
        item["student_id"] for item in admin.get("/api/v1/truancy-queue").get_json()
    ]  # letter 1 accepted; letter 2 waits for 6 occasions
    teacher = signed_in(web_app, "teacher6")
    assert teacher.get(made.get_json()["url"]).status_code == 404  # a grade-8 letter
    missing = post(admin, "/api/v1/truancy-queue/999999/decision", {"decision": "accept"})
    assert missing.status_code == 404


def test_bearer_token_has_the_users_scope(web_app: Flask) -> None:
    from attendly import tokens

    with web_app.app_context():
        token_id, token = tokens.create_token("teacher6", "interventions-test")
        db.session.commit()
    client = web_app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    rows = client.get("/api/v1/interventions", headers=headers).get_json()
    assert {row["grade_level"] for row in rows} <= {6}
    created = client.post(
        "/api/v1/interventions",
        headers=headers,
        json={"student_id": "603", "type": "parent_letter", "tier": 1, "status": "planned"},
    )
    assert created.status_code == 201 and created.get_json()["created_by"] == "teacher6"
    with web_app.app_context():
        tokens.revoke_token(token_id)
        db.session.commit()
