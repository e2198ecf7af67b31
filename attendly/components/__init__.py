"""Reusable layout pieces: KPI widgets, tier badges, filter bar, chart cards, student cards."""

from attendly.charts.theme import TIER_COLOURS
from attendly.components.cards import placement_text, student_card
from attendly.components.controls import (
    GRAPH_CONFIG,
    chart_card,
    data_links,
    export_menu,
    filter_bar,
    page_header,
)
from attendly.components.kpi import (
    change_text,
    format_rate,
    iready_cards,
    kpi_card,
    kpi_cards,
    tier_badge,
)

__all__ = [
    "GRAPH_CONFIG",
    "TIER_COLOURS",
    "change_text",
    "chart_card",
    "data_links",
    "export_menu",
    "filter_bar",
    "format_rate",
    "iready_cards",
    "kpi_card",
    "kpi_cards",
    "page_header",
    "placement_text",
    "student_card",
    "tier_badge",
]
