"""Administrative commands: schema, users, demo school, web server, worker."""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import sys
from typing import Any

import click

from attendly.cli.context import app_context, cli_settings

DEMO_USERS = (
    ("admin", "admin", "", "demo-admin"),
    ("principal", "principal", "", "demo-principal"),
    ("counselor", "counselor", "", "demo-counselor"),
    ("teacher6", "teacher", "6", "demo-teacher"),
    ("teacher78", "teacher", "7,8", "demo-teacher"),
)


@click.command("init-db")
def init_db() -> None:
    """Create or migrate the schema (idempotent) and seed policy and code tables."""
    from attendly.setup import initialise_database

    with app_context() as app:
        initialise_database(app)
        click.echo("database is up to date")


@click.command("create-user")
@click.argument("username")
@click.option(
    "--role", type=click.Choice(["admin", "principal", "counselor", "teacher"]), required=True
)
@click.option("--grades", default="", help="Teacher's grade levels, e.g. 6,7")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input")
def create_user(username: str, role: str, grades: str, password_stdin: bool) -> None:
    """Add a user (or reset an existing user's password, role and grades)."""
    from attendly.setup import initialise_database
    from attendly.users import save_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with app_context() as app:
        initialise_database(app)
        save_user(username, role, grades, password, actor="cli")
        click.echo(f"user {username!r} saved with role {role}")


@click.command()
@click.option(
    "--students", "student_count", default=900, show_default=True, type=click.IntRange(1, 20000)
)
@click.option("--no-serve", is_flag=True, help="Build the demo school, then exit")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8050, show_default=True, type=int)
def demo(student_count: int, no_serve: bool, host: str, port: int) -> None:
    """Build a realistic demo school through the real import pipeline, then serve it."""
    from attendly.demo.build import build_demo_school

    settings = cli_settings()
    if settings.env == "production":
        raise click.ClickException("the demo school is refused when ATTENDLY_ENV=production")
    with app_context(settings, web=not no_serve) as app:
        outcome = build_demo_school(app, student_count, dt.date.today(), DEMO_USERS)
    for line in outcome:
        click.echo(line)
    click.echo(f"\nAttendly is at http://{host}:{port}/  — demo logins (username / password):")
    for username, role, grades, password in DEMO_USERS:
        scope = f" (grades {grades})" if grades else ""
        click.echo(f"  {username:<10} / {password:<15} {role}{scope}")
    if not no_serve:
        _run_server(app, host, port)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8050, show_default=True, type=int)
@click.option(
    "--production", is_flag=True, help="Serve with gunicorn (attendly.gunicorn_conf) instead"
)
def serve(host: str, port: int, production: bool) -> None:
    """Run the web app on the development server, or under gunicorn with --production."""
    if production:
        _run_gunicorn(host, port)
    with app_context(web=True) as app:
        pass
    click.echo(f"Attendly is at http://{host}:{port}/")
    _run_server(app, host, port)


def _run_gunicorn(host: str, port: int) -> None:
    """Replace this process with gunicorn using attendly.gunicorn_conf (threaded workers)."""
    import os

    cli_settings()  # a bad setting stops here with its message, before gunicorn starts
    config = "python:attendly.gunicorn_conf"
    args = [sys.executable, "-m", "gunicorn", "-c", config, "--bind", f"{host}:{port}"]
    os.execv(sys.executable, args)


def _run_server(app: object, host: str, port: int) -> None:
    from werkzeug.serving import run_simple

    run_simple(host, port, app, threaded=True, use_reloader=False)  # type: ignore[arg-type]


WORKER_QUEUES = ("attendly", "reports")


@click.command()
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then exit")
def worker(burst: bool) -> None:
    """Run the RQ worker (with scheduler) for imports and reports; needs REDIS_URL."""
    settings = cli_settings()
    if not settings.redis_url:
        raise click.ClickException(
            "REDIS_URL is not set: without it jobs run inside the web process, no worker needed"
        )
    from redis import Redis
    from rq import Queue, Worker

    from attendly import logs
    from attendly.alerts import schedule_alert_checks
    from attendly.sync import schedule_syncs

    logs.configure(settings)  # RQ's own lines then share the format of the jobs' lines
    _preload()

    connection = Redis.from_url(settings.redis_url)
    queues = [Queue(name, connection=connection) for name in WORKER_QUEUES]
    schedule_syncs(settings)  # the drop-folder sync's next runs (when a drop folder is set)
    schedule_alert_checks(settings)  # the alert rules, every 15 minutes
    worker = Worker(queues, connection=connection)
    stop_cleanly_while_starting(worker)
    worker.work(with_scheduler=True, burst=burst)


