"""Open an import CSV robustly (encoding, delimiter, quoting): cells as strings, rows numbered."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ingest.result import Category, ImportProblem, Rejection, file_problem

DELIMITERS = (",", "\t", ";")
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon"}
# Leading bytes of files people upload by mistake instead of exporting a CSV.
WORKBOOK_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
SAMPLE_CHARS = 65536
MAX_CONTROL_SHARE = 0.01  # text files have (almost) no control characters besides tab/CR/LF


@dataclass(frozen=True)
class RawTable:
    """A CSV read as text: header cells as written, data cells indexed by file row number.

    Row numbers count records as a spreadsheet shows them: header = 1, first data row = 2.
    Blank rows are dropped (but still counted in the numbering). `cells` columns are the
    header positions 0..n-1. Rows too malformed to use are left out and listed in `problems`.
    """

    headers: list[str]
    cells: pd.DataFrame
    encoding: str
    delimiter: str
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def unreadable_rows(self) -> int:
        return len({problem.row for problem in self.problems})


def read_table(path: Path) -> RawTable:
    """Read a CSV file into strings. Raises Rejection for an empty, binary or malformed file."""
    text, encoding = decode(path.read_bytes())
    delimiter = sniff_delimiter(text)
    grid, problems = _parse(text, delimiter)
    headers = [str(cell).strip().lstrip("\ufeff").strip() for cell in grid.iloc[0]]
    cells = grid.iloc[1:]
    cells.index = cells.index + 1  # positional record 0 is the header, file row 1
    cells = cells[~_blank_rows(cells)]
    return RawTable(headers, cells, encoding, delimiter, problems)


def decode(data: bytes) -> tuple[str, str]:
    """Bytes to text: UTF-16 with BOM, UTF-8 with or without BOM, else Windows-1252.

    Raises Rejection for an empty file or binary content (an Excel workbook, an image...).
    """
    if not data.strip():
        raise Rejection([file_problem("empty_file", "the file is empty")])
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _require_text(data.decode("utf-16")), "utf-16"
    if data.startswith(WORKBOOK_SIGNATURES):
        raise Rejection(
            [file_problem("not_csv", "this is a spreadsheet workbook, not a CSV: save it as CSV")]
        )
    if b"\x00" in data:
        raise _binary()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return _require_text(data.decode(encoding)), encoding
        except UnicodeDecodeError:
            continue
    # cp1252 leaves five bytes undefined; latin-1 maps every byte, so this cannot fail.
    return _require_text(data.decode("latin-1")), "latin-1"


def _require_text(text: str) -> str:
    if not text.strip():
        raise Rejection([file_problem("empty_file", "the file is empty")])
    sample = text[:SAMPLE_CHARS]
    controls = sum(1 for char in sample if char < " " and char not in "\t\r\n\f")
    if "\x00" in sample or controls > MAX_CONTROL_SHARE * len(sample):
        raise _binary()
    return text


def _binary() -> Rejection:
    return Rejection([file_problem("binary_file", "the file holds binary data, not CSV text")])


def sniff_delimiter(text: str) -> str:
    """The delimiter used in the header line: the most frequent of comma, tab and semicolon."""
    header = text.lstrip("\ufeff").partition("\n")[0]
    counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])  # ties go to the comma
    return best if counts[best] else ","


def _parse(text: str, delimiter: str) -> tuple[pd.DataFrame, list[ImportProblem]]:
    """Tokenise with pandas' C parser; a ragged file falls back to the csv module per record."""
    try:
        grid = pd.read_csv(
            io.StringIO(text, newline=""),
            sep=delimiter,
            header=None,
            dtype=str,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
    except pd.errors.ParserError:
        return _parse_ragged(text, delimiter)
    return grid, []


def _parse_ragged(text: str, delimiter: str) -> tuple[pd.DataFrame, list[ImportProblem]]:
    """Records of uneven width: pad short ones, report long ones whose extra cells hold data."""
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise Rejection(
            [file_problem("malformed_csv", f"the file is not valid CSV: {exc}")]
        ) from exc
    width = len(records[0])
    problems: list[ImportProblem] = []
    rows: list[list[str]] = []
    for position, record in enumerate(records):
        if len(record) > width and any(cell.strip() for cell in record[width:]):
            problems.append(_too_many_fields(position + 1, len(record), width))
            record = [""] * width
        rows.append(record[:width] + [""] * (width - len(record)))
    return pd.DataFrame(rows, dtype=object), problems


def _too_many_fields(row: int, found: int, width: int) -> ImportProblem:
    return ImportProblem(
        rule="too_many_fields",
        message=f"row has {found} fields but the header has {width}; the row was not read",
        category=Category.SCHEMA,
        row=row,
    )


def _blank_rows(cells: pd.DataFrame) -> pd.Series:
    blank = pd.Series(True, index=cells.index)
    for column in cells.columns:
        blank &= cells[column].str.strip() == ""
    return blank
