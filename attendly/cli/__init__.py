"""The `attendly` command line: the same pipeline and queries as the web app."""

from __future__ import annotations

import click

from attendly.cli.admin import create_user, demo, init_db, serve, sync, tokens, worker
from attendly.cli.batch import import_batch
from attendly.cli.data import import_, imports, kpis, students
from attendly.cli.maintenance import alerts, partitions, schools, verify
from attendly.cli.transfer import export_all, import_all


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Attendly: attendance and i-Ready insight for middle schools."""


for command in (
    init_db,
    demo,
    serve,
    worker,
    sync,
    create_user,
    tokens,
    import_,
    import_batch,
    imports,
    students,
    kpis,
    verify,
    partitions,
    alerts,
    schools,
    export_all,
    import_all,
):
    cli.add_command(command)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="attendly")
