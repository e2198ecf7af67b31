"""KPI widgets and tier badges, each value with its change since last week."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from attendly.charts.theme import tier_colour, tier_label, tier_text_colour

SUBJECT_NAMES = {"ELA": "Reading (ELA)", "MATH": "Math"}


def format_rate(value: float | None) -> str:
    """A percentage as shown everywhere: two decimals, or an em dash when undefined."""
    return "—" if value is None else f"{value:.2f} %"


def change_text(now: float | None, before: float | None, unit: str = " pts") -> str:
    """'▲ 0.42 pts since last week', '▼ 3 …', 'no change …' or '' when not comparable."""
    if now is None or before is None:
        return ""
    delta = round(float(now) - float(before), 2)
    if delta == 0:
        return "no change since last week"
    arrow, word = ("▲", "up") if delta > 0 else ("▼", "down")
    amount = f"{abs(delta):.2f}" if unit.strip() == "pts" else f"{abs(delta):,.0f}"
    return f"{arrow} {word} {amount}{unit} since last week"


def kpi_card(key: str, title: str, value: str, note: str = "", change: str = "") -> dbc.Col:
    """One KPI widget; the value's element id is `kpi-<key>`, its change `kpi-<key>-change`."""
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(
                [
                    html.Div(title, className="kpi-title"),
                    html.Div(value, id=f"kpi-{key}", className="kpi-value"),
                    html.Div(change, id=f"kpi-{key}-change", className="kpi-change"),
                    html.Div(note, className="kpi-note"),
                ]
            ),
            className="h-100 kpi-card",
        ),
        xs=12,
        sm=6,
        lg=3,
        className="mb-3",
    )


def _rate_card(
    key: str, title: str, note: str, now: dict[str, Any], before: dict[str, Any] | None
) -> dbc.Col:
    previous = before.get(key) if before else None
    change = change_text(now.get(key), previous)
    return kpi_card(key, title, format_rate(now.get(key)), note, change)


def kpi_cards(kpis: dict[str, Any], previous: dict[str, Any] | None = None) -> list[dbc.Col]:
    """The attendance KPI widgets of the Overview page."""
    students, eligible = kpis["students"], kpis["eligible_students"]
    chronic = f"{kpis['chronically_absent_students']:,} of {eligible:,} eligible students"
    truant, before = kpis["truant_students"], previous["truant_students"] if previous else None
    return [
        _rate_card("attendance_rate", "Attendance rate", f"{students:,} students", kpis, previous),
        _rate_card("chronic_absenteeism_rate", "Chronically absent", chronic, kpis, previous),
        _rate_card(
            "period_attendance_rate", "Period attendance", "class periods attended", kpis, previous
        ),
        kpi_card(
            "truant_students",
            "Truant students",
            str(truant),
            f"of {students:,} students have 3+ truancy occasions",
            change_text(truant, before, unit=""),
        ),
    ]


def iready_cards(kpis: dict[str, Any], previous: dict[str, Any] | None = None) -> list[dbc.Col]:
    """On-grade-level share and median progress to typical growth, per subject."""
    cards = []
    for subject, name in SUBJECT_NAMES.items():
        now = kpis.get("iready", {}).get(subject, {})
        then = (previous or {}).get("iready", {}).get(subject)
        students = now.get("students", 0)
        for key, title in (
            ("pct_on_grade", f"{name}: on grade level"),
            ("median_progress_to_typical", f"{name}: median progress to typical growth"),
        ):
            value = now.get(key)
            cards.append(
                kpi_card(
                    f"{subject.lower()}_{key}",
                    title,
                    format_rate(value),
                    f"{students:,} students with a diagnostic",
                    change_text(value, then.get(key) if then else None),
                )
            )
    return cards


@lru_cache(maxsize=64)
def _badge_colours(tier: str) -> tuple[tuple[str, str], ...]:
    """A tier badge's style entries: its colour and the text colour that reads on it (worked
    out once per tier; a page of cards shows a badge on each)."""
    return (("backgroundColor", tier_colour(tier)), ("color", tier_text_colour(tier)))


def tier_badge(
    tier: str, count: int | None = None, change: str = "", identified: bool = True
) -> html.Span:
    """A tier label with its colour (text as well as colour, never colour alone); with the
    id `tier-{tier}` unless `identified` is False (a badge repeated on a page of cards)."""
    text = tier_label(tier) if count is None else f"{tier_label(tier)}: {count:,}"
    look, colours = "badge rounded-pill tier-badge", dict(_badge_colours(tier))
    if identified:
        badge = html.Span(text, id=f"tier-{tier}", className=look, style=colours)
    else:
        badge = html.Span(text, className=look, style=colours)
    if not change:
        return badge
    return html.Span(
        [badge, html.Span(change, id=f"tier-{tier}-change", className="tier-change")],
        className="tier-with-change",
    )
