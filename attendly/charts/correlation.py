"""Attendance vs i-Ready figures: scatter with the least-squares line, scores by tier,
growth vs attendance, and tier x placement counts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
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

POOL_FROM = 1500  # points; above this a scatter pools students into bubbles (_pooled_traces)
CELLS = (30, 24)  # about how many cells the pooled view spans across and up
STEPS = (0.5, 1, 2, 2.5, 5, 10, 20, 25, 50, 100, 200, 250, 500)


def _scatter(webgl: bool) -> str:
    """The trace type: WebGL or one SVG node per point."""
    return "scattergl" if webgl else "scatter"


def _pool(points: pd.DataFrame, webgl: bool | None) -> bool:
    """Whether to pool: above POOL_FROM points unless the caller chose how to draw every
    point (`webgl` True: WebGL, False: SVG)."""
    return webgl is None and len(points) > POOL_FROM


def _step(values: np.ndarray, cells: int) -> float:
    """A round cell width splitting the values' range into about `cells` cells."""
    span = float(values.max() - values.min())
    return next((step for step in STEPS if step * cells >= span), STEPS[-1])


def _by_tier(points: pd.DataFrame) -> list[tuple[str, np.ndarray]]:
    """Row positions of each tier's points (in row order), tiers in display order.

    Positions index the columns as arrays: the traces get numpy arrays, which the figure
    takes as they are, instead of a filtered frame per tier and figure.
    """
    codes, tiers = pd.factorize(points["tier"].to_numpy(dtype=object))
    groups = [(str(tier), np.flatnonzero(codes == code)) for code, tier in enumerate(tiers)]
    return sorted(groups, key=lambda item: tier_rank(item[0]))


def _column(points: pd.DataFrame, name: str) -> np.ndarray:
    return points[name].to_numpy()  # its own dtype: scores stay integers in the figure


def _tier_traces(
    kind: str, points: pd.DataFrame, y: str, hover: Callable[[str], str]
) -> list[dict[str, Any]]:
    """One marker trace per tier of `points`: attendance rate across, column `y` up, with
    the hover template `hover` gives for the tier's label."""
    xs, ys = _column(points, "attendance_rate"), _column(points, y)
    return [
        {
            "type": kind,
            "x": xs[rows],
            "y": ys[rows],
            "mode": "markers",
            "name": tier_label(tier),
            "marker": _tier_marker(tier),
            "hovertemplate": hover(tier_label(tier)),
        }
        for tier, rows in _by_tier(points)
    ]


def _pooled_traces(points: pd.DataFrame, y: str, y_words: str) -> list[dict[str, Any]]:
    """One bubble trace per tier: the tier's students pooled into cells of a round width
    of attendance and of column `y`; each bubble sits at its students' mean, its area
    proportional to how many they are, and its hover names them and their ranges.

    Thousands of overlapping markers hide how many students sit where and take the browser
    seconds to draw; a few hundred bubbles show both at a glance. Statistics (r, n, the fit)
    still come from every student.
    """
    xs = _column(points, "attendance_rate").astype(float)
    ys = _column(points, y).astype(float)
    x_step, y_step = _step(xs, CELLS[0]), _step(ys, CELLS[1])
    columns = np.floor(xs / x_step).astype(np.int64)
    rows = np.floor(ys / y_step).astype(np.int64)
    cell = (columns - columns.min()) * (rows.max() - rows.min() + 1) + (rows - rows.min())
    pooled = [(tier, _cells(cell[at], xs[at], ys[at])) for tier, at in _by_tier(points)]
    largest = max(int(cells["students"].max()) for _, cells in pooled)
    traces = []
    for tier, cells in pooled:
        words = [
            f"{n:,} student{'s' if n != 1 else ''}<br>"
            f"attended {xl:.1f}–{xh:.1f} %<br>{y_words} {yl:.0f}–{yh:.0f}"
            for n, xl, xh, yl, yh in zip(
                cells["students"].tolist(),
                cells["x_low"].tolist(),
                cells["x_high"].tolist(),
                cells["y_low"].tolist(),
                cells["y_high"].tolist(),
                strict=True,
            )
        ]
        marker = _tier_marker(tier)
        marker.update(
            size=cells["students"],
            sizemode="area",
            sizeref=2.0 * largest / 22**2,  # the fullest cell is 22 px across
            sizemin=3,
            opacity=0.7,
            line={"width": 0.5, "color": "#ffffff"},
        )
        traces.append(
            {
                "type": "scatter",
                "x": cells["x"],
                "y": cells["y"],
                "mode": "markers",
                "name": tier_label(tier),
                "marker": marker,
                "text": words,
                "hovertemplate": "%{text}<extra>" + tier_label(tier) + "</extra>",
            }
        )
    return traces


