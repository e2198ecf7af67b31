"""Layout pieces of imports: the shell's progress panel and the history table."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from attendly.tables import cell_text

HISTORY = (
    ("id", "Id"),
    ("started_at", "When"),
    ("username", "Who"),
    ("filename", "File"),
    ("kind", "Kind"),
    ("status", "Status"),
    ("records_processed", "Rows"),
    ("records_inserted", "Inserted"),
    ("records_updated", "Updated"),
    ("records_skipped", "Skipped"),
    ("records_failed", "Failed"),
    ("duration_s", "Seconds"),
    ("rows_per_s", "Rows/s"),
    ("quality_score", "Quality"),
)
COLOURS = {"completed": "success", "rejected": "warning", "failed": "danger"}


def progress_item(item: dict[str, Any]) -> html.Div:
    """One import: a bar with phase and rows done / total, or its summary when finished."""
    name = f"Import {item['import_id']} · {item.get('filename') or ''}"
    if item["finished"]:
        counts = (
            f"{item['status']}: {item['records_processed']:,} rows — "
            f"{item['records_inserted']:,} inserted, {item['records_updated']:,} updated, "
            f"{item['records_skipped']:,} unchanged, {item['records_failed']:,} failed"
        )
        colour = COLOURS.get(str(item["status"]), "secondary")
        return dbc.Alert(
            [html.Strong(name), html.Div(counts, className="import-summary")],
            color=colour,
            className="py-2 mb-2",
        )
    done, total = item["rows_done"], item["rows_total"] or 0
    percent = min(100, round(100 * done / total)) if total else 0
    label = f"{item['phase']} · {done:,} / {total:,} rows" if total else item["phase"]
    return html.Div(
        [
            html.Div(name, className="small"),
            dbc.Progress(value=percent, label=label, striped=True, animated=True),
        ],
        className="mb-2 import-running",
    )


def history_table(rows: list[dict[str, Any]]) -> dbc.Table:
    """The history with links to each import's error and unmapped-student reports."""
    head = html.Tr([html.Th(title) for _, title in HISTORY] + [html.Th("Reports")])
    body = [
        html.Tr(
            [html.Td(cell_text(row.get(key))) for key, _ in HISTORY]
            + [
                html.Td(
                    [
                        html.A("errors", href=f"/imports/{row['id']}/errors.csv"),
                        " · ",
                        html.A("unmapped", href=f"/imports/{row['id']}/unmapped.csv"),
                    ]
                )
            ]
        )
        for row in rows
    ]
    return dbc.Table([html.Thead(head), html.Tbody(body)], striped=True, size="sm", responsive=True)
