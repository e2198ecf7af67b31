"""Overview figures: weekly trend with the 90 % line, tiers, and the comparison by grade.

Each figure is built in one go from whole trace dicts and layout entries (theme.base_figure),
with numpy columns: adding traces and layout one call at a time re-validated the figure on
each and cost most of the Overview's time.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from attendly.charts.theme import (
    LINE_ORANGE,
    OKABE_ITO,
    TARGET_RATE,
    base_figure,
    empty_figure,
    horizontal_line,
    tier_colour,
    tier_label,
    tier_rank,
)


def weekly_trend_figure(weeks: pd.DataFrame) -> go.Figure:
    """Attendance and period attendance rate per school week, with the 90 % line.

    `weeks` has the columns of metrics.kpis.trend (period_start, attendance_rate, ...).
    """
    starts = weeks["period_start"].to_numpy()
    rates = weeks["attendance_rate"].to_numpy()
    traces = [
        {
            "type": "scatter",
            "x": starts,
            "y": rates,
            "name": "Attendance rate",
            "mode": "lines+markers",
            "line": {"color": OKABE_ITO["blue"], "width": 3},
        },
        {
            "type": "scatter",
            "x": starts,
            "y": weeks["period_attendance_rate"].to_numpy(),
            "name": "Period attendance",
            "mode": "lines",
            "line": {"color": LINE_ORANGE, "dash": "dot", "width": 2},
        },
    ]
    low = min([*pd.to_numeric(weeks["attendance_rate"]).dropna(), TARGET_RATE])
    step = 7 if len(weeks) <= 14 else 28  # a tick every week, or every fourth for a long year
    target = {"color": OKABE_ITO["vermillion"], "dash": "dash"}
    layout = {
        **horizontal_line(TARGET_RATE, target, "90 % (chronic absence line)"),
        "yaxis": {"range": [max(0.0, low - 5), 100.5]},
        "margin": {"r": 30},
        # Ticks on the Mondays that label each school week.
        "xaxis": {"tickformat": "%b %d", "tick0": "2020-08-03", "dtick": step * 24 * 3600 * 1000},
    }
    return base_figure(
        "Weekly attendance rate",
        "School week (starting Monday)",
        "% of days attended",
        traces,
        layout,
    )


def tier_distribution_figure(tier_counts: dict[str, int]) -> go.Figure:
    """Students per risk tier: horizontal bars in tier colours, each labelled with its count."""
    title = "Students by risk tier"
    if not tier_counts or not sum(tier_counts.values()):
        return empty_figure(title)
    tiers = sorted(tier_counts, key=tier_rank, reverse=True)
    counts = [tier_counts[tier] for tier in tiers]
    bars = {
        "type": "bar",
        "y": [tier_label(tier) for tier in tiers],
        "x": counts,
        "orientation": "h",
        "marker": {
            "color": [tier_colour(tier) for tier in tiers],
            "line": {"color": "#333", "width": 1},
        },
        "text": [f"{count:,}" for count in counts],
        "textposition": "outside",
        "cliponaxis": False,
        "hovertemplate": "%{y}: %{x:,} students<extra></extra>",
        "showlegend": False,
    }
    # Whole students: with small counts plotly's automatic ticks fell on 0.5, 1.5, ...
    xaxis: dict[str, Any] = {"tickformat": ",d"}
    if max(counts) <= 10:
        xaxis["dtick"] = 1
    layout = {"height": 300, "margin": {"l": 150}, "xaxis": xaxis}
    return base_figure(title, "Students", "", [bars], layout)


def grade_comparison_figure(grades: pd.DataFrame) -> go.Figure:
    """Attendance rate and chronic absenteeism rate per grade, side by side."""
    title = "Attendance and chronic absence by grade"
    if grades.empty:
        return empty_figure(title)
    labels = [f"Grade {grade}" for grade in grades["grade_level"]]
    traces = []
    for column, name, colour in (
        ("attendance_rate", "Attendance rate", OKABE_ITO["blue"]),
        ("chronic_absenteeism_rate", "Chronically absent students", OKABE_ITO["vermillion"]),
    ):
        values = pd.to_numeric(grades[column]).to_numpy()
        traces.append(
            {
                "type": "bar",
                "x": labels,
                "y": values,
                "name": name,
                "marker": {"color": colour},
                "text": [f"{value:.1f} %" if pd.notna(value) else "—" for value in values],
                "textposition": "outside",
                "cliponaxis": False,
                "hovertemplate": f"%{{x}}: %{{y:.2f}} % ({name.lower()})<extra></extra>",
            }
        )
    layout = {"barmode": "group", "yaxis": {"range": [0, 109]}, "height": 340}
    return base_figure(title, "Grade level", "Percent", traces, layout)
