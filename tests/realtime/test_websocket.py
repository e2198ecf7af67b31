"""`/ws` end to end on a live server: login, per-grade visibility, catch-up, refusals."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from simple_websocket import ConnectionError as HandshakeRefused

from attendly.events import data_changed
from tests.realtime.conftest import Live
from tests.realtime.live import nothing_more, receive, signed_in, wait_until, websocket


def publish(live: Live, kind: str, school: str | None, grades: list[int], ids: list[str]) -> int:
    """Publish as an import or a correction does after its commit (scope lookup included)."""
    from attendly.services import publish as publish_event

    with live.app.app_context():
        return publish_event(data_changed(kind, school, grades, ids))


def count(live: Live) -> int:
    from attendly.realtime import connection_count

    with live.app.app_context():
        return connection_count()


def database_connections_in_use(live: Live) -> int:
    from attendly.extensions import db

    with live.app.app_context():
        return int(db.engine.pool.checkedout())  # type: ignore[attr-defined]


@pytest.fixture(params=["on_redis", "in_process"])
def live(request: pytest.FixtureRequest) -> Live:
    """Each test runs against Redis pub/sub and against the in-process bus."""
    found: Live = request.getfixturevalue(request.param)
    return found


def test_a_grade_6_change_reaches_only_the_grade_6_teacher(live: Live) -> None:
    six = websocket(live.url, signed_in(live.url, "teacher6"))
    seven = websocket(live.url, signed_in(live.url, "teacher7"))
    try:
        wait_until(lambda: count(live) == 2, what="two open connections")
        assert database_connections_in_use(live) == 0  # open sockets hold none
        version = publish(live, "attendance", "001", [6], ["S6"])
        assert receive(six) == {
            "kind": "attendance",
            "school": "001",
            "grades": [6],
            "student_ids": ["S6"],
            "version": version,
        }
        nothing_more(seven)
        # A change spanning both grades reaches both, each trimmed to their own grade.
        both = publish(live, "attendance", "001", [6, 7], ["S6", "S7"])
        expected = {"kind": "attendance", "school": "001", "version": both}
        assert receive(six) == {**expected, "grades": [6], "student_ids": ["S6"]}
        assert receive(seven) == {**expected, "grades": [7], "student_ids": ["S7"]}
    finally:
        six.close()
        seven.close()
    wait_until(lambda: count(live) == 0, what="connections closed")


def test_school_assignment_and_scope_lookup_trim_a_cross_school_change(live: Live) -> None:
    district = websocket(live.url, signed_in(live.url, "district"))
    admin = websocket(live.url, signed_in(live.url, "admin"))
    try:
        wait_until(lambda: count(live) == 2, what="two open connections")
        # A rollback names students of two schools and no school: each student's school
        # and grade come from the database when it is published.
        version = publish(live, "roster", None, [6, 7], ["S6", "T7", "GONE"])
        assert receive(admin) == {
            "kind": "import",
            "school": None,
            "grades": [6, 7],
            "student_ids": ["GONE", "S6", "T7"],
            "version": version,
        }
        assert receive(district) == {
            "kind": "import",
            "school": None,
            "grades": [7],
            "student_ids": ["T7"],
            "version": version,
        }
        publish(live, "intervention", "001", [6], ["S6"])  # school 001 is not theirs
        assert receive(admin)["kind"] == "intervention"
        nothing_more(district)
    finally:
        district.close()
        admin.close()


def test_reconnect_with_since_gets_exactly_the_missed_visible_events(live: Live) -> None:
    browser = signed_in(live.url, "teacher6")
    first = websocket(live.url, browser)
    try:
        wait_until(lambda: count(live) == 1, what="the connection registered")
        seen = publish(live, "attendance", "001", [6], ["S6"])
        assert receive(first)["version"] == seen
    finally:
        first.close()
    wait_until(lambda: count(live) == 0, what="the connection closed")
    missed = [
        publish(live, "attendance", "001", [6], ["S6"]),
        publish(live, "iready", "001", [7], ["S7"]),  # not theirs: never sent
        publish(live, "intervention", "001", [6], ["S6"]),
    ]
    again = websocket(live.url, browser)
    try:
        again.send(json.dumps({"since": seen}))
        caught = [receive(again), receive(again)]
        assert [(m["kind"], m["version"]) for m in caught] == [
            ("attendance", missed[0]),
            ("intervention", missed[2]),
        ]
        nothing_more(again)
        # The log keeps 10 events: a version older than that asks for a full refresh.
        for _ in range(11):
            latest = publish(live, "attendance", "001", [6], ["S6"])
        for _ in range(11):
            receive(again)
        again.send(json.dumps({"since": seen}))
        assert receive(again) == {"kind": "resync", "version": latest}
        again.send(json.dumps({"since": latest}))
        nothing_more(again)
        again.send("not json")
        assert receive(again)["kind"] == "error"
        again.send(json.dumps({"since": -3}))
        assert "since" in receive(again)["error"]
    finally:
        again.close()


def test_anonymous_websocket_and_events_are_refused(live: Live) -> None:
    with pytest.raises(HandshakeRefused) as refused:
        websocket(live.url)
    assert refused.value.status_code == 401
    plain = requests.get(f"{live.url}/ws", timeout=10)
    assert (plain.status_code, plain.json()) == (401, {"error": "login required"})
    polled = requests.get(f"{live.url}/api/v1/events?since=0", timeout=10)
    assert polled.status_code == 401
    wait_until(lambda: count(live) == 0, what="no connection left")


def test_polling_twin_answers_with_the_same_visibility(live: Live) -> None:
    browser = signed_in(live.url, "teacher7")
    start = browser.get(f"{live.url}/api/v1/events", timeout=10).json()
    six = publish(live, "attendance", "001", [6], ["S6"])
    seven = publish(live, "attendance", "001", [6, 7], ["S6", "S7"])
    answer: dict[str, Any] = browser.get(
        f"{live.url}/api/v1/events", params={"since": six - 1}, timeout=10
    ).json()
    assert answer == {
        "version": seven,
        "resync": False,
        "events": [
            {
                "kind": "attendance",
                "school": "001",
                "grades": [7],
                "student_ids": ["S7"],
                "version": seven,
            }
        ],
    }
    assert start == {"version": six - 1, "events": [], "resync": False}
    bad = browser.get(f"{live.url}/api/v1/events", params={"since": "abc"}, timeout=10)
    assert bad.status_code == 400 and "since" in bad.json()["error"]
    ahead = browser.get(f"{live.url}/api/v1/events", params={"since": seven + 50}, timeout=10)
    assert ahead.json() == {"version": seven, "events": [], "resync": True}


def test_polling_with_an_api_token_sees_the_same_as_the_tokens_user(live: Live) -> None:
    from attendly.tokens import create_token

    with live.app.app_context():
        _, token = create_token("teacher6", "dashboard screen")
    six = publish(live, "attendance", "001", [6], ["S6"])
    seven = publish(live, "attendance", "001", [7], ["S7"])
    answer = requests.get(
        f"{live.url}/api/v1/events",
        params={"since": six - 1},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.status_code == 200
    assert answer.json()["version"] == seven
    assert [e["version"] for e in answer.json()["events"]] == [six]
    wrong = requests.get(
        f"{live.url}/api/v1/events", headers={"Authorization": "Bearer nope"}, timeout=10
    )
    assert wrong.status_code == 401


def test_visible_events_since_for_a_dashboard_callback(live: Live) -> None:
    from attendly.auth import AuthUser
    from attendly.realtime import visible_events_since

    teacher = AuthUser(id=1, username="t", role="teacher", grades=(7,))
    before = publish(live, "attendance", "001", [6], ["S6"])
    after = publish(live, "attendance", "001", [7], ["S7"])
    with live.app.app_context():
        version, events, resync = visible_events_since(teacher, before - 1)
    assert (version, resync) == (after, False)
    assert [(e["version"], e["student_ids"]) for e in events] == [(after, ["S7"])]
    from flask_login import AnonymousUserMixin

    with live.app.app_context():
        assert visible_events_since(AnonymousUserMixin(), before - 1) == (before - 1, [], False)


def test_a_socket_is_closed_after_the_idle_limit_and_a_disabled_account_cannot_return(
    live: Live,
) -> None:
    from simple_websocket import ConnectionClosed

    from attendly.extensions import db
    from db.models import User

    browser = signed_in(live.url, "teacher67")
    lifetime = live.app.config["ATTENDLY_WS_LIFETIME"]
    live.app.config["ATTENDLY_WS_LIFETIME"] = 1.0
    try:
        client = websocket(live.url, browser)
        with pytest.raises(ConnectionClosed) as closed:
            client.receive(timeout=5)
        assert closed.value.reason == 4000
        again = websocket(live.url, browser)  # the session is still good: back in
        again.close()
        with live.app.app_context():
            db.session.query(User).filter_by(username="teacher67").update({"active": False})
            db.session.commit()
        with pytest.raises(HandshakeRefused) as refused:
            websocket(live.url, browser)
        assert refused.value.status_code == 401
    finally:
        live.app.config["ATTENDLY_WS_LIFETIME"] = lifetime
        with live.app.app_context():
            db.session.query(User).filter_by(username="teacher67").update({"active": True})
            db.session.commit()
