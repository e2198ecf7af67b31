"""i-Ready storage: diagnostics with their domain scores, unmapped rows and their report.

Writes flush nothing else and never commit: the caller's transaction decides.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import pandas as pd
from sqlalchemy import Integer, Table, delete, insert, select, update
from sqlalchemy.orm import Session

from db import versions
from db.growth import refresh_growth
from db.loaders import ID_CHUNK, chunks
from db.models import IReadyDiagnostic, IReadyDomainScore, Student

KEY = ("student_id", "subject", "completion_date")
VALUES = (
    "academic_year",
    "start_date",
    "student_grade",
    "baseline",
    "most_recent",
    "duration_min",
    "rush_flag",
    "overall_scale_score",
    "overall_placement",
    "overall_relative_placement",
    "placement_level",
    "percentile",
    "grouping",
    "lexile",
    "quantile",
    "diagnostic_gain",
    "annual_typical_growth",
    "annual_stretch_growth",
    "mid_on_grade_level_scale_score",
)
DOMAIN_VALUES = ("scale_score", "placement", "relative_placement", "placement_level")
WHOLE_TABLE = 2000  # ids past which a look-up reads the whole students table
DIAGNOSTICS: Table = IReadyDiagnostic.__table__
DOMAINS: Table = IReadyDomainScore.__table__


@dataclass
class WriteCounts:
    """What a write did; `students` are the students whose diagnostics changed."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    students: set[str] = field(default_factory=set)


def known_students(session: Session, ids: Iterable[str]) -> set[str]:
    """The ids among `ids` that are stored students."""
    wanted = set(ids)
    if len(wanted) > WHOLE_TABLE:  # one scan beats dozens of long IN lists
        return wanted & set(session.scalars(select(Student.id)))
    found: set[str] = set()
    for chunk in chunks(sorted(wanted), ID_CHUNK):
        found.update(session.scalars(select(Student.id).where(Student.id.in_(chunk))))
    return found


def students_by_state_id(session: Session, state_ids: Iterable[str]) -> dict[str, str]:
    """State student id -> student id, for state ids held by exactly one student."""
    pairs: list[tuple[str, str]] = []
    for chunk in chunks(sorted(set(state_ids)), ID_CHUNK):
        query = select(Student.state_student_id, Student.id).where(
            Student.state_student_id.in_(chunk)
        )
        pairs.extend((str(state), str(student)) for state, student in session.execute(query))
    holders: dict[str, set[str]] = {}
    for state, student in pairs:
        holders.setdefault(state, set()).add(student)
    return {state: min(found) for state, found in holders.items() if len(found) == 1}


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns as Python objects with None for missing (what drivers bind)."""
    return frame.astype(object).where(frame.notna(), None)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of plain Python values."""
    return cast(list[dict[str, Any]], plain(frame).to_dict("records"))


def _signatures(domains: pd.DataFrame, owner: str) -> pd.Series:
    """One comparable number per owner (source row or diagnostic id) of its domain rows.

    The sum of 40-bit hashes of each domain row: independent of row order, and a change in
    any value changes it (a collision would need two changes that cancel exactly).
    """
    if domains.empty:
        return pd.Series(dtype="int64")
    parts = pd.DataFrame({"domain": domains["domain"].astype(str).to_numpy()})
    for name in DOMAIN_VALUES:
        column = domains[name]
        if name in ("scale_score", "placement_level"):
            column = pd.to_numeric(column).astype("Int64")
        parts[name] = column.astype(object).where(column.notna(), "-").astype(str).to_numpy()
    hashes = (pd.util.hash_pandas_object(parts, index=False).to_numpy() >> 24).astype("int64")
    return pd.Series(hashes).groupby(domains[owner].to_numpy()).sum()


def window(table: Table, rows: pd.DataFrame) -> Any:
    """Rows of `table` in the subjects and completion-date span of `rows` (one cheap query)."""
    dates = rows["completion_date"]
    return (table.c.subject.in_(sorted(set(rows["subject"])))) & table.c.completion_date.between(
        min(dates), max(dates)
    )


def frame_of(session: Session, statement: Any) -> pd.DataFrame:
    """A query's rows as a frame, built column by column (much faster than from Row objects)."""
    result = session.execute(statement)
    names = list(result.keys())
    columns = list(zip(*result.all(), strict=True)) or [()] * len(names)
    return pd.DataFrame(
        {name: pd.Series(values, dtype=object) for name, values in zip(names, columns, strict=True)}
    )


def _stored(session: Session, rows: pd.DataFrame) -> pd.DataFrame:
    columns = [DIAGNOSTICS.c.id, *(DIAGNOSTICS.c[name] for name in (*KEY, *VALUES))]
    return frame_of(session, select(*columns).where(window(DIAGNOSTICS, rows)))


def _stored_domains(session: Session, rows: pd.DataFrame) -> pd.DataFrame:
    columns = [DOMAINS.c.diagnostic_id, DOMAINS.c.domain, *(DOMAINS.c[n] for n in DOMAIN_VALUES)]
    joined = DOMAINS.join(DIAGNOSTICS, DIAGNOSTICS.c.id == DOMAINS.c.diagnostic_id)
    return frame_of(session, select(*columns).select_from(joined).where(window(DIAGNOSTICS, rows)))


