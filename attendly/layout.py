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
                notification_badge(role),
                user,
            ],
            fluid=True,
        ),
        color="primary",
        dark=True,
        className="mb-3 no-print",
        id=ids.Shell.NAVBAR,
    )


def notification_badge(role: str | None) -> html.A | None:
    """Admins: the count of unread notifications, linking to the Imports page."""
    if role != "admin":
        return None
    from attendly.extensions import db
    from attendly.notifications import unread_count

    count = unread_count(db.session(), role)
    return html.A(
        ["Notifications ", dbc.Badge(str(count), color="danger" if count else "secondary")],
        href="/imports",
        id=ids.ImportsShell.BADGE,
        className="ms-auto me-3 text-light small text-decoration-none",
    )


def import_tracker() -> html.Div:
    """Progress of the imports this tab started: kept in the shell, so it survives navigation."""
    return html.Div(
        [
            dcc.Store(id=ids.ImportsShell.STORE, storage_type="session"),
            dcc.Interval(id=ids.ImportsShell.POLL, interval=1000),
            html.Div(id=ids.ImportsShell.PROGRESS),
        ],
        className="container-fluid no-print",
    )


def shell() -> html.Div:
    """Evaluated per request, so the navbar reflects the logged-in user."""
    return html.Div(
        [
            dcc.Location(id=ids.Shell.URL),
            dcc.Store(id=ids.Shell.GRADE_STORE, storage_type="local"),
            dcc.Store(id=ids.Filters.STORE, storage_type="local"),
            navbar(),
            import_tracker(),
            filter_bar(),
            dbc.Container(dash.page_container, fluid=True, className="pb-4"),
        ]
    )
