"""Match file headers to a kind's columns by name: case, spacing and punctuation do not matter."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from ingest.reading import RawTable
from ingest.result import Category, ImportProblem, Rejection

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


def resolve_columns(table: RawTable, specs: Sequence[ColumnSpec]) -> Columns:
    """Pick the columns named in `specs` out of `table`.

    Raises Rejection naming every missing required column and every column given twice.
    Unknown columns are ignored and listed; columns with a blank header are ignored.
    """
    lookup = _lookup(specs)
    positions: dict[str, list[int]] = {}
    unknown: list[str] = []
    for position, header in enumerate(table.headers):
        name = lookup.get(header_key(header))
        if name is not None:
            positions.setdefault(name, []).append(position)
        elif header and header not in unknown:
            unknown.append(header)
    problems = _header_problems(table.headers, positions, specs)
    if problems:
        raise Rejection(problems)
    frame = pd.DataFrame(
        {name: table.cells[spots[0]].str.strip() for name, spots in positions.items()},
        index=table.cells.index,
    )
    headers = {name: table.headers[spots[0]] for name, spots in positions.items()}
    return Columns(frame, headers, unknown)


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


def missing_column(spec: ColumnSpec) -> ImportProblem:
    """The problem for a required column the file lacks, naming it and its accepted aliases."""
    also = f" (also accepted: {', '.join(spec.aliases)})" if spec.aliases else ""
    return ImportProblem(
        rule="missing_column",
        message=f"required column {spec.name} is missing{also}",
        category=Category.SCHEMA,
        column=spec.name,
    )
