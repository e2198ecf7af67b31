"""Reusable layout pieces: KPI cards, tier badges."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from attendly.metrics.tiers import TIER_LABELS, Tier

# Colour-blind-safe (Okabe-Ito) tier palette; every badge also carries its text label.
TIER_COLOURS = {
    Tier.SATISFACTORY: "#009E73",
    Tier.NO_CONCERN: "#009E73",
    Tier.AT_RISK: "#E69F00",
    Tier.TIER_1: "#56B4E9",
    Tier.TIER_2: "#E69F00",
    Tier.MODERATE_CHRONIC: "#D55E00",
    Tier.TIER_3: "#CC79A7",
    Tier.SEVERE_CHRONIC: "#CC79A7",
    Tier.INSUFFICIENT_DATA: "#999999",
}


def format_rate(value: float | None) -> str:
    """A percentage as shown everywhere: two decimals, or an em dash when undefined."""
    return "—" if value is None else f"{value:.2f} %"


def kpi_card(key: str, title: str, value: str, note: str = "") -> dbc.Col:
    """One KPI widget; the value's element id is `kpi-<key>` (tests read it)."""
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(
                [
                    html.Div(title, className="text-muted small text-uppercase"),
                    html.Div(value, id=f"kpi-{key}", className="fs-3 fw-semibold"),
                    html.Div(note, className="small text-muted"),
                ]
            ),
            className="h-100 shadow-sm",
        ),
        xs=12,
        sm=6,
        lg=3,
        className="mb-3",
    )


def kpi_cards(kpis: dict[str, Any]) -> list[dbc.Col]:
    """The attendance KPI widgets of the Overview page."""
    eligible = kpis["eligible_students"]
    return [
        kpi_card(
            "attendance_rate",
            "Attendance rate",
            format_rate(kpis["attendance_rate"]),
            f"{kpis['students']} students",
        ),
        kpi_card(
            "chronic_absenteeism_rate",
            "Chronically absent",
            format_rate(kpis["chronic_absenteeism_rate"]),
            f"{kpis['chronically_absent_students']} of {eligible} eligible students",
        ),
        kpi_card(
            "period_attendance_rate",
            "Period attendance",
            format_rate(kpis["period_attendance_rate"]),
            "periods attended",
        ),
        kpi_card(
            "truant_students",
            "Truant students",
            str(kpis["truant_students"]),
            f"of {kpis['students']} students have 3+ truancy occasions",
        ),
    ]


def tier_badge(tier: str, count: int | None = None) -> html.Span:
    """A tier label with its colour (text as well as colour, never colour alone)."""
    label = TIER_LABELS.get(Tier(tier), tier)
    text = label if count is None else f"{label}: {count}"
    return html.Span(
        text,
        id=f"tier-{tier}",
        className="badge rounded-pill me-2 mb-2 fs-6",
        style={"backgroundColor": TIER_COLOURS.get(Tier(tier), "#666"), "color": "#000"},
    )
