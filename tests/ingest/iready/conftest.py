"""Fixtures for i-Ready import tests: a small generated population, its roster, its exports."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from attendly.demo.iready import IReadyStudent, generate_iready
from ingest import ImportResult
from tests.ingest.conftest import Runner

TODAY = dt.date(2026, 11, 26)  # 2026-2027 is the current academic year
ROSTER_HEADER = "student_id,last_name,first_name,grade_level,state_student_id"


def population(count: int = 24, seed: int = 5) -> list[IReadyStudent]:
    """Students of grades 6-8 with state ids and varied attendance habits."""
    rng = random.Random(seed)
    return [
        IReadyStudent(
            student_id=f"{n:06d}",
            last_name=f"Family{n}",
            first_name=f"Kid{n}",
            grade=6 + n % 3,
            state_id=str(5_000_000_000 + n),
            absence_rate=rng.uniform(0.0, 0.25),
        )
        for n in range(1, count + 1)
    ]


def roster_text(testers: list[IReadyStudent], *, with_state_ids: bool = True) -> str:
    lines = [ROSTER_HEADER]
    for t in testers:
        lines.append(
            f"{t.student_id},{t.last_name},{t.first_name},{t.grade},"
            f"{t.state_id if with_state_ids else ''}"
        )
    return "\n".join(lines) + "\n"


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def errors(result: ImportResult) -> list[dict[str, Any]]:
    return [p for p in result.to_dict()["errors"] if p["severity"] == "error"]


def warnings(result: ImportResult, rule: str | None = None) -> list[dict[str, Any]]:
    return [
        p
        for p in result.to_dict()["errors"]
        if p["severity"] == "warning" and (rule is None or p["rule"] == rule)
    ]


@pytest.fixture
def testers() -> list[IReadyStudent]:
    return population()


@pytest.fixture
def exports(tmp_path: Path, testers: list[IReadyStudent]) -> Callable[..., dict[str, Path]]:
    """Write the ELA and Math exports of `testers` in a layout: subject -> path."""

    def make(layout: str, year_start: int = 2024, **kwargs: Any) -> dict[str, Path]:
        folder = tmp_path / f"{layout}-{year_start}"
        kwargs.setdefault("testers", testers)
        people = kwargs.pop("testers")
        return generate_iready(folder, people, year_start=year_start, layout_name=layout, **kwargs)

    return make


@pytest.fixture
def with_roster(run: Runner, tmp_path: Path, testers: list[IReadyStudent]) -> list[IReadyStudent]:
    """The population's roster imported (with state ids)."""
    path = tmp_path / "roster.csv"
    path.write_text(roster_text(testers), encoding="utf-8")
    assert run("roster", path).status == "completed"
    return testers


@pytest.fixture
def iready(run: Runner) -> Callable[..., ImportResult]:
    """run_import of kind iready with the pinned i-Ready `today`."""

    def go(path: Path, **kwargs: Any) -> ImportResult:
        kwargs.setdefault("today", TODAY)
        return run("iready", path, **kwargs)

    return go
