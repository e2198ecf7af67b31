"""Audit log page callback: filters -> the newest matching entries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
from dash import Input, Output

from attendly import ids
from attendly.audit import ENTRY_COLUMNS, entries
from attendly.extensions import db
from attendly.tables import text_table

LIMIT = 500


def _day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


@dash.callback(
    Output(ids.Audit.TABLE, "children"),
    Output(ids.Audit.COUNT, "children"),
    Input(ids.Audit.ACTION, "value"),
    Input(ids.Audit.USERNAME, "value"),
    Input(ids.Audit.DATES, "start_date"),
    Input(ids.Audit.DATES, "end_date"),
)
def show(
    action: str | None, username: str | None, start: str | None, end: str | None
) -> tuple[Any, str]:
    """The newest entries (at most LIMIT) matching every filter given."""
    rows = entries(
        db.session(),
        action=action or None,
        username=(username or "").strip() or None,
        since=_day(start),
        until=_day(end),
        limit=LIMIT,
    )
    shown = f"{len(rows)} entries" + (f" (the newest {LIMIT})" if len(rows) == LIMIT else "")
    return text_table(ENTRY_COLUMNS, rows, "audit-entries"), shown
