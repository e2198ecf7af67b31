"""Period statuses of canonical attendance rows and the day figures they amount to."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from attendly.metrics.codes import canonical_status
from attendly.metrics.day import day_figures
from db.models import PERIOD_NUMBERS
from ingest.checks import RowProblems
from ingest.headers import Columns, ColumnSpec
from ingest.result import Category
from ingest.values import parse_numbers

# Files may name a period 10; the store holds periods 0-9, so a status there is a row error.
FILE_PERIODS = (*PERIOD_NUMBERS, 10)
PERIOD_COLUMNS = tuple(f"period_{n}" for n in PERIOD_NUMBERS)
FIGURE_COLUMNS = ("scheduled", "present", "unexcused_periods", "unverified_periods")
PERCENTAGE = "daily_attendance_percentage"
_INVALID = "?"


def period_spec(n: int) -> ColumnSpec:
    """The status column of period `n`: `period_1_status`, `Period 1`, `P1`, `period1`."""
    return ColumnSpec(f"period_{n}_status", (f"Period {n}", f"P{n}", f"period{n}", f"period_{n}"))


def statuses(columns: Columns, problems: RowProblems) -> tuple[pd.DataFrame, pd.Series]:
    """Canonical letters per stored period (None = not scheduled) and the rows with a bad code."""
    index = columns.frame.index
    letters = pd.DataFrame(
        {name: pd.Series(None, index=index, dtype=object) for name in PERIOD_COLUMNS}
    )
    unreadable = pd.Series(False, index=index)
    for n in FILE_PERIODS:
        name = f"period_{n}_status"
        if not columns.has(name):
            continue
        raw, header = columns.frame[name], columns.header(name)
        mapped = raw.map({value: _canonical(value) for value in raw.unique()})
        bad = mapped == _INVALID
        problems.flag(
            bad,
            rule="unknown_status_code",
            category=Category.TYPE,
            column=header,
            values=raw,
            message=lambda _row, value: (
                f"unknown status code {value!r} (expected P, T, L, E, U, V, S, I or blank)"
            ),
        )
        unreadable |= bad
        if n not in PERIOD_NUMBERS:
            _flag_unstored_period(columns, problems, name, mapped.notna() & ~bad)
            continue
        letters[f"period_{n}"] = mapped.where(mapped.notna() & ~bad, None).astype(object)
    return letters, unreadable


def _canonical(value: str) -> str | None:
    try:
        return canonical_status(value)
    except ValueError:
        return _INVALID


def _flag_unstored_period(
    columns: Columns, problems: RowProblems, name: str, recorded: pd.Series
) -> None:
    problems.flag(
        recorded,
        rule="period_not_stored",
        category=Category.BUSINESS_RULE,
        column=columns.header(name),
        values=columns.frame[name],
        message="only periods 0 to 9 can be stored",
    )


def figures(statuses: pd.DataFrame, unreadable: pd.Series, problems: RowProblems) -> pd.DataFrame:
    """scheduled, present, unexcused/unverified periods and the daily percentage per row.

    Computed once per distinct day pattern (a school has few), by the metric definitions.
    """
    pattern = statuses[PERIOD_COLUMNS[0]].fillna("-")
    for name in PERIOD_COLUMNS[1:]:
        pattern = pattern + statuses[name].fillna("-")
    codes, uniques = pd.factorize(pattern)
    table = [_day(str(day)) for day in uniques]
    counts = np.array([day[0] for day in table], dtype=np.int64).reshape(-1, len(FIGURE_COLUMNS))
    percentages = np.array([day[1] for day in table], dtype=object)
    figures = pd.DataFrame(counts[codes], columns=list(FIGURE_COLUMNS), index=statuses.index)
    figures[PERCENTAGE] = percentages[codes]
    problems.flag(
        (figures["scheduled"] == 0) & ~unreadable,
        rule="no_period_scheduled",
        category=Category.BUSINESS_RULE,
        message="no period is scheduled on this row (every period status is blank)",
    )
    return figures


def _day(pattern: str) -> tuple[tuple[int, int, int, int], Decimal | None]:
    try:
        day = day_figures([letter for letter in pattern if letter != "-"])
    except ValueError:
        return (0, 0, 0, 0), None
    counts = (day.scheduled, day.present, day.unexcused_periods, day.unverified_periods)
    return counts, Decimal(day.percentage_hundredths).scaleb(-2)


def check_percentage(
    columns: Columns, problems: RowProblems, figures: pd.DataFrame, valid: pd.Series
) -> None:
    """A given daily_attendance_percentage must be 0-100 and agree with the periods (to 0.01)."""
    if not columns.has(PERCENTAGE):
        return
    raw, header = columns.frame[PERCENTAGE], columns.header(PERCENTAGE)
    given, bad = parse_numbers(raw)
    problems.flag(
        bad,
        rule="invalid_number",
        category=Category.TYPE,
        column=header,
        values=raw,
        message=lambda _row, value: f"{value!r} is not a number",
    )
    outside = (given < 0) | (given > 100)
    problems.flag(
        outside,
        rule="percentage_out_of_range",
        category=Category.BUSINESS_RULE,
        column=header,
        values=raw,
        message=f"{PERCENTAGE} must be between 0 and 100",
    )
    # Compared in hundredths: within 0.01 of 100 x present / scheduled rounded to 2 decimals.
    computed = figures[PERCENTAGE].map(lambda value: np.nan if value is None else float(value))
    differs = valid & given.notna() & ~outside & ((given - computed).abs() * 100 > 1 + 1e-6)
    problems.flag(
        differs,
        rule="percentage_mismatch",
        category=Category.BUSINESS_RULE,
        column=header,
        values=raw,
        message=lambda row, value: _mismatch(value, figures, row),
    )


def _mismatch(value: str, figures: pd.DataFrame, row: int) -> str:
    present, scheduled, percentage = (
        str(figures.at[row, name]) for name in ("present", "scheduled", PERCENTAGE)
    )
    return (
        f"{PERCENTAGE} {value} does not match the periods: "
        f"{present} of {scheduled} present = {percentage}"
    )
