"""Figure builders: plain-words titles and axes, tier text labels, empty data explained."""

from __future__ import annotations

import datetime as dt
from urllib.parse import unquote

import pandas as pd
import pytest

from attendly import charts
from attendly.charts import correlation as correlation_charts
from attendly.charts.theme import TEMPLATE
from attendly.components import change_text

POINTS = pd.DataFrame(
    {
        "student_id": ["1", "2", "3"],
        "attendance_rate": [80.0, 90.0, 100.0],
        "tier": ["severe_chronic", "moderate_chronic", "satisfactory"],
        "most_recent_score": [450, 480, 520],
        "placement_level": [1, 3, 5],
        "progress_to_typical": [10.0, 50.0, 110.0],
    }
)


def test_trend_has_the_90_percent_line_and_plain_axes() -> None:
    weeks = pd.DataFrame(
        {
            "period_start": [dt.date(2025, 9, 8)],
            "attendance_rate": [92.0],
            "period_attendance_rate": [91.0],
        }
    )
    figure = charts.weekly_trend_figure(weeks)
    assert figure.layout.title.text == "Weekly attendance rate"
    assert figure.layout.xaxis.title.text and figure.layout.yaxis.title.text
    assert figure.layout.shapes[0].y0 == 90.0


def test_scatter_names_tiers_in_words_and_states_r_and_n() -> None:
    fit = {"n": 3, "r": 0.9934, "slope": 3.5, "intercept": 165.0}
    figure = charts.scatter_figure("ELA", POINTS, fit)
    names = [trace.name for trace in figure.data]
    assert names == ["Satisfactory", "Moderate chronic", "Severe chronic", "Best-fit line"]
    assert "r = 0.99, n = 3 students" in figure.layout.title.text
    assert figure.data[0].type == "scatter"  # small schools draw SVG
    assert charts.scatter_figure("ELA", POINTS, fit, webgl=True).data[0].type == "scattergl"


def test_a_large_scatter_pools_students_into_bubbles_of_one_tier(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(correlation_charts, "POOL_FROM", 2)  # pool from three students
    points = pd.DataFrame(
        {
            "student_id": ["1", "2", "3", "4"],
            "attendance_rate": [90.2, 90.4, 95.0, 97.5],
            "tier": ["at_risk", "at_risk", "satisfactory", "satisfactory"],
            "most_recent_score": [500, 502, 520, 600],
            "progress_to_typical": [50.0, None, 100.0, 120.0],
        }
    )
    fit = {"n": 4, "r": 0.9, "slope": 10.0, "intercept": -400.0}
    figure = charts.scatter_figure("ELA", points, fit)
    # Attendance spans 7.3 points: cells 0.5 wide; scores span 100: cells 2.5 high. 90.2
    # and 90.4 share cell 180 across, 500 and 502 cell 200 up: one bubble of two students.
    satisfactory, at_risk, line = figure.data  # tiers in display order
    assert (at_risk.name, list(at_risk.marker.size)) == ("At risk", [2])
    assert (at_risk.x[0], at_risk.y[0]) == pytest.approx((90.3, 501.0))
    assert at_risk.text[0] == "2 students<br>attended 90.2–90.4 %<br>score 500–502"
    assert list(satisfactory.marker.size) == [1, 1]
    assert satisfactory.text[1] == "1 student<br>attended 97.5–97.5 %<br>score 600–600"
    assert line.name == "Best-fit line" and list(line.x) == [90.2, 97.5]
    assert "n = 4 students" in figure.layout.title.text  # statistics from every student
    assert figure.layout.legend.title.text == "Bubble size: students"
    # Growth pools the students with a second diagnostic only.
    growth = charts.growth_figure("ELA", points)
    assert [list(trace.marker.size) for trace in growth.data] == [[1, 1], [1]]
    # Asked for every point, it draws every point.
    assert len(charts.scatter_figure("ELA", points, fit, webgl=False).data[1].x) == 2


@pytest.mark.parametrize(
    "build",
    [
        lambda: charts.tier_distribution_figure({}),
        lambda: charts.grade_comparison_figure(pd.DataFrame()),
        lambda: charts.calendar_figure(pd.DataFrame()),
        lambda: charts.scatter_figure("MATH", POINTS.iloc[:0], {"n": 0, "r": None}),
        lambda: charts.placement_heatmap_figure("ELA", pd.DataFrame()),
    ],
)
def test_empty_data_says_so(build) -> None:  # type: ignore[no-untyped-def]
    figure = build()
    assert figure.layout.title.text
    assert figure.layout.annotations and "No" in figure.layout.annotations[0].text


def test_builders_never_change_the_shared_template() -> None:
    before = TEMPLATE.to_plotly_json()
    charts.placement_heatmap_figure(
        "ELA", pd.DataFrame({"tier": ["at_risk"], "placement_level": [2], "students": [4]})
    ).update_layout(font={"size": 30})
    assert TEMPLATE.to_plotly_json() == before


def test_sparkline_is_an_svg_with_words() -> None:
    uri = charts.sparkline_svg([90.0, 60.0, 100.0])
    assert uri.startswith("data:image/svg+xml") and "<polyline" in unquote(uri)
    assert (
        charts.sparkline_text([90.0, 60.0]) == "Weekly attendance, oldest to newest: 90, 60 percent"
    )


def test_change_text() -> None:
    assert change_text(94.5, 94.0) == "▲ up 0.50 pts since last week"
    assert change_text(3, 5, unit="") == "▼ down 2 since last week"
    assert change_text(1.0, 1.0) == "no change since last week"
    assert change_text(None, 1.0) == ""
