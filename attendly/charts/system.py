"""System health charts: processing time per import, problems by category, data quality."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from attendly.charts.theme import LINE_ORANGE, OKABE_ITO, TEMPLATE

STATUS_COLOURS = {
    "completed": OKABE_ITO["blue"],
    "rejected": OKABE_ITO["vermillion"],
    "failed": OKABE_ITO["black"],
}
STATUS_SYMBOLS = {"completed": "circle", "rejected": "x", "failed": "square"}


def _empty(title: str, note: str) -> go.Figure:
    figure = go.Figure(layout={"template": TEMPLATE, "title": {"text": title}, "height": 320})
    figure.add_annotation(text=note, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure


def processing_time(timeline: pd.DataFrame) -> go.Figure:
    """Seconds per import over time (db.system_health.import_timeline), one trace per status."""
    title = "Processing time per import (seconds)"
    if timeline.empty:
        return _empty(title, "No import finished in the last 30 days")
    figure = go.Figure(layout={"template": TEMPLATE, "title": {"text": title}, "height": 320})
    for status, part in timeline.groupby("status", sort=True):
        figure.add_trace(
            go.Scatter(
                x=part["finished_at"],
                y=part["duration_s"],
                mode="markers+lines",
                name=str(status),
                marker={
                    "color": STATUS_COLOURS.get(str(status), OKABE_ITO["grey"]),
                    "symbol": STATUS_SYMBOLS.get(str(status), "circle"),
                },
                customdata=part[["import_id", "kind", "records_processed"]],
                hovertemplate="import %{customdata[0]} (%{customdata[1]}): %{y} s, "
                "%{customdata[2]} rows<extra></extra>",
            )
        )
    figure.update_yaxes(title="seconds", rangemode="tozero")
    return figure


def errors_by_category(errors: pd.DataFrame) -> go.Figure:
    """Problems per 100 file rows, per category (db.system_health.errors_by_category)."""
    title = "Problems per 100 rows by category (30 days)"
    if errors.empty:
        return _empty(title, "No problems recorded in the last 30 days")
    figure = go.Figure(layout={"template": TEMPLATE, "title": {"text": title}, "height": 320})
    figure.add_trace(
        go.Bar(
            x=errors["category"],
            y=errors["rate"],
            # The darker orange holds 3:1 on white as a mark and 7:1 under black labels.
            marker={"color": LINE_ORANGE},
            text=[f"{n} problem{'' if n == 1 else 's'}" for n in errors["problems"]],
            textposition="auto",
            textfont={"color": "#000000"},
            name="problems per 100 rows",
        )
    )
    figure.update_yaxes(title="per 100 rows", rangemode="tozero")
    return figure


def quality_over_time(timeline: pd.DataFrame, threshold: float) -> go.Figure:
    """Data-quality score (0-100) of each import over time, with the alert threshold."""
    title = "Data-quality score per import"
    scored = timeline.dropna(subset=["quality_score"])
    if scored.empty:
        return _empty(title, "No scored import in the last 30 days")
    figure = go.Figure(layout={"template": TEMPLATE, "title": {"text": title}, "height": 320})
    figure.add_trace(
        go.Scatter(
            x=scored["finished_at"],
            y=scored["quality_score"],
            mode="markers+lines",
            name="score",
            marker={"color": OKABE_ITO["green"]},
            customdata=scored[["import_id", "kind"]],
            hovertemplate="import %{customdata[0]} (%{customdata[1]}): %{y}<extra></extra>",
        )
    )
    figure.add_hline(
        y=threshold,
        line={"dash": "dash", "color": OKABE_ITO["vermillion"]},
        annotation_text=f"alert below {threshold:g}",
    )
    figure.update_yaxes(title="score", range=[0, 105])
    return figure
