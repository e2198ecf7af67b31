"""Shared fixtures: a migrated database per backend (SQLite and PostgreSQL), cleaned per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from attendly.extensions import db as sqla
from db.migrate import upgrade
from tests.services import POSTGRES_URL, fresh_postgres_database

SAMPLES = Path(__file__).resolve().parent.parent.parent / "shared" / "samples"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated engine; every test using it runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'attendly.db'}"
    else:
        url = fresh_postgres_database(POSTGRES_URL)
    engine = create_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()


def clean(engine: Engine) -> None:
    """Empty every table (children first) so each test starts from nothing."""
    with engine.begin() as connection:
        for table in reversed(sqla.metadata.sorted_tables):
            connection.execute(table.delete())
        if engine.dialect.name == "postgresql":
            for table in sqla.metadata.sorted_tables:
                for column in table.primary_key.columns:
                    if column.autoincrement is True or column.type.python_type is int:
                        connection.execute(
                            text(
                                "SELECT setval(pg_get_serial_sequence(:t, :c), 1, false) "
                                "WHERE pg_get_serial_sequence(:t, :c) IS NOT NULL"
                            ),
                            {"t": table.name, "c": column.name},
                        )


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on an empty, migrated database (SQLite and PostgreSQL)."""
    clean(engine)
    with Session(engine) as session:
        yield session


@pytest.fixture
def samples_dir() -> Path:
    """The public sample exports beside the project; tests using them skip when absent."""
    if not SAMPLES.is_dir():
        pytest.skip(f"sample files not found at {SAMPLES}")
    return SAMPLES
