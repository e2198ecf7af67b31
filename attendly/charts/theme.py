"""The shared look of every chart: one template (never mutated), the colour-blind-safe
Okabe-Ito palette, tier colours and plain-words labels."""

from __future__ import annotations

import plotly.graph_objects as go

from attendly.metrics.tiers import TIER_LABELS, Tier

TEMPLATE = go.layout.Template(
    layout=go.Layout(
        font={"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13},
        # Title at the very top, the legend between it and the plot: they never overlap.
        title={"font": {"size": 16}, "x": 0.01, "xanchor": "left", "y": 0.985, "yanchor": "top"},
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
TIER_COLOURS = {
    Tier.SATISFACTORY: OKABE_ITO["green"],
    Tier.NO_CONCERN: OKABE_ITO["green"],
    Tier.AT_RISK: OKABE_ITO["orange"],
    Tier.TIER_1: OKABE_ITO["sky_blue"],
    Tier.TIER_2: OKABE_ITO["orange"],
    Tier.MODERATE_CHRONIC: OKABE_ITO["vermillion"],
    Tier.TIER_3: OKABE_ITO["purple"],
    Tier.SEVERE_CHRONIC: OKABE_ITO["purple"],
    Tier.INSUFFICIENT_DATA: OKABE_ITO["grey"],
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
        return OKABE_ITO["grey"]


def tier_rank(tier: str) -> int:
    try:
        return TIER_ORDER.index(Tier(tier))
    except ValueError:
        return len(TIER_ORDER)


def base_figure(title: str, x_title: str = "", y_title: str = "") -> go.Figure:
    """A fresh figure on the shared template with a plain-words title and axis labels."""
    figure = go.Figure(layout={"template": TEMPLATE})
    figure.update_layout(title={"text": title}, xaxis_title=x_title, yaxis_title=y_title)
    return figure


def empty_figure(title: str, message: str = "No data for these filters") -> go.Figure:
    """A titled figure that says why it is empty instead of drawing blank axes."""
    figure = base_figure(title)
    figure.update_layout(xaxis={"visible": False}, yaxis={"visible": False}, height=320)
    figure.add_annotation(text=message, showarrow=False, font={"size": 15, "color": "#555"})
    return figure
