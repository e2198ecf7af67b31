"""Apply the Alembic migrations to a database (idempotent)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Foreign keys the models declare but PostgreSQL does not hold (migration 0810): the import
# checks them set-based instead of a trigger per row.
UNENFORCED_KEYS = frozenset(
    f"fk_attendance_records_{column}"
    for column in ("student_id_students", "school_id_schools", "import_id_imports")
)


def include_object(
    item: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's comparison filter: leaves out the foreign keys PostgreSQL does not hold."""
    return not (type_ == "foreign_key_constraint" and name in UNENFORCED_KEYS)


def alembic_config() -> Config:
    """An Alembic config pointing at the packaged migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Create or migrate the schema to `revision`; running it twice changes nothing.

    "heads" (not "head") so that independently developed migration branches both apply.
    """
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def is_current(engine: Engine) -> bool:
    """True when the database is at every newest migration (each branch head)."""
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads()) == heads


def revision(engine: Engine, message: str) -> None:
    """Autogenerate a new migration against `engine` (a developer tool)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
