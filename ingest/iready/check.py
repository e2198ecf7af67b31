"""i-Ready rows validated, normalised and mapped to students: the `check` step of the import.

Layers, as for attendance: file and headers (reading, required columns, subject), types
(ids, dates, whole-number scores), business rules (scores 100-800, subject ELA/MATH, domain
columns of the row's subject), cross-reference (student mapping), duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from attendly.metrics.years import current_academic_year
from db.iready import VALUES, known_students, students_by_state_id
from ingest.checks import Checked, ImportContext, RowProblems, resolve_duplicates
from ingest.headers import Columns
from ingest.iready import rows as row_fields
from ingest.iready.domains import domain_scores, other_subject_columns
from ingest.iready.quality import Quality
from ingest.iready.subjects import row_subjects
from ingest.result import Category, Severity
from ingest.values import dates_to_python

UNMAPPED_COLUMNS = (
    "subject",
    "academic_year",
    "student_id",
    "state_student_id",
    "last_name",
    "first_name",
    "completion_date",
    "raw",
)


@dataclass
class IReadyChecked(Checked):
    """Checked rows plus the domain scores, the unmapped rows and the summary figures.

    `rows` are the mapped diagnostics to load (KEY + VALUES + import_id + date), `domains` their
    domain scores (same index), `unmapped` the rows kept aside (UNMAPPED_COLUMNS), and
    `mapped_rows` every valid row that mapped, duplicates included.
    """

    domains: pd.DataFrame = field(default_factory=pd.DataFrame)
    unmapped: pd.DataFrame = field(default_factory=pd.DataFrame)
    mapped_rows: pd.Index = field(default_factory=lambda: pd.Index([]))
    summary: dict[str, Any] = field(default_factory=dict)


def check(session: Session, columns: Columns, ctx: ImportContext) -> IReadyChecked:
    """Validate and map i-Ready rows. Raises Rejection for a file without subject or date."""
    row_fields.require_a_date(columns)
    problems = RowProblems(columns.frame.index)
    quality = Quality(columns.frame.index)
    subjects = row_subjects(columns, ctx.filename, problems)
    rows = _typed(columns, subjects, problems, quality, ctx)
    domains = domain_scores(columns, subjects, problems, quality)
    rows = rows[problems.ok]
    rows["student_id"] = map_students(session, rows)
    keep = _deduplicate(rows, problems)
    mapped_rows = rows.index[rows["student_id"].notna()]
    rows = rows[keep]
    mapped, unmapped = rows[rows["student_id"].notna()], rows[rows["student_id"].isna()]
    _flag_unmapped(unmapped, columns, problems)
    notes = [other_subject_columns(columns, subjects), quality.alert(), *quality.notes]
    return IReadyChecked(
        rows=_stored(mapped, ctx.import_id),
        problems=[note for note in notes if note is not None] + problems.problems,
        failed=int(problems.failed.sum()),
        duplicates=int((~keep).sum()),
        domains=domains[domains.index.isin(mapped.index)],
        unmapped=_kept_aside(unmapped, columns),
        mapped_rows=mapped_rows,
        summary=_summary(rows, quality, ctx),
    )


def _typed(
    columns: Columns,
    subjects: pd.Series,
    problems: RowProblems,
    quality: Quality,
    ctx: ImportContext,
) -> pd.DataFrame:
    rows = row_fields.identity(columns, problems)
    rows["subject"] = subjects
    rows = rows.join(row_fields.dates(columns, problems, ctx.today))
    rows["academic_year"] = row_fields.academic_years(
        columns, rows["completion_date"], problems, quality
    )
    rows["overall_scale_score"] = row_fields.overall_score(columns, problems, quality)
    return rows.join(row_fields.described(columns, quality))


def map_students(session: Session, rows: pd.DataFrame) -> pd.Series:
    """Each row's student: by Student ID, else by a Student State ID held by one student."""
    ids = rows["file_student_id"].fillna("")
    known = known_students(session, ids[ids != ""].unique())
    by_id = ids.where(ids.isin(known))
    need = by_id.isna() & rows["state_student_id"].notna()
    states = students_by_state_id(session, rows.loc[need, "state_student_id"].unique())
    by_state = rows["state_student_id"].map(states).where(need)
    return by_id.where(by_id.notna(), by_state).astype(object)


