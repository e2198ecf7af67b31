"""The app shell around every page: navbar (pages the user's role may open), page container."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from attendly import ids
from attendly.access import page_allows
from attendly.components import filter_bar


def visible_pages(role: str | None) -> list[dict[str, object]]:
    """Registered pages in navbar order that `role` may open (page metadata key `roles`)."""
    pages = sorted(dash.page_registry.values(), key=lambda page: page.get("order", 99))
    return [page for page in pages if page_allows(page, role) and page.get("nav", True)]


def navbar() -> dbc.Navbar:
    role = getattr(current_user, "role", None)
    links = [
        dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact"))
        for page in visible_pages(role)
    ]
    user = (
        html.Span(
            [
                html.Span(f"{current_user.username} · {role}", className="me-3 text-light small"),
                html.Form(
                    [
                        dcc.Input(type="hidden", name="csrf_token", value=generate_csrf()),
                        html.Button(
                            "Sign out", className="btn btn-outline-light btn-sm", type="submit"
                        ),
                    ],
                    method="post",
                    action="/logout",
                    className="d-inline",
                ),
            ],
            className="ms-auto d-flex align-items-center",
        )
        if current_user.is_authenticated
        else None
    )
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("Attendly", href="/"),
                dbc.Nav(links, navbar=True),
                user,
            ],
            fluid=True,
        ),
        color="primary",
        dark=True,
        className="mb-3 no-print",
        id=ids.Shell.NAVBAR,
    )


def shell() -> html.Div:
    """Evaluated per request, so the navbar reflects the logged-in user."""
    return html.Div(
        [
            dcc.Location(id=ids.Shell.URL),
            dcc.Store(id=ids.Shell.GRADE_STORE, storage_type="local"),
            dcc.Store(id=ids.Filters.STORE, storage_type="local"),
            navbar(),
            filter_bar(),
            dbc.Container(dash.page_container, fluid=True, className="pb-4"),
        ]
    )
