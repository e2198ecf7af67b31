"""Check an import file as a whole (empty, binary, encoding) and read its header row.

The encoding is UTF-16 by its byte-order mark, UTF-8 when every byte of the file decodes as
UTF-8 (with or without a BOM), else Windows-1252; the delimiter is the most frequent of
comma, tab and semicolon in the header line.
"""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass
from pathlib import Path

from ingest.result import Rejection, file_problem

DELIMITERS = (",", "\t", ";")
# Leading bytes of files people upload by mistake instead of exporting a CSV.
WORKBOOK_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
SAMPLE_BYTES = 65536
BLOCK_BYTES = 1 << 20
MAX_CONTROL_SHARE = 0.01  # text files have (almost) no control characters besides tab/CR/LF
# The csv module refuses fields over 128 KiB by default; a huge cell must become a row error,
# not a crash, so the limit only guards against runaway memory.
FIELD_LIMIT = 1 << 28


@dataclass(frozen=True)
class CsvSource:
    """A CSV file that passed the file-level checks: how to decode it and its header."""

    path: Path
    encoding: str
    delimiter: str
    headers: list[str]
    rows_estimate: int  # data lines (exact unless quoted fields span lines)

    @property
    def width(self) -> int:
        return len(self.headers)

    @property
    def required_width(self) -> int:
        """Cells a row needs: up to the last named header (blank trailing headers are slack)."""
        named = [position for position, header in enumerate(self.headers) if header]
        return named[-1] + 1 if named else 0


def open_source(path: Path) -> CsvSource:
    """Check the file as a whole and read its header. Raises Rejection for an empty, binary or
    undecodable file, or one without a header."""
    encoding, lines = _scan(path)
    with path.open(encoding=encoding, newline="") as handle:
        first = handle.read(SAMPLE_BYTES)
        _require_text(first)
        delimiter = sniff_delimiter(first)
        handle.seek(0)
        csv.field_size_limit(FIELD_LIMIT)
        header = next(csv.reader(handle, delimiter=delimiter), [])
    headers = [cell.strip().lstrip("\ufeff").strip() for cell in header]
    if not any(headers):
        raise Rejection([file_problem("empty_file", "the file has no header row")])
    return CsvSource(path, encoding, delimiter, headers, max(lines - 1, 0))


def _scan(path: Path) -> tuple[str, int]:
    """One pass over the bytes: the encoding (UTF-16 by BOM, UTF-8 if every byte decodes as
    UTF-8, else Windows-1252) and the number of lines. Raises Rejection for an empty file,
    a workbook or binary content."""
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            return "utf-16", _count_lines(path, "utf-16")
        if head.startswith(WORKBOOK_SIGNATURES):
            raise Rejection(
                [
                    file_problem(
                        "not_csv", "this is a spreadsheet workbook, not a CSV: save it as CSV"
                    )
                ]
            )
        if b"\x00" in head:
            raise _binary()
        utf8 = codecs.getincrementaldecoder("utf-8")()
        valid, blank, lines, block = True, True, 0, head
        while block:
            lines += block.count(b"\n")
            blank = blank and not block.lstrip(b"\xef\xbb\xbf").strip()
            if valid:
                try:
                    utf8.decode(block)
                except UnicodeDecodeError:
                    valid = False
            block = handle.read(BLOCK_BYTES)
    if blank:
        raise Rejection([file_problem("empty_file", "the file is empty")])
    if valid:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            valid = False
    return ("utf-8-sig" if valid else "cp1252"), lines + 1


def _count_lines(path: Path, encoding: str) -> int:
    with path.open(encoding=encoding, newline="") as handle:
        return sum(block.count("\n") for block in iter(lambda: handle.read(BLOCK_BYTES), "")) + 1


def _require_text(text: str) -> None:
    if not text.strip():
        raise Rejection([file_problem("empty_file", "the file is empty")])
    controls = sum(1 for char in text if char < " " and char not in "\t\r\n\f")
    if "\x00" in text or controls > MAX_CONTROL_SHARE * len(text):
        raise _binary()


def _binary() -> Rejection:
    return Rejection([file_problem("binary_file", "the file holds binary data, not CSV text")])


def sniff_delimiter(text: str) -> str:
    """The delimiter used in the header line: the most frequent of comma, tab and semicolon."""
    header = text.lstrip("\ufeff").partition("\n")[0]
    counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])  # ties go to the comma
    return best if counts[best] else ","
