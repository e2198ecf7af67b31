"""Bring a database to a usable state: migrations, policy seed, default code table."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from attendly.extensions import db
from attendly.metrics.codes import CATEGORY_LABELS, DEFAULT_CODE_TABLE
from db.migrate import upgrade
from db.models import AttendanceCode
from db.policy import seed_policy


def initialise_database(app: Flask) -> None:
    """Migrate to the newest schema and seed what a new district needs (idempotent)."""
    upgrade(db.engine)
    seed_policy(db.session(), app.config["ATTENDLY_SETTINGS"])
    stored = set(db.session.scalars(select(AttendanceCode.code)))
    for code, category in DEFAULT_CODE_TABLE.items():
        if code not in stored:
            db.session.add(
                AttendanceCode(code=code, category=category, description=CATEGORY_LABELS[category])
            )
    db.session.commit()
