"""Helpers of the operations tests: scraping /metrics and reading one sample from it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

TOKEN = "metrics-token-for-the-tests-0123"


@contextlib.contextmanager
def settings_changed(app: Flask, **changes: Any) -> Iterator[Flask]:
    """The app with some settings replaced until the block ends."""
    settings = app.config["ATTENDLY_SETTINGS"]
    app.config["ATTENDLY_SETTINGS"] = settings.model_copy(update=changes)
    try:
        yield app
    finally:
        app.config["ATTENDLY_SETTINGS"] = settings


def scrape(app: Flask) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of GET /metrics (read with the metrics token): {(name, labels): value}."""
    with settings_changed(app, metrics_token=TOKEN):
        response = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str):  # type: ignore[no-untyped-def]
    """One sample's value; 0 when the series does not exist (yet)."""
    return samples.get((name, frozenset(labels.items())), 0.0)
