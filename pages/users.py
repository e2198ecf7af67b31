"""Users (admins only): accounts, roles, grade levels, schools, passwords and API tokens."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from attendly import ids
from attendly.auth import ROLES

dash.register_page(
    __name__,
    path="/users",
    name="Users",
    title="Users · Attendly",
    order=90,
    nav_group="admin",
    roles=("admin",),
)


def _field(label: str, component: object, note: str = "") -> html.Div:
    return html.Div(
        [dbc.Label(label, html_for=getattr(component, "id", None)), component]
        + ([dbc.FormText(note)] if note else []),
        className="mb-2",
    )


def _account_card() -> dbc.Card:
    buttons = [
        dbc.Button("Save user", id=ids.Users.SAVE, color="primary", className="me-2"),
        dbc.Button("Reset password", id=ids.Users.RESET, color="secondary", className="me-2"),
        dbc.Button(
            "Deactivate", id=ids.Users.DEACTIVATE, color="danger", outline=True, className="me-2"
        ),
        dbc.Button("Reactivate", id=ids.Users.REACTIVATE, color="success", outline=True),
    ]
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Account", className="h5"),
                _field("Username", dbc.Input(id=ids.Users.USERNAME, maxLength=80)),
                _field(
                    "Role",
                    dcc.Dropdown(
                        id=ids.Users.ROLE, options=list(ROLES), value="teacher", clearable=False
                    ),
                ),
                _field(
                    "Grade levels",
                    dbc.Input(id=ids.Users.GRADES, placeholder="6,7"),
                    "Teachers see only these grades.",
                ),
                _field(
                    "Password",
                    dbc.Input(id=ids.Users.PASSWORD, type="password", autoComplete="new-password"),
                    "At least 8 characters; needed to create a user or reset a password.",
                ),
                html.Div(buttons, className="mt-3"),
            ]
        ),
        className="mb-3 shadow-sm",
    )


def _token_card() -> dbc.Card:
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("API tokens", className="h5"),
                html.P(
                    "A token acts with the permissions of the user named on the left.",
                    className="small text-muted",
                ),
                _field(
                    "Token name", dbc.Input(id=ids.Users.TOKEN_NAME, placeholder="nightly-sync")
                ),
                dbc.Button("Create token", id=ids.Users.TOKEN_CREATE, color="primary"),
                html.Pre(id=ids.Users.TOKEN_SHOWN, className="mt-2 small user-select-all"),
                _field("Token id", dbc.Input(id=ids.Users.TOKEN_ID, type="number", min=1)),
                dbc.Button("Revoke token", id=ids.Users.TOKEN_REVOKE, color="danger", outline=True),
            ]
        ),
        className="mb-3 shadow-sm",
    )


def layout(**_: object) -> html.Div:
    return html.Div(
        [
            html.H1("Users", className="h3"),
            dcc.Store(id=ids.Users.REFRESH, data=0),
            dbc.Alert(id=ids.Users.MESSAGE, is_open=False),
            dbc.Row([dbc.Col(_account_card(), lg=7), dbc.Col(_token_card(), lg=5)]),
            html.H2("Accounts", className="h5 mt-2"),
            html.Div(id=ids.Users.TABLE),
            html.H2("Tokens", className="h5 mt-3"),
            html.Div(id=ids.Users.TOKENS),
        ]
    )
