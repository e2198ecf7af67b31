"""The palette as the charts use it: tier bars in tier colours with whole-student ticks,
heatmap counts in black on cells that keep 4.5:1, long growth figures under the title."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from attendly import charts
from attendly.charts.colour import BLACK, WHITE, contrast_ratio
from attendly.charts.student import iready_history_figure, weekday_period_figure
from attendly.charts.theme import HEATMAP_SCALE, HEATMAP_TEXT, TIER_COLOURS
from attendly.metrics.tiers import Tier


def test_tier_bars_use_the_tier_colours_and_count_whole_students() -> None:
    figure = charts.tier_distribution_figure({"satisfactory": 3, "severe_chronic": 1})
    bars = figure.data[0]
    assert list(bars.y) == ["Severe chronic", "Satisfactory"]
    assert list(bars.marker.color) == [
        TIER_COLOURS[Tier.SEVERE_CHRONIC],
        TIER_COLOURS[Tier.SATISFACTORY],
    ]
    assert figure.layout.xaxis.dtick == 1 and figure.layout.xaxis.tickformat == ",d"
    big = charts.tier_distribution_figure({"satisfactory": 590, "at_risk": 145})
    assert big.layout.xaxis.dtick is None  # plotly picks round steps for large counts


@pytest.mark.parametrize("stop", [colour for _, colour in HEATMAP_SCALE])
def test_black_counts_read_on_every_heatmap_colour(stop: str) -> None:
    # Plotly interpolates between stops in RGB, and every channel falls from stop to stop, so
    # the last stop is the darkest cell there can be: at 4.5:1 or more, every cell is.
    assert HEATMAP_TEXT["color"] == BLACK
    assert contrast_ratio(stop, BLACK) >= contrast_ratio(HEATMAP_SCALE[-1][1], BLACK) >= 4.5


def test_both_heatmaps_use_the_readable_scale() -> None:
    placement = charts.placement_heatmap_figure(
        "ELA", pd.DataFrame({"tier": ["at_risk"], "placement_level": [2], "students": [4]})
    )
    cells = pd.DataFrame({"weekday": ["Monday"], "period": [1], "absences": [2]})
    for heatmap in (placement.data[0], weekday_period_figure(cells).data[0]):
        assert [list(stop) for stop in heatmap.colorscale] == HEATMAP_SCALE
        assert heatmap.textfont.color == BLACK


def test_growth_figures_sit_under_the_iready_title() -> None:
    when = pd.Timestamp("2025-09-09")
    diagnostics = pd.DataFrame(
        {"subject": ["ELA"], "completion_date": [when], "overall_scale_score": [470]}
    )
    domains = pd.DataFrame(
        {
            "subject": ["ELA"],
            "completion_date": [when],
            "domain": ["Vocabulary"],
            "scale_score": [460],
        }
    )
    growth = {"progress_to_typical": 10.0, "progress_to_stretch": 5.0}
    figure = iready_history_figure("ELA", diagnostics, domains, growth)
    assert figure.layout.title.text == "i-Ready Reading (ELA)"
    assert figure.layout.title.subtitle.text == "10 % of typical growth, 5 % of stretch growth"


def line_colours(figure: Any) -> dict[str, str]:
    """Trace name -> the colour its line (or, for bars, its fill) is drawn in."""
    found = {}
    for trace in figure.data:
        line = getattr(trace, "line", None)
        colour = line.color if line is not None and line.color else trace.marker.color
        found[trace.name] = colour
    return found


def test_lines_and_bars_stand_out_on_white() -> None:
    """Chart marks need 3:1 against the white plot (WCAG 1.4.11); Okabe-Ito orange had 2.2."""
    weeks = pd.DataFrame(
        {
            "period_start": [dt.date(2025, 9, 8)],
            "attendance_rate": [92.0],
            "period_attendance_rate": [91.0],
        }
    )
    months = pd.DataFrame(
        {
            "period_start": [dt.date(2025, 9, 1)],
            "attendance_rate": [90.0],
            "period_attendance_rate": [88.0],
        }
    )
    colours = {
        **line_colours(charts.weekly_trend_figure(weeks)),
        **line_colours(charts.monthly_figure(months)),
    }
    assert set(colours) >= {"Attendance rate", "Period attendance", "Periods attended"}
    weak = {name: c for name, c in colours.items() if contrast_ratio(c, WHITE) < 3.0}
    assert weak == {}
