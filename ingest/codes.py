"""The district's attendance code table (formats.md §3): SIS letter -> canonical category.

Two layouts: `code, category[, description]`, or Aeries' absence-code table
`AbsenceCode, TypeCode, IsSuspension, CountsForADA` where the type maps as the formats say
(1 unverified -> V, 2 excused -> E, 3 unexcused -> U, 5 tardy -> T, 6 present -> P,
8 verified excused tardy -> T, 9 verified unexcused tardy -> L) and a suspension code is S,
or I when it counts for ADA. Codes are matched case-insensitively. A code table import adds
and changes codes, never removes one; stored attendance keeps the categories it was
imported with (re-import the attendance export to apply a changed code).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy.orm import Session

from attendly.metrics.codes import ALL_CATEGORIES, CATEGORY_LABELS
from db.merge import CODES, merge
from db.staging import StageRows
from ingest.checks import ImportContext, RowProblems
from ingest.headers import Columns, ColumnSpec, HeaderMap, map_headers, missing_column
from ingest.kinds import CheckedChunk, KeySet, Merged, Staged
from ingest.result import Category, Rejection
from ingest.rows import group, header_groups

COLUMNS = (
    ColumnSpec("code", ("AbsenceCode", "AttendanceCode", "CD"), required=True),
    ColumnSpec("category"),
    ColumnSpec("description", ("Title", "CodeDescription", "DE")),
    ColumnSpec("type_code", ("TypeCode", "TY", "AbsenceType")),
    ColumnSpec("is_suspension", ("IsSuspension", "Suspension", "SU")),
    ColumnSpec("counts_for_ada", ("CountsForADA", "ADA")),
)
AERIES_TYPES = {"1": "V", "2": "E", "3": "U", "5": "T", "6": "P", "8": "T", "9": "L"}
TRUE = frozenset({"Y", "YES", "T", "TRUE", "1", "X"})
CODE_LENGTH, DESCRIPTION_LENGTH = 4, 200


class CodeTable:
    """One code table import."""

    key: tuple[str, ...] = ("code",)
    content: tuple[str, ...] = ("category", "description")
    target = CODES
    event = "import"

    def __init__(self, header_map: HeaderMap, ctx: ImportContext) -> None:
        if not (header_map.has("category") or header_map.has("type_code")):
            also = ColumnSpec("category", ("TypeCode (Aeries absence-code export)",))
            raise Rejection([missing_column(also)])
        self.header_map = header_map
        self.ctx = ctx

    def tracker(self) -> KeySet:
        return KeySet(self.key)

    def check(self, columns: Columns) -> CheckedChunk:
        frame = columns.frame
        problems = RowProblems(frame.index)
        codes = frame["code"].str.upper()
        header = columns.header("code")
        problems.flag(
            codes == "",
            rule="required",
            category=Category.TYPE,
            column=header,
            values=codes,
            message="code is blank",
        )
        problems.flag(
            codes.str.len() > CODE_LENGTH,
            rule="too_long",
            category=Category.TYPE,
            column=header,
            values=codes,
            message=f"a code has at most {CODE_LENGTH} characters",
        )
        categories = self._categories(columns, problems)
        descriptions = self._descriptions(columns, categories, problems)
        ok = problems.ok.to_numpy()
        rows = StageRows(
            (
                *header_groups(self.ctx.import_id, frame.index[ok]),
                group("code", codes[ok]),
                group("category", categories[ok]),
                group("description", descriptions[ok]),
            )
        )
        keys = pd.DataFrame(
            {"code": codes[ok], "category": categories[ok], "description": descriptions[ok]}
        )
        return CheckedChunk(rows, keys, problems.problems, int(problems.failed.sum()))

    def _categories(self, columns: Columns, problems: RowProblems) -> pd.Series:
        frame = columns.frame
        given = frame["category"].str.upper() if columns.has("category") else None
        derived = _aeries_categories(frame) if columns.has("type_code") else None
        if given is None:
            assert derived is not None
            categories = derived
        else:
            categories = given.where(given != "", derived if derived is not None else "")
        bad = ~categories.isin(list(ALL_CATEGORIES))
        column = "category" if columns.has("category") else "type_code"
        problems.flag(
            bad,
            rule="unknown_category",
            category=Category.BUSINESS_RULE,
            column=columns.header(column),
            values=frame[column],
            message=lambda _row, value: (
                f"{value!r} has no category: use P, T, L, E, U, V, S or I "
                "(or an Aeries absence type 1, 2, 3, 5, 6, 8 or 9)"
            ),
        )
        return categories

    def _descriptions(
        self, columns: Columns, categories: pd.Series, problems: RowProblems
    ) -> pd.Series:
        labels = categories.map(CATEGORY_LABELS).fillna("")
        if not columns.has("description"):
            return labels
        text = columns.frame["description"]
        problems.flag(
            text.str.len() > DESCRIPTION_LENGTH,
            rule="too_long",
            category=Category.TYPE,
            column=columns.header("description"),
            values=text,
            message=f"description is longer than {DESCRIPTION_LENGTH} characters",
        )
        return text.where(text != "", labels)

    def merge_schools(self, session: Session, staged: Staged) -> set[int] | None:
        return None  # the codes are the district's

    def merge(self, session: Session, staged: Staged) -> Merged:
        compare = (
            ["category", "description"] if self.header_map.has("description") else ["category"]
        )
        counts = merge(
            session,
            CODES,
            self.ctx.import_id,
            compare=compare,
            insert_columns=["category", "description"],
        )
        return Merged(counts.inserted, counts.updated, staged.live)


def _aeries_categories(frame: pd.DataFrame) -> pd.Series:
    """Category from Aeries' absence type and flags (blank when the type has none)."""
    types = frame["type_code"].str.strip().str.lstrip("0")
    categories = types.map(AERIES_TYPES).fillna("")
    if "is_suspension" in frame:
        suspension = frame["is_suspension"].str.upper().isin(TRUE)
        ada = (
            frame["counts_for_ada"].str.upper().isin(TRUE)
            if "counts_for_ada" in frame
            else pd.Series(False, index=frame.index)
        )
        categories = categories.where(~suspension, ada.map({True: "I", False: "S"}))
    return categories


def open_codes(session: Session, headers: list[str], ctx: ImportContext) -> CodeTable:
    del session  # the code table needs nothing stored to validate
    return CodeTable(map_headers(headers, COLUMNS), ctx)
