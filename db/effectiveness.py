"""Intervention effectiveness: attendance before vs after each intervention, per type.

The arithmetic is attendly.metrics.effectiveness; this module only reads the interventions
(with a start date, not cancelled) of the students in scope and those students' school days.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from attendly.interventions import Status
from attendly.metrics.effectiveness import (
    WINDOW,
    effectiveness_by_type,
    intervention_windows,
)
from db.frames import frame
from db.intervention_models import Intervention
from db.models import AttendanceRecord, Student
from db.queries import in_schools

CHUNK = 500  # student ids per IN (...) list


def counted_interventions(
    session: Session,
    allowed_grades: Sequence[int] | None,
    allowed_schools: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Interventions with a start date that were not cancelled, in scope.

    Columns: intervention_id, student_id, type, start_date.
    """
    statement = (
        select(
            Intervention.id.label("intervention_id"),
            Intervention.student_id,
            Intervention.type,
            Intervention.start_date,
        )
        .join(Student, Student.id == Intervention.student_id)
        .where(Intervention.start_date.is_not(None), Intervention.status != Status.CANCELLED.value)
        .order_by(Intervention.id)
    )
    if allowed_grades is not None:
        statement = statement.where(Student.grade_level.in_(allowed_grades))
    result = session.execute(in_schools(statement, allowed_schools))
    return frame(result)


def school_days(session: Session, student_ids: Sequence[str]) -> pd.DataFrame:
    """Every attendance day of these students. Columns: student_id, date, present."""
    frames = []
    ids = sorted(set(student_ids))
    for start in range(0, len(ids), CHUNK):
        result = session.execute(
            select(
                AttendanceRecord.student_id, AttendanceRecord.date, AttendanceRecord.present
            ).where(AttendanceRecord.student_id.in_(ids[start : start + CHUNK]))
        )
        frames.append(frame(result, ["student_id", "date", "present"]))
    if not frames:
        return pd.DataFrame(columns=["student_id", "date", "present"])
    return pd.concat(frames, ignore_index=True)


def effectiveness(
    session: Session,
    allowed_grades: Sequence[int] | None,
    window: int = WINDOW,
    allowed_schools: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per type summary, per intervention windows) of the interventions of students in
    `allowed_grades` of `allowed_schools` (codes): see attendly.metrics.effectiveness."""
    interventions = counted_interventions(session, allowed_grades, allowed_schools)
    days = school_days(session, interventions["student_id"].tolist())
    windows = intervention_windows(interventions, days, window)
    return effectiveness_by_type(windows), windows
