"""Period statuses of attendance rows and the day figures they amount to, as whole-row patterns.

A row's periods are encoded as one integer (a base-9 digit per stored period: 0 = no period,
1..8 = the category letters), so the figures of metrics.md §2 are computed once per distinct
day pattern (a school has a few dozen), never per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from attendly.metrics.codes import ALL_CATEGORIES, PRESENT_CATEGORIES, UNEXCUSED_CATEGORIES
from attendly.metrics.rounding import percent_hundredths_series
from db.models import PERIOD_NUMBERS
from ingest.checks import RowProblems
from ingest.headers import Columns, ColumnSpec
from ingest.result import Category
from ingest.values import codes_of, parse_numbers, spread

# Files may name a period 10; the store holds periods 0-9, so a status there is a row error.
FILE_PERIODS = (*PERIOD_NUMBERS, 10)
PERIOD_COLUMNS = tuple(f"period_{n}" for n in PERIOD_NUMBERS)
FIGURE_COLUMNS = ("scheduled", "present", "unexcused_periods", "unverified_periods")
PERCENTAGE = "daily_attendance_percentage"
LETTERS = "PTLEUVSI"  # digit d (1..8) is LETTERS[d - 1]; 0 is "no period"
LETTER_DIGITS = {letter: digit for digit, letter in enumerate(LETTERS, start=1)}
INVALID = -1
_POWERS = 9 ** np.arange(len(PERIOD_NUMBERS), dtype=np.int64)
_LETTER_OF = np.array([None, *LETTERS], dtype=object)
STAGED_COLUMNS = (*PERIOD_COLUMNS, *FIGURE_COLUMNS, PERCENTAGE)


def period_spec(n: int) -> ColumnSpec:
    """The status column of period `n`: `period_1_status`, `Period 1`, `P1`, `period1`."""
    return ColumnSpec(f"period_{n}_status", (f"Period {n}", f"P{n}", f"period{n}", f"period_{n}"))


def letter_digit(value: object) -> int:
    """A canonical status cell as its digit: blank -> 0, unknown -> INVALID."""
    text = str(value).strip().upper()
    if not text:
        return 0
    return LETTER_DIGITS.get(text, INVALID) if text in ALL_CATEGORIES else INVALID


@dataclass(frozen=True)
class Patterns:
    """Each row's day pattern (`codes` into the distinct patterns) and the patterns' figures.

    `values[i]` is, for distinct pattern i, the stored columns of STAGED_COLUMNS: ten period
    letters (None = no period), scheduled, present, unexcused, unverified, percentage.
    """

    codes: np.ndarray
    values: list[tuple[object, ...]]
    scheduled: np.ndarray  # per distinct pattern
    percentage: np.ndarray  # per distinct pattern, float (NaN when nothing is scheduled)

    def per_row(self, figure: np.ndarray) -> np.ndarray:
        return figure[self.codes]


def patterns_of(digits: np.ndarray) -> Patterns:
    """Figures of rows given their period digits (rows x PERIOD_NUMBERS, 0..8), computed once
    per distinct pattern with the metric definitions' categories and rounding."""
    encoded = (digits.astype(np.int64) * _POWERS).sum(axis=1)
    distinct, codes = np.unique(encoded, return_inverse=True)
    table = (distinct[:, None] // _POWERS) % 9
    scheduled = (table > 0).sum(axis=1)
    present = np.isin(table, _digits(PRESENT_CATEGORIES)).sum(axis=1)
    unexcused = np.isin(table, _digits(UNEXCUSED_CATEGORIES)).sum(axis=1)
    unverified = (table == LETTER_DIGITS["V"]).sum(axis=1)
    hundredths = percent_hundredths_series(pd.Series(present), pd.Series(np.maximum(scheduled, 1)))
    letters = _LETTER_OF[table]
    values = [
        (*row, s, p, u, v, Decimal(int(h)).scaleb(-2) if s else None)
        for row, s, p, u, v, h in zip(
            letters.tolist(),
            scheduled.tolist(),
            present.tolist(),
            unexcused.tolist(),
            unverified.tolist(),
            hundredths.tolist(),
            strict=True,
        )
    ]
    percentage = np.where(scheduled > 0, hundredths.to_numpy() / 100, np.nan)
    return Patterns(codes.reshape(-1), values, scheduled, percentage)


def _digits(categories: frozenset[str]) -> list[int]:
    return [LETTER_DIGITS[letter] for letter in categories]


def statuses(columns: Columns, problems: RowProblems) -> tuple[np.ndarray, np.ndarray]:
    """Canonical status columns as digits (rows x stored periods) and the rows with a bad code."""
    index = columns.frame.index
    digits = np.zeros((len(index), len(PERIOD_NUMBERS)), dtype=np.int8)
    unreadable = np.zeros(len(index), dtype=bool)
    for n in FILE_PERIODS:
        name = f"period_{n}_status"
        if not columns.has(name):
            continue
        raw, header = columns.frame[name], columns.header(name)
        codes, distinct = codes_of(raw)
        row_digits = distinct.map(letter_digit).to_numpy(dtype=np.int8)[codes]
        bad = row_digits == INVALID
        problems.flag(
            pd.Series(bad, index=index),
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
            _flag_unstored_period(columns, problems, name, pd.Series(row_digits > 0, index=index))
            continue
        digits[:, n] = np.where(bad, 0, row_digits)
    return digits, unreadable


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


def flag_unscheduled(
    patterns: Patterns, unreadable: np.ndarray, index: pd.Index, problems: RowProblems
) -> None:
    """A row with every period blank is invalid (metrics.md §2: scheduled > 0)."""
    problems.flag(
        pd.Series((patterns.per_row(patterns.scheduled) == 0) & ~unreadable, index=index),
        rule="no_period_scheduled",
        category=Category.BUSINESS_RULE,
        message="no period is scheduled on this row (every period status is blank)",
    )


def check_percentage(
    columns: Columns, problems: RowProblems, patterns: Patterns, unreadable: np.ndarray
) -> None:
    """A given daily_attendance_percentage must be 0-100 and agree with the periods (to 0.01);
    rows whose periods are unreadable are not compared (their own error says enough)."""
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
    computed = pd.Series(patterns.per_row(patterns.percentage), index=raw.index)
    differs = given.notna() & computed.notna() & ~outside & ~unreadable
    differs &= (given - computed).abs() * 100 > 1 + 1e-6
    problems.flag(
        differs,
        rule="percentage_mismatch",
        category=Category.BUSINESS_RULE,
        column=header,
        values=raw,
        message=lambda row, value: _mismatch(value, patterns, _position(raw.index, row)),
    )


def _position(index: pd.Index, row: int) -> np.integer:
    return index.get_indexer(pd.Index([row]))[0]


def _mismatch(value: str, patterns: Patterns, position: np.integer) -> str:
    stored = patterns.values[int(patterns.codes[position])]
    scheduled, present, percentage = stored[10], stored[11], stored[14]
    return (
        f"{PERCENTAGE} {value} does not match the periods: "
        f"{present} of {scheduled} present = {percentage}"
    )


def exception_digits(
    columns: Columns, problems: RowProblems, code_table: dict[str, str], scheduled: np.ndarray
) -> np.ndarray:
    """Period digits of by-exception rows (Aeries ATT, formats.md §3).

    Periods 1..`scheduled` (per row) are present unless coded; a coded period outside them
    counts too; the all-day code gives every scheduled period its category. Letters map
    through `code_table`; an unknown one is a row error.
    """
    digits = np.zeros((len(scheduled), len(PERIOD_COLUMNS)), dtype=np.int8)
    for n in range(1, len(PERIOD_COLUMNS)):
        digits[:, n] = np.where(n <= scheduled, LETTER_DIGITS["P"], 0)
    for n in PERIOD_NUMBERS:
        coded = _coded(columns, problems, code_table, f"a{n}")
        if coded is not None:
            digits[:, n] = np.where(coded > 0, coded, digits[:, n])
    all_day = _coded(columns, problems, code_table, "all_day")
    if all_day is not None:
        day = (all_day > 0)[:, None] & (digits > 0)
        digits = np.where(day, all_day[:, None], digits).astype(np.int8)
    return digits


def _coded(
    columns: Columns, problems: RowProblems, code_table: dict[str, str], name: str
) -> np.ndarray | None:
    """A code column as category digits (0 = blank, -1 = not in the table)."""
    if not columns.has(name):
        return None
    raw = columns.frame[name]
    codes, distinct = codes_of(raw)
    letters = distinct.map(lambda value: str(value).strip().upper())
    digits = letters.map(
        lambda code: LETTER_DIGITS[code_table[code]] if code in code_table else -int(code != "")
    )
    row_digits = spread(digits.astype(np.int64), codes, raw.index)
    problems.flag(
        row_digits < 0,
        rule="unknown_attendance_code",
        category=Category.TYPE,
        column=columns.header(name),
        values=raw,
        message=lambda _row, value: (
            f"attendance code {value!r} is not in the district's code table "
            "(import it with `attendly import codes`)"
        ),
    )
    return row_digits.clip(lower=0).to_numpy(dtype=np.int8)
