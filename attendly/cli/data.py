"""Data commands: import files, import history, per-student figures, KPIs."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click
from flask import current_app

from attendly.cli.context import app_context
from attendly.extensions import db

# `auto` detects the kind of each file from its headers (ingest.detect).
IMPORT_KINDS = ("roster", "attendance", "codes", "calendar", "iready", "auto")
EXIT_CODES = {"completed": 0, "rejected": 2}  # anything else (failed) is 1


def _policy() -> Any:
    from db.policy import load_policy

    return load_policy(db.session(), current_app.config["ATTENDLY_SETTINGS"])


@click.command("import")
@click.argument("kind", type=click.Choice(IMPORT_KINDS))
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--json", "as_json", is_flag=True, help="Print the import result as JSON")
@click.option("--strict", is_flag=True, help="Reject the whole file on any row error")
@click.option("--school", "school_code", default=None, help="School code for rows without one")
@click.option("--from", "first", default=None, help="First day an Aeries ATT export covers")
@click.option("--to", "last", default=None, help="Last day an Aeries ATT export covers")
def import_(
    kind: str,
    files: tuple[Path, ...],
    as_json: bool,
    strict: bool,
    school_code: str | None,
    first: str | None,
    last: str | None,
) -> None:
    """Import FILES of KIND. Exit 0: completed; 2: a file was rejected; 1: system failure.

    An Aeries ATT export lists only exceptions; --from/--to name the days it covers (by
    default its first to its last date).
    """
    from attendly.setup import initialise_database
    from ingest import run_import

    exit_code = 0
    with app_context() as app:
        initialise_database(app)
        results = []
        for path in files:
            result = run_import(
                db.session(),
                kind,
                path,
                settings=app.config["ATTENDLY_SETTINGS"],
                username="cli",
                strict=strict,
                school_code=school_code,
                covers=_covers(first, last),
            )
            results.append(result.to_dict())
            exit_code = max(exit_code, EXIT_CODES.get(result.status, 1))
    _print_results(results, as_json)
    sys.exit(exit_code)


def _covers(first: str | None, last: str | None) -> tuple[dt.date, dt.date] | None:
    if first is None and last is None:
        return None
    if first is None or last is None:
        raise click.UsageError("give both --from and --to")
    start, end = _date(first), _date(last)
    assert start is not None and end is not None
    if end < start:
        raise click.UsageError("--to is before --from")
    return start, end


def _print_results(results: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(results[0] if len(results) == 1 else results, indent=2, default=str))
        return
    for result_dict in results:
        _echo_result(result_dict)


def _echo_result(result: dict[str, Any]) -> None:
    click.echo(
        f"import {result['import_id']}: {result['status']} — "
        f"processed {result['records_processed']}, inserted {result['records_inserted']}, "
        f"updated {result['records_updated']}, "
        f"skipped {result['records_skipped']}, failed {result['records_failed']}; "
        f"data quality {result['summary'].get('data_quality_score')}"
    )
    for error in result["errors"][:20]:
        where = f"row {error['row']}" if error["row"] else "file"
        column = f", column {error['column']}" if error["column"] else ""
        click.echo(f"  {error['severity']}: {where}{column}: {error['message']}")
    if len(result["errors"]) > 20:
        click.echo(
            f"  … {len(result['errors']) - 20} more (attendly imports errors {result['import_id']})"
        )


@click.group()
def imports() -> None:
    """Import history and error reports."""


@imports.command("list")
@click.option("--json", "as_json", is_flag=True)
def imports_list(as_json: bool) -> None:
    """Every import, newest first."""
    from db.imports import import_history

    with app_context():
        rows = import_history(db.session())
    if as_json:
        click.echo(json.dumps(rows, indent=2, default=str))
        return
    for row in rows:
        click.echo(
            f"{row['id']:>5}  {row['started_at']:%Y-%m-%d %H:%M}  {row['kind']:<10} "
            f"{row['status']:<9} {row['records_processed']:>8} rows  {row['filename']}"
        )


@imports.command("show")
@click.argument("import_id", type=int)
def imports_show(import_id: int) -> None:
    """One import's result as JSON."""
    from db.imports import import_detail

    with app_context():
        click.echo(json.dumps(import_detail(db.session(), import_id), indent=2, default=str))


