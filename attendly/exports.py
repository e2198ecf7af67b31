"""Safe tabular exports: cells that a spreadsheet would run as a formula are neutralised."""

from __future__ import annotations

from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Prefix text starting with a formula trigger with `'` so Excel shows it as text.

    Numbers pass through unchanged (a negative number is data, not a formula).
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
