"""The Imports page's routes and callbacks, called directly (embedded runner, no Redis)."""

from __future__ import annotations

import base64
import csv
import io
from pathlib import Path

from flask import Flask

from tests.security.helpers import signed_in
from tests.web import school
from tests.web.conftest import csrf_header
from tests.web.test_import_worker import upload, wait_for


def test_the_error_report_downloads_as_csv_for_admins_only(web_app: Flask) -> None:
    admin = signed_in(web_app, "admin")
    content = b"student_id,last_name,first_name,grade_level\n601,Perfect,Paula,6\n999,X,Y,42\n"
    import_id = upload(admin, content, "roster-bad.csv", kind="roster")
    wait_for(admin, import_id, lambda d: d["status"] != "running")
    response = admin.get(f"/imports/{import_id}/errors.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows and rows[0]["row"] == "3" and rows[0]["column"] == "grade_level"
    unmapped = admin.get(f"/imports/{import_id}/unmapped.csv")
    assert unmapped.status_code == 200 and unmapped.get_data(as_text=True).startswith("import_id")
    assert admin.get("/imports/999999/errors.csv").status_code == 404
    teacher = signed_in(web_app, "teacher6")
    assert teacher.get(f"/imports/{import_id}/errors.csv").status_code == 403
    assert web_app.test_client().get(f"/imports/{import_id}/errors.csv").status_code in (302, 401)


def test_the_large_file_form_streams_to_disk_and_queues(web_app: Flask, tmp_path: Path) -> None:
    admin = signed_in(web_app, "admin")
    roster = school.write_roster(tmp_path / "big-roster.csv").read_bytes()
    data = {"file": (io.BytesIO(roster), "big-roster.csv"), "kind": "roster"}
    response = admin.post("/imports/upload", data=data, headers=csrf_header(admin))
    assert response.status_code == 302 and "queued=" in response.location
    import_id = int(response.location.rsplit("=", 1)[1])
    done = wait_for(admin, import_id, lambda d: d["status"] != "running")[-1]
    assert done["status"] == "completed" and done["filename"] == "big-roster.csv"


def test_the_drop_callback_queues_files_and_clears_the_payload(
    web_app: Flask, tmp_path: Path
) -> None:
    from flask_login import login_user
    from sqlalchemy import select

    from attendly.auth import auth_user
    from attendly.extensions import db
    from callbacks import imports
    from db.models import User

    roster = school.write_roster(tmp_path / "r.csv").read_bytes()
    url = "data:text/csv;base64," + base64.b64encode(roster).decode()
    with web_app.test_request_context():
        login_user(auth_user(db.session.scalar(select(User).where(User.username == "admin"))))
        note, contents, tracked, disabled = imports.upload(
            [url, "data:text/csv;base64,%%%"], ["r.csv", "broken.csv"], "auto", [1, "x"]
        )
        assert contents is None and disabled is False
        assert tracked[0] == 1 and len(tracked) == 2 and isinstance(tracked[1], int)
        assert "broken.csv" in str(note)
        assert "Enter the id" in str(imports.act(None, 1, "1; drop table"))
    admin = signed_in(web_app, "admin")
    done = wait_for(admin, tracked[1], lambda d: d["status"] != "running")[-1]
    assert done["status"] == "completed" and done["kind"] == "roster"
