"""Corrections keep to the user's schools, on the page (Dash callbacks) and in the JSON API.

The shared app gets South (002) with copies of three of North's students for this module
(tests/web/test_school_scope_web.py): `S602` is North's `602` (grade 6, excused all day on
9/25). The North principal, assigned to North only, may correct 602 but not S602: refused
with the message an unknown id gets, left out of the search and the recent corrections.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.web.conftest import csrf_header
from tests.web.test_corrections_pages import (  # noqa: F401  (fixtures)
    clock,
    form,
    periods_of,
    undo_corrections,
)
from tests.web.test_interventions_pages import call
from tests.web.test_school_scope_web import south_added, user

PATH = "/api/v1/attendance-corrections"
DAY = "2025-09-25"
DATE = "corrections-date.value"


@pytest.fixture(scope="module")
def two_schools(web_app: Flask) -> Iterator[dict[str | None, dict[str, Any]]]:
    yield from south_added(web_app)


def post(client: FlaskClient, student_id: str, period: int = 1) -> Any:
    body = {"student_id": student_id, "date": DAY, "period": period, "status": "P"}
    return client.post(PATH, json=body, headers=csrf_header(client))


def listed(client: FlaskClient, student_id: str | None = None) -> list[str]:
    query = {"student_id": student_id} if student_id else {}
    response = client.get(PATH, query_string=query)
    assert response.status_code == 200
    return [row["student_id"] for row in response.get_json()]


def test_the_api_refuses_another_schools_student_as_an_unknown_one(
    web_app: Flask,
    two_schools: dict,
    clock: dt.date,  # noqa: F811
    undo_corrections: None,  # noqa: F811
) -> None:
    north = user(web_app, "north-principal")
    before = periods_of(web_app, "S602", DAY)
    for student_id in ("S602", "nobody"):
        refused = post(north, student_id)
        assert refused.status_code == 422, refused.get_json()
        assert refused.get_json()["errors"] == {
            "student_id": f"Student: no student {student_id!r} you may correct"
        }
    assert periods_of(web_app, "S602", DAY) == before and before[1:8] == ["E"] * 7
    assert post(north, "602").status_code == 201  # their own school's student

    admin = user(web_app, "admin")  # no assignments: the whole district
    assert post(admin, "S602", period=2).status_code == 201
    assert periods_of(web_app, "S602", DAY)[1:3] == ["E", "P"]
    assert "S602" not in listed(north) and listed(north, "S602") == []
    assert "602" in listed(north)
    assert {"602", "S602"} <= set(listed(user(web_app, "both-counselor")))


def test_the_page_keeps_to_the_users_schools(
    web_app: Flask,
    two_schools: dict,
    clock: dt.date,  # noqa: F811
    undo_corrections: None,  # noqa: F811
) -> None:
    north, both = user(web_app, "north-principal"), user(web_app, "both-counselor")

    def options(client: FlaskClient, text: str) -> list[str]:
        found = call(client, "corrections-student", {"corrections-search.value": text})
        return [option["value"] for option in found["corrections-student"]["options"]]

    assert options(north, "chronic") == ["602"]
    assert sorted(options(both, "chronic")) == ["602", "S602"]
    assert options(north, "S602") == []

    shown = call(north, "corrections-day", {"corrections-student.value": "S602", DATE: DAY})
    assert shown["corrections-period"]["options"] == []
    assert "no student 'S602' you may correct" in json.dumps(shown["corrections-day"])
    shown = call(north, "corrections-day", {"corrections-student.value": "602", DATE: DAY})
    assert len(shown["corrections-period"]["options"]) == 7

    before = periods_of(web_app, "S602", DAY)
    forged = call(north, "corrections-student", form(student="S602"))
    assert forged["corrections-message"]["color"] == "danger"
    assert "no student 'S602' you may correct" in forged["corrections-message"]["children"]
    assert forged["corrections-student"]["invalid"] is True
    assert periods_of(web_app, "S602", DAY) == before
    saved = call(north, "corrections-student", form())
    assert saved["corrections-message"]["color"] == "success"

    call(user(web_app, "admin"), "corrections-student", form(student="S602"))
    assert periods_of(web_app, "S602", DAY)[1] == "P"
    for student in ("S602", None):
        recent = call(north, "corrections-recent", {"corrections-student.value": student})
        assert "S602" not in json.dumps(recent)
    recent = call(both, "corrections-recent", {"corrections-student.value": None})
    assert "(S602)" in json.dumps(recent) and "(602)" in json.dumps(recent)
