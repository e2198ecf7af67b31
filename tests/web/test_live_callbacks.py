"""Live updates on the server: merging events, which pages an event concerns (as the browser
posts it to /_dash-update-component), and the fallback poll's catch-up."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from attendly import ids
from attendly.events import data_changed
from attendly.live import merge, touches_grades, touches_kinds, touches_schools, touches_student
from tests.security.helpers import output_specs, signed_in

TEACHER7 = ("live-teacher7", "teacher-password-7")
NORTH_PRINCIPAL = ("live-north-principal", "north-password-7")
NORTH, SOUTH = "001", "002"  # the shared app's school, and one it does not hold


def event(
    grades: list[int],
    students: list[str],
    version: int = 1,
    kind: str = "attendance",
    school: str | None = NORTH,
):
    return {
        "kind": kind,
        "school": school,
        "grades": grades,
        "student_ids": students,
        "version": version,
    }


# --- merging and relevance (pure) -------------------------------------------------------------


def test_merge_unites_grades_and_students_at_the_newest_version() -> None:
    merged = merge([event([6], ["602"], 4), event([6, 7], ["601", "701"], 5)], 5, False)
    assert merged == {
        "kind": "attendance",
        "school": NORTH,
        "schools": [NORTH],
        "grades": [6, 7],
        "student_ids": ["601", "602", "701"],
        "version": 5,
        "resync": False,
    }


def test_merge_of_an_event_naming_no_grades_concerns_everyone() -> None:
    merged = merge([event([6], ["602"], 4), event([], [], 5, kind="import")], 5, False)
    assert merged["grades"] == [] and merged["student_ids"] == []
    assert merged["kind"] == "attendance,import"
    assert touches_grades(merged, [8]) and touches_student(merged, "801")


def test_merge_keeps_grades_when_only_the_students_are_unnamed() -> None:
    merged = merge([event([6], [], 4), event([6], ["601"], 5)], 5, False)
    assert merged["grades"] == [6] and merged["student_ids"] == []
    assert not touches_grades(merged, [7])


def test_a_resync_concerns_every_grade_student_and_kind() -> None:
    merged = merge([], 9, True)
    assert merged["resync"] and merged["version"] == 9
    assert touches_grades(merged, [7]) and touches_student(merged, "701")
    assert touches_kinds(merged, ["attendance"])


def test_merge_unites_the_schools_of_its_events() -> None:
    merged = merge([event([6], ["602"], 4, school=SOUTH), event([7], ["701"], 5)], 5, False)
    assert merged["schools"] == [NORTH, SOUTH] and merged["school"] is None
    assert touches_schools(merged, [SOUTH]) and not touches_schools(merged, ["003"])
    again = merge([merged, event([8], ["801"], 6, school="003")], 6, False)
    assert again["schools"] == [NORTH, SOUTH, "003"]  # a merged event merges by its schools


def test_merge_of_an_event_naming_no_school_concerns_every_school() -> None:
    merged = merge(
        [event([6], ["602"], 4, school=SOUTH), event([6], ["601"], 5, school=None)], 5, False
    )
    assert merged["schools"] == [] and merged["school"] is None
    assert merged["grades"] == [6]  # the grades still narrow it
    assert touches_schools(merged, [NORTH]) and touches_schools(merged, ["003"])
    assert merge([], 9, True)["schools"] == []  # a resync names no school


@pytest.mark.parametrize(
    ("named", "shown", "expected"),
    [
        ({"school": NORTH}, [NORTH], True),
        ({"school": SOUTH}, [NORTH], False),
        ({"school": SOUTH}, [NORTH, SOUTH], True),
        ({"school": SOUTH}, None, True),  # the page shows every school
        ({"school": None}, [NORTH], True),  # cannot be placed: still redraws
        ({"school": ""}, [NORTH], True),
        ({}, [NORTH], True),  # an event from before schools were named
        ({"school": None, "schools": []}, [NORTH], True),
        ({"school": None, "schools": [NORTH, SOUTH]}, [SOUTH], True),
        ({"school": None, "schools": [SOUTH, "003"]}, [NORTH], False),
        ({"school": SOUTH, "schools": [SOUTH], "resync": True}, [NORTH], True),
        ({"school": SOUTH}, [], False),  # a page showing no school is touched by none
    ],
)
def test_touches_schools(named: dict[str, Any], shown: list[str] | None, expected: bool) -> None:
    change = {key: value for key, value in event([6], ["601"]).items() if key != "school"}
    assert touches_schools({**change, **named}, shown) is expected


def test_a_made_up_school_is_never_relevant_by_mistake() -> None:
    for made_up in (None, "x", 5, []):
        assert not touches_schools(made_up, [NORTH])
    for named in ({"school": 1}, {"school": [NORTH]}, {"schools": NORTH}, {"schools": [1]}):
        assert not touches_schools({**event([6], ["601"]), **named}, [NORTH]), named


@pytest.mark.parametrize(
    ("grades", "shown", "expected"),
    [([6], [6], True), ([6], [7], False), ([6, 8], [7, 8], True), ([6], None, True)],
)
def test_touches_grades(grades: list[int], shown: list[int] | None, expected: bool) -> None:
    assert touches_grades(event(grades, ["x"]), shown) is expected


def test_touches_student_and_kinds() -> None:
    assert touches_student(event([6], ["601"]), "601")
    assert not touches_student(event([6], ["602"]), "601")
    assert not touches_kinds(event([6], ["601"], kind="intervention"), ["attendance", "import"])
    assert touches_kinds({"kind": "intervention,iready"}, ["iready"])


def test_an_event_naming_no_students_touches_a_student_of_its_schools_only() -> None:
    south = event([6], [], school=SOUTH)
    assert not touches_student(south, "601", NORTH)
    assert touches_student(south, "601", SOUTH)
    assert touches_student(south, "601")  # the student's school unknown: it may
    merged = merge([south, event([7], [], 5, school=NORTH)], 5, False)
    assert merged["schools"] == [NORTH, SOUTH] and touches_student(merged, "601", NORTH)
    assert not touches_student(merged, "601", "003")
    assert touches_student(event([], [], kind="import", school=None), "601", NORTH)  # codes
    assert not touches_student(event([6], ["602"], school=NORTH), "601", NORTH)


def test_what_a_browser_makes_up_is_never_relevant_by_mistake() -> None:
    for made_up in (None, "x", 5, []):
        assert not touches_grades(made_up, [6])
        assert not touches_student(made_up, "601")
    assert not touches_grades({"grades": "6", "student_ids": ["1"], "kind": "attendance"}, [6])
    assert not touches_grades({"grades": [[6], {"a": 1}], "student_ids": ["1"]}, [6])


# --- the refresh callbacks, as the browser calls them -----------------------------------------


@pytest.fixture(scope="module")
def teacher7(web_app: Flask) -> str:
    from attendly.users import save_user

    with web_app.app_context():
        save_user(TEACHER7[0], "teacher", "7", TEACHER7[1])
    return TEACHER7[0]


def callback(client: FlaskClient, output_id: str) -> dict[str, Any]:
    deps = client.get("/_dash-dependencies").get_json()
    return next(dep for dep in deps if f"{output_id}." in dep["output"])


def refresh_payload(dep: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A refresh fired by the live event alone (the other inputs as the page holds them)."""
    inputs = [{**item, "value": values.get(item["id"])} for item in dep["inputs"]]
    specs = output_specs(dep["output"])
    return {
        "output": dep["output"],
        "outputs": specs if dep["output"].startswith("..") else specs[0],
        "inputs": inputs,
        "state": [{**item, "value": None} for item in dep["state"]],
        "changedPropIds": [f"{ids.Live.EVENT}.data"],
    }


