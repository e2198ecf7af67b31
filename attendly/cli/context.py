"""Shared plumbing of the CLI commands: the app, its settings, and error translation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import Flask

from attendly.errors import AttendlyError, ConfigError
from attendly.settings import Settings, load_settings


def cli_settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@contextmanager
def app_context(settings: Settings | None = None, *, web: bool = False) -> Iterator[Flask]:
    """An app context on the configured database; AttendlyErrors become clean CLI errors.

    Without `web` the app has no routes and no Dash app (faster start for data commands).
    """
    from attendly import create_app

    app = create_app(settings or cli_settings(), web=web)
    with app.app_context():
        try:
            yield app
        except AttendlyError as exc:
            raise click.ClickException(str(exc)) from exc
