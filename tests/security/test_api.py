"""The JSON API: the CLI's JSON, parameter errors, bearer tokens, uploads and imports."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from attendly import tokens
from attendly.extensions import db
from db.models import ApiToken, AuditEntry
from tests.security.helpers import raw, signed_in
from tests.web import school
from tests.web.conftest import csrf_header

ATTENDLY = str(Path(sys.executable).parent / "attendly")


def cli_json(app: Flask, *args: str) -> object:
    """Run `attendly ARGS --json` on the test app's database in a subprocess."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATTENDLY_", "DATABASE_"))}
    env.update(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        ATTENDLY_INSTANCE=app.instance_path,
        ATTENDLY_ENV="test",
    )
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [ATTENDLY, *args, "--json"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_api_json_equals_the_command_lines(web_app: Flask) -> None:
    client = signed_in(web_app, "admin")
    assert client.get("/api/v1/kpis?grade=7").get_json() == cli_json(
        web_app, "kpis", "--grade", "7"
    )
    query = "/api/v1/students?tier=at_risk&as_of=2025-09-26&academic_year=2025-2026"
    assert client.get(query).get_json() == cli_json(
        web_app,
        "students",
        "--tier",
        "at_risk",
        "--as-of",
        "2025-09-26",
        "--academic-year",
        "2025-2026",
    )


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("grade=9", "grade"),
        ("grade=six", "grade"),
        ("as_of=2025-13-01", "as_of"),
        ("academic_year=2025-2027", "academic_year"),
        ("tier=purple", "tier"),
        ("format=xlsx", "format"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(
    web_app: Flask, query: str, parameter: str
) -> None:
    response = signed_in(web_app, "admin").get(f"/api/v1/students?{query}")
    assert response.status_code == 400
    assert response.get_json()["parameter"] == parameter


def test_student_exports_are_audited(web_app: Flask) -> None:
    signed_in(web_app, "teacher6").get("/api/v1/students?format=csv&grade=6")
    with web_app.app_context():
        entry = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
        assert (entry.action, entry.username) == ("export", "teacher6")
        assert entry.details == {
            "format": "csv",
            "grade": 6,
            "school": None,
            "tier": None,
            "rows": 3,
        }


def test_bearer_tokens_are_hashed_at_rest_and_revocable(web_app: Flask) -> None:
    with web_app.app_context():
        token_id, token = tokens.create_token("admin", "integration")
        stored = db.session.get(ApiToken, token_id)
        assert stored.token_hash == tokens.digest(token) and token not in stored.token_hash
        db.session.commit()
    client = web_app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    response = client.get("/api/v1/kpis", headers=headers)
    assert response.status_code == 200 and response.get_json()["students"] == 8
    assert "Set-Cookie" not in response.headers  # a token call opens no session
    assert client.get("/_dash-layout", headers=headers).status_code == 401  # API only
    for bad in ("Bearer att_nope", "Bearer ", "Basic YWRtaW46eA==", f"Bearer {token}x"):
        assert client.get("/api/v1/kpis", headers={"Authorization": bad}).status_code == 401
    with web_app.app_context():
        tokens.revoke_token(token_id, actor="admin")
        db.session.commit()
    assert client.get("/api/v1/kpis", headers=headers).status_code == 401


def post_file(web_app: Flask, content: bytes, name: str = "roster.csv", kind: str = "roster"):  # type: ignore[no-untyped-def]
    client = signed_in(web_app, "admin")
    data = {"kind": kind, "file": (io.BytesIO(content), name)}
    return client.post("/api/v1/imports", data=data, headers=csrf_header(client))


def test_an_import_upload_is_stored_randomly_outside_the_web_root(web_app: Flask) -> None:
    response = post_file(web_app, _roster_bytes())
    assert response.status_code == 202, raw(response)
    import_id = response.get_json()["import_id"]
    detail = finished_import(signed_in(web_app, "admin"), import_id)
    assert detail["status"] == "completed" and detail["filename"] == "roster.csv"
    assert detail["progress"]["phase"] == "completed" and detail["errors"] == []
    uploads = Path(web_app.instance_path) / "uploads"
    stored = sorted(uploads.iterdir(), key=lambda p: p.stat().st_mtime)[-1]
    assert stored.name != "roster.csv" and len(stored.stem) == 32
    assert not stored.resolve().is_relative_to(Path(__file__).resolve().parents[2] / "assets")


def finished_import(client, import_id: int) -> dict:  # type: ignore[no-untyped-def]
    """GET the import until its job has finished (uploads are imported by a job)."""
    deadline = time.monotonic() + 60
    while True:
        detail = client.get(f"/api/v1/imports/{import_id}").get_json()
        if detail["status"] != "running" or time.monotonic() > deadline:
            return detail
        time.sleep(0.1)


def _roster_bytes() -> bytes:
    lines = ["student_id,last_name,first_name,grade_level"]
    lines += [f"{sid},{last},{first},{grade}" for sid, last, first, grade in school.ROSTER]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize(
    "content",
    [b"\x89PNG\r\n\x1a\n" + bytes(200), b"PK\x03\x04" + bytes(100), b"a,b\n\x00\x01\x02\x03"],
)
def test_non_text_uploads_are_rejected(web_app: Flask, content: bytes) -> None:
    before = set((Path(web_app.instance_path) / "uploads").glob("*"))
    response = post_file(web_app, content, name="picture.csv")
    assert response.status_code == 400
    assert "not text" in response.get_json()["error"]
    assert set((Path(web_app.instance_path) / "uploads").glob("*")) == before


def test_a_too_large_upload_is_413_with_a_clear_message(web_app: Flask) -> None:
    limit = web_app.config["MAX_CONTENT_LENGTH"]
    web_app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    try:
        response = post_file(web_app, b"a,b\n" + b"x" * (1024 * 1024 + 10))
    finally:
        web_app.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 413
    assert response.get_json() == {"error": "The file is larger than the upload limit of 1 MB."}


def test_an_unknown_kind_is_400(web_app: Flask) -> None:
    response = post_file(web_app, _roster_bytes(), kind="../../etc")
    assert response.status_code == 400 and response.get_json()["parameter"] == "kind"


def test_an_upload_without_a_kind_is_detected_from_its_headers(web_app: Flask) -> None:
    client = signed_in(web_app, "admin")
    data = {"file": (io.BytesIO(_roster_bytes()), "students.csv")}
    response = client.post("/api/v1/imports", data=data, headers=csrf_header(client))
    assert response.status_code == 202, raw(response)
    detail = finished_import(client, response.get_json()["import_id"])
    assert detail["kind"] == "roster" and detail["status"] == "completed"
