"""Operations tests share the import tests' small-file fixtures (a Settings, CSV files in
tmp_path, run_import on the test session)."""

from tests.ingest.conftest import run, settings, write_csv  # noqa: F401  (shared fixtures)
