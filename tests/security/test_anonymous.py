"""Every route and every Dash callback, asked for anonymously: 401 JSON or a login redirect."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from attendly.security import is_public, wants_json
from tests.security.helpers import dependencies, page_payload, payload

SAMPLE_VALUES = {"int": "1", "path": "x/y", "string": "x", "default": "x"}
CONVERTER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Machine endpoints with a check of their own (no login would help): what they answer instead.
OWN_REFUSALS = {"/metrics": "metrics need the metrics token or an allowed address"}


def concrete(rule: str) -> str:
    """A URL matching `rule`, with a sample value for each converter."""
    return CONVERTER.sub(lambda m: SAMPLE_VALUES.get(m.group(1) or "default", "x"), rule)


def every_route(app: Flask) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        for method in sorted(set(rule.methods or ()) & set(METHODS)):
            routes.append((method, concrete(rule.rule)))
    return routes


def assert_refused(response: Any, path: str) -> None:
    if wants_json(path):
        assert response.status_code == 401, (path, response.status_code)
        assert response.get_json() == {"error": OWN_REFUSALS.get(path, "login required")}
    else:
        assert response.status_code == 302, (path, response.status_code)
        assert response.headers["Location"].startswith("/login?next=")


def test_every_route_refuses_anonymous_users(web_app: Flask, client: FlaskClient) -> None:
    routes = every_route(web_app)
    assert len(routes) >= 15, routes  # the walk really covers the app's routes
    checked = 0
    for method, path in routes:
        if is_public(path):
            continue
        assert_refused(client.open(path, method=method, json={}), path)
        checked += 1
    assert checked >= 12


@pytest.mark.parametrize(
    "path",
    [
        "/ws",
        "/metrics",
        "/api/v1/interventions",
        "/api/v2/anything",
        "/_dash-anything",
        "/users",
        "/audit",
        "/static/x.js",
        "/_reload-hash",
    ],
)
def test_routes_added_later_are_protected_by_default(client: FlaskClient, path: str) -> None:
    assert_refused(client.get(path), path)


def test_public_paths_are_only_login_health_ready_and_static(web_app: Flask) -> None:
    public = {path for _, path in every_route(web_app) if is_public(path)}
    assert public <= {
        "/login",
        "/health",
        "/ready",
        "/_favicon.ico",
        "/assets/x/y",
        "/_dash-component-suites/x/x/y",
    }, public


def test_every_dash_callback_refuses_anonymous_users(web_app: Flask, client: FlaskClient) -> None:
    deps = dependencies(web_app)
    for dep in deps:
        response = client.post("/_dash-update-component", json=payload(dep, 7))
        assert response.status_code == 401, dep["output"]
        assert response.get_json() == {"error": "login required"}
    hidden = client.post("/_dash-update-component", json=page_payload("/users"))
    assert hidden.status_code == 401


def test_static_assets_hold_no_data_and_stay_public(client: FlaskClient) -> None:
    response = client.get("/assets/attendly.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
