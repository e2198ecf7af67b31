"""The Students table: AG Grid with the infinite row model, so only the rows on screen
travel (blocks of 100 fetched by a callback), however many students there are."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import pandas as pd
from dash import html

from attendly.charts.theme import tier_label
from attendly.components.cards import placement_text

BLOCK = 100
COLUMNS = (
    ("name", "Student", 200, False),
    ("student_id", "ID", 110, True),
    ("grade_level", "Grade", 90, True),
    ("attendance_rate", "Attendance %", 130, True),
    ("days_absent", "Days absent", 120, True),
    ("period_attendance_rate", "Period attendance %", 160, True),
    ("truancy_occasions", "Truancy occasions", 150, True),
    ("tier_label", "Risk tier", 160, False),
    ("ela", "ELA placement", 170, False),
    ("math", "Math placement", 170, False),
)
# Grid columns that sort by a data column of db.students_list (the others do not sort).
SORT_COLUMNS = {column: column for column, _, _, sortable in COLUMNS if sortable}


def students_grid(grid_id: str, key: str) -> html.Div:
    """A fresh grid; a new `key` (the filters) remounts it, so it fetches from row 0 again."""
    grid = dag.AgGrid(
        id=grid_id,
        rowModelType="infinite",
        columnDefs=[
            {
                "field": field,
                "headerName": header,
                "width": width,
                "sortable": sortable,
                **({"cellRenderer": "markdown"} if field == "name" else {}),
            }
            for field, header, width, sortable in COLUMNS
        ],
        defaultColDef={"resizable": True, "filter": False},
        dashGridOptions={
            "cacheBlockSize": BLOCK,
            "maxBlocksInCache": 20,
            "rowBuffer": 10,
            "ensureDomOrder": True,
        },
        style={"height": "600px"},
    )
    return html.Div(grid, key=key)


def grid_rows(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """Grid row dicts (plain values, a markdown link to the student's page)."""
    out = []
    for row in rows.to_dict("records"):
        name = f"{row['last_name']}, {row['first_name']}".replace("[", "(").replace("]", ")")
        out.append(
            {
                "name": f"[{name}](/students/{row['student_id']})",
                "student_id": row["student_id"],
                "grade_level": int(row["grade_level"]),
                "attendance_rate": float(row["attendance_rate"]),
                "days_absent": int(row["days_absent"]),
                "period_attendance_rate": float(row["period_attendance_rate"]),
                "truancy_occasions": int(row["truancy_occasions"]),
                "tier_label": tier_label(str(row["tier"])),
                "ela": placement_text(row["ela_placement_level"]),
                "math": placement_text(row["math_placement_level"]),
            }
        )
    return out
