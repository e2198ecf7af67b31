"""Alembic migrations; applied by `attendly init-db` through `db.migrate.upgrade`."""
