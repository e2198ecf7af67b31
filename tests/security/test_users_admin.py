"""The admin pages through their callbacks: users, roles, passwords, tokens; the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from attendly.audit import AuditTampering, entries
from attendly.extensions import db
from db.models import AuditEntry, User
from tests.security.helpers import dependencies, payload, signed_in, text_of_tree
from tests.web.conftest import dash_post, login


def press(client: FlaskClient, deps: list[dict[str, Any]], button: str, **form: Any) -> Any:
    """Click `button` on the Users page with the form filled in; returns the response dict."""
    dep = next(d for d in deps if "users-message.children" in d["output"])
    body = payload(dep)
    for item in body["inputs"]:
        item["value"] = 1 if item["id"] == button else None
    values = {
        "users-role": "teacher",
        "users-refresh": 0,
        **{f"users-{key.replace('_', '-')}": value for key, value in form.items()},
    }
    for item in body["state"]:
        item["value"] = values.get(item["id"])
    body["changedPropIds"] = [f"{button}.n_clicks"]
    response = dash_post(client, body)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]


def test_admin_manages_a_user_end_to_end(web_app: Flask) -> None:
    deps = dependencies(web_app)
    admin = signed_in(web_app, "admin")
    made = press(
        admin,
        deps,
        "users-save",
        username="newteacher",
        role="teacher",
        grades="7",
        password="first-pass-1",
    )
    assert made["users-message"]["color"] == "success"
    assert (
        signed_in(web_app, "newteacher", "first-pass-1").get("/api/v1/kpis?grade=7").status_code
        == 200
    )
    press(admin, deps, "users-save", username="newteacher", role="teacher", grades="8")
    client = signed_in(web_app, "newteacher", "first-pass-1")
    assert client.get("/api/v1/kpis?grade=7").status_code == 403  # the role change applies
    press(admin, deps, "users-reset-password", username="newteacher", password="second-pass-2")
    assert client.get("/api/v1/kpis").status_code == 401  # the old session ended
    press(admin, deps, "users-deactivate", username="newteacher")
    assert login(web_app.test_client(), "newteacher", "second-pass-2").status_code == 401
    refused = press(admin, deps, "users-save", username="bad name", role="teacher", password="x")
    assert refused["users-message"]["color"] == "warning"
    with web_app.app_context():
        actions = [e["action"] for e in entries(db.session(), username="admin", limit=20)]
    assert {"user_created", "user_updated", "password_reset", "user_deactivated"} <= set(actions)


def test_admin_creates_and_revokes_a_token_shown_once(web_app: Flask) -> None:
    deps = dependencies(web_app)
    admin = signed_in(web_app, "admin")
    made = press(admin, deps, "users-token-create", username="teacher6", token_name="sync")
    token = made["users-token-shown"]["children"]
    assert token.startswith("att_")
    bearer = {"Authorization": f"Bearer {token}"}
    assert web_app.test_client().get("/api/v1/kpis", headers=bearer).status_code == 200
    tables = next(d for d in deps if "users-table.children" in d["output"])
    listing = dash_post(admin, payload(tables, 1)).get_data(as_text=True)
    assert token not in listing and token[:12] in listing
    token_id = int(made["users-message"]["children"].split()[1])
    press(admin, deps, "users-token-revoke", token_id=token_id)
    assert web_app.test_client().get("/api/v1/kpis", headers=bearer).status_code == 401


def test_audit_log_filters(web_app: Flask) -> None:
    login(web_app.test_client(), "teacher6")
    admin = signed_in(web_app, "admin")
    dep = next(d for d in dependencies(web_app) if "audit-table.children" in d["output"])
    body = payload(dep)
    today = dt.date.today().isoformat()
    for item, value in zip(body["inputs"], ("login", "teacher6", today, today), strict=True):
        item["value"] = value
    response = dash_post(admin, body).get_json()["response"]
    shown = text_of_tree(response["audit-table"]["children"])
    assert "teacher6" in shown and "login" in shown and "admin" not in shown
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    body["inputs"][2]["value"] = body["inputs"][3]["value"] = tomorrow
    empty = dash_post(admin, body).get_json()["response"]
    assert empty["audit-count"]["children"] == "0 entries"


def test_the_audit_log_is_append_only(web_app: Flask) -> None:
    with web_app.app_context():
        entry = db.session.scalar(select(AuditEntry).limit(1))
        entry.action = "nothing_happened"
        with pytest.raises(AuditTampering):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.scalar(select(AuditEntry).limit(1)))
        with pytest.raises(AuditTampering):
            db.session.flush()
        db.session.rollback()


def test_passwords_are_stored_with_a_modern_kdf(web_app: Flask) -> None:
    with web_app.app_context():
        stored = db.session.scalar(select(User.password_hash).where(User.username == "admin"))
    assert stored.startswith("scrypt:") and "admin-password-1" not in stored
