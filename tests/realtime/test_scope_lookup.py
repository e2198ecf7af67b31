"""Publishing looks up each student's grade and school, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.engine import make_url

from attendly.events import SCOPE_KEY, data_changed
from tests.realtime.live import realtime_app, unique_prefix
from tests.services import POSTGRES_URL, fresh_postgres_database


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    folder: Path = tmp_path_factory.mktemp("scope")
    if request.param == "sqlite":
        url = f"sqlite:///{folder}/scope.db"
    else:  # a database of its own: the shared `engine` fixture drops and refills the other
        parsed = make_url(POSTGRES_URL)
        url = fresh_postgres_database(
            parsed.set(database=f"{parsed.database}_realtime").render_as_string(False)
        )
    built = realtime_app(folder, url, None, unique_prefix())
    yield built
    from attendly.extensions import db

    with built.app_context():
        db.engine.dispose()


def test_a_multi_grade_event_carries_each_students_grade_and_school(app: Flask) -> None:
    from attendly.services import event_bus, publish

    with app.app_context():
        version = publish(data_changed("attendance", None, [6, 7], ["T6", "S7", "NOPE"]))
        stored = event_bus().events_since(version - 1).events
    assert stored[0][SCOPE_KEY] == {"T6": [6, "002"], "S7": [7, "001"]}
    assert stored[0]["student_ids"] == ["NOPE", "S7", "T6"]


def test_a_single_grade_single_school_event_needs_no_lookup(app: Flask) -> None:
    from attendly.services import event_bus, publish

    with app.app_context():
        version = publish(data_changed("intervention", "001", [6], ["S6"]))
        stored = event_bus().events_since(version - 1).events
    assert SCOPE_KEY not in stored[0]


def test_the_lookup_leaves_the_callers_transaction_alone(app: Flask) -> None:
    from attendly.extensions import db
    from attendly.services import publish
    from db.models import School

    with app.app_context():
        db.session.add(School(code="009", name="Pending"))
        db.session.flush()
        publish(data_changed("attendance", None, [6, 7], ["S6", "S7"]))
        db.session.rollback()
        assert db.session.query(School).filter_by(code="009").count() == 0
