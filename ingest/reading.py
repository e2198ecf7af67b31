"""Reading import files: the file-level checks (ingest.source), chunked streaming
(ingest.chunks), and the whole-table read of kinds that validate a file at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ingest.chunks import RawChunk, iter_chunks
from ingest.result import ImportProblem
from ingest.source import CsvSource, open_source, sniff_delimiter

__all__ = [
    "CsvSource",
    "RawChunk",
    "RawTable",
    "iter_chunks",
    "open_source",
    "read_table",
    "sniff_delimiter",
]


@dataclass(frozen=True)
class RawTable:
    """A whole CSV read as text (see RawChunk), for kinds that validate a file at once."""

    headers: list[str]
    cells: pd.DataFrame
    encoding: str
    delimiter: str
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def unreadable_rows(self) -> int:
        return len({problem.row for problem in self.problems})


def read_table(path: Path, chunk_rows: int = 100_000) -> RawTable:
    """Read a whole CSV file into strings (for kinds that validate a file at once).

    Raises Rejection for an empty, binary or malformed file.
    """
    source = open_source(path)
    chunks = list(iter_chunks(source, chunk_rows))
    frames = [chunk.cells for chunk in chunks]
    cells = pd.concat(frames) if frames else pd.DataFrame(columns=range(source.width))
    problems = [problem for chunk in chunks for problem in chunk.problems]
    return RawTable(source.headers, cells, source.encoding, source.delimiter, problems)
