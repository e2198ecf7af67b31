"""Every figure builder's output passes Plotly's validation.

Figures are built without validation for speed (attendly.charts.theme.base_figure); here each
builder's figure, for data of every shape the pages give it, is rebuilt with validation on. A
misspelt property or a value of the wrong kind raises, and the rebuilt figure must say the
same as the one the page would send.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from attendly import charts
from attendly.charts.theme import base_figure

POINTS = pd.DataFrame(
    {
        "student_id": [str(n) for n in range(8)],
        "attendance_rate": [70.0, 80.5, 86.0, 91.25, 93.0, 95.5, 98.0, 100.0],
        "tier": ["severe_chronic", "severe_chronic", "moderate_chronic", "at_risk"]
        + ["satisfactory"] * 4,
        "most_recent_score": [430, 450, 470, 480, 500, 510, 520, 560],
        "placement_level": [1, 1, 2, 3, None, 4, 5, 5],
        "progress_to_typical": [10.0, None, 40.0, 75.0, 90.0, 100.0, 120.0, 150.0],
    }
)
FIT = {"n": 8, "r": 0.98, "slope": 3.5, "intercept": 165.0}
MANY = POINTS.sample(2000, replace=True, random_state=1).reset_index(drop=True)  # pooled
PLACEMENTS = pd.DataFrame(
    {"tier": ["at_risk", "satisfactory"], "placement_level": [3, 5], "students": [1, 2]}
)
WEEKS = pd.DataFrame(
    {
        "period_start": [dt.date(2025, 9, 1), dt.date(2025, 9, 8)],
        "attendance_rate": [92.0, 94.5],
        "period_attendance_rate": [91.0, 93.0],
    }
)

GRADES = pd.DataFrame(
    {
        "grade_level": [6, 7, 8],
        "students": [30, 31, 29],
        "attendance_rate": [94.5, 92.25, 90.0],
        "chronic_absenteeism_rate": [10.0, None, 20.69],
        "period_attendance_rate": [93.0, 91.5, 89.75],
        "truant_students": [1, 0, 2],
    }
)

BUILDERS: dict[str, Callable[[], go.Figure]] = {
    "scatter": lambda: charts.scatter_figure("ELA", POINTS, FIT),
    "scatter (WebGL)": lambda: charts.scatter_figure("ELA", POINTS, FIT, webgl=True),
    "scatter, no fit": lambda: charts.scatter_figure("MATH", POINTS, {"n": 8, "r": None}),
    "scatter, empty": lambda: charts.scatter_figure("ELA", POINTS.iloc[:0], {"n": 0}),
    "scatter, pooled": lambda: charts.scatter_figure("ELA", MANY, FIT),
    "scores by tier": lambda: charts.score_by_tier_figure("ELA", POINTS),
    "growth": lambda: charts.growth_figure("MATH", POINTS),
    "growth (WebGL)": lambda: charts.growth_figure("MATH", POINTS, webgl=True),
    "growth, pooled": lambda: charts.growth_figure("MATH", MANY),
    "placements": lambda: charts.placement_heatmap_figure("ELA", PLACEMENTS),
    "placements, empty": lambda: charts.placement_heatmap_figure("ELA", pd.DataFrame()),
    "weekly trend": lambda: charts.weekly_trend_figure(WEEKS),
    "tiers": lambda: charts.tier_distribution_figure({"satisfactory": 5, "at_risk": 2}),
    "tiers, empty": lambda: charts.tier_distribution_figure({}),
    "grades": lambda: charts.grade_comparison_figure(GRADES),
    "grades, empty": lambda: charts.grade_comparison_figure(pd.DataFrame()),
    "calendar, empty": lambda: charts.calendar_figure(pd.DataFrame()),
    "empty": lambda: charts.empty_figure("Nothing", "No data"),
    "base with layout": lambda: base_figure(
        "T",
        "x",
        "y",
        [{"type": "bar", "x": ["a"], "y": np.array([1])}],
        {"yaxis": {"range": [0, 1]}},
    ),
}


@pytest.mark.parametrize("name", list(BUILDERS))
def test_figure_passes_validation_unchanged(name: str) -> None:
    figure = BUILDERS[name]()
    sent = json.loads(figure.to_json())
    validated = go.Figure(figure.to_plotly_json())  # raises on anything Plotly refuses
    assert json.loads(validated.to_json()) == sent


def test_a_misspelt_property_is_caught_here() -> None:
    figure = base_figure("T", traces=[{"type": "scatter", "x": [1], "markr": {"size": 3}}])
    with pytest.raises(ValueError, match="markr"):
        go.Figure(figure.to_plotly_json())


def test_base_figure_merges_axis_entries_with_the_titles() -> None:
    figure = base_figure("T", "Across", "Up", layout={"yaxis": {"autorange": "reversed"}})
    assert figure.layout.yaxis.title.text == "Up"
    assert figure.layout.yaxis.autorange == "reversed"
    assert figure.layout.xaxis.title.text == "Across"
