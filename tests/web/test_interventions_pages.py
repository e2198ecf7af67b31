"""The interventions, truancy, letter-template and effectiveness pages and their callbacks,
driven the way the browser drives them (no browser)."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.web.conftest import dash_post, login


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, username).status_code == 302
    client.get("/_dash-layout")
    return client


def render(client: FlaskClient, path: str) -> str:
    """The page's layout as the pages router returns it (JSON text)."""
    output = ".._pages_content.children..._pages_store.data.."
    body = {
        "output": output,
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": ""},
        ],
        "state": [],
        "changedPropIds": ["_pages_location.pathname"],
    }
    response = dash_post(client, body)
    assert response.status_code == 200
    return json.dumps(response.get_json())


def call(client: FlaskClient, output_id: str, values: dict[str, Any]) -> dict[str, Any]:
    """Run the callback whose first output is on `output_id`, with inputs and states from
    `values` ({"id.property": value}, others None); returns {id: {property: value}}."""
    deps = client.get("/_dash-dependencies").get_json()
    dep = next(
        d
        for d in deps
        if d["output"].lstrip(".").startswith(f"{output_id}.")
        and all(f"{i['id']}.{i['property']}" in values for i in d["inputs"][:1])
    )
    specs = [name.rsplit(".", 1) for name in dep["output"].strip(".").split("...")]
    outputs = [{"id": i, "property": p.split("@")[0]} for i, p in specs]

    def filled(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**item, "value": values.get(f"{item['id']}.{item['property']}")} for item in items]

    first = dep["inputs"][0]
    body = {
        "output": dep["output"],
        "outputs": outputs if dep["output"].startswith("..") else outputs[0],
        "inputs": filled(dep["inputs"]),
        "state": filled(dep["state"]),
        "changedPropIds": [f"{first['id']}.{first['property']}"],
    }
    response = dash_post(client, body)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]


def test_pages_render_for_every_role(web_app: Flask) -> None:
    admin, teacher = signed_in(web_app, "admin"), signed_in(web_app, "teacher6")
    for path, marker in (
        ("/interventions", "interventions-new"),
        ("/truancy", "truancy-queue"),
        ("/letters", "letters-body"),
        ("/effectiveness", "effectiveness-chart"),
    ):
        assert marker in render(admin, path), path
        assert marker in render(teacher, path), path
    assert "page-not-allowed" not in render(teacher, "/truancy")


def test_teacher_sees_the_queue_without_actions(web_app: Flask) -> None:
    values = {"shell-filter-grade.value": None}
    admin_view = json.dumps(call(signed_in(web_app, "admin"), "truancy-queue", values))
    assert "Academic year 2025-2026, as of 2025-09-26" in admin_view
    teacher_view = json.dumps(call(signed_in(web_app, "teacher6"), "truancy-queue", values))
    assert "801" not in teacher_view and "truancy-decide" not in teacher_view


def test_effectiveness_callback(web_app: Flask) -> None:
    admin = call(
        signed_in(web_app, "admin"), "effectiveness-table", {"effectiveness-grade.value": None}
    )
    assert "effectiveness-chart" in admin
    refused = call(
        signed_in(web_app, "teacher6"), "effectiveness-table", {"effectiveness-grade.value": 7}
    )
    assert "outside your access" in json.dumps(refused)


def test_template_saving_is_for_editors(web_app: Flask) -> None:
    values = {
        "letters-save.n_clicks": 1,
        "letters-key.value": "letter_2",
        "letters-language.value": "es",
        "letters-subject.value": "Aviso",
        "letters-body.value": "Hola {nombre}",
    }
    teacher = call(signed_in(web_app, "teacher6"), "letters-message", values)
    assert "only administrators and principals" in json.dumps(teacher)
    admin = call(signed_in(web_app, "admin"), "letters-message", values)
    assert admin["letters-body"]["invalid"] is True  # {nombre} is no placeholder
    assert "{nombre}" in admin["letters-body-feedback"]["children"]
