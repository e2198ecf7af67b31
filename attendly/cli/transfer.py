"""`attendly export-all` / `import-all`: the whole dataset in one archive, to move or keep it.

Exit codes: 0 done; 2 rejected (a bad archive, another schema revision, a target holding data
without --replace: nothing written); 1 system failure (database, disk).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TypeVar

import click
from sqlalchemy.exc import SQLAlchemyError

from attendly.cli.context import app_context
from attendly.extensions import db
from attendly.transfer_format import TransferRejected

T = TypeVar("T")


def _app_version() -> str:
    try:
        return version("attendly")
    except PackageNotFoundError:
        return "unknown"


@contextmanager
def _exit_codes(action: str) -> Iterator[None]:
    """Rejections exit 2 and system failures 1, each with one line naming the problem."""
    try:
        yield
    except TransferRejected as exc:
        click.echo(f"{action} rejected: {exc}", err=True)
        sys.exit(2)
    except (SQLAlchemyError, OSError) as exc:
        click.echo(f"{action} failed: {exc}", err=True)
        sys.exit(1)


def _timed(work: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    return work(), time.perf_counter() - started


@click.command("export-all")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH when it exists")
def export_all(path: Path, force: bool) -> None:
    """Write every table to the archive PATH (a .zip; includes password hashes, no plaintext)."""
    from attendly.transfer import export_all as write_archive

    if path.exists() and not force:
        raise click.ClickException(f"{path} exists: choose another name or add --force")
    with app_context(), _exit_codes("export-all"):
        manifest, seconds = _timed(
            lambda: write_archive(db.engine, path, app_version=_app_version(), actor="cli")
        )
    rows = sum(entry.rows for entry in manifest.tables)
    click.echo(f"exported {len(manifest.tables)} tables, {rows} rows to {path} in {seconds:.1f} s")


@click.command("import-all")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Delete everything in the target database first")
def import_all(path: Path, replace: bool) -> None:
    """Load the archive PATH into this database (init-db first), all or nothing.

    The target must be empty (a new database) unless --replace; the archive must come from an
    Attendly at the same schema revision. Exit 0: imported; 2: rejected; 1: system failure.
    """
    from attendly.setup import initialise_database
    from attendly.transfer import check_archive
    from attendly.transfer import import_all as load_archive

    with _exit_codes("import-all"):
        check_archive(path)  # everything read and checked before the database is touched
    with app_context() as app, _exit_codes("import-all"):
        initialise_database(app)
        db.session.remove()
        report, seconds = _timed(
            lambda: load_archive(db.engine, path, replace=replace, actor="cli")
        )
    rows = report.rows
    click.echo(
        f"imported {len(rows)} tables, {sum(rows.values())} rows from {path} in {seconds:.1f} s"
        + (" (replacing the previous data)" if replace else "")
    )
