"""Attendance vs i-Ready figures: scatter with the least-squares line, scores by tier,
growth vs attendance, and tier x placement counts."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from attendly.charts.theme import (
    HEATMAP_SCALE,
    HEATMAP_TEXT,
    OKABE_ITO,
    PLACEMENT_LABELS,
    SUBJECT_LABELS,
    TIER_SYMBOLS,
    base_figure,
    empty_figure,
    horizontal_line,
    tier_colour,
    tier_label,
    tier_rank,
)
from attendly.metrics.tiers import Tier

WEBGL_FROM = 1500  # points; above this the browser draws with WebGL, not one SVG node each


def _scatter(webgl: bool) -> type[go.Scatter] | type[go.Scattergl]:
    return go.Scattergl if webgl else go.Scatter


def _by_tier(points: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    groups = [(str(tier), group) for tier, group in points.groupby("tier", sort=False)]
    return sorted(groups, key=lambda item: tier_rank(item[0]))


def _tier_marker(tier: str) -> dict[str, Any]:
    symbol = TIER_SYMBOLS.get(Tier(tier), "circle") if tier in set(Tier) else "circle"
    return {"color": tier_colour(tier), "symbol": symbol, "size": 7, "opacity": 0.75}


def fit_text(fit: dict[str, Any]) -> str:
    """r and n in plain words, e.g. 'r = 0.42, n = 6,950 students'."""
    r = "not defined" if fit.get("r") is None else f"{fit['r']:.2f}"
    return f"r = {r}, n = {int(fit.get('n') or 0):,} students"


def scatter_figure(
    subject: str, points: pd.DataFrame, fit: dict[str, Any], webgl: bool | None = None
) -> go.Figure:
    """Most recent scale score against attendance rate, one colour and marker per tier.

    `webgl` (default: above WEBGL_FROM points) draws with WebGL; PDFs pass False.
    """
    name = SUBJECT_LABELS.get(subject, subject)
    title = f"{name}: score vs attendance ({fit_text(fit)})"
    if points.empty:
        return empty_figure(title, "No students with both attendance and a diagnostic")
    figure = base_figure(title, "Attendance rate (%)", f"Most recent {name} scale score")
    trace = _scatter(len(points) > WEBGL_FROM if webgl is None else webgl)
    for tier, group in _by_tier(points):
        figure.add_trace(
            trace(
                x=group["attendance_rate"],
                y=group["most_recent_score"],
                mode="markers",
                name=tier_label(tier),
                marker=_tier_marker(tier),
                hovertemplate="%{x:.2f} % attended, score %{y}<extra>"
                + tier_label(tier)
                + "</extra>",
            )
        )
    if fit.get("slope") is not None:
        xs = [float(points["attendance_rate"].min()), float(points["attendance_rate"].max())]
        figure.add_scatter(
            x=xs,
            y=[fit["intercept"] + fit["slope"] * x for x in xs],
            mode="lines",
            name="Best-fit line",
            line={"color": OKABE_ITO["black"], "width": 3, "dash": "dash"},
            hoverinfo="skip",
        )
    return figure


def score_by_tier_figure(subject: str, points: pd.DataFrame) -> go.Figure:
    """The spread of most recent scale scores within each risk tier (box plots)."""
    name = SUBJECT_LABELS.get(subject, subject)
    title = f"{name} scores by attendance tier"
    if points.empty:
        return empty_figure(title)
    figure = base_figure(title, "Attendance tier", f"Most recent {name} scale score")
    for tier, group in _by_tier(points):
        figure.add_box(
            y=group["most_recent_score"],
            name=tier_label(tier),
            marker_color=tier_colour(tier),
            line={"color": "#333"},
            fillcolor=tier_colour(tier),
            boxpoints=False,
            showlegend=False,
        )
    return figure


def growth_figure(subject: str, points: pd.DataFrame, webgl: bool | None = None) -> go.Figure:
    """Progress to typical annual growth against attendance rate (WebGL as scatter_figure)."""
    name = SUBJECT_LABELS.get(subject, subject)
    title = f"{name}: growth vs attendance"
    grown = points.dropna(subset=["progress_to_typical"]) if len(points) else points
    if grown.empty:
        return empty_figure(title, "Growth needs a second diagnostic")
    figure = base_figure(title, "Attendance rate (%)", "Progress to typical growth (%)")
    trace = _scatter(len(grown) > WEBGL_FROM if webgl is None else webgl)
    for tier, group in _by_tier(grown):
        figure.add_trace(
            trace(
                x=group["attendance_rate"],
                y=group["progress_to_typical"],
                mode="markers",
                name=tier_label(tier),
                marker=_tier_marker(tier),
                hovertemplate="%{x:.2f} % attended, %{y:.0f} % of typical growth<extra></extra>",
            )
        )
    figure.update_layout(horizontal_line(100, {"color": OKABE_ITO["blue"], "dash": "dash"}))
    return figure


def placement_heatmap_figure(subject: str, counts: pd.DataFrame) -> go.Figure:
    """Students per attendance tier (rows) and i-Ready placement (columns)."""
    name = SUBJECT_LABELS.get(subject, subject)
    title = f"{name} placement by attendance tier"
    if counts.empty:
        return empty_figure(title)
    grid = counts.pivot_table(
        index="tier", columns="placement_level", values="students", aggfunc="sum", fill_value=0
    )
    grid = grid.reindex(columns=list(PLACEMENT_LABELS), fill_value=0)
    grid = grid.loc[sorted(grid.index, key=tier_rank)]
    figure = base_figure(title, "Most recent placement", "Attendance tier")
    figure.add_heatmap(
        z=grid.to_numpy(),
        x=[PLACEMENT_LABELS[int(level)] for level in grid.columns],
        y=[tier_label(str(tier)) for tier in grid.index],
        colorscale=HEATMAP_SCALE,
        texttemplate="%{z}",
        textfont=HEATMAP_TEXT,
        hovertemplate="%{y}, %{x}: %{z} students<extra></extra>",
        colorbar={"title": {"text": "Students"}, "thickness": 12},
    )
    figure.update_layout(yaxis={"autorange": "reversed"}, margin={"l": 140})
    return figure
