"""The downloadable exception report of i-Ready rows whose students are not on the roster."""

from __future__ import annotations

import csv
import io

from sqlalchemy.orm import Session

from attendly.exports import safe_cell
from db.iready_unmapped import REPORT_COLUMNS, unmapped_report


def unmapped_csv(session: Session, import_id: int | None = None) -> str:
    """The report as CSV text (REPORT_COLUMNS): one import's kept rows, or every pending one.

    Cells a spreadsheet would run as a formula are neutralised.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    for row in unmapped_report(session, import_id):
        writer.writerow([safe_cell(_text(row[column])) for column in REPORT_COLUMNS])
    return buffer.getvalue()


def _text(value: object) -> object:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
