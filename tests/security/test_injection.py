"""SQL and markup in every filter and parameter, and in imported names: data, never code."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from attendly.extensions import db
from db.models import Student, User
from tests.security.helpers import (
    HOSTILE,
    MARKUP,
    assert_callback_answered,
    dependencies,
    payload,
    raw,
    signed_in,
    text_of_tree,
)
from tests.web import school
from tests.web.conftest import csrf_header, dash_post, login

API_PARAMETERS = {
    "/api/v1/kpis": ("grade", "as_of", "academic_year"),
    "/api/v1/students": ("grade", "tier", "as_of", "academic_year", "format"),
}
# Names a roster could carry: markup, SQL and spreadsheet formulas.
HOSTILE_NAMES = {
    "601": ("<script>alert(1)</script>", '=HYPERLINK("http://x")'),
    "602": ("<img src=x onerror=alert(1)>", "+1+1"),
    "603": ("Robert'); DROP TABLE students;--", "@SUM(A1)"),
    "701": ("-2+3", "Theo"),
}


def counts(app: Flask) -> tuple[int, int]:
    with app.app_context():
        return (
            int(db.session.scalar(select(func.count()).select_from(Student)) or 0),
            int(db.session.scalar(select(func.count()).select_from(User)) or 0),
        )


@pytest.mark.parametrize("path", sorted(API_PARAMETERS))
def test_hostile_api_parameters_are_400_naming_the_parameter(web_app: Flask, path: str) -> None:
    before = counts(web_app)
    client = signed_in(web_app, "admin")
    for name in API_PARAMETERS[path]:
        for value in HOSTILE:
            response = client.get(path, query_string={name: value})
            assert response.status_code == 400, (name, value, response.status_code)
            body = response.get_json()
            assert body["parameter"] == name and name in body["error"]
            assert value not in raw(response)  # the bad value is not echoed back
    assert counts(web_app) == before


def test_hostile_values_in_every_callback_input(web_app: Flask) -> None:
    before = counts(web_app)
    client = signed_in(web_app, "admin")
    for dep in dependencies(web_app):
        if dep["output"].lstrip(".").startswith("users-"):
            continue  # the users page's buttons act on real accounts; tested separately
        for value in HOSTILE:
            assert_callback_answered(dep, dash_post(client, payload(dep, value, state=value)))
    assert counts(web_app) == before


def test_hostile_login_names_are_shown_as_text_in_the_audit_log(web_app: Flask) -> None:
    for value in MARKUP:
        failed = web_app.test_client()
        assert login(failed, value, password="wrong-password").status_code == 401
    client = signed_in(web_app, "admin")
    audit_dep = next(d for d in dependencies(web_app) if "audit-table.children" in d["output"])
    body = payload(audit_dep)
    body["inputs"][0]["value"] = "login_failed"
    response = dash_post(client, body)
    assert response.status_code == 200
    tree = response.get_json()["response"]["audit-table"]["children"]
    shown = text_of_tree(tree)
    for value in MARKUP:
        assert value in shown  # a plain text child, exactly as typed
    text = raw(response)
    assert "dangerouslySetInnerHTML" not in text and "Markdown" not in text


@pytest.fixture
def hostile_roster(web_app: Flask, tmp_path: Path) -> Iterator[None]:
    """The school's roster re-imported with hostile names (figures unchanged), then restored."""
    rows = [
        (sid, *HOSTILE_NAMES.get(sid, (last, first)), grade)
        for sid, last, first, grade in school.ROSTER
    ]
    path = tmp_path / "hostile.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "last_name", "first_name", "grade_level"])
        writer.writerows(rows)
    client = signed_in(web_app, "admin")
    with path.open("rb") as handle:
        response = client.post(
            "/api/v1/imports",
            data={"kind": "roster", "file": (handle, "roster <b>.csv")},
            headers=csrf_header(client),
        )
    assert response.status_code == 202, raw(response)
    yield
    original = school.write_roster(tmp_path / "roster.csv")
    with original.open("rb") as handle:
        restored = client.post(
            "/api/v1/imports",
            data={"kind": "roster", "file": (handle, "roster.csv")},
            headers=csrf_header(client),
        )
    assert restored.status_code == 202


def test_imported_hostile_names_come_back_as_literal_text(
    web_app: Flask, hostile_roster: None
) -> None:
    client = signed_in(web_app, "admin")
    rows = {row["student_id"]: row for row in client.get("/api/v1/students").get_json()}
    for sid, (last, first) in HOSTILE_NAMES.items():
        assert (rows[sid]["last_name"], rows[sid]["first_name"]) == (last, first)
    response = client.get("/api/v1/students")
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_csv_export_neutralises_formulas(web_app: Flask, hostile_roster: None) -> None:
    client = signed_in(web_app, "admin")
    response = client.get("/api/v1/students?format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    by_id = {row["student_id"]: row for row in table}
    for sid, (last, first) in HOSTILE_NAMES.items():
        for shown, imported in ((by_id[sid]["last_name"], last), (by_id[sid]["first_name"], first)):
            if imported[0] in "=+-@\t\r":
                assert shown == "'" + imported, (shown, imported)
            else:
                assert shown == imported
    for row in table:
        for cell in row.values():
            assert (
                not cell
                or cell[0] not in "=+@\t\r"
                and not cell.startswith("-")
                or (cell.lstrip("-").replace(".", "", 1).isdigit())
            ), cell


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Paula", "Paula"),
        (-3, -3),
        (12.5, 12.5),
    ],
)
def test_safe_cell_escapes_every_formula_trigger(value: object, written: object) -> None:
    from attendly.exports import safe_cell

    assert safe_cell(value) == written
