"""Data maintenance commands: `attendly verify` and the schools' settings."""

from __future__ import annotations

import json
import sys

import click

from attendly.cli.context import app_context
from attendly.extensions import db


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON")
@click.option("--repair", is_flag=True, help="Refresh the summaries found wrong")
def verify(as_json: bool, repair: bool) -> None:
    """Check the stored summaries and day figures against the raw rows. Exit 1 on a mismatch."""
    from ingest.verify import verify as run_checks

    with app_context() as app:
        report = run_checks(db.session(), app.config["ATTENDLY_SETTINGS"], repair=repair)
    result = report.to_dict()
    if as_json:
        click.echo(json.dumps(result, indent=2, default=str))
    else:
        checked = ", ".join(f"{count} {name}" for name, count in result["checked"].items())
        click.echo(f"checked {checked}")
        for name, count in result["mismatches"].items():
            if count:
                click.echo(f"  {count} {name} do not match their raw rows")
        click.echo("ok" if report.ok else ("repaired summaries" if repair else "MISMATCHES"))
    sys.exit(0 if report.ok else 1)


@click.group(invoke_without_command=True)
@click.pass_context
def schools(context: click.Context) -> None:
    """List schools (code, name, periods per day), or change one with `schools set`."""
    if context.invoked_subcommand is not None:
        return
    from db.loaders import school_settings

    with app_context():
        for row in school_settings(db.session()):
            click.echo(f"{row['code']:<8} {row['periods_per_day']:>2} periods  {row['name']}")


@schools.command("set")
@click.argument("code")
@click.option("--periods-per-day", type=click.IntRange(1, 10), default=None)
@click.option("--name", default=None)
def schools_set(code: str, periods_per_day: int | None, name: str | None) -> None:
    """Set a school's periods per day (what an Aeries import schedules) or name."""
    from db.loaders import ensure_schools, update_school

    with app_context() as app:
        session = db.session()
        ensure_schools(session, [code], app.config["ATTENDLY_SETTINGS"].periods_per_day)
        update_school(session, code, periods_per_day=periods_per_day, name=name)
        session.commit()
    click.echo(f"school {code} updated")
