"""Synthetic i-Ready Diagnostic exports (ELA and Math) in the real layouts of several years.

Scores follow each student's attendance habit, so the demo's attendance-vs-i-Ready figures
show the relation schools see: more absence, lower scores and less growth. The same
arguments always give the same files.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from attendly.demo.iready_layouts import LAYOUTS, layout, write_export
from attendly.demo.iready_scores import (
    MID,
    STRETCH,
    TYPICAL,
    domain_cells,
    grade_text,
    measure_of,
    place,
)

__all__ = ["LAYOUTS", "IReadyStudent", "diagnostics", "generate_iready"]

WINDOWS = (("Fall", (8, 20), 24), ("Winter", (12, 1), 28), ("Spring", (5, 1), 24))


@dataclass(frozen=True)
class IReadyStudent:
    """A student as the generator sees them; `grade` is the grade in the year generated."""

    student_id: str
    last_name: str
    first_name: str
    grade: int
    state_id: str = ""
    gender: str = ""
    absence_rate: float = 0.05


def _window_date(
    rng: random.Random, year_start: int, window: tuple[str, tuple[int, int], int]
) -> dt.date:
    _name, (month, day), span = window
    year = year_start if month >= 7 else year_start + 1
    when = dt.date(year, month, day) + dt.timedelta(days=rng.randrange(span))
    return when + dt.timedelta(days=(7 - when.weekday()) % 7 if when.weekday() >= 5 else 0)


def _student_tests(
    tester: IReadyStudent, subject: str, year_start: int, seed: int, today: dt.date | None
) -> list[dict[str, Any]]:
    rng = random.Random(f"{seed}:{subject}:{year_start}:{tester.student_id}")
    ability = random.Random(f"{seed}:ability:{tester.student_id}").gauss(0, 1)
    grade = max(0, min(tester.grade, 12))
    mid, band = MID[subject][grade], min(grade, 8)
    start = mid - 14 + 38 * (0.75 * ability + 0.25 * rng.gauss(0, 1)) - 260 * tester.absence_rate
    growth = TYPICAL[subject][band] * max(-0.3, rng.gauss(1.05 - 4 * tester.absence_rate, 0.35))
    tests = []
    for index, window in enumerate(WINDOWS):
        done = _window_date(rng, year_start, window)
        if today is not None and done >= today:
            break
        score = round(start + growth * (0, 0.55, 1.0)[index] + rng.gauss(0, 6))
        tests.append(
            _row(tester, subject, year_start, window[0], done, max(100, min(800, score)), rng)
        )
    if tests and rng.random() < 0.04:  # a rushed first test, retaken a week later
        tests[0:1] = _rushed_and_retaken(tests[0], subject, grade, rng, today)
    return tests


def _rushed_and_retaken(
    first: dict[str, Any], subject: str, grade: int, rng: random.Random, today: dt.date | None
) -> list[dict[str, Any]]:
    """The first test taken in a rush (Red Rush Flag, low score), then again a week later."""
    retaken = first["_done"] + dt.timedelta(days=7)
    if today is not None and retaken >= today:
        return [first]
    score = max(100, first["Overall Scale Score"] - 45)
    placement, relative, level = place(subject, score, grade)
    rushed = {
        **first,
        "Overall Scale Score": score,
        "Overall Placement": placement,
        "Overall Relative Placement": relative,
        "_level": level,
        "Rush Flag": "Red Rush Flag",
        "Duration (min)": rng.randint(9, 16),
    }
    return [rushed, dict(first, **_dates(retaken, rng))]


def _dates(done: dt.date, rng: random.Random) -> dict[str, Any]:
    begun = done - dt.timedelta(days=1 if rng.random() < 0.3 and done.weekday() > 0 else 0)
    return {"_done": done, "Start Date": f"{begun:%m/%d/%Y}", "Completion Date": f"{done:%m/%d/%Y}"}


def _row(
    tester: IReadyStudent,
    subject: str,
    year_start: int,
    window: str,
    done: dt.date,
    score: int,
    rng: random.Random,
) -> dict[str, Any]:
    grade = max(0, min(tester.grade, 12))
    placement, relative, level = place(subject, score, grade)
    measure, measure_range = measure_of(subject, score)
    kind = "Lexile" if subject == "ELA" else "Quantile"
    return {
        "Last Name": tester.last_name,
        "First Name": tester.first_name,
        "Student ID": tester.student_id,
        "Student State ID": tester.state_id,
        "Student Grade": grade_text(grade),
        "Academic Year": f"{year_start}-{year_start + 1}",
        "Norming Window": window,
        **_dates(done, rng),
        "Duration (min)": rng.randint(35, 95),
        "Rush Flag": "",
        "Overall Scale Score": score,
        "Overall Placement": placement,
        "Overall Relative Placement": relative,
        "_level": level,
        "Percentile": max(1, min(99, 50 + round((score - MID[subject][grade]) * 0.8))),
        "Grouping": level,
        f"{kind} Measure": measure,
        f"{kind} Range": measure_range,
        "Diagnostic Language": "English",
        "Sex": tester.gender,
        "Enrolled": "Enrolled",
        "User Name": f"{tester.first_name[:1]}{tester.last_name}".lower().replace(" ", ""),
        **domain_cells(rng, subject, score, grade),
    }


def _growth_columns(tests: list[dict[str, Any]], subject: str, grade: int) -> None:
    """Baseline/most-recent flags, gain and progress, as the export computes them."""
    band = max(0, min(grade, 8))
    typical, stretch = TYPICAL[subject][band], STRETCH[subject][band]
    baseline = next((t for t in tests if t["Rush Flag"] == ""), tests[0])
    for test in tests:
        gain = test["Overall Scale Score"] - baseline["Overall Scale Score"]
        later = test is not baseline and test["_done"] > baseline["_done"]
        test.update(
            {
                "Baseline": "Y" if test is baseline else "N",
                "Most Recent": "Y" if test is tests[-1] else "N",
                "Annual Typical Growth Measure": typical,
                "Annual Stretch Growth Measure": stretch,
                "Mid On Grade Level Scale Score": MID[subject][max(0, min(grade, 12))],
                "Diagnostic Gain": gain if later else "",
                "Percent Progress to Annual Typical Growth (%)": round(100 * max(gain, 0) / typical)
                if later
                else "",
                "Percent Progress to Annual Stretch Growth (%)": round(100 * max(gain, 0) / stretch)
                if later
                else "",
                "Read Aloud": "N",
                "Tactile Graphics": "N",
                "Reading Difficulty Indicator (Y/N)": "N" if grade >= 4 else "Not Applicable",
                "English Language Learner": "No",
                "Special Education": "No",
                "Migrant": "No",
                "Economically Disadvantaged": "No",
                "504 Plan": "No",
                "Foster Youth": "No",
                "English Language Acquisition": "EO",
                "Gifted and Talented (GATE)": "No",
                "Homeless Youth": "No",
                "Student with Disabilities": "No",
            }
        )


def diagnostics(
    testers: Iterable[IReadyStudent],
    subject: str,
    year_start: int,
    *,
    seed: int = 2026,
    today: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Every simulated diagnostic of `subject` in the year starting `year_start`.

    With `today`, only diagnostics completed before it exist. Rows are dicts keyed by the
    canonical header names (plus `Baseline`, `Most Recent` and private `_` keys).
    """
    rows: list[dict[str, Any]] = []
    for tester in testers:
        tests = _student_tests(tester, subject, year_start, seed, today)
        if tests:
            _growth_columns(tests, subject, tester.grade)
            rows.extend(tests)
    rows.sort(key=lambda r: (r["Last Name"], r["First Name"], r["Student ID"], r["_done"]))
    return rows


