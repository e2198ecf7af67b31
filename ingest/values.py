"""Cell coercion, vectorised: parse with coercion first, then report the cells that failed.

Every parser works on a column's *distinct* values and spreads the result back by code: an
attendance file of a million rows holds a few thousand ids, a few hundred dates and a
handful of status letters, so parsing costs what the distinct values cost.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
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


def codes_of(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """(code per row, distinct values as an object Series): `distinct[codes]` is `values`."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=False)
    return codes, pd.Series(uniques, dtype=object)


def spread(distinct: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """Per-row values from per-distinct-value results (dtype kept)."""
    return pd.Series(distinct.to_numpy()[codes], index=index, dtype=distinct.dtype)


def by_distinct(
    values: pd.Series, parse: Callable[[pd.Series], tuple[pd.Series, pd.Series]]
) -> tuple[pd.Series, pd.Series]:
    """Run a (values -> (parsed, bad mask)) parser once per distinct value."""
    codes, distinct = codes_of(values)
    parsed, bad = parse(distinct)
    return spread(parsed, codes, values.index), spread(bad, codes, values.index)


def stripped(values: pd.Series) -> pd.Series:
    """Text cells without surrounding spaces (object dtype)."""
    codes, distinct = codes_of(values)
    clean = distinct.map(lambda value: str(value).strip()).astype(object)
    return spread(clean, codes, values.index)


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates in any accepted format -> (datetime64 series with NaT, mask of unparseable cells).

    Blank cells are NaT and not flagged: whether a blank is allowed is the caller's rule.
    """
    return by_distinct(values, _parse_dates)


def _parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    values = values.astype(str)
    text = values.str.replace(_TIME_SUFFIX, "", regex=True)
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    for pattern, fmt in DATE_FORMATS:
        match = text.str.fullmatch(pattern)
        if match.any():
            parsed[match] = pd.to_datetime(text[match], format=fmt, errors="coerce")
    return parsed, parsed.isna() & (values != "")


def parse_grades(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Grade levels (`K`/`KG` = 0, `07` = 7) -> (nullable Int64 series, mask of bad cells)."""
    return by_distinct(values, _parse_grades)


def _parse_grades(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    upper = values.astype(str).str.upper()
    text = upper.where(~upper.isin(KINDERGARTEN), "0")
    numbers = pd.to_numeric(text, errors="coerce")
    whole = numbers.notna() & (numbers == numbers.round())
    bad = (values != "") & ~whole
    return numbers.where(whole).astype("Int64"), bad


def parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Decimal numbers (a trailing `%` allowed) -> (float series with NaN, mask of bad cells)."""
    return by_distinct(values, _parse_numbers)


def _parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    numbers = pd.to_numeric(values.astype(str).str.rstrip("%").str.strip(), errors="coerce")
    return numbers.astype("float64"), (values != "") & numbers.isna()


def clean_ids(values: pd.Series) -> pd.Series:
    """Identifiers as text: stripped, Excel's `="007"` unwrapped, leading zeros kept."""
    codes, distinct = codes_of(values)
    text = distinct.astype(str).str.replace(_EXCEL_TEXT, r"\1", regex=True).str.strip()
    return spread(text.astype(object), codes, values.index)


def blank_to_none(values: pd.Series) -> pd.Series:
    """Text cells with blanks as None (NULL in the database)."""
    return values.astype(object).where(values != "", None)


def dates_to_python(values: pd.Series) -> pd.Series:
    """datetime64 -> datetime.date objects, NaT -> None (what the database returns)."""
    return values.dt.date.astype(object).where(values.notna(), None)


def clipped(value: object, limit: int = 200) -> str:
    """A cell as shown in a report: long values are cut, with their length noted."""
    text = str(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"
