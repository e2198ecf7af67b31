"""Sign-in throttling per account and per address, with messages that reveal no account."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from attendly.extensions import db
from db.models import AuditEntry, LoginAttempt
from tests.web.conftest import PASSWORDS, csrf_token

ALERT = re.compile(r'role="alert">(.*?)</div>', re.S)


def attempt(app: Flask, username: str, password: str, address: str = "10.1.1.1"):  # type: ignore[no-untyped-def]
    client: FlaskClient = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    form = {"username": username, "password": password, "csrf_token": csrf_token(client)}
    return client.post("/login", data=form)


def message(response) -> str:  # type: ignore[no-untyped-def]
    match = ALERT.search(response.get_data(as_text=True))
    return match.group(1).strip() if match else ""


def test_an_account_locks_after_five_failures_for_real_and_unknown_names(web_app: Flask) -> None:
    for name in ("admin", "nobody-at-all"):
        for _ in range(5):
            assert attempt(web_app, name, "wrong-password").status_code == 401
    locked_real = attempt(web_app, "admin", PASSWORDS["admin"])
    locked_unknown = attempt(web_app, "nobody-at-all", "wrong-password")
    assert locked_real.status_code == locked_unknown.status_code == 429
    assert message(locked_real) == message(locked_unknown)
    assert "admin" not in message(locked_real) and "minutes" in message(locked_real)
    # Another account from the same address is not affected.
    assert attempt(web_app, "teacher6", PASSWORDS["teacher6"]).status_code == 302


def test_an_address_is_blocked_after_twenty_failures(web_app: Flask) -> None:
    for number in range(20):
        assert attempt(web_app, f"guess{number}", "x-password", "10.9.9.9").status_code == 401
    assert attempt(web_app, "admin", PASSWORDS["admin"], "10.9.9.9").status_code == 429
    assert attempt(web_app, "admin", PASSWORDS["admin"], "10.9.9.8").status_code == 302


def test_sign_in_works_again_after_the_window(web_app: Flask) -> None:
    for _ in range(5):
        attempt(web_app, "admin", "wrong-password")
    assert attempt(web_app, "admin", PASSWORDS["admin"]).status_code == 429
    with web_app.app_context():
        earlier = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16)
        db.session.execute(update(LoginAttempt).values(at=earlier))
        db.session.commit()
    assert attempt(web_app, "admin", PASSWORDS["admin"]).status_code == 302


def test_a_success_clears_the_accounts_failures(web_app: Flask) -> None:
    for _ in range(4):
        attempt(web_app, "admin", "wrong-password")
    assert attempt(web_app, "admin", PASSWORDS["admin"]).status_code == 302
    for _ in range(4):
        assert attempt(web_app, "admin", "wrong-password").status_code == 401
    assert attempt(web_app, "admin", PASSWORDS["admin"]).status_code == 302


def test_sign_ins_failures_and_lockouts_are_audited(web_app: Flask) -> None:
    attempt(web_app, "teacher6", PASSWORDS["teacher6"], "10.2.2.2")
    for _ in range(6):
        attempt(web_app, "audited-name", "wrong-password", "10.2.2.2")
    with web_app.app_context():
        rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(7))
        actions = [(row.action, row.username, row.details) for row in rows]
    assert actions[0] == ("login_locked", "audited-name", {"address": "10.2.2.2"})
    assert [a for a, _, _ in actions[1:6]] == ["login_failed"] * 5
    assert actions[6][:2] == ("login", "teacher6")
