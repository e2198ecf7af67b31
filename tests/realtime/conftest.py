"""Live realtime apps: one on the test Redis, one with the in-process bus (no Redis)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask

from tests.realtime.live import realtime_app, serving, unique_prefix
from tests.services import REDIS_URL, redis_client


@dataclass
class Live:
    """A served app: its Flask object and base URL."""

    app: Flask
    url: str


@pytest.fixture(scope="module")
def on_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The realtime app on the test Redis (a prefix of its own), served on a free port."""
    redis_client()  # skips (or fails when services are required) without Redis
    folder = tmp_path_factory.mktemp("realtime-redis")
    app = realtime_app(folder, f"sqlite:///{folder}/rt.db", REDIS_URL, unique_prefix())
    with serving(app) as url:
        yield Live(app, url)
    app.extensions["attendly.realtime"].stop()


@pytest.fixture(scope="module")
def in_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The realtime app with no REDIS_URL (the embedded default), served on a free port."""
    folder = tmp_path_factory.mktemp("realtime-local")
    app = realtime_app(folder, f"sqlite:///{folder}/rt.db", None, unique_prefix())
    with serving(app) as url:
        yield Live(app, url)
    app.extensions["attendly.realtime"].stop()
