"""The migrations build the schema the models describe, and running them twice is harmless."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from attendly.extensions import db as sqla
from db.migrate import is_current, upgrade


def test_migrations_create_every_model_table(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert set(sqla.metadata.tables) <= tables


def test_upgrade_is_idempotent_and_current(engine: Engine) -> None:
    upgrade(engine)
    assert is_current(engine)


def test_models_match_migrations(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), sqla.metadata)
    assert diff == []
