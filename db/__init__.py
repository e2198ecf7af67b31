"""Persistence: models, migrations, queries (the only place with SQL/ORM) and bulk loaders."""
