"""Students: every student as a card (or a table row), filtered by tier, truancy and name."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from attendly import ids
from attendly.auth import ROLES
from attendly.charts.theme import tier_label
from attendly.components import page_header
from attendly.metrics.tiers import Tier

dash.register_page(
    __name__,
    path="/students",
    name="Students",
    title="Students · Attendly",
    order=10,
    nav_group="primary",
    roles=ROLES,
    filters=("grade", "year"),
)

SORT_OPTIONS = [
    {"label": "Lowest attendance first", "value": "attendance"},
    {"label": "Most days absent first", "value": "absent"},
    {"label": "Most truancy occasions first", "value": "truancy"},
    {"label": "Lowest period attendance first", "value": "period"},
    {"label": "Name (A–Z)", "value": "name"},
    {"label": "Grade", "value": "grade"},
    {"label": "Closest to chronic absence first", "value": "chronic"},
]


def _labelled(label: str, component: object, control_id: str) -> html.Div:
    return html.Div([html.Label(label, htmlFor=control_id), component])


def _export_menu() -> dbc.DropdownMenu:
    items = [
        dbc.DropdownMenuItem(
            f"Students as {name}",
            id={"type": ids.Students.DATA, "format": fmt},
            href="#",
            external_link=True,
        )
        for fmt, name in (("csv", "CSV"), ("xlsx", "Excel"))
    ]
    return dbc.DropdownMenu(
        items, label="Export", size="sm", color="light", className="export-menu no-print"
    )


def _controls() -> html.Div:
    tiers = [{"label": tier_label(tier.value), "value": tier.value} for tier in Tier]
    return html.Div(
        [
            _labelled(
                "Risk tier",
                dcc.Dropdown(id=ids.Students.TIER, options=tiers, multi=True, placeholder="Any"),
                ids.Students.TIER,
            ),
            _labelled(
                "Truancy",
                dcc.Checklist(
                    id=ids.Students.TRUANT,
                    options=[{"label": " Truant only (3+ occasions)", "value": "truant"}],
                    value=[],
                ),
                ids.Students.TRUANT,
            ),
            _labelled(
                "Chronic after at most N more absences",
                dcc.Input(
                    id=ids.Students.NEAR_CHRONIC,
                    type="number",
                    min=0,
                    max=180,
                    step=1,
                    debounce=0.3,
                    placeholder="any",
                    className="form-control form-control-sm",
                ),
                ids.Students.NEAR_CHRONIC,
            ),
            _labelled(
                "Search name or ID",
                dcc.Input(
                    id=ids.Students.SEARCH,
                    type="search",
                    debounce=0.3,
                    placeholder="e.g. Garcia or 012345",
                    className="form-control form-control-sm",
                ),
                ids.Students.SEARCH,
            ),
            _labelled(
                "Sort by",
                dcc.Dropdown(
                    id=ids.Students.SORT, options=SORT_OPTIONS, value="attendance", clearable=False
                ),
                ids.Students.SORT,
            ),
            _labelled(
                "View",
                dbc.RadioItems(
                    id=ids.Students.VIEW,
                    options=[
                        {"label": "Cards", "value": "cards"},
                        {"label": "Table", "value": "table"},
                    ],
                    value="cards",
                    inline=True,
                ),
                ids.Students.VIEW,
            ),
            html.Div(_export_menu()),
        ],
        className="students-controls",
    )


def layout(**_: object) -> html.Div:
    return html.Div(
        [
            page_header("Students", "students"),
            _controls(),
            dbc.Alert(id=ids.Students.ALERT, is_open=False, color="warning"),
            html.Div(id=ids.Students.COUNT, className="as-of", role="status"),
            html.Div(
                [
                    dcc.Loading(dbc.Row(id=ids.Students.CARDS), delay_show=400),
                    dbc.Pagination(
                        id=ids.Students.PAGER,
                        max_value=1,
                        active_page=1,
                        fully_expanded=False,
                        first_last=True,
                        previous_next=True,
                        className="justify-content-center",
                    ),
                ],
                id=ids.Students.CARD_PANE,
            ),
            html.Div(id=ids.Students.GRID_PANE),
        ]
    )
