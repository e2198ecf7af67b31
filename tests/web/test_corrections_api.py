"""The attendance-corrections API: a correction stored and listed, refusals per field (another
grade's student, a day outside the window, an unknown code), and login protection."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.web.conftest import csrf_header
from tests.web.test_corrections_pages import (  # noqa: F401  (fixtures)
    clock,
    periods_of,
    undo_corrections,
)
from tests.web.test_interventions_pages import signed_in

PATH = "/api/v1/attendance-corrections"


def post(client: FlaskClient, body: Any) -> Any:
    return client.post(PATH, json=body, headers=csrf_header(client))


def test_a_correction_through_the_api(
    web_app: Flask,
    clock: dt.date,  # noqa: F811
    undo_corrections: None,  # noqa: F811
) -> None:
    teacher = signed_in(web_app, "teacher6")
    body = {"student_id": "602", "date": "2025-09-25", "period": 2, "status": "T", "reason": "bus"}
    created = post(teacher, body)
    assert created.status_code == 201, created.get_json()
    row = created.get_json()
    assert {k: row[k] for k in ("student_id", "date", "period", "new_status", "reason")} == {
        "student_id": "602",
        "date": "2025-09-25",
        "period": 2,
        "new_status": "T",
        "reason": "bus",
    }
    assert (row["prior_status"], row["username"]) == ("E", "teacher6")
    assert periods_of(web_app, "602", "2025-09-25")[1:4] == ["E", "T", "E"]
    listed = teacher.get(PATH, query_string={"student_id": "602"}).get_json()
    assert [(r["id"], r["prior_status"], r["new_status"]) for r in listed][:1] == [
        (row["id"], "E", "T")
    ]


def test_refusals_name_the_field(
    web_app: Flask,
    clock: dt.date,  # noqa: F811
    undo_corrections: None,  # noqa: F811
) -> None:
    teacher = signed_in(web_app, "teacher6")
    cases = [
        ({"student_id": "701", "date": "2025-09-22"}, "student_id", "no student '701'"),
        ({"date": "2025-09-12"}, "date", "outside the correction window"),
        ({"status": "Z"}, "status", "Status: 'Z' is not a status code"),
    ]
    for overrides, key, text in cases:
        body = {"student_id": "602", "date": "2025-09-25", "period": 1, "status": "P", **overrides}
        refused = post(teacher, body)
        assert refused.status_code == 422, refused.get_json()
        errors = refused.get_json()["errors"]
        assert list(errors) == [key] and text in errors[key]
    assert post(teacher, ["not", "an", "object"]).status_code == 422
    assert periods_of(web_app, "701", "2025-09-22")[1] == "E"
    assert periods_of(web_app, "602", "2025-09-25")[1] == "E"
    assert "701" not in str(teacher.get(PATH, query_string={"student_id": "701"}).get_json())


def test_anonymous_callers_get_401(client: FlaskClient) -> None:
    for response in (client.get(PATH), client.post(PATH, json={})):
        assert response.status_code == 401 and response.get_json() == {"error": "login required"}
