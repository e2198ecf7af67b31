"""Users page callbacks: one dispatcher for the account and token buttons, one for the tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dash
from dash import Input, Output, State, ctx
from dash.exceptions import PreventUpdate
from flask_login import current_user

from attendly import ids, tokens, users
from attendly.errors import AttendlyError
from attendly.extensions import db
from attendly.tables import text_table

Form = dict[str, Any]


def _save(form: Form) -> tuple[str, str]:
    users.save_user(
        form["username"],
        form["role"],
        form["grades"],
        form["password"],
        actor=current_user.username,
    )
    return f"User {form['username']} saved.", ""


def _update_or_save(form: Form) -> tuple[str, str]:
    if form["password"]:
        return _save(form)
    users.update_user(form["username"], form["role"], form["grades"], actor=current_user.username)
    return f"User {form['username']} updated.", ""


def _reset(form: Form) -> tuple[str, str]:
    users.reset_password(form["username"], form["password"], actor=current_user.username)
    return f"Password of {form['username']} reset; their sessions have ended.", ""


def _deactivate(form: Form) -> tuple[str, str]:
    users.set_active(form["username"], False, actor=current_user.username)
    return f"User {form['username']} deactivated.", ""


def _reactivate(form: Form) -> tuple[str, str]:
    users.set_active(form["username"], True, actor=current_user.username)
    return f"User {form['username']} reactivated.", ""


def _create_token(form: Form) -> tuple[str, str]:
    token_id, token = tokens.create_token(
        form["username"], form["token_name"], actor=current_user.username
    )
    return f"Token {token_id} created for {form['username']}: copy it now, it is shown once.", token


def _revoke_token(form: Form) -> tuple[str, str]:
    if not form["token_id"]:
        raise AttendlyError("enter the id of the token to revoke")
    tokens.revoke_token(int(form["token_id"]), actor=current_user.username)
    return f"Token {int(form['token_id'])} revoked.", ""


ACTIONS: dict[str, Callable[[Form], tuple[str, str]]] = {
    ids.Users.SAVE: _update_or_save,
    ids.Users.RESET: _reset,
    ids.Users.DEACTIVATE: _deactivate,
    ids.Users.REACTIVATE: _reactivate,
    ids.Users.TOKEN_CREATE: _create_token,
    ids.Users.TOKEN_REVOKE: _revoke_token,
}


@dash.callback(
    Output(ids.Users.MESSAGE, "children"),
    Output(ids.Users.MESSAGE, "color"),
    Output(ids.Users.MESSAGE, "is_open"),
    Output(ids.Users.TOKEN_SHOWN, "children"),
    Output(ids.Users.PASSWORD, "value"),
    Output(ids.Users.REFRESH, "data"),
    *(Input(button, "n_clicks") for button in ACTIONS),
    State(ids.Users.USERNAME, "value"),
    State(ids.Users.ROLE, "value"),
    State(ids.Users.GRADES, "value"),
    State(ids.Users.PASSWORD, "value"),
    State(ids.Users.TOKEN_NAME, "value"),
    State(ids.Users.TOKEN_ID, "value"),
    State(ids.Users.REFRESH, "data"),
    prevent_initial_call=True,
)
def change(*args: Any) -> tuple[Any, ...]:
    """Run the action of the clicked button; show its outcome (errors as a warning)."""
    action = ACTIONS.get(str(ctx.triggered_id))
    if action is None:
        raise PreventUpdate
    names = ("username", "role", "grades", "password", "token_name", "token_id")
    form = {name: (value or "") for name, value in zip(names, args[len(ACTIONS) :], strict=False)}
    form["username"] = str(form["username"]).strip()
    try:
        message, token = action(form)
    except AttendlyError as exc:
        db.session.rollback()
        return str(exc), "warning", True, "", dash.no_update, dash.no_update
    return message, "success", True, token, "", (args[-1] or 0) + 1


@dash.callback(
    Output(ids.Users.TABLE, "children"),
    Output(ids.Users.TOKENS, "children"),
    Input(ids.Users.REFRESH, "data"),
)
def tables(_: int | None) -> tuple[Any, Any]:
    """The accounts and tokens tables (token values are never shown again, only prefixes)."""
    return (
        text_table(users.USER_COLUMNS, users.list_users(), "users-accounts"),
        text_table(tokens.TOKEN_COLUMNS, tokens.list_tokens(), "users-token-list"),
    )