def post(client: FlaskClient, payload: dict[str, Any]) -> int:
    from tests.web.conftest import dash_post

    response = dash_post(client, payload)
    assert response.status_code in (200, 204), response.get_data(as_text=True)[:300]
    return response.status_code


@pytest.mark.parametrize(
    ("grade_filter", "event_grades", "status"),
    [(None, [6], 200), (6, [6], 200), (7, [6], 204), (7, [6, 7], 200), (8, [], 200)],
)
def test_overview_redraws_only_for_events_touching_the_chosen_grade(
    web_app: Flask, grade_filter: int | None, event_grades: list[int], status: int
) -> None:
    client = signed_in(web_app, "admin")
    dep = callback(client, ids.Overview.KPI_ROW)
    values = {ids.Filters.GRADE: grade_filter, ids.Live.EVENT: event(event_grades, ["601"])}
    assert post(client, refresh_payload(dep, values)) == status


def test_a_teacher_overview_ignores_other_grades_and_interventions(web_app: Flask) -> None:
    client = signed_in(web_app, "teacher6")
    dep = callback(client, ids.Overview.KPI_ROW)
    assert post(client, refresh_payload(dep, {ids.Live.EVENT: event([7], ["701"])})) == 204
    attendance = {ids.Live.EVENT: event([6], ["601"])}
    assert post(client, refresh_payload(dep, attendance)) == 200
    intervention = {ids.Live.EVENT: event([6], ["601"], kind="intervention")}
    assert post(client, refresh_payload(dep, intervention)) == 204