def bulk_insert(session: Session, table: Table, frame: pd.DataFrame) -> None:
    """Insert every row of `frame` (columns named as in `table`): COPY on PostgreSQL.

    COPY of a CSV written by pandas is an order of magnitude faster than batched INSERTs for
    the 300,000 domain rows of a district's year; SQLite's executemany is fast already.
    """
    if frame.empty:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(insert(table), records(frame))
        return
    text = io.StringIO()
    _copyable(table, frame).to_csv(text, index=False, header=False)
    names = ", ".join(f'"{name}"' for name in frame.columns)
    driver = connection.connection.driver_connection
    assert driver is not None
    statement = f"COPY {table.name} ({names}) FROM STDIN WITH (FORMAT csv)"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(text.getvalue())


def _copyable(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """Integer columns as whole numbers (never `550.0`), text blanks as NULL (unquoted empty)."""
    out = frame.copy()
    for name in out.columns:
        if isinstance(table.c[name].type, Integer):
            out[name] = pd.to_numeric(out[name]).astype("Int64")
        elif out[name].dtype == object:
            # An empty string would read as NULL too; no stored text is ever empty.
            out[name] = out[name].where(out[name].notna(), None)
    return out


def differs(merged: pd.DataFrame, names: Sequence[str]) -> pd.Series:
    found = pd.Series(False, index=merged.index)
    for name in names:
        new, old = merged[name], merged[f"{name}_old"]
        found |= ~((new == old) | (new.isna() & old.isna()))
    return found


def upsert_diagnostics(session: Session, rows: pd.DataFrame, domains: pd.DataFrame) -> WriteCounts:
    """Insert new diagnostics, update changed ones (domain scores included), skip the rest,
    and refresh the growth table (db.growth) of the students whose diagnostics changed.

    `rows` holds KEY, VALUES and `import_id`, one row per key, indexed by source row;
    `domains` holds `domain` and DOMAIN_VALUES, indexed by the same source rows.
    """
    counts = WriteCounts()
    if rows.empty:
        return counts
    new = plain(rows[[*KEY, *VALUES, "import_id"]]).rename_axis("_row").reset_index()
    new_domains = domains.rename_axis("_row").reset_index()
    new["_sig"] = new["_row"].map(_signatures(new_domains, "_row")).fillna(0)
    merged = new.merge(_stored(session, new), on=list(KEY), how="left", suffixes=("", "_old"))
    matched = merged["id"].notna()
    old_signatures = _signatures(_stored_domains(session, new), "diagnostic_id")
    merged["_sig_old"] = merged["id"].map(old_signatures).fillna(0)
    changed = matched & differs(merged, [*VALUES, "_sig"])
    bulk_insert(session, DIAGNOSTICS, merged.loc[~matched, [*KEY, *VALUES, "import_id"]])
    ids = _new_ids(session, merged[~matched])
    ids.update(_update(session, merged[changed]))
    _replace_domains(session, new_domains, ids, [int(i) for i in merged.loc[changed, "id"]])
    counts.inserted, counts.updated = int((~matched).sum()), int(changed.sum())
    counts.unchanged = int((matched & ~changed).sum())
    counts.students = set(merged.loc[~matched | changed, "student_id"])
    if counts.students:
        versions.bump(session, versions.DIAGNOSTICS)  # db.growth.in_sync checks again
    refresh_growth(session, counts.students)
    return counts


def _new_ids(session: Session, inserted: pd.DataFrame) -> dict[Any, int]:
    """Source row -> id of the diagnostics just inserted (looked up by key)."""
    if inserted.empty:
        return {}
    stored = _stored(session, inserted)[["id", *KEY]]
    found = inserted[["_row", *KEY]].merge(stored, on=list(KEY), how="left")
    return dict(zip(found["_row"], (int(i) for i in found["id"]), strict=True))


def _update(session: Session, merged: pd.DataFrame) -> dict[Any, int]:
    """Update by primary key; returns source row -> diagnostic id."""
    if merged.empty:
        return {}
    changes = merged[["id", *VALUES, "import_id"]].astype({"id": "int64"})
    session.execute(update(IReadyDiagnostic), records(changes))
    return dict(zip(merged["_row"], (int(i) for i in merged["id"]), strict=True))


def _replace_domains(
    session: Session, domains: pd.DataFrame, ids: dict[Any, int], updated: Sequence[int]
) -> None:
    for chunk in chunks(sorted(updated), ID_CHUNK):
        session.execute(delete(DOMAINS).where(DOMAINS.c.diagnostic_id.in_(chunk)))
    wanted = domains[domains["_row"].isin(ids.keys())]
    frame = wanted[["domain", *DOMAIN_VALUES]].assign(
        diagnostic_id=wanted["_row"].map(ids).astype("int64").to_numpy()
    )
    bulk_insert(session, DOMAINS, frame[["diagnostic_id", "domain", *DOMAIN_VALUES]])
