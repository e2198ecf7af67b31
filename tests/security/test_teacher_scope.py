"""A grade-6 teacher asking, by any route, for grades 7 and 8 gets a refusal and no data."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from attendly import tokens
from attendly.extensions import db
from tests.security.helpers import (
    FOREIGN_IDS,
    FOREIGN_NAMES,
    OWN_IDS,
    assert_callback_answered,
    dependencies,
    page_payload,
    payload,
    raw,
    signed_in,
)
from tests.web.conftest import dash_post

ADMIN_PAGES = ("users-", "audit-", "imports-", "system-")


def assert_no_foreign_data(body: str) -> None:
    """No other grade's student id or name as a JSON string value or a CSV cell."""
    cells = set(re.findall(r'"([^"]*)"', body)) | {
        cell for line in body.splitlines() for cell in line.split(",")
    }
    for value in (*FOREIGN_IDS, *FOREIGN_NAMES):
        assert value not in cells, value


@pytest.mark.parametrize("path", ["/api/v1/kpis", "/api/v1/students"])
@pytest.mark.parametrize("grade", ["7", "8"])
def test_api_other_grade_is_403(web_app: Flask, path: str, grade: str) -> None:
    response = signed_in(web_app, "teacher6").get(f"{path}?grade={grade}")
    assert response.status_code == 403
    assert set(response.get_json()) == {"error"}
    assert_no_foreign_data(raw(response))


def test_api_without_a_grade_is_scoped_to_grade_6(web_app: Flask) -> None:
    client = signed_in(web_app, "teacher6")
    rows = client.get("/api/v1/students").get_json()
    assert sorted(row["student_id"] for row in rows) == sorted(OWN_IDS)
    assert {row["grade_level"] for row in rows} == {6}
    kpis = client.get("/api/v1/kpis").get_json()
    assert kpis["scope"]["grades"] == [6] and kpis["students"] == len(OWN_IDS)
    csv_export = client.get("/api/v1/students?format=csv").get_data(as_text=True)
    assert_no_foreign_data(csv_export)
    assert all(student_id in csv_export for student_id in OWN_IDS)


def test_a_teachers_token_has_the_teachers_scope(web_app: Flask) -> None:
    with web_app.app_context():
        token_id, token = tokens.create_token("teacher6", "scope-test")
        db.session.commit()
    client = web_app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/kpis?grade=7", headers=headers).status_code == 403
    rows = client.get("/api/v1/students", headers=headers).get_json()
    assert {row["student_id"] for row in rows} == set(OWN_IDS)
    assert client.post("/api/v1/imports", headers=headers).status_code == 403
    with web_app.app_context():
        tokens.revoke_token(token_id)
        db.session.commit()


def test_every_callback_with_other_grades_leaks_nothing(web_app: Flask) -> None:
    client = signed_in(web_app, "teacher6")
    for dep in dependencies(web_app):
        for value in (7, 8, [7, 8], "7", None):
            response = dash_post(client, payload(dep, value, state=value))
            body = raw(response)
            if dep["output"].lstrip(".").startswith(ADMIN_PAGES):
                assert response.status_code == 403, dep["output"]
            else:
                assert_callback_answered(dep, response)
            assert_no_foreign_data(body)
            assert "97.50" not in body and "92.59" not in body  # grade 7 / school figures


def test_admin_pages_render_not_allowed_for_a_teacher(web_app: Flask) -> None:
    client = signed_in(web_app, "teacher6")
    for path in ("/users", "/audit"):
        response = dash_post(client, page_payload(path))
        assert response.status_code == 200
        body = raw(response)
        assert "page-not-allowed" in body
        assert "users-table" not in body and "audit-table" not in body
    navbar = raw(client.get("/_dash-layout"))
    assert "/users" not in navbar and "/audit" not in navbar
    assert "Overview" in navbar


def test_admin_pages_render_for_an_admin(web_app: Flask) -> None:
    client = signed_in(web_app, "admin")
    for path, marker in (("/users", "users-table"), ("/audit", "audit-table")):
        body = raw(dash_post(client, page_payload(path)))
        assert marker in body and "page-not-allowed" not in body
    navbar = raw(client.get("/_dash-layout"))
    assert '"/users"' in navbar and '"/audit"' in navbar


def test_unknown_callbacks_are_refused(web_app: Flask) -> None:
    client = signed_in(web_app, "teacher6")
    crafted = {"output": "users-table.children", "outputs": [], "inputs": [], "state": []}
    assert dash_post(client, crafted).status_code == 404


def test_import_status_is_admin_only(web_app: Flask) -> None:
    client = signed_in(web_app, "teacher6")
    assert client.get("/api/v1/imports/1").status_code == 403
