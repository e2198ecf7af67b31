"""Shared helpers of the security suite: signed-in clients and Dash callback payloads."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.web.conftest import login
from tests.web.school import ROSTER

SQL_INJECTION = ("' OR 1=1 --", "1; DROP TABLE students", "6 OR 1=1", "'); DELETE FROM users; --")
MARKUP = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")
HOSTILE = SQL_INJECTION + MARKUP
# What grade 6's teacher must never see: other grades' student ids and names.
FOREIGN_IDS = tuple(sid for sid, _, _, grade in ROSTER if grade != 6)
FOREIGN_NAMES = tuple(
    name for _, last, first, grade in ROSTER if grade != 6 for name in (last, first)
)
OWN_IDS = tuple(sid for sid, _, _, grade in ROSTER if grade == 6)


def signed_in(app: Flask, username: str, password: str | None = None) -> FlaskClient:
    """A new client signed in as `username` (fails the test if the sign-in does not work)."""
    client = app.test_client()
    response = login(client, username, password)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    client.get("/_dash-layout")  # as the browser does first; sets the CSRF cookie
    return client


def dependencies(app: Flask) -> list[dict[str, Any]]:
    """Every callback the Dash app lists in /_dash-dependencies (read as an admin)."""
    body = signed_in(app, "admin").get("/_dash-dependencies").get_json()
    assert isinstance(body, list) and body
    return body


def output_specs(output: str) -> list[dict[str, str]]:
    """A callback's `output` key split into {id, property} entries (multi-output aware)."""
    names = output[2:-2].split("...") if output.startswith("..") else [output]
    return [dict(zip(("id", "property"), name.rsplit(".", 1), strict=True)) for name in names]


def _wildcard(component_id: str) -> bool:
    """A pattern-matching id with ALL/ALLSMALLER (its payload entry is a list of matches)."""
    return component_id.startswith("{") and '["ALL' in component_id


def _outputs(output: str) -> Any:
    """A list for a multi-output callback, one {id, property} for a single output.

    Pattern-matching wildcards are sent with no matching components (an empty list).
    """
    specs = [[] if _wildcard(spec["id"]) else _concrete(spec) for spec in output_specs(output)]
    return specs if output.startswith("..") else specs[0]


def _concrete(spec: dict[str, Any]) -> dict[str, Any]:
    component = spec["id"]
    return {**spec, "id": json.loads(component)} if component.startswith("{") else spec


def _values(items: list[dict[str, Any]], value: Any) -> list[Any]:
    return [[] if _wildcard(str(item["id"])) else {**item, "value": value} for item in items]


def payload(dep: dict[str, Any], value: Any = None, state: Any = None) -> dict[str, Any]:
    """The body Dash's renderer posts for `dep`, every input set to `value`."""
    inputs = _values(dep["inputs"], value)
    states = _values(dep["state"], state)
    first = dep["inputs"][0]
    return {
        "output": dep["output"],
        "outputs": _outputs(dep["output"]),
        "inputs": inputs,
        "state": states,
        "changedPropIds": [f"{first['id']}.{first['property']}"],
    }


def page_payload(pathname: str) -> dict[str, Any]:
    """The (hidden) Dash pages router callback: render the page at `pathname`."""
    output = ".._pages_content.children..._pages_store.data.."
    return {
        "output": output,
        "outputs": _outputs(output),
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": pathname},
            {"id": "_pages_location", "property": "search", "value": ""},
        ],
        "state": [],
        "changedPropIds": ["_pages_location.pathname"],
    }


def text_of_tree(node: Any) -> list[str]:
    """Every string child in a serialised Dash component tree (what is shown as text)."""
    found: list[str] = []
    if isinstance(node, str):
        found.append(node)
    elif isinstance(node, list):
        for child in node:
            found.extend(text_of_tree(child))
    elif isinstance(node, dict):
        props = node.get("props", node)
        found.extend(text_of_tree(props.get("children")))
    return found


def assert_callback_answered(dep: dict[str, Any], response: Any) -> None:
    """200/204 for our callbacks; Dash's own page router may fail on a crafted non-path, but
    only with the generic 500 (no traceback, no data)."""
    from attendly.errorpages import GENERIC_500

    if dep["output"].lstrip(".").startswith("_pages") and response.status_code == 500:
        assert response.get_json() == {"error": GENERIC_500}
        return
    assert response.status_code in (200, 204), (dep["output"], raw(response)[:300])


def raw(response: Any) -> str:
    return json.dumps(response.get_json()) if response.is_json else response.get_data(as_text=True)
