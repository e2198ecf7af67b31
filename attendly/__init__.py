"""Attendly: find the middle-school students slipping through attendance, and act in time.

`create_app` is the composition root; read it as the table of contents of the application.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask

from attendly.settings import Settings, load_settings

if TYPE_CHECKING:
    from dash import Dash

ROOT = Path(__file__).resolve().parent.parent


def create_app(settings: Settings | None = None, *, web: bool = True) -> Flask:
    """Build the Flask server with the Dash app mounted on it; returns the Flask server.

    `web=False` leaves out every route and the Dash app: command-line jobs (imports, reports)
    need only the database and services, and start in a fraction of the time.
    """
    settings = settings or load_settings()
    from attendly import logs

    logs.configure(settings)
    server = Flask("attendly", instance_path=str(settings.instance_path.resolve()))
    _configure(server, settings)

    from attendly import audit, services
    from attendly.extensions import db, init_read_replica, login_manager

    db.init_app(server)
    init_read_replica(server, settings.database_read_url, _engine_options(settings, True))
    login_manager.init_app(server)
    services.init_app(server, settings)
    audit.install_append_only()
    if web:
        _mount_web(server)
    return server


def _mount_web(server: Flask) -> None:
    from attendly import api, auth, health, interventions_api, monitoring, security

    monitoring.install(server)  # first: request ids, timing and /metrics around everything
    server.register_blueprint(health.blueprint)
    server.register_blueprint(auth.blueprint)
    server.register_blueprint(api.blueprint)
    server.register_blueprint(interventions_api.blueprint)
    from attendly import corrections_api

    server.register_blueprint(corrections_api.blueprint)
    from attendly import downloads, reports

    server.register_blueprint(downloads.blueprint)
    server.register_blueprint(reports.blueprint)
    from attendly import import_views

    server.register_blueprint(import_views.blueprint)
    from attendly import realtime

    realtime.init_app(server)  # /ws and /api/v1/events
    _build_dash(server)
    security.install(server)  # after Dash: its one-time setup hooks run before the gate
    # The app's ~200,000 objects live as long as the process: frozen, a full cyclic
    # collection in a request scans that request's objects (~1 ms), not the app (~110 ms).
    gc.freeze()
    from attendly import warmup

    warmup.init_app(server)  # after setup: its thread starts warming the page cache at once


def _configure(server: Flask, settings: Settings) -> None:
    from attendly.security import cookie_config

    settings.instance_path.mkdir(parents=True, exist_ok=True)
    server.config.update(
        ATTENDLY_SETTINGS=settings,
        SECRET_KEY=settings.resolved_secret_key(),
        SQLALCHEMY_DATABASE_URI=settings.resolved_database_url,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings),
        **cookie_config(settings),
    )


def _engine_options(settings: Settings, read: bool = False) -> dict[str, object]:
    """Engine options of the primary database, or of DATABASE_READ_URL with `read`."""
    from attendly.extensions import engine_options

    url = settings.database_read_url if read else settings.resolved_database_url
    return engine_options(url or "", settings.db_pool_size, settings.db_max_overflow)


def _build_dash(server: Flask) -> Dash:
    import dash

    from attendly.layout import shell

    app = dash.Dash(
        "app",
        server=server,  # type: ignore[arg-type]  # Dash types `server` as bool
        use_pages=True,
        pages_folder=str(ROOT / "pages"),
        assets_folder=str(ROOT / "assets"),
        title="Attendly",
        suppress_callback_exceptions=True,
    )
    app.layout = shell
    import callbacks  # noqa: F401  (registers every @dash.callback)

    server.extensions["attendly.dash"] = app
    from attendly.access import guard_pages

    guard_pages(dash.page_registry)
    return app
