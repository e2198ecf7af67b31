"""Build the demo school: generate exports, import them through the real pipeline, add users."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from flask import Flask
from sqlalchemy import select

from attendly.demo.calendar import demo_date_range
from attendly.demo.generate import generate_school
from attendly.demo.iready import demo_iready_files
from attendly.extensions import db
from attendly.setup import initialise_database
from attendly.users import save_user
from db.models import School, User

DEMO_SCHOOL_CODE = "101"
DEMO_SCHOOL_NAME = "Valley Oak Middle School"


def build_demo_school(
    app: Flask,
    students: int,
    today: dt.date,
    users: Sequence[tuple[str, str, str, str]],
) -> list[str]:
    """Generate and import a demo school (idempotent: a rerun skips what is stored).

    `users` are (username, role, grades, password); existing ones keep their password.
    Returns human-readable lines describing what was done. Raises AttendlyError when an
    import is rejected (the generated files are valid, so that would be a defect).
    """
    from ingest import run_import

    initialise_database(app)
    settings = app.config["ATTENDLY_SETTINGS"]
    start, end = demo_date_range(today)
    out_dir = settings.instance_path / "demo"
    files = generate_school(
        out_dir, students=students, start=start, end=end, school_code=DEMO_SCHOOL_CODE
    )
    lines = [f"demo exports written to {out_dir} ({start} to {end})"]
    iready = demo_iready_files(out_dir, students=students, start=start, end=end)
    for kind, path in (
        ("roster", files.roster),
        ("attendance", files.attendance),
        *(("iready", path) for path in iready),
    ):
        result = run_import(
            db.session(),
            kind,
            path,
            settings=settings,
            username="demo",
            school_code=DEMO_SCHOOL_CODE,
        )
        if result.status != "completed":
            from attendly.errors import AttendlyError

            raise AttendlyError(f"demo {kind} import {result.status}: {result.errors[:3]}")
        lines.append(
            f"imported {kind}: {result.records_inserted} new, {result.records_updated} updated, "
            f"{result.records_skipped} skipped, {result.records_failed} failed"
        )
    _name_school()
    for username, role, grades, password in users:
        if db.session.scalar(select(User).where(User.username == username)) is None:
            save_user(username, role, grades, password, actor="demo")
    return lines


def _name_school() -> None:
    school = db.session.scalar(select(School).where(School.code == DEMO_SCHOOL_CODE))
    if school is not None and school.name in ("", DEMO_SCHOOL_CODE):
        school.name = DEMO_SCHOOL_NAME
        db.session.commit()
