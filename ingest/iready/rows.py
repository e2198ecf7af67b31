"""The main (non-domain) columns of i-Ready rows, typed: ids, dates, year, scores, placements.

Only what cannot be stored makes a row fail: no student id, no usable date, an overall scale
score that is missing, not a whole number or outside 100-800. Other unreadable values are
stored as missing with a file-level warning per distinct wording.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd

from attendly.metrics.years import academic_years_of
from ingest import fields
from ingest.checks import RowProblems
from ingest.headers import Columns, ColumnSpec, missing_column
from ingest.iready import values
from ingest.iready.quality import Quality
from ingest.result import Category, Rejection, Severity
from ingest.values import clean_ids, parse_dates

EARLIEST_DATE = dt.date(2010, 7, 1)
DAYS_AHEAD = 30
INTEGER_COLUMNS = (
    "duration_min",
    "percentile",
    "grouping",
    "diagnostic_gain",
    "annual_typical_growth",
    "annual_stretch_growth",
    "mid_on_grade_level_scale_score",
)
NAME_LENGTH = 200
Parser = Callable[[pd.Series], tuple[pd.Series, pd.Series]]


def require_a_date(columns: Columns) -> None:
    """Raises Rejection when the file has neither Completion Date nor Start Date."""
    if not (columns.has("completion_date") or columns.has("start_date")):
        spec = ColumnSpec("Completion Date", ("Start Date",), required=True)
        raise Rejection([missing_column(spec)])


def _text(columns: Columns, name: str) -> pd.Series:
    if columns.has(name):
        return columns.frame[name]
    return pd.Series("", index=columns.frame.index, dtype=object)


def identity(columns: Columns, problems: RowProblems) -> pd.DataFrame:
    """file_student_id, state_student_id (None where blank), last_name, first_name."""
    ids = clean_ids(columns.frame["student_id"])
    state = clean_ids(_text(columns, "state_student_id"))
    problems.flag(
        (ids == "") & (state == ""),
        rule="required",
        category=Category.TYPE,
        column=columns.header("student_id"),
        values=ids,
        message="Student ID is blank (and there is no Student State ID)",
    )
    fields.too_long(columns, problems, "student_id", fields.ID_LENGTH, ids)
    if columns.has("state_student_id"):
        fields.too_long(columns, problems, "state_student_id", fields.ID_LENGTH, state)
    return pd.DataFrame(
        {
            "file_student_id": values.collapsed(ids, fields.ID_LENGTH),
            "state_student_id": values.collapsed(state, fields.ID_LENGTH),
            "last_name": values.collapsed(_text(columns, "last_name"), NAME_LENGTH),
            "first_name": values.collapsed(_text(columns, "first_name"), NAME_LENGTH),
        },
        index=columns.frame.index,
    )


def dates(columns: Columns, problems: RowProblems, today: dt.date) -> pd.DataFrame:
    """completion_date and start_date (datetime64): a blank completion takes the start date.

    An unreadable completion date fails the row; so does an unreadable start date that was
    needed in its place. Otherwise an unreadable start date is only stored blank.
    """
    done_raw, start_raw = _text(columns, "completion_date"), _text(columns, "start_date")
    done, done_bad = parse_dates(done_raw)
    start, start_bad = parse_dates(start_raw)
    header = columns.header("completion_date" if columns.has("completion_date") else "start_date")
    start_header = columns.header("start_date")
    borrowed = done.isna() & ~done_bad & start.notna()
    if columns.has("completion_date"):
        _warn(
            problems,
            borrowed,
            header,
            "completion_date_from_start",
            "completion date is blank: the start date is used",
        )
    done = done.where(~borrowed, start)
    needed = done.isna() & ~done_bad
    _bad_dates(problems, done_bad, done_raw, header, Severity.ERROR)
    _bad_dates(problems, start_bad & needed, start_raw, start_header, Severity.ERROR)
    _bad_dates(problems, start_bad & ~needed & ~done_bad, start_raw, start_header, Severity.WARNING)
    problems.flag(
        needed & ~start_bad,
        rule="required",
        category=Category.TYPE,
        column=header,
        message="completion date (and start date) is blank",
    )
    latest = today + dt.timedelta(days=DAYS_AHEAD)
    problems.flag(
        (done < pd.Timestamp(EARLIEST_DATE)) | (done > pd.Timestamp(latest)),
        rule="date_out_of_range",
        category=Category.BUSINESS_RULE,
        column=header,
        values=done.dt.date,
        message=lambda _row, value: f"date {value} is outside {EARLIEST_DATE} to {latest}",
    )
    return pd.DataFrame({"completion_date": done, "start_date": start.where(~start_bad)})


def _bad_dates(
    problems: RowProblems, mask: pd.Series, raw: pd.Series, header: str, severity: Severity
) -> None:
    stored = "" if severity == Severity.ERROR else "; stored blank"
    problems.flag(
        mask,
        rule="invalid_date",
        category=Category.TYPE,
        column=header,
        values=raw,
        severity=severity,
        message=lambda _row, value: f"{value!r} is not a date ({fields.DATE_FORMATS_TEXT}){stored}",
    )


def _warn(problems: RowProblems, mask: pd.Series, header: str, rule: str, message: str) -> None:
    problems.flag(
        mask,
        rule=rule,
        category=Category.TYPE,
        column=header,
        severity=Severity.WARNING,
        message=message,
    )


def academic_years(
    columns: Columns, completion: pd.Series, problems: RowProblems, quality: Quality
) -> pd.Series:
    """The file's Academic Year (`YYYY-YYYY`), else the year of the completion date."""
    derived = pd.Series(None, index=completion.index, dtype=object)
    known = completion.notna()
    if known.any():  # on the known dates only: a NaT would turn every year into a float
        derived[known] = academic_years_of(completion[known])
    if not columns.has("academic_year"):
        return derived.astype(object)
    raw = columns.frame["academic_year"]
    years, bad = values.academic_years(raw)
    header = columns.header("academic_year")
    quality.unrecognised(bad, raw, header, "academic year (the completion date's year is used)")
    years = years.where(years.notna(), derived)
    problems.flag(
        years.notna() & derived.notna() & (years != derived),
        rule="date_outside_academic_year",
        category=Category.BUSINESS_RULE,
        severity=Severity.WARNING,
        column=columns.header("completion_date"),
        values=years,
        message=lambda _row, value: f"completion date is outside academic year {value}",
    )
    return years.astype(object)


