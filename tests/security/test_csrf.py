"""CSRF: Dash callbacks, forms and session-authenticated API posts need the token."""

from __future__ import annotations

from flask import Flask

from attendly import tokens
from attendly.extensions import db
from tests.security.helpers import dependencies, payload, signed_in
from tests.web.conftest import csrf_header, dash_post


def overview_dep(app: Flask) -> dict:
    return next(d for d in dependencies(app) if "overview-kpis.children" in d["output"])


def test_dash_callback_needs_the_csrf_header(web_app: Flask) -> None:
    client = signed_in(web_app, "admin")
    body = payload(overview_dep(web_app), 7)
    missing = client.post("/_dash-update-component", json=body)
    assert missing.status_code == 400
    assert "CSRF" in missing.get_json()["error"]
    wrong = client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": "forged"})
    assert wrong.status_code == 400
    assert dash_post(client, body).status_code == 200


def test_csrf_token_of_another_session_is_refused_by_dash(web_app: Flask) -> None:
    mine, other = signed_in(web_app, "admin"), signed_in(web_app, "admin")
    body = payload(overview_dep(web_app), 7)
    response = mine.post("/_dash-update-component", json=body, headers=csrf_header(other))
    assert response.status_code == 400


def test_the_csrf_cookie_is_readable_by_the_page_and_same_site(web_app: Flask) -> None:
    client = web_app.test_client()
    from tests.web.conftest import login

    response = login(client, "admin")
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert "HttpOnly" not in cookies["_csrf_token"]  # Dash's renderer must read it
    assert "SameSite=Lax" in cookies["_csrf_token"]


def test_session_api_post_needs_the_header_but_a_bearer_token_does_not(web_app: Flask) -> None:
    client = signed_in(web_app, "admin")
    data = {"kind": "roster"}
    assert client.post("/api/v1/imports", data=data).status_code == 400
    with_header = client.post("/api/v1/imports", data=data, headers=csrf_header(client))
    assert with_header.status_code == 400 and with_header.get_json()["parameter"] == "file"
    with web_app.app_context():
        token_id, token = tokens.create_token("admin", "csrf-test")
        db.session.commit()
    bearer = web_app.test_client().post(
        "/api/v1/imports", data=data, headers={"Authorization": f"Bearer {token}"}
    )
    assert bearer.status_code == 400 and bearer.get_json()["parameter"] == "file"  # past CSRF
    with web_app.app_context():
        tokens.revoke_token(token_id)
        db.session.commit()


def test_logout_needs_the_token(web_app: Flask) -> None:
    client = signed_in(web_app, "admin")
    assert client.post("/logout").status_code == 400
    assert client.get("/_dash-layout").status_code == 200
