"""The school calendar (formats.md §3): one row per school day, `date[, school_code]`.

It tells an Aeries by-exception import which days a student was enrolled. An import adds
days and never removes one (roll the import back to undo it). Dates may run a year ahead:
calendars are published before the year starts.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy.orm import Session

from db.merge import CALENDAR, merge
from db.stage_attendance import school_ids
from db.staging import StageRows, fill_school_ids
from ingest import fields
from ingest.attendance import dates_in_window
from ingest.checks import ImportContext, RowProblems
from ingest.headers import Columns, ColumnSpec, map_headers
from ingest.kinds import CheckedChunk, KeySet, Merged, Staged
from ingest.rows import date_group, group, header_groups

COLUMNS = (
    ColumnSpec("date", ("CalendarDate", "SchoolDate", "Day", "DT"), required=True),
    fields.SCHOOL_CODE,
)
DAYS_AHEAD = 400


class Calendar:
    """One calendar import."""

    key: tuple[str, ...] = ("school_code", "date")
    content: tuple[str, ...] = ("school_code",)
    target = CALENDAR
    event = "import"

    def __init__(self, session: Session, headers: list[str], ctx: ImportContext) -> None:
        self.header_map = map_headers(headers, COLUMNS)
        self.ctx = ctx
        self.schools = school_ids(session)

    def tracker(self) -> KeySet:
        return KeySet(self.key)

    def check(self, columns: Columns) -> CheckedChunk:
        problems = RowProblems(columns.frame.index)
        days = dates_in_window(columns, problems, "date", self.ctx.today, DAYS_AHEAD)
        codes = fields.school_codes(columns, problems).fillna(self.ctx.default_school_code)
        ok = problems.ok.to_numpy()
        school = codes[ok].map(self.schools).astype("Int64")
        rows = StageRows(
            (
                *header_groups(self.ctx.import_id, columns.frame.index[ok]),
                date_group(days[ok]),
                group("school_code", codes[ok]),
                group("school_id", school),
            )
        )
        keys = pd.DataFrame({"school_code": codes[ok], "date": days[ok]})
        return CheckedChunk(rows, keys, problems.problems, int(problems.failed.sum()))

    def merge_schools(self, session: Session, staged: Staged) -> set[int] | None:
        return None  # a calendar file is small: it merges with the district to itself

    def merge(self, session: Session, staged: Staged) -> Merged:
        import_id = self.ctx.import_id
        fill_school_ids(session, CALENDAR.stage, import_id, self.ctx.settings.periods_per_day)
        counts = merge(session, CALENDAR, import_id, compare=(), insert_columns=["academic_year"])
        return Merged(counts.inserted, counts.updated, staged.live)


def open_calendar(session: Session, headers: list[str], ctx: ImportContext) -> Calendar:
    return Calendar(session, headers, ctx)
