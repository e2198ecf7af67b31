"""Helpers for import tests: small CSV files in tmp_path and a pinned `today`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from attendly.settings import Settings
from ingest import ImportResult, run_import

TODAY = dt.date(2025, 10, 1)
PERIODS_1_7 = ",".join(f"period_{n}_status" for n in range(1, 8))
ATTENDANCE_HEADER = f"student_id,date,grade_level,{PERIODS_1_7}"
ROSTER_HEADER = "student_id,last_name,first_name,grade_level"

Writer = Callable[..., Path]
Runner = Callable[..., ImportResult]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        env="test",
        default_school_code="001",
        grade_levels=(6, 7, 8),
        periods_per_day=7,
        instance_path=tmp_path / "instance",
    )


@pytest.fixture
def write_csv(tmp_path: Path) -> Writer:
    """Write `text` (or raw `data`) to a file in tmp_path and return its path."""

    def write(
        text: str | None = None,
        *,
        name: str = "import.csv",
        encoding: str = "utf-8",
        data: bytes | None = None,
        newline: str = "\n",
    ) -> Path:
        path = tmp_path / name
        if data is None:
            assert text is not None
            data = text.replace("\n", newline).encode(encoding)
        path.write_bytes(data)
        return path

    return write


@pytest.fixture
def run(session: Session, settings: Settings) -> Runner:
    """run_import on the test session with the pinned today."""

    def go(kind: str, path: Path, **kwargs: Any) -> ImportResult:
        kwargs.setdefault("today", TODAY)
        return run_import(session, kind, path, settings=settings, **kwargs)

    return go


def problems(result: ImportResult, rule: str | None = None) -> list[dict[str, Any]]:
    """The result's problems as dicts, optionally only those of one rule."""
    found = result.to_dict()["errors"]
    return [p for p in found if rule is None or p["rule"] == rule]


# The stored data an import may change (bookkeeping tables excluded: they record the attempt).
DATA_TABLES = (
    "schools",
    "students",
    "attendance_records",
    "attendance_codes",
    "school_calendar",
    "student_year_summaries",
    "student_week_summaries",
    "attendance_day_totals",
)
VOLATILE = {"id", "refreshed_at"}  # surrogate keys and timestamps: not part of the data


def snapshot(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every data table's rows, sorted; surrogate ids and timestamps left out, and schools
    named by code (PostgreSQL sequences do not roll back, so ids may differ)."""
    from sqlalchemy import text

    codes = dict(session.execute(text("SELECT id, code FROM schools")).all())
    taken = {}
    for table in DATA_TABLES:
        result = session.execute(text(f"SELECT * FROM {table}"))
        names = list(result.keys())
        keep = [i for i, name in enumerate(names) if name not in VOLATILE]
        rows = [
            tuple(str(codes.get(row[i]) if names[i] == "school_id" else row[i]) for i in keep)
            for row in result
        ]
        taken[table] = sorted(rows)
    session.rollback()
    return taken


def count(session: Session, model: type) -> int:
    from sqlalchemy import func, select

    return int(session.scalar(select(func.count()).select_from(model)) or 0)
