"""Attendly: find the middle-school students slipping through attendance, and act in time.

`create_app` is the composition root; read it as the table of contents of the application.
"""

from __future__ import annotations

from pathlib import Path

import dash
from flask import Flask

from attendly.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent


def create_app(settings: Settings | None = None) -> Flask:
    """Build the Flask server with the Dash app mounted on it; returns the Flask server."""
    settings = settings or load_settings()
    server = Flask("attendly", instance_path=str(settings.instance_path.resolve()))
    _configure(server, settings)

    from attendly import auth, health, services
    from attendly.extensions import db, login_manager

    db.init_app(server)
    login_manager.init_app(server)
    services.init_app(server, settings)
    server.register_blueprint(health.blueprint)
    server.register_blueprint(auth.blueprint)
    auth.install_gate(server)
    _build_dash(server)
    return server


def _configure(server: Flask, settings: Settings) -> None:
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    server.config.update(
        ATTENDLY_SETTINGS=settings,
        SECRET_KEY=settings.resolved_secret_key(),
        SQLALCHEMY_DATABASE_URI=settings.resolved_database_url,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.env == "production",
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.env == "production",
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,
    )


def _build_dash(server: Flask) -> dash.Dash:
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
    return app
