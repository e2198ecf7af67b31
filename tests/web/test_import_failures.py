"""Failed imports in the embedded runner (no Redis): retries, then admins are notified.

The e-mail goes to a minimal SMTP server on loopback run by the test.
"""

from __future__ import annotations

import socketserver
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.security.helpers import signed_in
from tests.web import school
from tests.web.test_import_worker import rollback, upload, wait_for


class _SMTP(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept one message per connection into `server.messages`."""

    def handle(self) -> None:
        self.wfile.write(b"220 test ready\r\n")
        data: list[bytes] = []
        while line := self.rfile.readline():
            command = line.strip().upper()
            if command == b"DATA":
                self.wfile.write(b"354 go on\r\n")
                while (body := self.rfile.readline()) not in (b".\r\n", b""):
                    data.append(body)
                self.server.messages.append(b"".join(data).decode())  # type: ignore[attr-defined]
                self.wfile.write(b"250 queued\r\n")
            elif command == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp() -> Iterator[socketserver.ThreadingTCPServer]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTP)
    server.messages = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_exhausted_retries_fail_the_import_and_notify_admins(
    web_app: Flask,
    smtp: socketserver.ThreadingTCPServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    from attendly import notifications
    from attendly.extensions import db

    monkeypatch.setenv("ATTENDLY_FAULT_DISCONNECTS", "9")
    monkeypatch.setenv("ATTENDLY_IMPORT_CHUNK_ROWS", "3")
    settings = web_app.config["ATTENDLY_SETTINGS"]
    port = smtp.server_address[1]
    web_app.config["ATTENDLY_SETTINGS"] = settings.model_copy(
        update={
            "retry_intervals": (0,),
            "smtp_url": f"smtp://127.0.0.1:{port}",
            "admin_emails": "it@district.example",
            "import_chunk_rows": 3,
        }
    )
    try:
        client = signed_in(web_app, "admin")
        content = school.write_roster(tmp_path / "roster.csv").read_bytes()
        import_id = upload(client, content, "roster.csv", kind="roster")
        failed = wait_for(client, import_id, lambda d: d["status"] != "running")[-1]
        deadline = time.monotonic() + 10
        while not smtp.messages and time.monotonic() < deadline:  # type: ignore[attr-defined]
            time.sleep(0.05)
    finally:
        web_app.config["ATTENDLY_SETTINGS"] = settings
    assert failed["status"] == "failed", failed
    attempts = Path(web_app.instance_path) / "faults" / f"import-{import_id}"
    assert attempts.read_text() == "2"  # the first attempt and one retry
    with web_app.app_context():
        titles = [n["title"] for n in notifications.unread(db.session(), "admin")]
        assert f"Import {import_id} failed" in titles
        assert notifications.unread_count(db.session(), "admin") >= 1
        notifications.mark_all_read(db.session(), "admin")
        assert notifications.unread_count(db.session(), "admin") == 0
    mail = smtp.messages[0]  # type: ignore[attr-defined]
    assert f"[Attendly] Import {import_id} failed" in mail and "it@district.example" in mail
    rollback(web_app, import_id)  # abandon it: the staged rows go


def test_a_failed_attempt_says_when_it_is_tried_again(
    web_app: Flask, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Between a transient failure and the next attempt the import reads "failed, trying
    again at ..." and is not finished; the next attempt completes it and the note goes."""
    monkeypatch.setenv("ATTENDLY_FAULT_DISCONNECTS", "1")  # the first attempt only
    settings = web_app.config["ATTENDLY_SETTINGS"]
    web_app.config["ATTENDLY_SETTINGS"] = settings.model_copy(
        update={"retry_intervals": (2, 30), "import_chunk_rows": 3}
    )
    try:
        client = signed_in(web_app, "admin")
        content = school.write_roster(tmp_path / "roster.csv").read_bytes()
        import_id = upload(client, content, "roster.csv", kind="roster")
        waiting = wait_for(client, import_id, lambda d: d["status"] == "failed")[-1]
        done = wait_for(client, import_id, lambda d: d["status"] == "completed")[-1]
    finally:
        web_app.config["ATTENDLY_SETTINGS"] = settings
    phase = waiting["progress"]["phase"]
    assert phase.startswith("failed, trying again at ") and phase.endswith("(attempt 2 of 3)")
    assert "errors" not in waiting  # not finished: the result is not final yet
    assert done["progress"]["phase"] == "completed" and "errors" in done
    with web_app.app_context():
        from attendly.extensions import db
        from db.models import Import

        record = db.session.get(Import, import_id)
        assert record is not None and "retry" not in (record.state or {})