def overall_score(columns: Columns, problems: RowProblems, quality: Quality) -> pd.Series:
    """The overall scale score (Int64); blank, non-integer or out-of-range cells fail."""
    raw, header = columns.frame["overall_scale_score"], columns.header("overall_scale_score")
    scores, not_integer, outside = values.scale_scores(raw)
    problems.flag(
        raw == "",
        rule="required",
        category=Category.TYPE,
        column=header,
        message="Overall Scale Score is blank",
    )
    quality.scores(problems, raw, not_integer, outside, header, overall=True)
    return scores


def described(columns: Columns, quality: Quality) -> pd.DataFrame:
    """Every optional stored value, normalised; unreadable ones become missing with a note."""
    out = pd.DataFrame(index=columns.frame.index)
    out["student_grade"] = _noted(columns, quality, "student_grade", values.grades_at_test, "grade")
    for name in ("baseline", "most_recent"):
        out[name] = _noted(columns, quality, name, values.flags, "Y/N value")
    for name in INTEGER_COLUMNS:
        out[name] = _noted(columns, quality, name, values.integers, "whole number")
    out["rush_flag"] = values.rush_flags(_text(columns, "rush_flag"))
    quality.rush_flags = {str(k): int(v) for k, v in out["rush_flag"].value_counts().items()}
    placement, _, unknown = values.placements(_text(columns, "overall_placement"))
    _note(columns, quality, "overall_placement", unknown, "placement")
    out["overall_placement"] = placement
    relative = _text(columns, "overall_relative_placement")
    out["overall_relative_placement"] = values.collapsed(relative, 60)
    out["placement_level"] = _noted(
        columns, quality, "overall_relative_placement", values.relative_levels, "relative placement"
    )
    out["lexile"] = _noted(columns, quality, "lexile", lambda v: values.measures(v, "L"), "Lexile")
    out["quantile"] = _noted(
        columns, quality, "quantile", lambda v: values.measures(v, "Q"), "Quantile"
    )
    return out


def _noted(columns: Columns, quality: Quality, name: str, parse: Parser, what: str) -> pd.Series:
    parsed, bad = parse(_text(columns, name))
    _note(columns, quality, name, bad, what)
    return parsed


def _note(columns: Columns, quality: Quality, name: str, bad: pd.Series, what: str) -> None:
    if columns.has(name):
        quality.unrecognised(bad, columns.frame[name], columns.header(name), what)
