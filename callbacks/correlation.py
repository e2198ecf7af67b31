"""Attendance vs i-Ready callback: grade, year and subject -> four charts, fit and tier table."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output

from attendly import ids
from attendly.charts import (
    growth_figure,
    placement_heatmap_figure,
    scatter_figure,
    score_by_tier_figure,
)
from attendly.charts.correlation import fit_text
from attendly.charts.theme import SUBJECT_LABELS, tier_label, tier_rank
from attendly.components import format_rate
from attendly.errors import Forbidden
from callbacks.common import policy, reads
from callbacks.filters import current_scope
from db.correlation import subject_correlation

GRAPHS = (
    ids.Correlation.SCATTER,
    ids.Correlation.BY_TIER,
    ids.Correlation.GROWTH,
    ids.Correlation.PLACEMENT,
)


@dash.callback(
    *[Output(graph, "figure") for graph in GRAPHS],
    Output(ids.Correlation.SUMMARY, "children"),
    Output(ids.Correlation.TIER_TABLE, "children"),
    Output(ids.Correlation.ALERT, "children"),
    Output(ids.Correlation.ALERT, "is_open"),
    Input(ids.Filters.GRADE, "value"),
    Input(ids.Filters.YEAR, "value"),
    Input(ids.Correlation.SUBJECT, "value"),
    Input(ids.Filters.SCHOOL, "value"),
)
def refresh(grade: Any, year: Any, subject: Any, school: Any = None) -> tuple[Any, ...]:
    """The subject's scatter with its least-squares line, spreads, growth and placements."""
    subject = subject if isinstance(subject, str) and subject in SUBJECT_LABELS else "ELA"
    try:
        scope = current_scope(grade, year, school)
        data = subject_correlation(reads(), policy(), scope, subject)
    except Forbidden as exc:
        return (*[dash.no_update] * len(GRAPHS), "", None, str(exc), True)
    figures = (
        scatter_figure(subject, data.points, data.fit),
        score_by_tier_figure(subject, data.points),
        growth_figure(subject, data.points),
        placement_heatmap_figure(subject, data.placements),
    )
    summary = f"{SUBJECT_LABELS[subject]}: {fit_text(data.fit)}"
    if data.fit.get("slope") is not None:
        summary += f"; each attendance point goes with {data.fit['slope']:+.2f} scale-score points"
    return (*figures, summary, tier_table(data.tiers), "", False)


def tier_table(tiers: pd.DataFrame) -> dbc.Table | str:
    """Per tier: students, median score, share on grade level, median progress."""
    if tiers.empty:
        return "No students with both attendance and a diagnostic."
    tiers = tiers.sort_values("tier", key=lambda column: column.map(tier_rank))
    frame = pd.DataFrame(
        {
            "Attendance tier": [tier_label(str(t)) for t in tiers["tier"]],
            "Students": tiers["students"],
            "Median score": tiers["median_score"],
            "On grade level": [format_rate(v) for v in tiers["pct_on_grade"]],
            "Median progress to typical": [
                format_rate(v) for v in tiers["median_progress_to_typical"]
            ],
        }
    )
    return dbc.Table.from_dataframe(frame, striped=True, size="sm", id="correlation-tiers-table")
