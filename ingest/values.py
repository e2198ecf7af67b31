"""Cell coercion, vectorised: parse with coercion first, then report the cells that failed."""

from __future__ import annotations

import re
from typing import Any, cast

import pandas as pd

# (pattern a cell must match in full, strptime format). strptime accepts unpadded M and D.
DATE_FORMATS = (
    (r"\d{4}-\d{1,2}-\d{1,2}", "%Y-%m-%d"),
    (r"\d{1,2}/\d{1,2}/\d{4}", "%m/%d/%Y"),
    (r"\d{1,2}-\d{1,2}-\d{4}", "%m-%d-%Y"),
    (r"\d{8}", "%Y%m%d"),
)
# Spreadsheets often append a midnight time to a date ("9/2/2025 12:00:00 AM"): dropped.
_TIME_SUFFIX = re.compile(r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:\s*[AaPp][Mm])?)$")
# Excel's way of forcing text, which some exports use to keep leading zeros: ="007".
_EXCEL_TEXT = re.compile(r'^="(.*)"$')
KINDERGARTEN = frozenset({"K", "KG"})


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates in any accepted format -> (datetime64 series with NaT, mask of unparseable cells).

    Blank cells are NaT and not flagged: whether a blank is allowed is the caller's rule.
    """
    text = values.str.replace(_TIME_SUFFIX, "", regex=True)
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    for pattern, fmt in DATE_FORMATS:
        match = text.str.fullmatch(pattern)
        if match.any():
            parsed[match] = pd.to_datetime(text[match], format=fmt, errors="coerce")
    return parsed, parsed.isna() & (values != "")


def parse_grades(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Grade levels (`K`/`KG` = 0, `07` = 7) -> (nullable Int64 series, mask of bad cells)."""
    text = values.str.upper().where(~values.str.upper().isin(KINDERGARTEN), "0")
    numbers = pd.to_numeric(text, errors="coerce")
    whole = numbers.notna() & (numbers == numbers.round())
    bad = (values != "") & ~whole
    return numbers.where(whole).astype("Int64"), bad


def parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Decimal numbers (a trailing `%` allowed) -> (float series with NaN, mask of bad cells)."""
    numbers = pd.to_numeric(values.str.rstrip("%").str.strip(), errors="coerce")
    return numbers, (values != "") & numbers.isna()


def clean_ids(values: pd.Series) -> pd.Series:
    """Identifiers as text: stripped, Excel's `="007"` unwrapped, leading zeros kept."""
    return values.str.replace(_EXCEL_TEXT, r"\1", regex=True).str.strip()


def blank_to_none(values: pd.Series) -> pd.Series:
    """Text cells with blanks as None (NULL in the database)."""
    return values.astype(object).where(values != "", None)


def dates_to_python(values: pd.Series) -> pd.Series:
    """datetime64 -> datetime.date objects, NaT -> None (what the database returns)."""
    return values.dt.date.astype(object).where(values.notna(), None)


def to_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values (what the database driver binds)."""
    return cast(list[dict[str, Any]], frame.to_dict("records"))
