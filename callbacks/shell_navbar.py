"""The navbar's menu button on narrow screens: opens and closes the links, and folds them away
again once the user has moved to another page."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, ctx

from attendly.ids import Shell


@dash.callback(
    Output(Shell.NAV_COLLAPSE, "is_open"),
    Input(Shell.NAV_TOGGLER, "n_clicks"),
    Input(Shell.URL, "pathname"),
    State(Shell.NAV_COLLAPSE, "is_open"),
    prevent_initial_call=True,
)
def toggle_menu(_clicks: Any, _pathname: Any, is_open: Any) -> bool:
    return menu_open(ctx.triggered_id, is_open)


def menu_open(trigger: Any, is_open: Any) -> bool:
    """The button flips the menu; a page change (or anything else) closes it."""
    return trigger == Shell.NAV_TOGGLER and not bool(is_open)
