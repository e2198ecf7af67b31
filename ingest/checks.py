"""Row-level validation plumbing shared by every kind: problem collection and duplicates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from attendly.settings import Settings
from ingest.result import Category, ImportProblem, Severity
from ingest.values import clipped

# A fixed text, or one built from (row number, value).
Message = str | Callable[[int, Any], str]


@dataclass(frozen=True)
class ImportContext:
    """What validation and loading need to know about the import being run."""

    settings: Settings
    import_id: int
    today: dt.date
    school_code: str | None = None  # the caller's school, for rows that name none
    filename: str = ""  # the uploaded file's name (i-Ready reads the subject from it)
    # The dates an export covers when the file alone cannot say (by-exception attendance).
    covers: tuple[dt.date, dt.date] | None = None

    @property
    def default_school_code(self) -> str:
        return self.school_code or self.settings.default_school_code


@dataclass
class Checked:
    """The outcome of validation: rows ready to load and the problems found on the others."""

    rows: pd.DataFrame
    problems: list[ImportProblem]
    failed: int  # rows with at least one error: not loaded
    duplicates: int  # rows skipped in favour of another row with the same key
    new_students: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Loaded:
    """What loading wrote."""

    inserted: int
    updated: int
    unchanged: int
    changed_students: set[str]
    grades: set[int]
    school_code: str | None  # the one school the changes concern, None when several
    students_created: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)  # kind-specific summary figures


class RowProblems:
    """Collects row problems as data; a row with any error is marked failed."""

    def __init__(self, index: pd.Index) -> None:
        self.problems: list[ImportProblem] = []
        self.failed = pd.Series(False, index=index)

    def flag(
        self,
        mask: pd.Series,
        *,
        rule: str,
        category: Category,
        message: Message,
        column: str | None = None,
        values: pd.Series | None = None,
        severity: Severity = Severity.ERROR,
    ) -> None:
        """Record one problem per row where `mask` is true, quoting that row's value."""
        mask = mask.reindex(self.failed.index, fill_value=False).fillna(False).astype(bool)
        for row in mask.index[mask.to_numpy()]:
            value = None if values is None else values.at[row]
            shown = None if value is None else clipped(value)  # a 10 MB cell stays readable
            text = message(int(row), shown) if callable(message) else message
            self.problems.append(
                ImportProblem(
                    rule=rule,
                    message=text,
                    category=category,
                    severity=severity,
                    row=int(row),
                    column=column,
                    value=shown,
                )
            )
        if severity == Severity.ERROR:
            self.failed |= mask

    @property
    def ok(self) -> pd.Series:
        return ~self.failed


def resolve_duplicates(
    rows: pd.DataFrame, key: Sequence[str], content: Sequence[str], collector: RowProblems
) -> pd.Series:
    """Keep one row per key: the last one in the file wins.

    Earlier rows that differ from the winner are skipped with a warning naming it; rows
    identical to the winner are loaded once (the first of them) and the later copies are
    skipped with a warning. Returns the mask of rows to keep (indexed like `rows`).
    """
    keep = pd.Series(True, index=rows.index)
    grouped = rows.duplicated(list(key), keep=False)
    if not grouped.any():
        return keep
    dupes = rows.loc[grouped, list(key)].copy()
    dupes["_sig"] = pd.util.hash_pandas_object(rows.loc[grouped, list(content)], index=False)
    dupes["_row"] = dupes.index
    by_key = dupes.groupby(list(key), sort=False)
    winner_sig = by_key["_sig"].transform("last")
    winner_row = by_key["_row"].transform("last")
    same = dupes["_sig"] == winner_sig
    first_same = dupes["_row"].where(same).groupby([dupes[k] for k in key]).transform("first")
    conflicting = ~same
    copies = same & (dupes["_row"] != first_same)
    label = dupes[list(key)].astype(str).agg(", ".join, axis=1)
    _warn(collector, conflicting, label, winner_row, "row {} differs and is loaded instead")
    _warn(collector, copies, label, first_same, "identical to row {}")
    keep.loc[dupes.index[(conflicting | copies).to_numpy()]] = False
    return keep


def _warn(
    collector: RowProblems, mask: pd.Series, label: pd.Series, other: pd.Series, template: str
) -> None:
    refs = {row: int(ref) for row, ref in other.items()}
    collector.flag(
        mask,
        rule="duplicate_row",
        category=Category.DUPLICATE,
        severity=Severity.WARNING,
        values=label,
        message=lambda row, value: (
            f"duplicate key ({value}): {template.format(refs[row])}; this row is skipped"
        ),
    )
