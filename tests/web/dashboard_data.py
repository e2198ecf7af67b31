"""i-Ready diagnostics for the web tests' school, added beside its attendance (idempotent).

Two diagnostics per subject for six of the eight students (603 and 802 have none), so the
Overview's i-Ready widgets, the cards' placements and the correlation page have figures; the
expected numbers always come from db.queries (the CLI's code), never from here.
"""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

# student: (ELA fall score, ELA winter score, ELA level, MATH fall, MATH winter, MATH level)
SCORES = {
    "601": (560, 585, 5, 540, 560, 4),
    "602": (470, 472, 2, 455, 450, 1),
    "701": (520, 530, 3, 515, 532, 4),
    "702": (590, 601, 5, 575, 590, 5),
    "703": (540, 555, 4, 520, 541, 3),
    "801": (480, 486, 2, 470, 480, 2),
}
DATES = (dt.date(2025, 9, 9), dt.date(2025, 9, 23))
DOMAINS = {"ELA": ("Vocabulary", "Comprehension"), "MATH": ("Algebra", "Geometry")}
PLACEMENTS = {
    1: "3 or More Grade Levels Below",
    2: "2 Grade Levels Below",
    3: "1 Grade Level Below",
    4: "Early On Grade Level",
    5: "Mid or Above Grade Level",
}


def insert_iready(app: Flask) -> None:
    """Store the diagnostics and their domain scores unless they are there already."""
    from sqlalchemy import func, select

    from attendly.extensions import db
    from db.growth import refresh_all_growth
    from db.models import IReadyDiagnostic, IReadyDomainScore

    with app.app_context():
        if db.session.scalar(select(func.count()).select_from(IReadyDiagnostic)):
            return
        for student, (e1, e2, e_level, m1, m2, m_level) in SCORES.items():
            for subject, scores, level in (("ELA", (e1, e2), e_level), ("MATH", (m1, m2), m_level)):
                for index, (day, score) in enumerate(zip(DATES, scores, strict=True)):
                    diagnostic = IReadyDiagnostic(
                        student_id=student,
                        subject=subject,
                        completion_date=day,
                        academic_year="2025-2026",
                        baseline=index == 0,
                        most_recent=index == 1,
                        overall_scale_score=score,
                        placement_level=level if index else max(1, level - 1),
                        overall_relative_placement=PLACEMENTS[level],
                        annual_typical_growth=20,
                        annual_stretch_growth=40,
                    )
                    diagnostic.domains = [
                        IReadyDomainScore(domain=name, scale_score=score + offset)
                        for name, offset in zip(DOMAINS[subject], (-8, 6), strict=True)
                    ]
                    db.session.add(diagnostic)
        db.session.flush()
        # An import keeps the growth table in step with the diagnostics; so does this fixture.
        refresh_all_growth(db.session)
        db.session.commit()


@pytest.fixture(scope="session")
def iready_school(web_app: Flask) -> Flask:
    """The web app with the diagnostics stored."""
    insert_iready(web_app)
    return web_app
