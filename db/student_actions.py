"""What the Students page adds to each student for interventions: the chronic-absence early
warning (cached with the page's rows) and the open-intervention counts of one page of cards."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sqlalchemy.orm import Session

from attendly.cache import cached
from attendly.metrics.policy import Policy
from db import interventions, students_list
from db.dashboard import Scope, data_version

ROW_COLUMNS = (*students_list.LIST_COLUMNS, "more_absences_to_chronic")


def student_rows(session: Session, policy: Policy, scope: Scope) -> pd.DataFrame:
    """students_list.student_rows plus `more_absences_to_chronic` (Int64): the further full-day
    absences that make a not-yet-chronic student chronically absent this year; <NA> for a
    student already chronically absent or out of reach (db.interventions.early_warning).

    Cached per data version, like the rows it extends. Callers must not modify the frame.
    """
    if scope.empty:
        return pd.DataFrame(columns=list(ROW_COLUMNS))
    assert scope.academic_year is not None and scope.as_of is not None
    year, as_of = scope.academic_year, scope.as_of

    def build() -> pd.DataFrame:
        rows = students_list.student_rows(session, policy, scope).copy()
        warning = interventions.early_warning(session, policy, year, as_of, scope.grades)
        more = (
            rows["student_id"]
            .map(warning.set_index("student_id")["more_absences_to_chronic"])
            .astype("Int64")
        )
        rows["more_absences_to_chronic"] = more.mask(rows["chronically_absent"].eq(True))
        return rows

    return cached(("student-action-rows", scope, policy, data_version(session)), build)


def open_counts(
    session: Session, allowed_grades: Sequence[int] | None, student_ids: Sequence[str]
) -> dict[str, int]:
    """Open interventions per student of `student_ids` in scope (one query; absent = none).

    Not cached: interventions change between imports, and the count must follow at once.
    """
    if not student_ids:
        return {}
    frame = interventions.open_intervention_counts(
        session, allowed_grades, student_ids=list(student_ids)
    )
    return {
        str(student): int(count)
        for student, count in zip(frame["student_id"], frame["open_interventions"], strict=True)
    }
