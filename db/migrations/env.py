"""Alembic environment: runs on the connection handed over by `db.migrate`."""

from alembic import context

import db.intervention_models  # noqa: F401  (interventions, truancy ladder, letters)
import db.models  # noqa: F401  (registers every table on the metadata)
from attendly.extensions import db as sqla

target_metadata = sqla.metadata
connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