def _cells(cell: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> dict[str, np.ndarray]:
    """Per distinct cell number (ascending): its points' count, mean x and y, and their
    lowest and highest x and y."""
    keys, inverse, counts = np.unique(cell, return_inverse=True, return_counts=True)
    order = np.argsort(inverse, kind="stable")
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    sorted_x, sorted_y = xs[order], ys[order]
    return {
        "students": counts,
        "x": np.bincount(inverse, weights=xs, minlength=len(keys)) / counts,
        "y": np.bincount(inverse, weights=ys, minlength=len(keys)) / counts,
        "x_low": np.minimum.reduceat(sorted_x, starts),
        "x_high": np.maximum.reduceat(sorted_x, starts),
        "y_low": np.minimum.reduceat(sorted_y, starts),
        "y_high": np.maximum.reduceat(sorted_y, starts),
    }


POOLED_LEGEND = {"legend": {"title": {"text": "Bubble size: students"}, "itemsizing": "constant"}}


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

    Above POOL_FROM points students are pooled into bubbles (_pooled_traces) unless
    `webgl` says how to draw every point: True with WebGL, False as SVG.
    """
    name = SUBJECT_LABELS.get(subject, subject)
    title = f"{name}: score vs attendance ({fit_text(fit)})"
    if points.empty:
        return empty_figure(title, "No students with both attendance and a diagnostic")
    pooled = _pool(points, webgl)
    if pooled:
        traces = _pooled_traces(points, "most_recent_score", "score")
    else:
        traces = _tier_traces(
            _scatter(bool(webgl)),
            points,
            "most_recent_score",
            lambda label: "%{x:.2f} % attended, score %{y}<extra>" + label + "</extra>",
        )
    if fit.get("slope") is not None:
        rates = _column(points, "attendance_rate")
        xs = [float(rates.min()), float(rates.max())]
        traces.append(
            {
                "type": "scatter",
                "x": xs,
                "y": [fit["intercept"] + fit["slope"] * x for x in xs],
                "mode": "lines",
                "name": "Best-fit line",
                "line": {"color": OKABE_ITO["black"], "width": 3, "dash": "dash"},
                "hoverinfo": "skip",
            }
        )
    return base_figure(
        title,
        "Attendance rate (%)",
        f"Most recent {name} scale score",
        traces,
        POOLED_LEGEND if pooled else None,
    )


def score_by_tier_figure(subject: str, points: pd.DataFrame) -> go.Figure:
    """The spread of most recent scale scores within each risk tier (box plots)."""
    name = SUBJECT_LABELS.get(subject, subject)
    title = f"{name} scores by attendance tier"
    if points.empty:
        return empty_figure(title)
    scores = _column(points, "most_recent_score")
    boxes = [
        {
            "type": "box",
            "y": scores[rows],
            "name": tier_label(tier),
            "marker": {"color": tier_colour(tier)},
            "line": {"color": "#333"},
            "fillcolor": tier_colour(tier),
            "boxpoints": False,
            "showlegend": False,
        }
        for tier, rows in _by_tier(points)
    ]
    return base_figure(title, "Attendance tier", f"Most recent {name} scale score", boxes)


def growth_figure(subject: str, points: pd.DataFrame, webgl: bool | None = None) -> go.Figure:
    """Progress to typical annual growth against attendance rate (pooled as scatter_figure)."""
    name = SUBJECT_LABELS.get(subject, subject)
    title = f"{name}: growth vs attendance"
    grown = points.dropna(subset=["progress_to_typical"]) if len(points) else points
    if grown.empty:
        return empty_figure(title, "Growth needs a second diagnostic")
    pooled = _pool(grown, webgl)
    if pooled:
        traces = _pooled_traces(grown, "progress_to_typical", "% of typical growth")
    else:
        hover = "%{x:.2f} % attended, %{y:.0f} % of typical growth<extra></extra>"
        traces = _tier_traces(_scatter(bool(webgl)), grown, "progress_to_typical", lambda _: hover)
    layout = horizontal_line(100, {"color": OKABE_ITO["blue"], "dash": "dash"})
    if pooled:
        layout = {**layout, **POOLED_LEGEND}
    return base_figure(
        title, "Attendance rate (%)", "Progress to typical growth (%)", traces, layout
    )


def placement_heatmap_figure(subject: str, counts: pd.DataFrame) -> go.Figure:
    """Students per attendance tier (rows) and i-Ready placement (columns)."""
    name = SUBJECT_LABELS.get(subject, subject)
    title = f"{name} placement by attendance tier"
    if counts.empty:
        return empty_figure(title)
    tiers = sorted(sorted({str(tier) for tier in counts["tier"]}), key=tier_rank)
    grid = np.zeros((len(tiers), len(PLACEMENT_LABELS)), dtype=np.int64)
    levels = list(PLACEMENT_LABELS)
    for tier, level, students in counts[["tier", "placement_level", "students"]].itertuples(
        index=False
    ):
        if int(level) in PLACEMENT_LABELS:
            grid[tiers.index(str(tier)), levels.index(int(level))] += int(students)
    heatmap = {
        "type": "heatmap",
        "z": grid,
        "x": [PLACEMENT_LABELS[level] for level in levels],
        "y": [tier_label(tier) for tier in tiers],
        "colorscale": HEATMAP_SCALE,
        "texttemplate": "%{z}",
        "textfont": HEATMAP_TEXT,
        "hovertemplate": "%{y}, %{x}: %{z} students<extra></extra>",
        "colorbar": {"title": {"text": "Students"}, "thickness": 12},
    }
    return base_figure(
        title,
        "Most recent placement",
        "Attendance tier",
        [heatmap],
        {"yaxis": {"autorange": "reversed"}, "margin": {"l": 160, "r": 120, "b": 140}},
    )