def test_a_redraw_for_an_event_still_shows_only_the_teachers_grades(web_app: Flask) -> None:
    """An event naming another grade cannot widen what is shown: the scope is the server's."""
    client = signed_in(web_app, "teacher6")
    dep = callback(client, ids.Overview.KPI_ROW)
    values = {ids.Filters.GRADE: 7, ids.Live.EVENT: event([7], ["701"])}
    body = json.loads(client_post_text(client, refresh_payload(dep, values)))
    alert = body["response"][ids.Overview.ALERT]
    assert alert["is_open"] is True and "grade" in alert["children"].lower()
    assert "kpi-attendance_rate" not in json.dumps(body["response"][ids.Overview.KPI_ROW])


def client_post_text(client: FlaskClient, payload: dict[str, Any]) -> str:
    from tests.web.conftest import dash_post

    response = dash_post(client, payload)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_data(as_text=True)


@pytest.fixture(scope="module")
def north_principal(web_app: Flask) -> str:
    """A principal assigned to the shared app's one school."""
    from attendly.users import save_user

    with web_app.app_context():
        save_user(NORTH_PRINCIPAL[0], "principal", "", NORTH_PRINCIPAL[1], schools=NORTH)
    return NORTH_PRINCIPAL[0]


@pytest.mark.parametrize(
    ("school_filter", "event_school", "status"),
    [
        (NORTH, SOUTH, 204),  # another school's import leaves the page as it is
        (NORTH, NORTH, 200),
        (NORTH, None, 200),  # an event that names no school still redraws
        (None, SOUTH, 200),  # the district shows every school
        (SOUTH, NORTH, 204),
    ],
)
def test_overview_redraws_only_for_events_of_the_chosen_school(
    web_app: Flask, school_filter: str | None, event_school: str | None, status: int
) -> None:
    client = signed_in(web_app, "admin")
    dep = callback(client, ids.Overview.KPI_ROW)
    values = {
        ids.Filters.SCHOOL: school_filter,
        ids.Live.EVENT: event([6], ["601"], school=event_school),
    }
    assert post(client, refresh_payload(dep, values)) == status


def test_a_redraw_for_its_school_shows_that_schools_figures(web_app: Flask) -> None:
    client = signed_in(web_app, "admin")
    dep = callback(client, ids.Overview.KPI_ROW)
    merged = merge([event([6], ["601"], 4, school=SOUTH), event([6], ["602"], 5)], 5, False)
    values = {ids.Filters.SCHOOL: NORTH, ids.Live.EVENT: merged}
    body = json.loads(client_post_text(client, refresh_payload(dep, values)))["response"]
    assert "kpi-attendance_rate" in json.dumps(body[ids.Overview.KPI_ROW])


def test_a_user_of_one_school_ignores_other_schools_events_without_choosing(
    web_app: Flask, north_principal: str
) -> None:
    client = signed_in(web_app, north_principal, NORTH_PRINCIPAL[1])
    dep = callback(client, ids.Overview.KPI_ROW)
    other = {ids.Live.EVENT: event([6], ["601"], school=SOUTH)}
    assert post(client, refresh_payload(dep, other)) == 204
    for school in (NORTH, None):
        own = {ids.Live.EVENT: event([6], ["601"], school=school)}
        assert post(client, refresh_payload(dep, own)) == 200, school


