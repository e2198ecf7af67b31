"""Build the benchmark database: a 7,200-student school with a full year of attendance.

The roster and attendance exports come from the demo generator and go through the real
import pipeline (`ingest.run_import`), exactly as a district's files would. i-Ready
diagnostics have no generator yet, so three per subject and student (fall, winter, spring,
with domain scores) are written directly with a bulk insert; their scores follow each
student's attendance so the correlation charts have something real to show.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

logger = logging.getLogger(__name__)

PLACEMENTS = (
    "3 or More Grade Levels Below",
    "2 Grade Levels Below",
    "1 Grade Level Below",
    "Early On Grade Level",
    "Mid or Above Grade Level",
)
DOMAINS = {
    "ELA": ("Phonological Awareness", "Vocabulary", "Comprehension: Literature"),
    "MATH": ("Number and Operations", "Algebra and Algebraic Thinking", "Geometry"),
}
WINDOWS = ((9, 15), (1, 20), (5, 10))  # (month, day) of the fall, winter and spring windows
USERS = (("admin", "admin", "", "bench-admin-1"), ("teacher6", "teacher", "6", "bench-teacher-6"))


def ensure_database(url: str, rebuild: bool) -> bool:
    """Create the database when missing (or dropped for `rebuild`); True when it is new."""
    from sqlalchemy import create_engine

    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        name = parsed.database
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        )
        if exists and rebuild:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            exists = None
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return not exists


def build(app: Flask, students: int, year_start: int, folder: Path) -> dict[str, float]:
    """Generate, import and enrich the school; returns seconds per step."""
    from attendly.demo import academic_year_end, academic_year_start, generate_school
    from attendly.extensions import db
    from attendly.setup import initialise_database
    from attendly.users import save_user
    from ingest import run_import

    timings: dict[str, float] = {}
    initialise_database(app)
    settings = app.config["ATTENDLY_SETTINGS"]
    start, end = academic_year_start(year_start), academic_year_end(year_start)
    began = time.perf_counter()
    files = generate_school(folder, students=students, start=start, end=end, school_code="101")
    timings["generate"] = time.perf_counter() - began
    for kind, path in (("roster", files.roster), ("attendance", files.attendance)):
        began = time.perf_counter()
        result = run_import(db.session(), kind, path, settings=settings, username="bench")
        if result.status != "completed":
            raise RuntimeError(f"{kind} import {result.status}: {result.errors[:3]}")
        timings[f"import {kind}"] = time.perf_counter() - began
    began = time.perf_counter()
    insert_iready(db.session(), year_start)
    timings["i-Ready rows"] = time.perf_counter() - began
    for username, role, grades, password in USERS:
        save_user(username, role, grades, password, actor="bench")
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return timings


def insert_iready(session: Any, year_start: int) -> int:
    """Three diagnostics per subject for every student with a summary; returns rows written."""
    from db.models import IReadyDiagnostic, IReadyDomainScore, StudentYearSummary

    year = f"{year_start}-{year_start + 1}"
    rows = session.execute(
        select(StudentYearSummary.student_id, StudentYearSummary.attendance_rate).where(
            StudentYearSummary.academic_year == year
        )
    ).all()
    rng = random.Random(7200)
    diagnostics = [
        diagnostic
        for student_id, rate in rows
        for subject in DOMAINS
        for diagnostic in _student_diagnostics(rng, student_id, float(rate), subject, year_start)
    ]
    session.execute(insert(IReadyDiagnostic), diagnostics)
    session.flush()
    ids = session.execute(
        select(
            IReadyDiagnostic.id, IReadyDiagnostic.subject, IReadyDiagnostic.overall_scale_score
        ).where(IReadyDiagnostic.academic_year == year)
    ).all()
    domains = [
        {
            "diagnostic_id": diagnostic_id,
            "domain": domain,
            "scale_score": score + rng.randint(-25, 25),
            "placement_level": min(5, max(1, (score - 420) // 25)),
        }
        for diagnostic_id, subject, score in ids
        for domain in DOMAINS[subject]
    ]
    session.execute(insert(IReadyDomainScore), domains)
    session.commit()
    return len(diagnostics) + len(domains)


def _student_diagnostics(
    rng: random.Random, student_id: str, rate: float, subject: str, year_start: int
) -> list[dict[str, Any]]:
    """Fall, winter and spring diagnostics whose level and growth follow attendance."""
    base = int(470 + (rate - 90) * 2.2 + rng.gauss(0, 28))
    typical, stretch = rng.randint(14, 24), rng.randint(30, 45)
    out = []
    score = base
    for index, (month, day) in enumerate(WINDOWS):
        year = year_start if month >= 7 else year_start + 1
        if index:
            score += int(typical / 2 * (rate / 95) + rng.gauss(0, 8))
        level = min(5, max(1, (score - 420) // 25))
        out.append(
            {
                "student_id": student_id,
                "subject": subject,
                "completion_date": dt.date(year, month, day) + dt.timedelta(days=rng.randint(0, 9)),
                "academic_year": f"{year_start}-{year_start + 1}",
                "baseline": index == 0,
                "most_recent": index == len(WINDOWS) - 1,
                "overall_scale_score": score,
                "overall_relative_placement": PLACEMENTS[level - 1],
                "placement_level": level,
                "annual_typical_growth": typical,
                "annual_stretch_growth": stretch,
                "diagnostic_gain": score - base,
            }
        )
    return out


def row_counts(session: Any) -> dict[str, int]:
    """Rows per main table, to print beside the figures."""
    from db.models import AttendanceRecord, IReadyDiagnostic, Student

    return {
        "students": session.scalar(select(func.count()).select_from(Student)),
        "attendance rows": session.scalar(select(func.count()).select_from(AttendanceRecord)),
        "i-Ready diagnostics": session.scalar(select(func.count()).select_from(IReadyDiagnostic)),
    }
