"""An import analyzes what imports before it wrote (db.statistics), before its merge, so that
the merge and the summary refresh are planned on the stored rows (PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.statistics import analyze_changed, stale_tables
from tests.db.test_statistics import eventually, reltuples
from tests.ingest.conftest import Runner, Writer

HEADER = "student_id,last_name,first_name,grade_level,school_code\n"


def test_an_import_analyzes_what_the_one_before_it_wrote(
    engine: Engine, session: Session, run: Runner, write_csv: Writer
) -> None:
    if engine.dialect.name != "postgresql":
        assert stale_tables(session) == []
        return
    analyze_changed(session)  # what earlier tests left stale
    first = "".join(f"A{n:03},Lee,Kim,6,001\n" for n in range(400))
    assert run("roster", write_csv(HEADER + first, name="first.csv")).status == "completed"
    assert eventually(lambda: "public.students" in stale_tables(session), session)
    before = reltuples(session, "students")

    second = HEADER + "B001,Ray,Ana,7,001\n"
    assert run("roster", write_csv(second, name="second.csv")).status == "completed"
    session.rollback()
    assert before < 400 <= reltuples(session, "students")