def test_a_filter_change_redraws_whatever_school_the_event_names(web_app: Flask) -> None:
    """Only a run fired by the event alone is skipped: a School filter change always redraws."""
    client = signed_in(web_app, "admin")
    dep = callback(client, ids.Overview.KPI_ROW)
    values = {ids.Filters.SCHOOL: NORTH, ids.Live.EVENT: event([6], ["601"], school=SOUTH)}
    payload = {**refresh_payload(dep, values), "changedPropIds": [f"{ids.Filters.SCHOOL}.value"]}
    assert post(client, payload) == 200


def test_student_cards_redraw_for_their_school_only(web_app: Flask) -> None:
    client = signed_in(web_app, "admin")
    dep = callback(client, ids.Students.CARDS)
    shown = {ids.Filters.SCHOOL: NORTH, ids.Students.PAGER: 1}
    south = {**shown, ids.Live.EVENT: event([6], [], school=SOUTH)}
    assert post(client, refresh_payload(dep, south)) == 204
    for school in (NORTH, None):
        own = {**shown, ids.Live.EVENT: event([6], [], school=school)}
        assert post(client, refresh_payload(dep, own)) == 200, school


def test_student_cards_redraw_for_their_grades_only(web_app: Flask) -> None:
    client = signed_in(web_app, "admin")
    dep = callback(client, ids.Students.CARDS)
    shown = {ids.Filters.GRADE: 8, ids.Students.PAGER: 1}
    assert post(client, refresh_payload(dep, {**shown, ids.Live.EVENT: event([6], [])})) == 204
    assert post(client, refresh_payload(dep, {**shown, ids.Live.EVENT: event([8], [])})) == 200


def test_student_detail_redraws_only_for_its_student(web_app: Flask) -> None:
    client = signed_in(web_app, "admin")
    dep = callback(client, ids.Student.HEADER)
    other = {ids.Student.ID: "601", ids.Live.EVENT: event([6], ["602"])}
    assert post(client, refresh_payload(dep, other)) == 204
    own = {ids.Student.ID: "601", ids.Live.EVENT: event([6], ["601", "602"])}
    body = client_post_text(client, refresh_payload(dep, own))
    assert "Perfect" in body and "Paula" in body
    intervention = {ids.Student.ID: "601", ids.Live.EVENT: event([6], ["601"], kind="intervention")}
    assert post(client, refresh_payload(dep, intervention)) == 204  # no figure changed


def test_student_detail_ignores_a_large_change_of_another_school(web_app: Flask) -> None:
    """An event naming no students (an import of many, or several merged) redraws a student
    of its schools only."""
    client = signed_in(web_app, "admin")
    dep = callback(client, ids.Student.HEADER)
    south = {ids.Student.ID: "601", ids.Live.EVENT: event([6], [], school=SOUTH)}
    assert post(client, refresh_payload(dep, south)) == 204
    north = {ids.Student.ID: "601", ids.Live.EVENT: event([6], [], school=NORTH)}
    assert post(client, refresh_payload(dep, north)) == 200


def test_the_student_timeline_redraws_for_its_students_interventions_only(web_app: Flask) -> None:
    client = signed_in(web_app, "admin")
    dep = callback(client, ids.Student.TIMELINE)
    attendance = {ids.Student.ID: "601", ids.Live.EVENT: event([6], ["601"])}
    assert post(client, refresh_payload(dep, attendance)) == 204
    other = {ids.Student.ID: "601", ids.Live.EVENT: event([6], ["602"], kind="intervention")}
    assert post(client, refresh_payload(dep, other)) == 204
    own = {ids.Student.ID: "601", ids.Live.EVENT: event([6], ["601"], kind="intervention")}
    assert post(client, refresh_payload(dep, own)) == 200


# --- the fallback poll ------------------------------------------------------------------------


def poll_payload(dep: dict[str, Any], since: Any) -> dict[str, Any]:
    return {
        "output": dep["output"],
        "outputs": output_specs(dep["output"]),
        "inputs": [{"id": ids.Live.POLL, "property": "n_intervals", "value": 1}],
        "state": [{"id": ids.Live.VERSION, "property": "children", "value": since}],
        "changedPropIds": [f"{ids.Live.POLL}.n_intervals"],
    }


def publish(web_app: Flask, grades: list[int], students: list[str]) -> int:
    from attendly.services import event_bus, publish

    with web_app.app_context():
        publish(data_changed("attendance", "001", grades, students))
        return event_bus().version()