def _deduplicate(rows: pd.DataFrame, problems: RowProblems) -> pd.Series:
    """One row per (student, subject, completion date); returns the keep mask.

    The row that wins is the one i-Ready's own flags point at (baseline or most recent), then
    the later start, then the later row in the file; the others are skipped with a warning.
    """
    unmapped_key = rows["file_student_id"].fillna("state " + rows["state_student_id"].fillna(""))
    keyed = rows.assign(
        _student=rows["student_id"].where(rows["student_id"].notna(), unmapped_key),
        _date=dates_to_python(rows["completion_date"]),
        _flagged=(rows["baseline"] | rows["most_recent"]).astype(int),
        _row=rows.index,
    ).sort_values(["_flagged", "start_date", "_row"], na_position="first", kind="stable")
    content = [name for name in VALUES if name in keyed]
    keep = resolve_duplicates(keyed, ["_student", "subject", "_date"], content, problems)
    return keep.reindex(rows.index)


def _flag_unmapped(unmapped: pd.DataFrame, columns: Columns, problems: RowProblems) -> None:
    states = unmapped["state_student_id"].map(lambda state: f" (state id {state})" if state else "")
    label = unmapped["file_student_id"].fillna("(blank)") + states
    problems.flag(
        pd.Series(True, index=unmapped.index),
        rule="unmapped_student",
        category=Category.CROSS_REFERENCE,
        severity=Severity.WARNING,
        column=columns.header("student_id"),
        values=label,
        message=lambda _row, value: (
            f"student {value} is not on the roster: the row is kept in the unmapped-student "
            "report and loads when a roster import maps it"
        ),
    )


def _stored(mapped: pd.DataFrame, import_id: int) -> pd.DataFrame:
    """The diagnostics as stored (KEY + VALUES), plus import_id and `date` for the summary."""
    out = mapped[["student_id", "subject", *VALUES]].copy()
    out["completion_date"] = dates_to_python(mapped["completion_date"])
    out["start_date"] = dates_to_python(mapped["start_date"])
    out["import_id"] = import_id
    out["date"] = out["completion_date"]
    return out


def _kept_aside(unmapped: pd.DataFrame, columns: Columns) -> pd.DataFrame:
    """Unmapped rows with their recognised cells under the file's own headers (`raw`)."""
    out = unmapped[["subject", "academic_year", "state_student_id", "last_name", "first_name"]]
    out = out.assign(
        student_id=unmapped["file_student_id"],
        completion_date=dates_to_python(unmapped["completion_date"]),
        raw=pd.Series(
            columns.frame.loc[unmapped.index].rename(columns=columns.headers).to_dict("records"),
            index=unmapped.index,
            dtype=object,
        ),
    )
    return out[list(UNMAPPED_COLUMNS)]


def _summary(rows: pd.DataFrame, quality: Quality, ctx: ImportContext) -> dict[str, Any]:
    """Subjects, academic years (current or historical), unmapped rows, data quality."""
    current = current_academic_year(ctx.today, ctx.settings.current_academic_year)
    years = rows["academic_year"].value_counts().sort_index()
    return {
        "subjects": {
            str(k): int(v) for k, v in rows["subject"].value_counts().sort_index().items()
        },
        "current_academic_year": current,
        "academic_years": {
            str(year): {
                "rows": int(count),
                "status": "current" if year == current else "historical",
            }
            for year, count in years.items()
        },
        "unmapped_rows": int(rows["student_id"].isna().sum()),
        "data_quality": quality.summary(),
    }
