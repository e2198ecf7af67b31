"""The shared look of every chart: one template (never mutated), the colour-blind-safe
Okabe-Ito palette, tier colours and plain-words labels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from attendly.charts.colour import text_colour_on
from attendly.metrics.tiers import TIER_LABELS, Tier

TEMPLATE = go.layout.Template(
    layout=go.Layout(
        font={"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13},
        # Title at the very top, the legend between it and the plot: they never overlap.
        title={"font": {"size": 16}, "x": 0.01, "xanchor": "left", "y": 0.985, "yanchor": "top"},
        # Margins wide enough for the labels: the axes' automargin, there for labels longer
        # than usual, then has nothing to add, and Plotly draws a chart once instead of
        # drawing it again with wider margins (a builder whose labels need more says so).
        margin={"l": 60, "r": 20, "t": 96, "b": 50},
        plot_bgcolor="white",
        paper_bgcolor="white",
        xaxis={"gridcolor": "#e5e5e5", "linecolor": "#6b6b6b", "automargin": True},
        yaxis={"gridcolor": "#e5e5e5", "linecolor": "#6b6b6b", "automargin": True},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0, "xanchor": "left"},
    )
)
TARGET_RATE = 90.0  # the line a school watches: below 90 % a student is chronically absent

# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#999999",
}
# Okabe-Ito orange is 2.2:1 on white, under the 3:1 a line needs (WCAG 1.4.11): lines that
# would be orange use this darker shade of it (3.1:1).
LINE_ORANGE = "#BF8700"
# Tier colours, one per step of severity and shared by both presets' tiers at that step. Okabe-
# Ito hues darkened until each holds 3:1 against the white card (WCAG 1.4.11, chart marks) and
# black or white text holds 4.5:1 on it (badges), with the steps apart in lightness as well as
# hue, so they stay distinct under protanopia and deuteranopia (tests/charts/test_palette.py).
TIER_PALETTE = {
    "fine": OKABE_ITO["blue"],  # #0072B2
    "watch": "#BF8700",  # Okabe-Ito orange, darker
    "serious": "#9E3A00",  # Okabe-Ito vermillion, darker
    "severe": "#6A1B5E",  # Okabe-Ito reddish purple, darker
    "unknown": "#767676",  # grey
}
TIER_COLOURS = {
    Tier.SATISFACTORY: TIER_PALETTE["fine"],
    Tier.NO_CONCERN: TIER_PALETTE["fine"],
    Tier.AT_RISK: TIER_PALETTE["watch"],
    Tier.TIER_1: TIER_PALETTE["watch"],
    Tier.TIER_2: TIER_PALETTE["serious"],
    Tier.MODERATE_CHRONIC: TIER_PALETTE["serious"],
    Tier.TIER_3: TIER_PALETTE["severe"],
    Tier.SEVERE_CHRONIC: TIER_PALETTE["severe"],
    Tier.INSUFFICIENT_DATA: TIER_PALETTE["unknown"],
}
# A second channel besides colour, for print in black and white.
TIER_SYMBOLS = {
    Tier.SATISFACTORY: "circle",
    Tier.NO_CONCERN: "circle",
    Tier.AT_RISK: "diamond",
    Tier.TIER_1: "diamond",
    Tier.TIER_2: "square",
    Tier.MODERATE_CHRONIC: "square",
    Tier.TIER_3: "triangle-up",
    Tier.SEVERE_CHRONIC: "triangle-up",
    Tier.INSUFFICIENT_DATA: "x",
}
TIER_ORDER = tuple(Tier)
PLACEMENT_LABELS = {
    1: "3+ grades below",
    2: "2 grades below",
    3: "1 grade below",
    4: "Early on grade level",
    5: "Mid or above grade level",
}
SUBJECT_LABELS = {"ELA": "Reading (ELA)", "MATH": "Math"}
# Heatmaps print their counts in black on every cell: plotly's "Blues" ends in navy, where
# neither its grey nor white text holds 4.5:1 on every step. This scale stops at a mid blue
# (6.2:1 with black).
HEATMAP_SCALE = [[0.0, "#f7fbff"], [0.35, "#c6dbef"], [0.7, "#6baed6"], [1.0, "#4292c6"]]
HEATMAP_TEXT = {"color": "#000000"}


def tier_label(tier: str) -> str:
    """The plain-words name of a tier value."""
    try:
        return TIER_LABELS[Tier(tier)]
    except ValueError:
        return tier


def tier_colour(tier: str) -> str:
    try:
        return TIER_COLOURS[Tier(tier)]
    except ValueError:
        return TIER_PALETTE["unknown"]


def tier_text_colour(tier: str) -> str:
    """Black or white: whichever reads better on the tier's colour (badges)."""
    return text_colour_on(tier_colour(tier))


def tier_rank(tier: str) -> int:
    try:
        return TIER_ORDER.index(Tier(tier))
    except ValueError:
        return len(TIER_ORDER)


def base_figure(
    title: str,
    x_title: str = "",
    y_title: str = "",
    traces: Sequence[dict[str, Any]] = (),
    layout: dict[str, Any] | None = None,
) -> go.Figure:
    """A fresh figure on the shared template with a plain-words title and axis labels.

    `traces` (dicts with a "type") and `layout` entries (merged into the axes' own where both
    give them) are best given here rather than added one by one (add_trace, update_layout):
    each of those copies and re-validates.

    The figure is built without Plotly's property validation, which costs most of the time of
    a page's figures (about 4 ms a figure, most of it re-validating the template); the JSON is
    the same. Every builder is validated in the tests instead (tests/charts/test_valid.py
    rebuilds each figure with validation on), so a misspelt property still fails there.
    """
    whole: dict[str, Any] = {
        "template": TEMPLATE,
        "title": {"text": title},
        "xaxis": {"title": {"text": x_title}},
        "yaxis": {"title": {"text": y_title}},
    }
    for key, value in (layout or {}).items():
        mergeable = isinstance(value, dict) and isinstance(whole.get(key), dict)
        whole[key] = {**whole[key], **value} if mergeable else value
    return go.Figure(data=list(traces), layout=whole, _validate=False)


def horizontal_line(y: float, line: dict[str, Any], label: str = "") -> dict[str, Any]:
    """Layout entries (for update_layout) drawing a line across the plot at `y`, labelled at
    its bottom right: what Figure.add_hline adds, without its cost of several milliseconds."""
    shape = {"type": "line", "xref": "x domain", "x0": 0, "x1": 1}
    entries: dict[str, Any] = {"shapes": [{**shape, "yref": "y", "y0": y, "y1": y, "line": line}]}
    if label:
        position = {"x": 1, "xanchor": "right", "xref": "x domain", "y": y, "yanchor": "top"}
        entries["annotations"] = [{"showarrow": False, "text": label, **position, "yref": "y"}]
    return entries


def empty_figure(title: str, message: str = "No data for these filters") -> go.Figure:
    """A titled figure that says why it is empty instead of drawing blank axes."""
    note = {"text": message, "showarrow": False, "font": {"size": 15, "color": "#555"}}
    hidden = {"visible": False}
    layout = {"xaxis": hidden, "yaxis": hidden, "height": 320, "annotations": [note]}
    return base_figure(title, layout=layout)
