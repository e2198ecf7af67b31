"""Load checked i-Ready rows: upsert diagnostics, keep unmapped rows aside, sum up growth."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from attendly.metrics.correlation import by_tier, correlations
from attendly.metrics.iready import SUBJECTS, subject_kpis
from attendly.settings import Settings
from db.iready import upsert_diagnostics
from db.iready_unmapped import keep_unmapped
from db.loaders import existing_students
from db.policy import load_policy
from db.queries import iready_growth, resolve_period, student_figures
from ingest.checks import Checked, ImportContext, Loaded
from ingest.iready.check import IReadyChecked


def load(session: Session, checked: Checked, ctx: ImportContext) -> Loaded:
    """Upsert the mapped diagnostics and store the unmapped rows.

    Unmapped rows count as skipped (`unchanged`): they are kept, not loaded, and not errors.
    The summary gains `unmapped_kept` and `growth` (metric definitions §6-§7 for every
    academic year the file touched, over the whole school).
    """
    if not isinstance(checked, IReadyChecked):
        raise TypeError("i-Ready load needs the i-Ready check's result")
    written = upsert_diagnostics(session, checked.rows, checked.domains)
    kept = keep_unmapped(session, checked.unmapped, ctx.import_id)
    students = existing_students(session, written.students)
    codes = {code for _grade, code in students.values()}
    summary = {
        **checked.summary,
        "unmapped_kept": {
            "new": kept.inserted,
            "updated": kept.updated,
            "already_kept": kept.unchanged,
        },
        "growth": growth_summary(session, checked.rows["academic_year"].unique(), ctx.settings),
    }
    return Loaded(
        inserted=written.inserted,
        updated=written.updated,
        unchanged=written.unchanged + len(checked.unmapped),
        changed_students=written.students,
        grades={grade for grade, _code in students.values()},
        school_code=codes.pop() if len(codes) == 1 else None,
        summary=summary,
    )


def growth_summary(
    session: Session, years: Iterable[str], settings: Settings
) -> dict[str, dict[str, Any]]:
    """Per academic year: the KPI object's `iready` and `correlation` sections, plus `by_tier`.

    Computed exactly as `db.queries.kpis` does for the whole school; `by_tier` is metric
    definitions §7's per-tier table. A year without attendance data has no pairs (n = 0).
    """
    policy = load_policy(session, settings)
    out: dict[str, dict[str, Any]] = {}
    for year in sorted({str(year) for year in years}):
        growth = iready_growth(session, year, None)
        _year, as_of = resolve_period(session, year)
        figures = (
            student_figures(session, policy, academic_year=year, as_of=as_of)
            if as_of is not None
            else pd.DataFrame(columns=["student_id", "eligible", "attendance_rate", "tier"])
        )
        out[year] = {
            "iready": subject_kpis(growth),
            "correlation": correlations(figures, growth),
            "by_tier": {subject: by_tier(figures, growth, subject) for subject in SUBJECTS},
        }
    return out
