"""Figure builders: DataFrame in, fresh go.Figure out; one shared template never mutated."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

TEMPLATE = go.layout.Template(
    layout=go.Layout(
        font={"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13},
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        plot_bgcolor="white",
        xaxis={"gridcolor": "#eee"},
        yaxis={"gridcolor": "#eee"},
    )
)
TARGET_RATE = 90.0  # the line a school watches: below 90 % a student is chronically absent


def weekly_trend_figure(weeks: pd.DataFrame) -> go.Figure:
    """Attendance and period attendance rate per school week, with the 90 % line.

    `weeks` has the columns of db.queries.weekly_trend.
    """
    figure = go.Figure(layout={"template": TEMPLATE})
    figure.add_scatter(
        x=weeks["period_start"],
        y=weeks["attendance_rate"],
        name="Attendance rate",
        mode="lines+markers",
        line={"color": "#0072B2"},
    )
    figure.add_scatter(
        x=weeks["period_start"],
        y=weeks["period_attendance_rate"],
        name="Period attendance",
        mode="lines",
        line={"color": "#E69F00", "dash": "dot"},
    )
    figure.add_hline(
        y=TARGET_RATE,
        line={"color": "#D55E00", "dash": "dash"},
        annotation_text="90 %",
        annotation_position="bottom right",
    )
    figure.update_layout(
        title="Weekly attendance rate",
        xaxis_title="School week (starting Monday)",
        yaxis_title="Percent of enrolled days attended",
        yaxis_range=[max(0.0, min([*weeks["attendance_rate"].dropna(), TARGET_RATE]) - 5), 100.5],
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0, "xanchor": "left"},
        # Ticks on the Mondays that label each school week.
        xaxis={"tickformat": "%b %d", "tick0": "2020-08-03", "dtick": 7 * 24 * 3600 * 1000},
    )
    return figure
