"""Which subject an i-Ready row holds: its `Subject` column, else the file's name."""

from __future__ import annotations

import re
from pathlib import PurePath

import pandas as pd

from ingest.checks import RowProblems
from ingest.headers import Columns
from ingest.iready.values import by_distinct
from ingest.result import Category, ImportProblem, Rejection

# Whole words only: `relative_scores.csv` does not say "ela". Digits may touch the word.
_ELA = re.compile(r"(?<![a-z])(ela|reading|english language arts|language arts)(?![a-z])")
_MATH = re.compile(r"(?<![a-z])(math|maths|mathematics)(?![a-z])")


def subject_of(text: str) -> str | None:
    """`ELA` or `MATH` when `text` names exactly one of them, else None."""
    key = text.lower()
    ela, math = bool(_ELA.search(key)), bool(_MATH.search(key))
    if ela == math:
        return None
    return "ELA" if ela else "MATH"


def subject_from_filename(filename: str) -> str | None:
    """The subject a file name names (`diagnostic_results_ela.csv`, `..._reading_english...`)."""
    return subject_of(PurePath(filename).name.replace("_", " ").replace("-", " "))


def no_subject(filename: str) -> Rejection:
    named = f" ({filename!r} names neither)" if filename else ""
    return Rejection(
        [
            ImportProblem(
                rule="unknown_subject",
                message=(
                    "cannot tell the subject: the file name must contain ela/reading or math"
                    f"{named}, or the file needs a Subject column (Reading, ELA or Math)"
                ),
                category=Category.SCHEMA,
                column="Subject",
            )
        ]
    )


def row_subjects(columns: Columns, filename: str, problems: RowProblems) -> pd.Series:
    """Each row's subject (`ELA`/`MATH`); None on rows flagged as errors.

    Raises Rejection when neither a Subject column nor the file name gives one.
    """
    index = columns.frame.index
    default = subject_from_filename(filename)
    if not columns.has("subject"):
        if default is None:
            raise no_subject(filename)
        return pd.Series(default, index=index, dtype=object)
    raw = columns.frame["subject"]
    parsed = by_distinct(raw, subject_of)
    header = columns.header("subject")
    problems.flag(
        (raw != "") & parsed.isna(),
        rule="invalid_subject",
        category=Category.BUSINESS_RULE,
        column=header,
        values=raw,
        message=lambda _row, value: f"subject {value!r} is not ELA (Reading) or Math",
    )
    if default is None:
        problems.flag(
            raw == "",
            rule="required",
            category=Category.TYPE,
            column=header,
            values=raw,
            message="subject is blank and the file name names no subject",
        )
    blank = raw == ""
    return parsed.where(~blank, default).astype(object)
