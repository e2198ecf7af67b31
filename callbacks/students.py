"""Students callbacks: filters -> a page of cards, the table's row blocks, export links."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash
from dash import ALL, Input, Output, State, ctx
from dash.exceptions import MissingCallbackContextException, PreventUpdate

from attendly import ids
from attendly.components import student_card
from attendly.components.grid import SORT_COLUMNS, grid_rows, students_grid
from attendly.errors import Forbidden
from attendly.extensions import db
from callbacks.common import normalise_grade, normalise_school, policy, reads
from callbacks.filters import current_scope
from callbacks.live import unaffected
from db import student_actions, student_list_query, students_list
from db.students_list import StudentFilter

PAGE_SIZE = student_list_query.CARDS_PER_PAGE
PAGER_CLASS = "justify-content-center"
FILTER_INPUTS = (
    Input(ids.Filters.GRADE, "value"),
    Input(ids.Filters.YEAR, "value"),
    Input(ids.Students.TIER, "value"),
    Input(ids.Students.TRUANT, "value"),
    Input(ids.Students.SEARCH, "value"),
    Input(ids.Students.SORT, "value"),
    Input(ids.Students.NEAR_CHRONIC, "value"),
)
MAX_NEAR_CHRONIC = 999


def chosen(tiers: Any, truant: Any, search: Any, sort: Any, near: Any = None) -> StudentFilter:
    """The page's own filters from the browser, reduced to plain, bounded values."""
    listed = tiers if isinstance(tiers, list) else []
    kept = tuple(t[:20] for t in listed if isinstance(t, str))
    text = search[:80] if isinstance(search, str) else ""
    order = sort if isinstance(sort, str) and sort in students_list.SORTS else "attendance"
    return StudentFilter(kept, truant == ["truant"], text, order, near_chronic(near))


def near_chronic(value: Any) -> int | None:
    """The 'at most N more absences' filter: a whole number 0..999, else no filter."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 3:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 <= value <= MAX_NEAR_CHRONIC else None


def _number(value: Any, default: int) -> int:
    """A row number from the grid's request (anything else gives the default)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _trigger() -> Any:
    """The input that fired the callback (None when called directly, e.g. by a benchmark)."""
    try:
        return ctx.triggered_id
    except MissingCallbackContextException:
        return None


@dash.callback(
    Output(ids.Students.CARDS, "children"),
    Output(ids.Students.PAGER, "max_value"),
    Output(ids.Students.PAGER, "active_page"),
    Output(ids.Students.PAGER, "className"),
    Output(ids.Students.COUNT, "children"),
    Output(ids.Students.ALERT, "children"),
    Output(ids.Students.ALERT, "is_open"),
    *FILTER_INPUTS,
    Input(ids.Students.PAGER, "active_page"),
    Input(ids.Live.EVENT, "data"),
    Input(ids.Filters.SCHOOL, "value"),
)
def cards(
    grade: Any,
    year: Any,
    tiers: Any,
    truant: Any,
    search: Any,
    sort: Any,
    near: Any,
    page: Any,
    event: Any = None,
    school: Any = None,
) -> tuple[Any, ...]:
    """One page of student cards; any filter change goes back to page 1, a live change event
    touching the shown school and grades redraws the same page."""
    if unaffected(event, grade, school=school):
        raise PreventUpdate
    kept = (ids.Students.PAGER, ids.Live.EVENT, None)
    page = page if _trigger() in kept and isinstance(page, int) else 1
    try:
        scope = current_scope(grade, year, school)
    except Forbidden as exc:
        return [], 1, 1, PAGER_CLASS, "", str(exc), True
    session = reads()
    shown = student_list_query.student_page(
        session, policy(), scope, chosen(tiers, truant, search, sort, near), page, PAGE_SIZE
    )
    on_page = list(shown.rows["student_id"])
    weeks = students_list.sparklines(session, scope, on_page)
    # Interventions change without a new data version: count them on the primary.
    counts = student_actions.open_counts(db.session(), scope.grades, on_page)
    cards = [
        student_card(row, weeks.get(row["student_id"], []), counts.get(row["student_id"], 0))
        for row in shown.rows.to_dict("records")
    ]
    count = f"{shown.total:,} students" + (
        f" · page {shown.page} of {shown.pages}" if shown.pages > 1 else ""
    )
    pager = PAGER_CLASS + ("" if shown.pages > 1 else " d-none")
    return cards, shown.pages, shown.page, pager, count, "", False


