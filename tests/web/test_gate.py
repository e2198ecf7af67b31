"""The request gate, login/logout and the data scope of Dash callbacks, via the test client."""

from __future__ import annotations

import html
import json
import re
import statistics
import time
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from flask.testing import FlaskClient

from tests.web.conftest import csrf_token, dash_post, login

DASH_ENDPOINTS = [
    ("GET", "/_dash-layout"),
    ("GET", "/_dash-dependencies"),
    ("POST", "/_dash-update-component"),
    ("GET", "/api/v1/kpis"),
]
ALERT = re.compile(r'<div class="alert[^"]*" role="alert">(.*?)</div>', re.S)


def alert_text(body: str) -> str | None:
    match = ALERT.search(body)
    return match.group(1).strip() if match else None


def is_logged_in(client: FlaskClient) -> bool:
    return client.get("/_dash-layout").status_code == 200


# --- anonymous requests -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "next_value"),
    [("/", "/"), ("/anything", "/anything"), ("/students?grade=6", "/students?grade=6")],
)
def test_anonymous_page_redirects_to_login_with_next(
    client: FlaskClient, path: str, next_value: str
) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    # Following the redirect keeps `next` in the form's action, so it survives the POST.
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', page).group(1))
    assert parse_qs(urlsplit(action).query)["next"] == [next_value]


@pytest.mark.parametrize(("method", "path"), DASH_ENDPOINTS)
def test_anonymous_dash_and_api_calls_get_401_json(
    client: FlaskClient, method: str, path: str
) -> None:
    response = client.open(path, method=method, json={} if method == "POST" else None)
    assert response.status_code == 401
    assert response.is_json
    assert response.get_json() == {"error": "login required"}


def test_health_is_public(client: FlaskClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_ready_is_public_and_checks_the_database(client: FlaskClient) -> None:
    response = client.get("/ready")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"


# --- login form ------------------------------------------------------------------------------


def test_login_page_renders_with_a_csrf_token(client: FlaskClient) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert len(csrf_token(client)) > 20
    page = response.get_data(as_text=True)
    assert 'name="username"' in page and 'name="password"' in page


@pytest.mark.parametrize("token", [None, "", "not-a-real-token"])
def test_login_without_a_valid_csrf_token_is_400(client: FlaskClient, token: str | None) -> None:
    csrf_token(client)  # start a session, as a browser that loaded the form would have
    form = {"username": "admin", "password": "admin-password-1"}
    if token is not None:
        form["csrf_token"] = token
    response = client.post("/login", data=form)
    assert response.status_code == 400
    assert not is_logged_in(client)


def test_csrf_token_of_another_session_is_refused(web_app: Any, client: FlaskClient) -> None:
    foreign = csrf_token(web_app.test_client())
    csrf_token(client)
    form = {"username": "admin", "password": "admin-password-1", "csrf_token": foreign}
    assert client.post("/login", data=form).status_code == 400
    assert not is_logged_in(client)


def test_wrong_password_and_unknown_user_get_the_same_401(web_app: Any) -> None:
    wrong = login(web_app.test_client(), "admin", password="not-the-password")
    unknown = login(web_app.test_client(), "nobody-here", password="not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    message = alert_text(wrong.get_data(as_text=True))
    assert message, "a failed login shows a message"
    assert message == alert_text(unknown.get_data(as_text=True))
    assert "admin" not in message and "nobody" not in message


def test_login_time_does_not_reveal_whether_the_user_exists(web_app: Any) -> None:
    def median_seconds(username: str) -> float:
        times = []
        for _ in range(5):
            client = web_app.test_client()
            form = {"username": username, "password": "not-the-password"}
            form["csrf_token"] = csrf_token(client)
            started = time.perf_counter()
            assert client.post("/login", data=form).status_code == 401
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    known, unknown = median_seconds("admin"), median_seconds("nobody-here")
    # A password hash is checked either way, so both take about as long (generous bound).
    assert unknown > 0.3 * known, (
        f"unknown user {unknown * 1000:.0f} ms, known {known * 1000:.0f} ms"
    )


def test_failed_login_does_not_log_in(client: FlaskClient) -> None:
    login(client, "admin", password="not-the-password")
    assert not is_logged_in(client)


@pytest.mark.parametrize("target", ["/", "/students?grade=6", "/anything/deeper"])
def test_login_follows_a_safe_relative_next(client: FlaskClient, target: str) -> None:
    response = login(client, "admin", next_url=quote(target, safe=""))
    assert response.status_code == 302
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example",
        "//evil.example/path",
        "/\\evil.example",
        "https:evil.example",
        "javascript:alert(1)",
        "evil.example",
    ],
)
def test_login_never_redirects_off_site(client: FlaskClient, target: str) -> None:
    response = login(client, "admin", next_url=quote(target, safe=""))
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_logged_in_user_gets_the_dash_layout_and_logout_ends_the_session(
    client: FlaskClient,
) -> None:
    assert not is_logged_in(client)
    assert login(client, "admin").status_code == 302
    assert client.get("/_dash-layout").status_code == 200
    assert client.get("/_dash-dependencies").status_code == 200
    assert client.get("/").status_code == 200

    assert client.post("/logout").status_code == 400  # no CSRF token: still logged in
    assert is_logged_in(client)
    response = client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert client.get("/_dash-layout").status_code == 401
    assert client.get("/").status_code == 302


