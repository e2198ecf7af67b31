"""i-Ready cell values normalised: placements, relative placements, grades, flags, measures.

Every parser works on the distinct values of a column and maps the result back, so a
50,000-row file costs one Python call per distinct wording, not per cell. Each returns the
normalised series and a mask of cells it could not read (blank cells are never flagged).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pandas as pd

from attendly.metrics.iready import RELATIVE_PLACEMENT_LEVELS

SCORE_MIN, SCORE_MAX = 100, 800
MISSING_WORDS = frozenset({"", "not assessed", "n/a", "na", "not applicable", "not provided"})
# Placements saying the domain was not measured on this diagnostic: a blank (or sentinel)
# scale score beside them is expected, not an error.
NOT_MEASURED = {"tested out": "Tested Out", "surpassed level": "Tested Out", "not assessed": None}
_NUMBER_WORDS = {"three": "3", "two": "2", "one": "1"}
# Wordings beyond the metric module's table, after number words became digits.
_EXTRA_LEVELS = {
    "3 or more grades below": 1,
    "2 or more grade levels below": 1,
    "2 or more grades below": 1,
    "2 grades below": 2,
    "1 grade below": 3,
    "on or above grade level": 5,
    "at or above grade level": 5,
    "on grade level": 5,
}
_STAGE = r"(emerging|early|mid|late)"
_GRADE = r"(k|kg|\d{1,2})"
_BAND = re.compile(rf"^{_STAGE}(?:\s*/\s*{_STAGE})?\s*{_GRADE}$")
_LEVEL = re.compile(rf"^(?:level|grade)\s*{_GRADE}$")
_TEST_GRADE = re.compile(r"^(?:grade\s*)?0*(\d{1,2})(?:st|nd|rd|th)?$")
_YEAR = re.compile(r"^(\d{4})\s*[-–/]\s*(\d{2}|\d{4})$")
YES = frozenset({"y", "yes", "true", "t", "1"})
NO = frozenset({"n", "no", "false", "f", "0", ""})


def by_distinct(values: pd.Series, parse: Callable[[str], Any]) -> pd.Series:
    """`parse` applied once per distinct value, mapped back onto every cell."""
    table = {value: parse(value) for value in values.unique()}
    return values.map(table)


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip())


def _relative_key(text: str) -> str:
    key = _collapse(text).lower().rstrip(".")
    return " ".join(_NUMBER_WORDS.get(word, word) for word in key.split(" "))


def relative_level(text: str) -> int | None | bool:
    """Level 1-5 of a relative-placement wording; None when missing; False when unknown."""
    key = _relative_key(text)
    if key in MISSING_WORDS:
        return None
    return RELATIVE_PLACEMENT_LEVELS.get(key) or _EXTRA_LEVELS.get(key) or False


def relative_levels(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Relative placements -> (levels 1-5 as Int64, mask of unknown wordings)."""
    parsed = by_distinct(values, relative_level)
    unknown = parsed.map(lambda level: level is False).astype(bool)
    levels = parsed.where(~unknown & parsed.notna(), None)
    return levels.astype("Int64"), unknown


def _grade_word(text: str) -> str:
    return "K" if text in ("k", "kg") else str(int(text))


def placement(text: str) -> tuple[str | None, bool, bool]:
    """(normalised placement, measured?, understood?) of one placement cell.

    `Grade 7` reads as `Level 7`, `Surpassed Level` as `Tested Out`, `Not Assessed` as None;
    bands keep their shape (`Mid / Late 7`). Unknown wordings are kept as written.
    """
    key = _collapse(text).lower()
    if key in NOT_MEASURED:
        return NOT_MEASURED[key], False, True
    if key in MISSING_WORDS:
        return None, True, True
    if key in ("max score", "maximum score"):
        return "Max Score", True, True
    band = _BAND.match(key)
    if band:
        first, second, grade = band.groups()
        stages = first.title() + (f" / {second.title()}" if second else "")
        return f"{stages} {_grade_word(grade)}", True, True
    level = _LEVEL.match(key)
    if level:
        return f"Level {_grade_word(level.group(1))}", True, True
    return _collapse(text)[:40], True, False