def generate_iready(
    out_dir: Path,
    testers: Sequence[IReadyStudent],
    *,
    year_start: int,
    layout_name: str = "2024-25",
    subjects: Sequence[str] = ("ELA", "MATH"),
    seed: int = 2026,
    today: dt.date | None = None,
    school: str = "Valley Oak Middle School",
) -> dict[str, Path]:
    """Write one export per subject in the layout `layout_name`; returns subject -> path.

    Raises ValueError for an unknown layout or subject.
    """
    chosen = layout(layout_name)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for subject in subjects:
        if subject not in chosen.files:
            raise ValueError(f"unknown subject {subject!r}; expected ELA or MATH")
        rows = diagnostics(testers, subject, year_start, seed=seed, today=today)
        for row in rows:
            row["School"] = school
        written[subject] = write_export(out_dir / chosen.files[subject], rows, subject, chosen)
    return written


def layout_for(year_start: int) -> str:
    """The export layout a school downloads for the year starting `year_start`."""
    if year_start >= 2026:
        return "2026-27"
    return "2024-25-ca" if year_start >= 2024 else "2021-22"


def demo_iready_files(
    out_dir: Path, *, students: int, start: dt.date, end: dt.date, seed: int = 2026
) -> list[Path]:
    """ELA and Math exports of the demo school for its year and the year before.

    Rebuilds the demo roster exactly as `generate_school` does (same seed), so ids, state ids
    and attendance habits match. The year's files hold diagnostics completed up to `end`, in
    that year's layout; last year's (a grade lower) use the California 2024-25 layout. Three
    students who left before the roster export appear only here: the unmapped report shows them.
    """
    from attendly.demo.calendar import school_days
    from attendly.demo.roster import build_students

    roster = build_students(random.Random(seed), students, school_days(start, end), 7)
    year = start.year if start.month >= 7 else start.year - 1
    testers = [
        IReadyStudent(
            s.perm_id,
            s.last_name,
            s.first_name,
            s.grade,
            s.state_id,
            s.gender,
            s.habits.absence_rate,
        )
        for s in roster
    ]
    gone = [IReadyStudent(f"9{n:05d}", "Moved", f"Student{n}", 7, "", "", 0.1) for n in range(1, 4)]
    earlier = [replace(t, grade=t.grade - 1) for t in testers]
    current = generate_iready(
        out_dir / "iready" / f"{year}",
        [*testers, *gone],
        year_start=year,
        layout_name=layout_for(year),
        seed=seed,
        today=end + dt.timedelta(days=1),
    )
    previous = generate_iready(
        out_dir / "iready" / f"{year - 1}",
        earlier,
        year_start=year - 1,
        layout_name="2024-25-ca",
        seed=seed,
    )
    return [*current.values(), *previous.values()]