def stop_cleanly_while_starting(worker: Any) -> None:
    """Make SIGTERM or SIGINT received while the RQ worker starts a clean stop.

    RQ registers a worker in Redis (what /ready and the System page count) before it installs
    its own signal handlers; stopped in between, it died registered and counted as up until
    its heartbeat aged. Until RQ's handlers replace this one, a first signal asks the worker
    to stop once started (its loop checks the request first, then unregisters); a second
    one stops it at once, as RQ's own second signal does. A process forked meanwhile (the
    scheduler, before it installs its own handlers) takes the signal's default action.
    """
    owner = os.getpid()

    def stop_once_started(signum: int, _frame: Any) -> None:
        if os.getpid() != owner:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        logging.getLogger(__name__).info(
            "signal %s while the worker starts: it stops once started", signum
        )
        worker._stop_requested = True
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

    signal.signal(signal.SIGINT, stop_once_started)
    signal.signal(signal.SIGTERM, stop_once_started)


PRELOADED = (
    "attendly.jobs",
    "ingest.pipeline",
    "ingest.recovery",
    "attendly.alerts",
    "attendly.security",
    "psycopg",
)


def _preload() -> None:
    """Import the job code once in the worker: each job's forked work horse inherits it
    instead of importing pandas, SQLAlchemy and the pipeline again (about 1 s per job, which
    a district's batch of 60 small files pays 60 times), and what the job's app imports when
    it is built (Dash, through the access rules, and the database driver: 0.3 s more). No
    app, engine or connection is made here: nothing that must not cross a fork."""
    import importlib

    for module in PRELOADED:
        importlib.import_module(module)


@click.command()
@click.option(
    "--source",
    type=click.Choice(["all", "aeries", "iready"]),
    default="all",
    show_default=True,
    help="Which drop folders to read",
)
def sync(source: str) -> None:
    """Import new files from the drop folder (ATTENDLY_DROP_FOLDER) now, then archive them."""
    import json

    from attendly.setup import initialise_database
    from attendly.sync import sync_drop_folder

    groups = ("aeries", "iready") if source == "all" else (source,)
    with app_context() as app:
        initialise_database(app)
        try:
            summary = sync_drop_folder(groups)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(summary, indent=2, default=str))


@click.group()
def tokens() -> None:
    """API tokens for integrations (a token acts with its user's permissions)."""


@tokens.command("create")
@click.argument("username")
@click.option("--name", required=True, help="What uses the token, e.g. nightly-sync")
def tokens_create(username: str, name: str) -> None:
    """Create a token for USERNAME and print it (it is shown this once only)."""
    from attendly.tokens import create_token

    with app_context():
        token_id, token = create_token(username, name, actor="cli")
    click.echo(f"token {token_id} for {username!r} ({name}); store it now, it is not shown again:")
    click.echo(token)


@tokens.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke(token_id: int) -> None:
    """Revoke the token with TOKEN_ID (it stops working at once)."""
    from attendly.tokens import revoke_token

    with app_context():
        revoke_token(token_id, actor="cli")
    click.echo(f"token {token_id} revoked")


@tokens.command("list")
@click.option("--user", "username", default=None, help="Only this user's tokens")
def tokens_list(username: str | None) -> None:
    """Every token: id, user, name, prefix, created, last used, revoked."""
    from attendly.tokens import list_tokens

    with app_context():
        rows = list_tokens(username)
    for row in rows:
        state = f"revoked {row['revoked_at']:%Y-%m-%d}" if row["revoked_at"] else "active"
        used = f"{row['last_used_at']:%Y-%m-%d %H:%M}" if row["last_used_at"] else "never"
        click.echo(
            f"{row['id']:>4}  {row['username']:<16} {row['name']:<24} {row['prefix']}…  "
            f"last used {used}  {state}"
        )