def placements(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Placements -> (normalised text or None, mask of not-measured cells, mask of unknown)."""
    parsed = by_distinct(values, placement)
    text = parsed.map(lambda result: result[0])
    not_measured = parsed.map(lambda result: not result[1]).astype(bool)
    unknown = parsed.map(lambda result: not result[2]).astype(bool)
    return text.astype(object).where(text.notna(), None), not_measured, unknown


def grade_at_test(text: str) -> str | None | bool:
    """A test-time grade: `K`/`KG`/`0` -> "K", `07` -> "7"; None if blank; False if unreadable."""
    key = _collapse(text).lower()
    if key == "":
        return None
    if key in ("k", "kg", "kindergarten", "0", "00"):
        return "K"
    if key in ("tk", "pk", "pre-k", "prek"):
        return key.replace("-", "").upper()[:2]
    match = _TEST_GRADE.match(key)
    if match and 1 <= int(match.group(1)) <= 13:
        return str(int(match.group(1)))
    return False


def grades_at_test(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Test-time grades -> (text or None, mask of unreadable cells)."""
    parsed = by_distinct(values, grade_at_test)
    bad = parsed.map(lambda grade: grade is False).astype(bool)
    return parsed.where(~bad & parsed.notna(), None).astype(object), bad


def flags(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Y/N cells -> (bool, mask of unreadable cells, read as N). Blank is N."""
    key = values.str.strip().str.lower()
    yes, no = key.isin(YES), key.isin(NO)
    return yes, ~(yes | no)


def measures(values: pd.Series, unit: str) -> tuple[pd.Series, pd.Series]:
    """Lexile (`1035L`, `BR50L`) or Quantile (`920Q`, `EM85Q`) -> (text or None, bad mask)."""
    prefix = "BR" if unit == "L" else "EM"
    text = values.str.upper().str.replace(r"\s+", "", regex=True)
    good = text.str.fullmatch(rf"(?:{prefix})?\d{{1,4}}{unit}") | (text == f"{prefix}")
    bad = (text != "") & ~good
    return text.where(good, None).astype(object), bad


def integers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Whole numbers (`12`, `12.0`, `-5`, `1,234`) -> (Int64, mask of unreadable cells)."""
    numbers = pd.to_numeric(values.str.replace(",", "", regex=False), errors="coerce")
    whole = numbers.notna() & (numbers == numbers.round())
    return numbers.where(whole).astype("Int64"), (values != "") & ~whole


def scale_scores(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Scale scores -> (Int64 of valid scores, mask of non-integers, mask of out-of-range)."""
    numbers, not_integer = integers(values)
    outside = numbers.notna() & ((numbers < SCORE_MIN) | (numbers > SCORE_MAX))
    return numbers.where(~outside.astype(bool)), not_integer, outside.fillna(False).astype(bool)


def academic_year(text: str) -> str | None | bool:
    """`2024-2025`, `2024-25`, `2024 - 2025` -> "2024-2025"; None if blank; False if unreadable."""
    key = text.strip()
    if key == "":
        return None
    match = _YEAR.match(key)
    if not match:
        return False
    start, end = int(match.group(1)), match.group(2)
    if int(end) != (start + 1 if len(end) == 4 else (start + 1) % 100):
        return False
    return f"{start}-{start + 1}"


def academic_years(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Academic years -> (`YYYY-YYYY` or None, mask of unreadable cells)."""
    parsed = by_distinct(values, academic_year)
    bad = parsed.map(lambda year: year is False).astype(bool)
    return parsed.where(~bad & parsed.notna(), None).astype(object), bad


def rush_flags(values: pd.Series) -> pd.Series:
    """Rush flags: blank -> None, `yellow`/`red` wordings -> `Yellow Rush Flag`/`Red Rush Flag`."""

    def one(text: str) -> str | None:
        key = _collapse(text).lower()
        if key in MISSING_WORDS or key == "none":
            return None
        for colour in ("yellow", "red"):
            if key.startswith(colour):
                return f"{colour.title()} Rush Flag"
        return _collapse(text)[:40]

    flags = by_distinct(values, one).astype(object)
    return flags.where(flags.notna(), None)


def collapsed(values: pd.Series, limit: int) -> pd.Series:
    """Free text with runs of spaces collapsed, cut to `limit`; blank -> None."""

    def one(text: str) -> str | None:
        return _collapse(text)[:limit] or None

    text = by_distinct(values, one)
    return text.where(text.notna(), None).astype(object)
