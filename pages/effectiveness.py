"""Effectiveness: attendance in the 30 school days before vs after each kind of intervention."""

from __future__ import annotations

import dash
from dash import dcc, html

from attendly import ids

dash.register_page(
    __name__,
    path="/effectiveness",
    name="Effectiveness",
    title="Intervention effectiveness · Attendly",
    order=40,
    nav_group="more",
    roles=("admin", "principal", "counselor", "teacher"),
)

EF = ids.Effectiveness


def layout(**_: object) -> html.Div:
    return html.Div(
        [
            html.H1("Did it help?", className="h3"),
            html.Div(
                [
                    html.Label("Grade level", htmlFor=EF.GRADE, className="visually-hidden"),
                    dcc.Dropdown(id=EF.GRADE, placeholder="All grades", searchable=False),
                ],
                style={"maxWidth": "16rem"},
                className="mb-2",
            ),
            html.P(
                "For every intervention with a start date (cancelled ones left out): the "
                "student's attendance rate over their 30 school days before the start and the "
                "30 from the start on, pooled per kind of intervention. A change here is an "
                "association, not proof: students are chosen for interventions because their "
                "attendance was falling.",
                className="text-muted",
                id=EF.NOTE,
            ),
            dcc.Loading(
                [
                    html.Div(id=EF.TABLE),
                    dcc.Graph(id=EF.CHART, config={"displaylogo": False}),
                ],
                delay_show=300,
            ),
        ]
    )
