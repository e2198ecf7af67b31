"""Match file headers to a kind's columns by name: case, spacing and punctuation do not matter."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from ingest.reading import RawTable
from ingest.result import Category, ImportProblem, Rejection
from ingest.values import stripped

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True)
class ColumnSpec:
    """One column a kind understands: its canonical name, accepted aliases, whether required."""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class Columns:
    """The recognised columns of a file, by canonical name (stripped strings, row-numbered)."""

    frame: pd.DataFrame
    headers: dict[str, str]  # canonical name -> the header as written in the file
    unknown: list[str]

    def header(self, name: str) -> str:
        return self.headers.get(name, name)

    def has(self, name: str) -> bool:
        return name in self.headers


def header_key(text: str) -> str:
    """The comparable form of a header: `Student ID` = `student_id` = `STUDENTID`.

    Case, spaces, underscores and punctuation runs are ignored; `#` reads as "number" so that
    `Student#` names the student number rather than the student.
    """
    return _NOT_ALNUM.sub("", text.lower().replace("#", "number"))


@dataclass(frozen=True)
class HeaderMap:
    """Where a kind's columns sit in a file's header (resolved once, applied to every chunk)."""

    positions: dict[str, int]  # canonical name -> header position
    headers: dict[str, str]  # canonical name -> the header as written in the file
    unknown: list[str]
    unknown_positions: list[int]

    def has(self, name: str) -> bool:
        return name in self.positions


def map_headers(headers: list[str], specs: Sequence[ColumnSpec]) -> HeaderMap:
    """Match a file's header cells to the columns named in `specs`.

    Raises Rejection naming every missing required column and every column given twice.
    Unknown columns are ignored and listed; columns with a blank header are ignored.
    """
    lookup = _lookup(specs)
    positions: dict[str, list[int]] = {}
    unknown: list[str] = []
    unknown_positions: list[int] = []
    for position, header in enumerate(headers):
        name = lookup.get(header_key(header))
        if name is not None:
            positions.setdefault(name, []).append(position)
        elif header:
            unknown_positions.append(position)
            if header not in unknown:
                unknown.append(header)
    problems = _header_problems(headers, positions, specs)
    if problems and len(headers) == 1 and _looks_delimited(headers[0]):
        problems.insert(0, _single_column(headers[0]))
    if problems:
        raise Rejection(problems)
    return HeaderMap(
        {name: spots[0] for name, spots in positions.items()},
        {name: headers[spots[0]] for name, spots in positions.items()},
        unknown,
        unknown_positions,
    )


def columns_of(cells: pd.DataFrame, header_map: HeaderMap) -> Columns:
    """The recognised columns of some rows, stripped, by canonical name."""
    frame = pd.DataFrame(
        {name: stripped(cells[position]) for name, position in header_map.positions.items()},
        index=cells.index,
    )
    return Columns(frame, dict(header_map.headers), list(header_map.unknown))


def resolve_columns(table: RawTable, specs: Sequence[ColumnSpec]) -> Columns:
    """Pick the columns named in `specs` out of a whole table (see `map_headers`)."""
    return columns_of(table.cells, map_headers(table.headers, specs))


def _lookup(specs: Sequence[ColumnSpec]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for spec in specs:
        for alias in (spec.name, *spec.aliases):
            key = header_key(alias)
            if lookup.setdefault(key, spec.name) != spec.name:
                raise ValueError(f"header alias {alias!r} is claimed by two columns")
    return lookup


def _header_problems(
    headers: list[str], positions: dict[str, list[int]], specs: Sequence[ColumnSpec]
) -> list[ImportProblem]:
    problems = []
    for spec in specs:
        spots = positions.get(spec.name, [])
        if spec.required and not spots:
            problems.append(missing_column(spec))
        if len(spots) > 1:
            # Two sources for a value we load would be ambiguous; duplicates among the
            # ignored columns cannot change anything, so they only appear in `unknown`.
            written = ", ".join(repr(headers[spot]) for spot in spots)
            problems.append(
                ImportProblem(
                    rule="duplicate_column",
                    message=f"columns {written} all mean {spec.name}: keep only one",
                    category=Category.SCHEMA,
                    column=headers[spots[1]],
                )
            )
    return problems


def _looks_delimited(header: str) -> bool:
    """A lone header cell that is really several headers joined by another delimiter."""
    return any(header.count(mark) >= 2 for mark in "|^~: ")


def _single_column(header: str) -> ImportProblem:
    shown = header if len(header) <= 80 else header[:80] + "…"
    return ImportProblem(
        rule="single_column",
        message=(
            f"the header is one single column ({shown!r}): the file is not delimited by "
            "comma, tab or semicolon; export it as CSV with one of those"
        ),
        category=Category.FILE,
    )


def missing_column(spec: ColumnSpec) -> ImportProblem:
    """The problem for a required column the file lacks, naming it and its accepted aliases."""
    also = f" (also accepted: {', '.join(spec.aliases)})" if spec.aliases else ""
    return ImportProblem(
        rule="missing_column",
        message=f"required column {spec.name} is missing{also}",
        category=Category.SCHEMA,
        column=spec.name,
    )
