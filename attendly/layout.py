"""The app shell around every page: the navbar (links and menus of the pages the user's role
may open, grouped by page metadata), the filter bar and the page container."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from attendly import ids
from attendly.access import DEFAULT_ROLES, page_allows, page_roles
from attendly.components import filter_bar

# Navbar groups: the dropdown a page's `nav_group` puts it in, in navbar order. A page with
# `nav_group="primary"` is a link of its own; one without `nav_group` goes under Admin when
# only admins may open it and under More otherwise, so a new page never crowds the bar.
PRIMARY = "primary"
NAV_GROUPS = {"more": "More", "admin": "Admin"}


def visible_pages(role: str | None) -> list[dict[str, object]]:
    """Registered pages in navbar order that `role` may open (page metadata key `roles`)."""
    pages = sorted(dash.page_registry.values(), key=lambda page: page.get("order", 99))
    return [page for page in pages if page_allows(page, role) and page.get("nav", True)]


def nav_group(page: Mapping[str, Any]) -> str:
    """The page's navbar group (metadata key `nav_group`, defaulted as NAV_GROUPS says)."""
    group = page.get("nav_group")
    if group:
        return str(group)
    return "admin" if page_roles(page) == DEFAULT_ROLES else "more"


def grouped_pages(role: str | None) -> dict[str, list[dict[str, object]]]:
    """{group: pages} of the pages `role` may open, primary first, then NAV_GROUPS' order."""
    groups: dict[str, list[dict[str, object]]] = {PRIMARY: [], **{key: [] for key in NAV_GROUPS}}
    for page in visible_pages(role):
        groups.setdefault(nav_group(page), []).append(page)
    return {group: pages for group, pages in groups.items() if pages}


def nav_menu(group: str, pages: list[dict[str, object]]) -> dbc.DropdownMenu:
    """A dropdown of the group's pages (rendered on mount, so assets/navbar.js can mark the
    current page in it before it is ever opened)."""
    items = [
        dbc.DropdownMenuItem(str(page["name"]), href=str(page["relative_path"])) for page in pages
    ]
    return dbc.DropdownMenu(
        items,
        label=NAV_GROUPS.get(group, group.title()),
        nav=True,
        in_navbar=True,
        align_end=True,
        id=f"{ids.Shell.NAV_MENU}-{group}",
    )


def nav_links(role: str | None) -> dbc.Nav:
    """Primary pages as links, the other groups as dropdown menus."""
    children: list[Any] = []
    for group, pages in grouped_pages(role).items():
        if group == PRIMARY:
            children += [
                dbc.NavItem(dbc.NavLink(page["name"], href=page["relative_path"], active="exact"))
                for page in pages
            ]
        else:
            children.append(nav_menu(group, pages))
    return dbc.Nav(children, navbar=True, className="me-auto")


def user_menu(role: str | None) -> html.Div | None:
    """Who is signed in, and the Sign out form (CSRF-protected POST)."""
    if not current_user.is_authenticated:
        return None
    return html.Div(
        [
            html.Span(f"{current_user.username} · {role}", className="navbar-user"),
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
        className="navbar-account",
    )


def navbar() -> dbc.Navbar:
    """One line from 1,200 px (Bootstrap's `xl`) up; narrower, the links fold behind a menu
    button.

    The first link skips to the page's content; assets/navbar.js marks the current page's
    link with aria-current="page" as the user moves between pages.
    """
    role = getattr(current_user, "role", None)
    return dbc.Navbar(
        dbc.Container(
            [
                html.A(
                    "Skip to main content",
                    href="#_pages_content",
                    id=ids.Shell.SKIP_LINK,
                    className="skip-link",
                ),
                dbc.NavbarBrand("Attendly", href="/"),
                dbc.NavbarToggler(id=ids.Shell.NAV_TOGGLER, n_clicks=0),
                dbc.Collapse(
                    [nav_links(role), notification_badge(role), user_menu(role)],
                    id=ids.Shell.NAV_COLLAPSE,
                    is_open=False,
                    navbar=True,
                ),
            ],
            fluid=True,
        ),
        color="primary",
        dark=True,
        expand="xl",
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
    from flask import current_app

    from attendly.components.live import live_updates
    from attendly.live import current_version

    poll_seconds = current_app.config["ATTENDLY_SETTINGS"].live_poll_seconds
    return html.Div(
        [
            dcc.Location(id=ids.Shell.URL),
            dcc.Store(id=ids.Shell.GRADE_STORE, storage_type="local"),
            dcc.Store(id=ids.Filters.STORE, storage_type="local"),
            navbar(),
            live_updates(current_version(), poll_seconds),
            import_tracker(),
            filter_bar(),
            dbc.Container(dash.page_container, fluid=True, className="pb-4"),
        ]
    )
