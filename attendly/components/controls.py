"""Page furniture: the shell's filter bar and print header, page headers with Print and PDF,
chart cards with their export menu (PNG, SVG, CSV, Excel)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from attendly.ids import Export, Filters, Report

GRAPH_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
}


def filter_bar() -> html.Div:
    """School, grade and academic year for every dashboard page (hidden elsewhere; the school
    only for users who may choose one), plus the header that only print shows: school,
    filters and date."""
    return html.Div(
        [
            html.Div(id=Filters.PRINT_HEADER, className="print-header"),
            html.Div(
                [
                    html.Div(
                        [
                            html.Label("School", htmlFor=Filters.SCHOOL, className="filter-label"),
                            dcc.Dropdown(
                                id=Filters.SCHOOL,
                                placeholder="All schools",
                                clearable=True,
                                searchable=False,
                                className="filter-dropdown",
                            ),
                        ],
                        id=Filters.SCHOOL_BOX,
                        className="filter-item d-none",
                    ),
                    html.Div(
                        [
                            html.Label("Grade", htmlFor=Filters.GRADE, className="filter-label"),
                            dcc.Dropdown(
                                id=Filters.GRADE,
                                placeholder="All grades",
                                clearable=True,
                                searchable=False,
                                className="filter-dropdown",
                            ),
                        ],
                        id=Filters.GRADE_BOX,
                        className="filter-item",
                    ),
                    html.Div(
                        [
                            html.Label(
                                "Academic year", htmlFor=Filters.YEAR, className="filter-label"
                            ),
                            dcc.Dropdown(
                                id=Filters.YEAR,
                                clearable=False,
                                searchable=False,
                                className="filter-dropdown",
                            ),
                        ],
                        className="filter-item",
                    ),
                ],
                className="filter-controls no-print",
            ),
        ],
        id=Filters.BAR,
        className="filter-bar container-fluid",
    )


def page_header(title: str, page: str, params: dict[str, Any] | None = None) -> html.Div:
    """The page title with Print and PDF buttons and the PDF's progress."""
    return html.Div(
        [
            html.H1(title, className="page-title"),
            html.Div(
                [
                    html.Button("Print", className="btn btn-outline-secondary btn-sm print-button"),
                    html.Button(
                        "PDF for board packet",
                        id={"type": Report.BUTTON, "page": page},
                        className="btn btn-outline-primary btn-sm",
                        n_clicks=0,
                    ),
                    html.Span(
                        id={"type": Report.STATUS, "page": page},
                        className="pdf-status",
                        role="status",
                    ),
                    dcc.Store(id={"type": Report.JOB, "page": page}),
                    dcc.Store(id={"type": Report.PARAMS, "page": page}, data=params or {}),
                    dcc.Interval(
                        id={"type": Report.POLL, "page": page}, interval=700, disabled=True
                    ),
                ],
                className="page-actions no-print",
            ),
        ],
        className="page-header",
    )


def data_links(dataset: str, label: str = "Data") -> list[Any]:
    """CSV and Excel download items for `dataset` (hrefs filled in by the filter callback)."""
    return [
        dbc.DropdownMenuItem(
            f"{label} as CSV",
            id={"type": Export.DATA, "dataset": dataset, "format": "csv"},
            href="#",
            external_link=True,
        ),
        dbc.DropdownMenuItem(
            f"{label} as Excel",
            id={"type": Export.DATA, "dataset": dataset, "format": "xlsx"},
            href="#",
            external_link=True,
        ),
    ]


def export_menu(graph_id: str | None, dataset: str) -> dbc.DropdownMenu:
    """The '⤓ Export' menu of a chart or table."""
    items: list[Any] = []
    if graph_id:
        items += [
            dbc.DropdownMenuItem(
                f"Image ({fmt.upper()})",
                id={"type": Export.IMAGE, "graph": graph_id, "format": fmt},
                n_clicks=0,
            )
            for fmt in ("png", "svg")
        ]
        items.append(dbc.DropdownMenuItem(divider=True))
    items += data_links(dataset)
    return dbc.DropdownMenu(
        items,
        label="Export",
        size="sm",
        color="light",
        align_end=True,
        className="export-menu no-print",
    )


def chart_card(graph_id: str, dataset: str, filename: str, height: int = 380) -> dbc.Card:
    """A chart with its export menu; the modebar's camera saves `filename`.png."""
    config = {
        **GRAPH_CONFIG,
        "toImageButtonOptions": {"filename": filename, "format": "png", "scale": 2},
    }
    return dbc.Card(
        [
            html.Div(export_menu(graph_id, dataset), className="chart-toolbar"),
            dcc.Loading(
                dcc.Graph(
                    id=graph_id,
                    config=config,  # type: ignore[arg-type]  # a plain dict is what Plotly takes
                    style={"height": f"{height}px"},
                    className="chart",
                ),
                delay_show=400,
            ),
        ],
        className="chart-card mb-3",
    )
