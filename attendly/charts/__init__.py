"""Figure builders: DataFrame in, fresh go.Figure out; one shared template never mutated."""

from attendly.charts.correlation import (
    growth_figure,
    placement_heatmap_figure,
    scatter_figure,
    score_by_tier_figure,
)
from attendly.charts.overview import (
    grade_comparison_figure,
    tier_distribution_figure,
    weekly_trend_figure,
)
from attendly.charts.sparkline import sparkline_svg, sparkline_text
from attendly.charts.student import (
    calendar_figure,
    iready_history_figure,
    monthly_figure,
    weekday_period_figure,
)
from attendly.charts.theme import TARGET_RATE, TEMPLATE, TIER_COLOURS, empty_figure

__all__ = [
    "TARGET_RATE",
    "TEMPLATE",
    "TIER_COLOURS",
    "calendar_figure",
    "empty_figure",
    "grade_comparison_figure",
    "growth_figure",
    "iready_history_figure",
    "monthly_figure",
    "placement_heatmap_figure",
    "scatter_figure",
    "score_by_tier_figure",
    "sparkline_svg",
    "sparkline_text",
    "tier_distribution_figure",
    "weekday_period_figure",
    "weekly_trend_figure",
]
