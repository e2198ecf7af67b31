"""Map kept-aside i-Ready rows to students once a roster knows them, and load them."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import cast

import pandas as pd
from sqlalchemy.orm import Session

from attendly.events import data_changed
from attendly.services import publish
from attendly.settings import Settings
from db.iready import upsert_diagnostics
from db.iready_unmapped import mark_mapped, pending_count, pending_unmapped
from db.loaders import existing_students
from db.models import AuditEntry, utcnow
from ingest.checks import ImportContext
from ingest.headers import resolve_columns
from ingest.iready.check import IReadyChecked, check
from ingest.iready.columns import COLUMNS
from ingest.reading import RawTable
from ingest.result import Rejection

logger = logging.getLogger(__name__)


@dataclass
class RemapResult:
    """What a re-map did: rows examined, rows now mapped, diagnostics written, still pending."""

    pending: int = 0
    mapped: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    still_unmapped: int = 0
    students: set[str] = field(default_factory=set)

    def to_dict(self) -> dict[str, int]:
        return {
            "pending": self.pending,
            "mapped": self.mapped,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "still_unmapped": self.still_unmapped,
        }


def remap(
    session: Session,
    settings: Settings,
    *,
    today: dt.date | None = None,
    username: str | None = None,
) -> RemapResult:
    """Load every kept-aside row whose student is now known; commits and announces.

    Rows are re-validated from their stored cells with the same rules as the import; a
    mapped row is stamped `mapped_at` and its diagnostic carries the original import's id.
    """
    pending = pending_unmapped(session)
    result = RemapResult(pending=len(pending))
    if pending.empty:
        return result
    ctx_today = today or dt.date.today()
    pending["_headers"] = pending["raw"].map(lambda raw: tuple(raw))
    mapped_ids: list[int] = []
    for (subject, headers), group in pending.groupby(["subject", "_headers"], sort=True):
        names = [str(name) for name in cast(tuple[str, ...], headers)]
        checked = _recheck(session, settings, ctx_today, str(subject), names, group)
        if checked is None:
            continue
        imports = dict(zip(group["id"], group["import_id"], strict=True))
        rows = checked.rows.assign(import_id=[int(imports[i]) for i in checked.rows.index])
        written = upsert_diagnostics(session, rows, checked.domains)
        result.inserted += written.inserted
        result.updated += written.updated
        result.unchanged += written.unchanged
        result.students |= written.students
        mapped_ids.extend(int(i) for i in checked.mapped_rows)
    mark_mapped(session, mapped_ids, utcnow())
    result.mapped = len(mapped_ids)
    result.still_unmapped = result.pending - result.mapped
    _audit(session, result, username)
    session.commit()
    _announce(session, result.students)
    return result


def _recheck(
    session: Session,
    settings: Settings,
    today: dt.date,
    subject: str,
    headers: list[str],
    group: pd.DataFrame,
) -> IReadyChecked | None:
    """Run the import's check on stored cells (indexed by unmapped-row id)."""
    cells = pd.DataFrame(
        [list(raw.values()) for raw in group["raw"]], index=group["id"].to_numpy(), dtype=object
    ).fillna("")
    table = RawTable(headers=headers, cells=cells, encoding="utf-8", delimiter=",")
    # The stored subject travels as the file name, as it did in the original import.
    ctx = ImportContext(settings, 0, today, None, filename=f"iready_{subject.lower()}.csv")
    try:
        checked = check(session, resolve_columns(table, COLUMNS), ctx)
    except Rejection:
        logger.exception("kept i-Ready rows with headers %s no longer validate", headers)
        return None
    return checked


def _audit(session: Session, result: RemapResult, username: str | None) -> None:
    session.add(
        AuditEntry(
            action="iready_remap",
            entity="iready_unmapped",
            username=username,
            details=result.to_dict(),
        )
    )


def _announce(session: Session, students: set[str]) -> None:
    """Tell open dashboards; the data is committed, so a bus outage only logs."""
    if not students:
        return
    found = existing_students(session, students)
    codes = {code for _grade, code in found.values()}
    event = data_changed(
        "iready",
        codes.pop() if len(codes) == 1 else None,
        {grade for grade, _code in found.values()},
        students,
    )
    try:
        publish(event)
    except Exception:  # the event bus is an outside service; the re-map itself succeeded
        logger.exception("could not publish the i-Ready re-map")


def after_roster_import(session: Session, ctx: ImportContext) -> None:
    """Re-map kept rows after a roster import; cheap when none wait, never fails the roster."""
    try:
        if pending_count(session):
            outcome = remap(session, ctx.settings, today=ctx.today, username="roster import")
            logger.info("i-Ready re-map after roster import: %s", outcome.to_dict())
    except Exception:  # a process boundary: the roster import is committed and stands
        logger.exception("i-Ready re-map after roster import %s failed", ctx.import_id)
        session.rollback()