@imports.command("errors")
@click.argument("import_id", type=int)
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of JSON")
def imports_errors(import_id: int, as_csv: bool) -> None:
    """The error report of one import."""
    from db.imports import ERROR_COLUMNS, import_errors

    with app_context():
        rows = import_errors(db.session(), import_id)
    if as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(ERROR_COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        click.echo(json.dumps(rows, indent=2, default=str))


@imports.command("unmapped")
@click.argument("import_id", type=int, required=False)
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of JSON")
def imports_unmapped(import_id: int | None, as_csv: bool) -> None:
    """i-Ready rows kept aside for students not on the roster (one import's, or all pending)."""
    from db.iready_unmapped import unmapped_report
    from ingest.iready.report import unmapped_csv

    with app_context():
        if as_csv:
            click.echo(unmapped_csv(db.session(), import_id), nl=False)
            return
        rows = unmapped_report(db.session(), import_id)
    click.echo(json.dumps(rows, indent=2, default=str))


@imports.command("remap")
@click.option("--json", "as_json", is_flag=True)
def imports_remap(as_json: bool) -> None:
    """Load the kept-aside i-Ready rows whose students the roster now knows."""
    from ingest.iready import remap

    with app_context() as app:
        outcome = remap(db.session(), app.config["ATTENDLY_SETTINGS"], username="cli").to_dict()
    if as_json:
        click.echo(json.dumps(outcome, indent=2))
        return
    click.echo(
        f"{outcome['mapped']} of {outcome['pending']} kept rows mapped: "
        f"{outcome['inserted']} inserted, {outcome['updated']} updated, "
        f"{outcome['unchanged']} unchanged; {outcome['still_unmapped']} still unmapped"
    )


@imports.command("rollback")
@click.argument("import_id", type=int)
@click.option("--json", "as_json", is_flag=True)
def imports_rollback(import_id: int, as_json: bool) -> None:
    """Undo an import exactly (later imports of the same rows must be rolled back first)."""
    from attendly.correction_views import rollback_note
    from ingest.recovery import rollback_import

    with app_context() as app:
        settings = app.config["ATTENDLY_SETTINGS"]
        outcome = rollback_import(db.session(), import_id, settings=settings, username="cli")
    if as_json:
        click.echo(json.dumps(outcome.to_dict(), indent=2))
        return
    changed = {**outcome.restored, **{f"{k} deleted": v for k, v in outcome.deleted.items()}}
    shown = ", ".join(f"{name}: {count}" for name, count in changed.items() if count)
    click.echo(f"import {import_id} rolled back ({shown or 'nothing to undo'})")
    note = rollback_note(outcome.to_dict())
    if note:
        click.echo(note.strip())


@imports.command("resume")
@click.argument("import_id", type=int)
@click.option("--json", "as_json", is_flag=True)
def imports_resume(import_id: int, as_json: bool) -> None:
    """Finish an import a crash interrupted, from its last checkpoint (exit codes as import)."""
    from ingest import resume_import

    with app_context() as app:
        settings = app.config["ATTENDLY_SETTINGS"]
        result = resume_import(db.session(), import_id, settings=settings).to_dict()
    _print_results([result], as_json)
    sys.exit(EXIT_CODES.get(result["status"], 1))


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"expected YYYY-MM-DD, got {value!r}") from exc


SCHOOL_HELP = "a school's code (default: every school)"


@click.command()
@click.option("--grade", type=int, default=None)
@click.option("--school", default=None, help=SCHOOL_HELP)
@click.option("--tier", default=None)
@click.option("--as-of", "as_of", default=None, help="YYYY-MM-DD")
@click.option("--academic-year", default=None, help="e.g. 2025-2026")
@click.option("--json", "as_json", is_flag=True)
@click.option("--csv", "as_csv", is_flag=True)
def students(
    grade: int | None,
    school: str | None,
    tier: str | None,
    as_of: str | None,
    academic_year: str | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Per-student figures (metric definitions §3) as JSON or CSV."""
    from db.queries import REPORT_COLUMNS, students_report

    if as_json == as_csv:
        raise click.UsageError("choose one of --json or --csv")
    with app_context():
        rows = students_report(
            db.session(),
            _policy(),
            grade=grade,
            tier=tier,
            academic_year=academic_year,
            as_of=_date(as_of),
            school=school,
        )
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    from attendly.exports import safe_cell

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    for row in rows:
        writer.writerow([safe_cell(row[column]) for column in REPORT_COLUMNS])


@click.command()
@click.option("--grade", type=int, default=None)
@click.option("--school", default=None, help=SCHOOL_HELP)
@click.option("--as-of", "as_of", default=None, help="YYYY-MM-DD")
@click.option("--academic-year", default=None, help="e.g. 2025-2026")
@click.option("--json", "as_json", is_flag=True)
def kpis(
    grade: int | None,
    school: str | None,
    as_of: str | None,
    academic_year: str | None,
    as_json: bool,
) -> None:
    """District, school or grade KPIs (metric definitions §5)."""
    from db.queries import kpis as kpi_query

    with app_context():
        result = kpi_query(
            db.session(),
            _policy(),
            grade=grade,
            academic_year=academic_year,
            as_of=_date(as_of),
            school=school,
        )
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(f"{result['academic_year']} as of {result['as_of']} — {result['students']} students")
    for key in (
        "attendance_rate",
        "chronic_absenteeism_rate",
        "period_attendance_rate",
        "truant_students",
    ):
        click.echo(f"  {key.replace('_', ' ')}: {result[key]}")
    for tier_name, count in result["tier_counts"].items():
        click.echo(f"  tier {tier_name}: {count}")
