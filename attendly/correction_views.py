"""What the Corrections page shows: status choices, one day's periods, recent corrections.

Every value is rendered as text (never HTML): names and reasons come from users and files.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from attendly import ids
from attendly.metrics.codes import CATEGORY_LABELS, Category
from attendly.tables import cell_text
from db.corrections import Window

CO = ids.Corrections


def status_label(status: str | None) -> str:
    """ "U — Unexcused absence"; a blank period is "no period"."""
    return f"{status} — {CATEGORY_LABELS[status]}" if status else "no period"


def status_options(code_table: Mapping[str, str]) -> list[dict[str, str]]:
    """One option per status category, naming the district codes that mean it."""
    options = []
    for category in Category:
        codes = sorted(code for code, meant in code_table.items() if meant == category.value)
        suffix = f" (SIS codes {', '.join(codes)})" if codes else ""
        options.append({"label": status_label(category.value) + suffix, "value": category.value})
    return options


def window_text(window: Window) -> str:
    return (
        f"Days from {window.earliest:%A %B %-d, %Y} to {window.latest:%A %B %-d, %Y} "
        "can be corrected."
    )


def student_options(students: list[Any]) -> list[dict[str, str]]:
    return [
        {
            "label": f"{s.last_name}, {s.first_name} — {s.id} (grade {s.grade_level})",
            "value": s.id,
        }
        for s in students
    ]


def period_options(periods: Mapping[int, str | None]) -> list[dict[str, str]]:
    return [
        {"label": f"Period {n}: {status_label(status)}", "value": str(n)}
        for n, status in periods.items()
    ]


def day_table(periods: Mapping[int, str | None], note: str | None = None) -> Any:
    """The chosen day's periods and their current status."""
    head = html.Thead(html.Tr([html.Th("Period"), html.Th("Current status")]))
    body = html.Tbody(
        [html.Tr([html.Td(str(n)), html.Td(status_label(s))]) for n, s in periods.items()]
    )
    table = dbc.Table(
        [head, body], size="sm", bordered=True, id=f"{CO.DAY}-table", style={"maxWidth": "30rem"}
    )
    return [html.P(note, className="small text-warning mb-1"), table] if note else table


def recent_table(frame: pd.DataFrame) -> Any:
    """Who changed what, when: before -> after, the reason; marked when a rollback voided it
    or a later import (or correction) changed the period since."""
    if frame.empty:
        return html.P("No corrections yet.", className="text-muted", id=f"{CO.RECENT}-empty")
    head = ["When", "Who", "Student", "Day", "Period", "Change", "Reason"]
    rows = [html.Tr([html.Td(text) for text in _recent_cells(row)]) for row in _records(frame)]
    return dbc.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
        striped=True,
        size="sm",
        responsive=True,
        id=f"{CO.RECENT}-table",
    )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {str(key): None if _missing(value) else value for key, value in row.items()}
        for row in frame.to_dict("records")
    ]


def _missing(value: Any) -> bool:
    return not isinstance(value, str | list | dict) and bool(pd.isna(value))


def _recent_cells(row: Mapping[str, Any]) -> list[str]:
    name = ", ".join(part for part in (row["last_name"], row["first_name"]) if part)
    change = f"{row['prior_status'] or 'no period'} → {row['new_status']}"
    if row["voided_by_import"] is not None:
        change += f" (void: import {int(row['voided_by_import'])} was rolled back)"
    elif row["current_status"] != row["new_status"]:
        change += f" (now {row['current_status'] or 'no period'}: changed since)"
    return [
        cell_text(pd.Timestamp(row["at"]).to_pydatetime()),
        cell_text(row["username"]),
        f"{name} ({row['student_id']})" if name else str(row["student_id"]),
        cell_text(pd.Timestamp(row["date"]).date()),
        str(int(row["period"])),
        change,
        cell_text(row["reason"]),
    ]


def rollback_note(outcome: Mapping[str, Any]) -> str:
    """What an import's rollback did to corrected days, in words ("" when it touched none)."""
    found = outcome.get("corrections") or {}
    parts = []
    if found.get("reapplied") or found.get("unchanged"):
        kept = len(found.get("reapplied", [])) + len(found.get("unchanged", []))
        parts.append(f"{kept} kept (applied again to the restored days)")
    if found.get("voided"):
        parts.append(f"{len(found['voided'])} void (their days were deleted)")
    return f" Attendance corrections of its days: {'; '.join(parts)}." if parts else ""
