"""Data maintenance commands: `attendly verify`, `partitions`, `alerts`, schools' settings."""

from __future__ import annotations

import json
import sys

import click

from attendly.cli.context import app_context
from attendly.extensions import db


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON")
@click.option(
    "--repair", is_flag=True, help="Rebuild summaries and aggregates, drop derived orphans"
)
def verify(as_json: bool, repair: bool) -> None:
    """Check summaries, day figures, aggregates, orphans and import counts against the raw rows.

    For cron: exit 0 when everything matches, 1 when something did not (also after a repair,
    which the next run confirms).
    """
    from attendly.integrity import describe, run_integrity_check

    with app_context() as app:
        settings = app.config["ATTENDLY_SETTINGS"]
        result = run_integrity_check(db.session(), settings, repair=repair)
    if as_json:
        click.echo(json.dumps(result, indent=2, default=str))
    else:
        for line in describe(result):
            click.echo(line)
        click.echo("ok" if result["ok"] else ("repaired" if repair else "MISMATCHES"))
    sys.exit(0 if result["ok"] else 1)


@click.command()
@click.option(
    "--create",
    "years",
    multiple=True,
    metavar="YYYY-YYYY",
    help="First create this academic year's partition (e.g. next year's, before its first import)",
)
def partitions(years: tuple[str, ...]) -> None:
    """List the academic-year partitions of attendance_records and their rows (PostgreSQL).

    Imports create a new year's partition by themselves; creating it ahead keeps that step
    out of the first import of the year.
    """
    from db.partitions import attendance_partitions, ensure_attendance_partitions, is_partitioned

    with app_context():
        session = db.session()
        try:
            created = ensure_attendance_partitions(session, years)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--create") from exc
        session.commit()
        partitioned = is_partitioned(session)
        found = attendance_partitions(session, count=True)
    for year in created:
        click.echo(f"created {year}")
    for partition in found:
        click.echo(f"{partition.academic_year:<10} {partition.rows:>12,} rows  {partition.name}")
    if not partitioned:
        click.echo("attendance_records is not partitioned (SQLite, or not migrated)")
    elif not found:
        click.echo("no partitions yet: the first import of a year creates its own")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the open alerts as JSON")
def alerts(as_json: bool) -> None:
    """Evaluate the alert rules now (notify, e-mail, clear); for system cron without Redis.

    Exit 0 when no alert is open, 1 when one is.
    """
    from attendly.alerts import evaluate

    with app_context() as app:
        outcome = evaluate(db.session(), app.config["ATTENDLY_SETTINGS"])
    if as_json:
        click.echo(json.dumps(outcome.to_dict(), indent=2, default=str))
    else:
        for alert in outcome.open:
            click.echo(f"{alert.severity:<8} {alert.rule:<18} {alert.message}")
        click.echo(
            f"{len(outcome.open)} open, {len(outcome.opened)} new, {len(outcome.cleared)} cleared"
        )
    sys.exit(1 if outcome.open else 0)


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
