"""Stream a checked CSV file in chunks of rows numbered as a spreadsheet shows them.

Row numbers count records: header = 1, first data row = 2; a quoted field spanning lines is
one record. Cells stay text. pandas' C parser reads the cells; the csv module reads the same
records in step, only to learn each record's width, because the C parser silently pads a
short row (a truncated line would load with its last periods blank) and cannot say which
row was too long.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TextIO

import numpy as np
import pandas as pd

from ingest.result import Category, ImportProblem, Rejection, file_problem
from ingest.source import FIELD_LIMIT, CsvSource


@dataclass(frozen=True)
class RawChunk:
    """Consecutive data rows: cells by header position, indexed by file row number.

    Blank rows are left out (they still count in the numbering); rows too malformed to use
    are left out and listed in `problems`. `last_row` is the file row the chunk ends on.
    """

    cells: pd.DataFrame
    problems: list[ImportProblem]
    last_row: int

    @property
    def unreadable_rows(self) -> int:
        return len({problem.row for problem in self.problems})


def iter_chunks(source: CsvSource, size: int, after_row: int = 1) -> Iterator[RawChunk]:
    """The data rows in chunks of about `size` records, leaving out rows up to `after_row`.

    Raises Rejection when the file turns out not to be CSV on the way (an unclosed quote).
    """
    with _Records(source) as records:
        row = 0
        try:
            for frame in _frames(source, size):
                frame, widths, longer, row = _align(source, frame, records, row)
                if row > after_row:
                    yield _chunk(source, frame, widths, longer, row, after_row)
            trailing = records.widths(None)
            longer = [(row + 1 + n, records.record(row + 1 + n)) for n in range(len(trailing))]
        except (csv.Error, pd.errors.ParserError) as exc:
            raise Rejection(
                [file_problem("malformed_csv", f"the file is not valid CSV after row {row}: {exc}")]
            ) from exc
    if longer:  # long rows at the very end: the C parser skipped them, csv has them
        if (trailing <= source.width).any():
            raise Rejection([file_problem("malformed_csv", "the file's records could not be read")])
        empty = pd.DataFrame(columns=range(source.width), dtype=object)
        yield _chunk(source, empty, pd.Series(dtype="int64"), longer, longer[-1][0], after_row)


def _frames(source: CsvSource, size: int) -> Iterator[pd.DataFrame]:
    # Every cell as text (dtype=object, no NA parsing); rows longer than the header are
    # skipped here and recovered from the csv records in `_chunk`.
    return pd.read_csv(
        source.path,
        sep=source.delimiter,
        header=None,
        names=range(source.width),
        index_col=False,
        dtype=object,
        na_filter=False,
        skip_blank_lines=False,
        on_bad_lines="skip",
        encoding=source.encoding,
        engine="c",
        chunksize=size,
    )


class _Records:
    """The file's records as the csv module reads them: widths in bulk, a record on demand.

    Only widths are kept (holding a million records alive made the garbage collector sweep
    again and again); the rare record needed whole is read by a second reader that moves
    forward through the file once.
    """

    def __init__(self, source: CsvSource) -> None:
        csv.field_size_limit(FIELD_LIMIT)
        self.source = source
        self.handle = source.path.open(encoding=source.encoding, newline="")
        self.sizes = map(len, csv.reader(self.handle, delimiter=source.delimiter))
        self.lookup: Iterator[list[str]] | None = None
        self.lookup_handle: TextIO | None = None
        self.lookup_row = 0

    def __enter__(self) -> _Records:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()
        if self.lookup_handle is not None:
            self.lookup_handle.close()

    def widths(self, count: int | None) -> np.ndarray:
        """The widths of the next `count` records (all the rest when None)."""
        return np.fromiter(islice(self.sizes, count), dtype=np.int64)

    def record(self, number: int) -> list[str]:
        """Record `number` (1 = header); numbers must not decrease between calls."""
        if self.lookup is None:
            self.lookup_handle = self.source.path.open(encoding=self.source.encoding, newline="")
            self.lookup = csv.reader(self.lookup_handle, delimiter=self.source.delimiter)
        for record in self.lookup:
            self.lookup_row += 1
            if self.lookup_row == number:
                return record
        raise csv.Error(f"record {number} could not be read")


Record = tuple[int, list[str]]


def _align(
    source: CsvSource, frame: pd.DataFrame, records: _Records, row: int
) -> tuple[pd.DataFrame, pd.Series, list[Record], int]:
    """Number the frame's rows from the same records read by the csv module.

    Returns the frame indexed by file row, each row's width, the records longer than the
    header (the C parser skipped them) and the last file row consumed.
    """
    numbers: list[np.ndarray] = []
    widths: list[np.ndarray] = []
    longer: list[Record] = []
    missing = len(frame)
    while missing:
        width = records.widths(missing)
        if not len(width):
            raise csv.Error("the file's records could not be read consistently")
        rows = row + 1 + np.arange(len(width))
        long = width > source.width
        longer.extend((int(number), records.record(int(number))) for number in rows[long])
        numbers.append(rows[~long])
        widths.append(width[~long])
        missing -= int((~long).sum())
        row += len(width)
    index = pd.Index(np.concatenate(numbers) if numbers else np.array([], dtype=np.int64))
    frame.index = index
    return frame, pd.Series(np.concatenate(widths) if widths else [], index=index), longer, row


def _chunk(
    source: CsvSource,
    frame: pd.DataFrame,
    widths: pd.Series,
    longer: list[Record],
    last_row: int,
    after_row: int,
) -> RawChunk:
    """Drop the header, blank and unusable rows; recover long rows whose extra cells are empty."""
    problems: list[ImportProblem] = []
    recovered = []
    for number, record in longer:
        if any(cell.strip() for cell in record[source.width :]):
            problems.append(_wrong_width(number, len(record), source.width, "too_many_fields"))
        else:
            recovered.append((number, record[: source.width]))
    if recovered:
        extra = pd.DataFrame(
            [cells for _, cells in recovered], index=[n for n, _ in recovered], dtype=object
        )
        frame = pd.concat([frame, extra]).sort_index()
        widths = pd.concat([widths, pd.Series(source.width, index=extra.index)]).sort_index()
    blank = _blank_rows(frame)
    short = (widths < source.required_width) & ~blank
    for number, width in zip(widths.index[short.to_numpy()], widths[short], strict=True):
        problems.append(_wrong_width(int(number), int(width), source.width, "too_few_fields"))
    keep = ~blank & ~short & (frame.index > max(after_row, 1))
    problems = [p for p in problems if p.row is not None and p.row > max(after_row, 1)]
    return RawChunk(frame[keep.to_numpy()], sorted(problems, key=lambda p: p.row or 0), last_row)


def _wrong_width(row: int, found: int, width: int, rule: str) -> ImportProblem:
    what = "more" if rule == "too_many_fields" else "fewer"
    cells = "cell" if found == 1 else "cells"
    return ImportProblem(
        rule=rule,
        message=(
            f"row has {found} {cells} but the header has {width} columns ({what} cells than "
            "columns: a stray delimiter or line break?); the row was not read"
        ),
        category=Category.SCHEMA,
        row=row,
    )


def _blank_rows(cells: pd.DataFrame) -> pd.Series:
    """Rows whose every cell is empty or spaces (checked on distinct values, column by column)."""
    blank = pd.Series(True, index=cells.index)
    for column in cells.columns:
        if not blank.any():
            break
        values = cells.loc[blank.to_numpy(), column]
        codes, uniques = pd.factorize(values.to_numpy(dtype=object))
        empty = np.array([not str(value).strip() for value in uniques] + [True])
        blank.loc[blank.to_numpy()] = empty[codes]
    return blank
