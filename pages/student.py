"""Student detail: one student's year — calendar, skipped periods, months, i-Ready growth —
and the student's intervention timeline."""

from __future__ import annotations

from urllib.parse import quote

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from attendly import ids
from attendly.auth import ROLES
from attendly.components import chart_card, page_header

dash.register_page(
    __name__,
    path_template="/students/<student_id>",
    path="/students/000000",
    name="Student",
    title="Student · Attendly",
    order=11,
    roles=ROLES,
    nav=False,
    filters=("year",),
)


def layout(student_id: str | None = None, **_: object) -> html.Div:
    student = str(student_id or "")[:32]
    key = quote(student, safe="")

    def card(graph_id: str, dataset: str, chart: str, height: int = 340) -> dbc.Card:
        return chart_card(
            graph_id, f"{dataset}?student={key}", f"attendly-student-{key}-{chart}", height
        )

    return html.Div(
        [
            dcc.Link("← All students", href="/students", className="no-print small"),
            dcc.Link(
                "Correct attendance",
                href=f"/corrections?student={key}",
                id=ids.Student.CORRECT,
                className="no-print small ms-3",
            ),
            page_header("Student", "student", {"student_id": student}),
            dcc.Store(id=ids.Student.ID, data=student),
            dbc.Alert(id=ids.Student.ALERT, is_open=False, color="warning"),
            html.Div(
                [
                    html.Div(id=ids.Student.HEADER, className="mb-2"),
                    dbc.Row(id=ids.Student.KPIS),
                    card(ids.Student.CALENDAR, "student-days", "calendar", 280),
                    _interventions(key),
                    dbc.Row(
                        [
                            dbc.Col(
                                card(ids.Student.WEEKDAY, "student-periods", "missed-periods"),
                                lg=6,
                            ),
                            dbc.Col(card(ids.Student.MONTHLY, "student-months", "monthly"), lg=6),
                        ]
                    ),
                    dbc.Row(
                        [
                            dbc.Col(
                                card(ids.Student.IREADY_ELA, "student-iready", "iready-ela", 380),
                                lg=6,
                            ),
                            dbc.Col(
                                card(ids.Student.IREADY_MATH, "student-iready", "iready-math", 380),
                                lg=6,
                            ),
                        ]
                    ),
                ],
                id=ids.Student.BODY,
            ),
        ]
    )


def _interventions(key: str) -> dbc.Card:
    """The timeline (filled by the callback) and a way to record a new intervention: the
    Interventions page opened on this student, whose New form starts with the student's id."""
    record = dbc.Button(
        "Record an intervention",
        href=f"/interventions?student={key}",
        id=ids.Student.NEW_INTERVENTION,
        color="primary",
        size="sm",
        className="no-print",
    )
    return dbc.Card(
        [
            dbc.CardHeader(
                html.Div(
                    [html.H2("Interventions", className="h5 mb-0"), record],
                    className="d-flex justify-content-between align-items-center",
                )
            ),
            dbc.CardBody(html.Div(id=ids.Student.TIMELINE)),
        ],
        className="mb-3 student-interventions",
    )