@dash.callback(
    Output(ids.Students.CARD_PANE, "className"),
    Output(ids.Students.GRID_PANE, "children"),
    Input(ids.Students.VIEW, "value"),
    *FILTER_INPUTS,
    Input(ids.Filters.SCHOOL, "value"),
)
def view(choice: Any, *filters: Any) -> tuple[str, Any]:
    """Cards or the table; the table is rebuilt (back to row 0) when a filter changes."""
    if choice != "table":
        return "", []
    return "d-none", students_grid(ids.Students.GRID, key=repr(filters))


@dash.callback(
    Output(ids.Students.GRID, "getRowsResponse"),
    Input(ids.Students.GRID, "getRowsRequest"),
    *[State(i.component_id, i.component_property) for i in FILTER_INPUTS],
    State(ids.Filters.SCHOOL, "value"),
)
def table_rows(
    request: Any,
    grade: Any,
    year: Any,
    tiers: Any,
    truant: Any,
    search: Any,
    sort: Any,
    near: Any,
    school: Any = None,
) -> Any:
    """The block of table rows the grid asks for, in the page's order or its header's."""
    if not isinstance(request, dict):
        raise PreventUpdate
    start = max(0, _number(request.get("startRow"), 0))
    end = min(start + 500, max(start, _number(request.get("endRow"), start + 100)))
    rows, total = student_list_query.student_block(
        reads(),
        policy(),
        current_scope(grade, year, school),
        chosen(tiers, truant, search, sort, near),
        grid_orders(request.get("sortModel")),
        start,
        end,
    )
    return {"rowData": grid_rows(rows), "rowCount": total}


def grid_orders(model: Any) -> student_list_query.GridOrder:
    """The grid's header sorts as (data column, descending) pairs, first deciding most;
    unknown columns and malformed entries are left out."""
    entries = model if isinstance(model, list) else []
    return tuple(
        (SORT_COLUMNS[str(entry.get("colId"))], entry.get("sort") == "desc")
        for entry in entries
        if isinstance(entry, dict) and str(entry.get("colId")) in SORT_COLUMNS
    )


@dash.callback(
    Output({"type": ids.Students.DATA, "format": ALL}, "href"),
    *FILTER_INPUTS,
    Input({"type": ids.Students.DATA, "format": ALL}, "id"),
    Input(ids.Filters.SCHOOL, "value"),
)
def export_links(
    grade: Any,
    year: Any,
    tiers: Any,
    truant: Any,
    search: Any,
    sort: Any,
    near: Any,
    links: Any,
    school: Any = None,
) -> Any:
    """The export links carry every filter, so the file holds exactly the listed students."""
    wanted = chosen(tiers, truant, search, sort, near)
    query = {
        "grade": normalise_grade(grade),
        "school": normalise_school(school),
        "year": year,
        "tier": ",".join(wanted.tiers),
        "truant": "1" if wanted.truant_only else "",
        "q": wanted.search,
        "sort": wanted.sort,
        "near": wanted.near_chronic,
    }
    text = urlencode({k: v for k, v in query.items() if v not in (None, "")})
    formats = [link.get("format") if isinstance(link, dict) else None for link in links or []]
    return [
        f"/download/students.{fmt if fmt in ('csv', 'xlsx') else 'csv'}?{text}" for fmt in formats
    ]