def test_the_poll_brings_what_was_missed_merged_into_one_event(web_app: Flask) -> None:
    client = signed_in(web_app, "admin")
    dep = callback(client, ids.Live.EVENT)
    since = publish(web_app, [8], ["801"])
    publish(web_app, [6], ["602"])
    version = publish(web_app, [6], ["601"])
    body = json.loads(client_post_text(client, poll_payload(dep, since)))["response"]
    assert body[ids.Live.VERSION]["children"] == version == since + 2
    assert body[ids.Live.EVENT]["data"] == {
        "kind": "attendance",
        "school": NORTH,
        "schools": [NORTH],
        "grades": [6],
        "student_ids": ["601", "602"],
        "version": version,
        "resync": False,
    }
    assert post(client, poll_payload(dep, version)) == 204  # nothing new: nothing sent


def test_the_poll_moves_a_teacher_on_without_redrawing_for_other_grades(
    web_app: Flask, teacher7: str
) -> None:
    client = signed_in(web_app, teacher7, TEACHER7[1])
    dep = callback(client, ids.Live.EVENT)
    since = publish(web_app, [7], ["701"])
    version = publish(web_app, [6], ["601"])
    body = json.loads(client_post_text(client, poll_payload(dep, since)))["response"]
    assert body == {ids.Live.VERSION: {"children": version}}  # the version only: no event


def test_a_tab_with_no_version_or_a_forged_one_gets_a_resync(web_app: Flask) -> None:
    client = signed_in(web_app, "teacher6")
    dep = callback(client, ids.Live.EVENT)
    current = publish(web_app, [6], ["601"])
    for since in ("drop table", -3, 10**9):
        body = json.loads(client_post_text(client, poll_payload(dep, since)))["response"]
        assert body[ids.Live.VERSION]["children"] == current
        assert body[ids.Live.EVENT]["data"]["version"] == current
        assert body[ids.Live.EVENT]["data"]["grades"] in ([], [6])


def test_the_poll_needs_a_login(client: FlaskClient, web_app: Flask) -> None:
    dep = callback(signed_in(web_app, "admin"), ids.Live.EVENT)
    response = client.post("/_dash-update-component", json=poll_payload(dep, 0))
    assert response.status_code == 401


# --- the shell pieces and the setting ---------------------------------------------------------


def find(tree: Any, component_id: str) -> dict[str, Any] | None:
    """The props of the component with `component_id` in a serialised layout."""
    if isinstance(tree, list):
        return next((f for child in tree if (f := find(child, component_id))), None)
    if not isinstance(tree, dict):
        return None
    props = tree.get("props", {})
    if props.get("id") == component_id:
        return dict(props)
    return find(props.get("children"), component_id)


def test_the_shell_carries_the_live_pieces_at_the_current_version(web_app: Flask) -> None:
    current = publish(web_app, [6], ["601"])
    layout = signed_in(web_app, "teacher6").get("/_dash-layout").get_json()
    assert find(layout, ids.Live.VERSION) == {
        "id": ids.Live.VERSION,
        "children": current,
        "hidden": True,
    }
    poll = find(layout, ids.Live.POLL)
    assert poll is not None and poll["interval"] == 15_000 and not poll.get("disabled")
    status = find(layout, ids.Live.STATUS)
    assert status is not None and status["children"] == "Connecting…"
    assert status["role"] == "status"


def test_the_poll_interval_setting_is_read_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    from attendly.errors import ConfigError
    from attendly.settings import load_settings

    monkeypatch.setenv("ATTENDLY_LIVE_POLL_SECONDS", "5")
    assert load_settings().live_poll_seconds == 5
    monkeypatch.setenv("ATTENDLY_LIVE_POLL_SECONDS", "0")
    with pytest.raises(ConfigError, match="ATTENDLY_LIVE_POLL_SECONDS"):
        load_settings()


def test_the_session_check_of_a_closed_socket(client: FlaskClient, web_app: Flask) -> None:
    """/api/v1/session: who is signed in, 401 once the session is gone (assets/live.js stops
    reconnecting then); it needs neither the event service nor a query."""
    assert client.get("/api/v1/session").status_code == 401
    signed = signed_in(web_app, "teacher6")
    body = signed.get("/api/v1/session").get_json()
    assert body == {"username": "teacher6", "role": "teacher", "signed_in": True}
