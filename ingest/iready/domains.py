"""Domain columns: scores, placements and relative placements, validated and made long.

Grades 6-8 see the foundational ELA domains (Phonological Awareness, Phonics, High-Frequency
Words) blank beside `Tested Out` / `Surpassed Level` / `Not Assessed`: valid, not missing
data. Some exports put a sentinel score (999) there; it is ignored, not an error.
"""

from __future__ import annotations

import pandas as pd

from ingest.checks import RowProblems
from ingest.headers import Columns
from ingest.iready.columns import DOMAIN_PARTS, DOMAINS, Domain
from ingest.iready.quality import Quality
from ingest.iready.values import collapsed, placements, relative_levels, scale_scores
from ingest.result import Category, ImportProblem, Severity

DOMAIN_COLUMNS = ("domain", "scale_score", "placement", "relative_placement", "placement_level")


def other_subject_columns(columns: Columns, subjects: pd.Series) -> ImportProblem | None:
    """A schema warning naming the domain columns of the other subject in a one-subject file."""
    present = set(subjects.dropna().unique())
    if len(present) != 1:
        return None
    subject = present.pop()
    others = [
        columns.header(domain.column(part))
        for domain in DOMAINS
        if domain.subject != subject
        for part in DOMAIN_PARTS
        if columns.has(domain.column(part))
    ]
    if not others:
        return None
    return ImportProblem(
        rule="other_subject_columns",
        message=f"{subject} file has columns of the other subject, ignored: {', '.join(others)}",
        category=Category.SCHEMA,
        severity=Severity.WARNING,
    )


def domain_scores(
    columns: Columns, subjects: pd.Series, problems: RowProblems, quality: Quality
) -> pd.DataFrame:
    """One row per (file row, domain) with any value, indexed by file row; DOMAIN_COLUMNS.

    Only the domains of each row's own subject are read. Invalid scale scores are row errors
    (counted in `quality`), except beside a not-measured placement, where they are ignored.
    """
    parts = [
        _one_domain(columns, domain, subjects == domain.subject, problems, quality)
        for domain in DOMAINS
        if any(columns.has(domain.column(part)) for part in DOMAIN_PARTS)
    ]
    parts = [part for part in parts if len(part)]
    if not parts:
        return pd.DataFrame(columns=list(DOMAIN_COLUMNS), index=pd.Index([], dtype="int64"))
    return pd.concat(parts).sort_index(kind="stable")


def _cells(columns: Columns, name: str, mine: pd.Series) -> pd.Series:
    if not columns.has(name):
        return pd.Series("", index=mine.index, dtype=object)
    return columns.frame[name].where(mine, "")


def _one_domain(
    columns: Columns, domain: Domain, mine: pd.Series, problems: RowProblems, quality: Quality
) -> pd.DataFrame:
    score_raw = _cells(columns, domain.column("scale_score"), mine)
    place_raw = _cells(columns, domain.column("placement"), mine)
    relative_raw = _cells(columns, domain.column("relative_placement"), mine)
    place, not_measured, unknown_place = placements(place_raw)
    scores, not_integer, outside = scale_scores(score_raw)
    excused = not_measured & (not_integer | outside)
    quality.ignored_domain_scores += int(excused.sum())
    header = columns.header(domain.column("scale_score"))
    quality.scores(
        problems, score_raw, not_integer & ~excused, outside & ~excused, header, overall=False
    )
    levels, unknown_level = relative_levels(relative_raw)
    quality.unrecognised(
        unknown_place, place_raw, columns.header(domain.column("placement")), "placement"
    )
    quality.unrecognised(
        unknown_level,
        relative_raw,
        columns.header(domain.column("relative_placement")),
        "relative placement",
    )
    part = pd.DataFrame(
        {
            "domain": domain.name,
            "scale_score": scores,
            "placement": place,
            "relative_placement": collapsed(relative_raw, 60),
            "placement_level": levels,
        },
        index=mine.index,
    )
    has_value = part[["scale_score", "placement", "relative_placement"]].notna().any(axis=1)
    return part[has_value & mine]
