"""Data downloads and the PDF job, through the test client: scoped, formula-safe, audited."""

from __future__ import annotations

import csv
import io
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.web.conftest import login


def signed_in(client: FlaskClient, username: str) -> FlaskClient:
    assert login(client, username).status_code == 302
    return client


def rows_of(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    "dataset",
    [
        "overview-trend",
        "overview-tiers",
        "overview-grades",
        "students",
        "correlation-points",
        "correlation-placements",
        "correlation-tiers",
    ],
)
def test_every_dataset_downloads_as_csv_and_excel(
    client: FlaskClient, iready_school: Flask, dataset: str
) -> None:
    from openpyxl import load_workbook

    signed_in(client, "admin")
    response = client.get(f"/download/{dataset}.csv?year=2025-2026")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert rows_of(response.data)
    workbook = client.get(f"/download/{dataset}.xlsx?grade=7")
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.data), read_only=True).active
    assert sheet.max_row >= 2


def test_student_exports_and_teacher_scope(client: FlaskClient, iready_school: Flask) -> None:
    signed_in(client, "teacher6")
    days = rows_of(client.get("/download/student-days.csv?student=602").data)
    assert len(days) == 15 and sum(d["status"] == "Absent all day" for d in days) == 4
    assert client.get("/download/student-days.csv?student=702").status_code == 404
    assert client.get("/download/students.csv?grade=7").status_code == 403
    students = rows_of(client.get("/download/students.csv").data)
    assert {row["student_id"] for row in students} == {"601", "602", "603"}
    assert client.get("/download/nothing.csv").status_code == 404
    assert client.get("/download/students.exe").status_code == 404


def test_exports_are_formula_safe_and_audited(client: FlaskClient, iready_school: Flask) -> None:
    from attendly.extensions import db
    from db.models import AuditEntry, Student

    with iready_school.app_context():
        student = db.session.get(Student, "801")
        student.first_name = '=HYPERLINK("http://x")'
        db.session.commit()
    try:
        signed_in(client, "admin")
        body = client.get("/download/students.csv?grade=8").data.decode("utf-8-sig")
        assert "'=HYPERLINK" in body
        from openpyxl import load_workbook

        data = client.get("/download/students.xlsx?grade=8").data
        sheet = load_workbook(io.BytesIO(data)).active
        cells = [cell for row in sheet.iter_rows() for cell in row if cell.value]
        assert all(cell.data_type != "f" for cell in cells)
        with iready_school.app_context():
            entry = db.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "export")
                .order_by(AuditEntry.id.desc())
            ).first()
            assert entry.username == "admin" and entry.entity_id == "students"
            assert entry.details["format"] == "xlsx"
    finally:
        with iready_school.app_context():
            db.session.get(Student, "801").first_name = "Tomas"
            db.session.commit()


def test_pdf_job_makes_a_pdf_for_its_user_only(client: FlaskClient, iready_school: Flask) -> None:
    from pypdf import PdfReader

    from attendly import reports

    signed_in(client, "teacher6")
    with iready_school.test_request_context():
        from flask_login import login_user
        from sqlalchemy import select as sql_select

        from attendly.auth import auth_user
        from attendly.extensions import db
        from db.models import User

        login_user(
            auth_user(db.session.scalar(sql_select(User).where(User.username == "teacher6")))
        )
        report_id = reports.request_report("student", {"student": "602", "year": "2025-2026"})
        deadline = time.monotonic() + 90
        while reports.report_status(report_id)["status"] in ("queued", "running"):
            assert time.monotonic() < deadline, "the PDF job did not finish"
            time.sleep(0.2)
        assert reports.report_status(report_id)["status"] == "done"
    response = client.get(f"/reports/{report_id}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert len(PdfReader(io.BytesIO(response.data)).pages) == 6  # cover + five charts
    other = signed_in(iready_school.test_client(), "admin")
    assert other.get(f"/reports/{report_id}.pdf").status_code == 404
