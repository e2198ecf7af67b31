"""Validated columns -> stage rows: each column as its distinct values plus a code per row."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from attendly.metrics.years import academic_year_of
from db.import_tables import StageState
from db.staging import ColumnGroup, StageRows


def plain(value: Any) -> Any:
    """A cell as the database driver binds it: NaN/NA/NaT -> None, numpy scalars -> Python."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, np.generic):
        return value.item()
    return value


def group(name: str, values: pd.Series) -> ColumnGroup:
    """One column, coded by its distinct values."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=False)
    return ColumnGroup.single(name, codes, [plain(value) for value in uniques])


def date_group(dates: pd.Series, *, with_year: bool = True) -> ColumnGroup:
    """`date` (and `academic_year`) from a datetime64 column without NaT."""
    codes, uniques = pd.factorize(dates.to_numpy(dtype="datetime64[D]"))
    days = [dt.date.fromisoformat(str(day)) for day in uniques]
    if not with_year:
        return ColumnGroup.single("date", codes, days)
    return ColumnGroup(("date", "academic_year"), codes, [(d, academic_year_of(d)) for d in days])


def header_groups(
    import_id: int, rows: pd.Index, state: int = StageState.LIVE
) -> list[ColumnGroup]:
    """The bookkeeping columns of stage rows: import, file row, state."""
    count = len(rows)
    return [
        ColumnGroup.constant("import_id", import_id, count),
        ColumnGroup.per_row("row_number", rows.to_numpy(dtype=np.int64).tolist()),
        ColumnGroup.constant("state", state, count),
    ]


def stage_rows(groups: list[ColumnGroup]) -> StageRows:
    return StageRows(tuple(groups))
