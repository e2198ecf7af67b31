"""The Students table's header sorts, as the grid sends them, reduced to plain pairs."""

from __future__ import annotations

from callbacks.students import grid_orders


def test_grid_orders_keep_sortable_columns_in_priority_order() -> None:
    model = [
        {"colId": "days_absent", "sort": "desc"},
        {"colId": "name", "sort": "asc"},  # the name column does not sort
        "days_absent",
        {"colId": "student_id", "sort": "asc"},
        {"colId": "grade_level"},  # no direction: ascending, as the grid means it
        {"colId": "attendance_rate; DROP TABLE students", "sort": "desc"},
    ]
    assert grid_orders(model) == (
        ("days_absent", True),
        ("student_id", False),
        ("grade_level", False),
    )


def test_grid_orders_of_anything_else_are_empty() -> None:
    assert grid_orders(None) == ()
    assert grid_orders({"colId": "days_absent"}) == ()
    assert grid_orders([]) == ()
