"""Plain data tables for admin pages: every cell is rendered as text, never as HTML."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import html


def cell_text(value: Any) -> str:
    """A cell as display text (timestamps to the minute, None as empty)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return ", ".join(f"{key}: {item}" for key, item in value.items())
    return str(value)


def text_table(
    columns: Sequence[str], rows: Sequence[Mapping[str, Any]], table_id: str | None = None
) -> dbc.Table:
    """A striped table of `rows` (dicts) with one column per key in `columns`."""
    head = html.Thead(html.Tr([html.Th(column.replace("_", " ")) for column in columns]))
    body = html.Tbody(
        [html.Tr([html.Td(cell_text(row.get(column))) for column in columns]) for row in rows]
    )
    extra = {"id": table_id} if table_id else {}
    return dbc.Table([head, body], striped=True, size="sm", responsive=True, **extra)
