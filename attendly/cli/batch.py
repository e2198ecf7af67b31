"""`attendly import-batch`: a district's nightly files, one queued import each (attendly.batch)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from attendly.cli.context import app_context
from attendly.extensions import db

if TYPE_CHECKING:
    from attendly.batch import BatchFile

# Exit codes as `attendly import`: 0 every import completed, 2 one was rejected, 1 otherwise.
EXIT_CODES = {"completed": 0, "rejected": 2}


@click.command("import-batch")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--wait", is_flag=True, help="Wait for every import to finish (always without Redis)")
@click.option("--timeout", type=float, default=4 * 3600, show_default=True, help="Seconds to wait")
@click.option("--json", "as_json", is_flag=True, help="Print the batch as JSON")
def import_batch(paths: tuple[Path, ...], wait: bool, timeout: float, as_json: bool) -> None:
    """Queue one import per file of PATHS (files or folders) for the workers to run in parallel.

    A school's rosters are imported before its attendance; different schools run side by side
    on every `attendly worker`. Without REDIS_URL the imports run here, one after another.
    Exit 0: queued (with --wait: every import completed); 2: one was rejected; 1: one failed
    or did not finish in time.
    """
    from attendly.batch import submit_batch, wait_for_batch
    from attendly.setup import initialise_database

    with app_context() as app:
        initialise_database(app)
        settings = app.config["ATTENDLY_SETTINGS"]
        try:
            files = submit_batch(db.session(), list(paths), settings, "cli")
        except OSError as exc:
            raise click.ClickException(str(exc)) from exc
        queued = sorted(files, key=lambda item: int(item.import_id or 0))  # queue order
        ids = [int(item.import_id or 0) for item in queued]
        if not as_json:
            for item in queued:
                click.echo(f"import {item.import_id}: queued {item.kind} {item.path}")
        statuses = {import_id: "queued" for import_id in ids}
        if wait or not settings.redis_url:
            statuses = wait_for_batch(db.session(), ids, settings, timeout)
    rows = sorted((_row(item, files, statuses) for item in files), key=lambda row: row["import_id"])
    _print(rows, as_json, waited=wait or not settings.redis_url)
    sys.exit(_exit_code(statuses.values()) if wait or not settings.redis_url else 0)


def _row(item: BatchFile, files: list[BatchFile], statuses: dict[int, str]) -> dict[str, Any]:
    return {
        "import_id": item.import_id,
        "file": str(item.path),
        "kind": item.kind,
        "schools": sorted(item.schools),
        "after": [files[position].import_id for position in item.after],
        "status": statuses.get(int(item.import_id or 0), "queued"),
    }


def _print(rows: list[dict[str, Any]], as_json: bool, waited: bool) -> None:
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not waited:
        return
    for row in rows:
        click.echo(f"import {row['import_id']}: {row['status']} ({row['kind']}, {row['file']})")
    done = sum(row["status"] == "completed" for row in rows)
    click.echo(f"{done} of {len(rows)} imports completed")


def _exit_code(statuses: Any) -> int:
    return max((EXIT_CODES.get(status, 1) for status in statuses), default=0)