# --- the Overview callback, called the way the browser calls it --------------------------------


def test_the_overview_callbacks_are_registered(client: FlaskClient) -> None:
    login(client, "admin")
    outputs = " ".join(dep["output"] for dep in client.get("/_dash-dependencies").get_json())
    assert "shell-filter-grade.options" in outputs and "overview-kpis.children" in outputs, (
        "the Dash app lacks the @dash.callback callbacks: was a second app built in this "
        "process, or was `callbacks` imported as a namespace package (stale editable install)?"
    )


def overview_payload(client: FlaskClient, grade: int | None) -> dict[str, Any]:
    """The body Dash's renderer POSTs when the Overview grade dropdown changes."""
    dependencies = client.get("/_dash-dependencies").get_json()
    callback = next(
        dep
        for dep in dependencies
        if {"id": "shell-filter-grade", "property": "value"} in dep["inputs"]
        and "overview-kpis.children" in dep["output"]
    )
    # A multi-output callback is named "..id.prop...id.prop..": one `outputs` entry each.
    names = callback["output"].strip(".").split("...")
    outputs = [dict(zip(("id", "property"), name.split("."), strict=True)) for name in names]
    return {
        "output": callback["output"],
        "outputs": outputs,
        "inputs": [
            {"id": "shell-filter-grade", "property": "value", "value": grade},
            {"id": "shell-filter-year", "property": "value", "value": None},
            {"id": "shell-live-event", "property": "data", "value": None},
            {"id": "shell-filter-school", "property": "value", "value": None},
        ],
        "changedPropIds": ["shell-filter-grade.value"],
        "state": [],
    }


def call_overview(client: FlaskClient, grade: int | None) -> tuple[dict[str, Any], str]:
    response = dash_post(client, overview_payload(client, grade))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    body = response.get_data(as_text=True)
    return json.loads(body)["response"], body


def kpi_values(component: Any) -> dict[str, str]:
    """{kpi-<key>: text} of every KPI value element in a serialised component tree."""
    found: dict[str, str] = {}
    if isinstance(component, list):
        for child in component:
            found.update(kpi_values(child))
    elif isinstance(component, dict):
        props = component.get("props", {})
        if str(props.get("id", "")).startswith("kpi-") and not str(props["id"]).endswith("-change"):
            found[props["id"]] = props.get("children")
        found.update(kpi_values(props.get("children")))
    return found


def test_admin_callback_for_grade_7_returns_grade_7_figures(client: FlaskClient) -> None:
    login(client, "admin")
    response, _ = call_overview(client, 7)
    # Hand-computed in tests/web/school.py: 39/40 days, 1/3 chronic, 253/265 periods.
    assert kpi_values(response["overview-kpis"]["children"]) == {
        "kpi-attendance_rate": "97.50 %",
        "kpi-chronic_absenteeism_rate": "33.33 %",
        "kpi-period_attendance_rate": "95.47 %",
        "kpi-truant_students": "0",
    }
    assert response["overview-alert"]["is_open"] is False


def test_teacher_callback_without_a_grade_is_scoped_to_their_grade(client: FlaskClient) -> None:
    login(client, "teacher6")
    response, _ = call_overview(client, None)
    values = kpi_values(response["overview-kpis"]["children"])
    assert values["kpi-attendance_rate"] == "86.84 %"  # grade 6 only: 33/38 days
    assert values["kpi-chronic_absenteeism_rate"] == "50.00 %"


def test_teacher_asking_for_another_grade_gets_no_data(client: FlaskClient) -> None:
    login(client, "teacher6")
    response, body = call_overview(client, 7)
    assert response["overview-alert"]["is_open"] is True
    assert "outside your access" in response["overview-alert"]["children"]
    assert response["overview-kpis"]["children"] == []
    assert response["overview-tiers"]["children"] == []
    assert "kpi-" not in body and "tier-" not in body
    # Neither grade 7's figures nor anybody else's leak into the response.
    for figure in ("97.5", "33.33", "95.47", "86.84", "92.59"):
        assert figure not in body
    if "overview-trend" in response:
        assert "97.5" not in json.dumps(response["overview-trend"])
