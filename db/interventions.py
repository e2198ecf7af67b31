"""Interventions: scoped reads (list, timeline, open counts, early warning) and audited writes.

Every function takes the caller's grade scope (`allowed_grades`, None = every grade; with
`allowed_schools`, school codes, None = every school) or an
Actor carrying it; nothing outside the scope is read or written. Writes flush, add an audit
entry and return the change event to publish after the caller commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from attendly.errors import Forbidden, NotFound
from attendly.events import data_changed
from attendly.interventions import (
    FIELDS,
    OPEN_STATUSES,
    Actor,
    clean,
    may_write,
)
from db.early_warning import early_warning as early_warning  # for the Students page
from db.frames import frame
from db.intervention_models import Intervention, Letter, TruancyProposal
from db.models import AuditEntry, School, Student
from db.queries import in_schools, scoped_grades

Event = dict[str, Any]

LIST_COLUMNS = (
    "id",
    "student_id",
    "last_name",
    "first_name",
    "grade_level",
    "type",
    "tier",
    "status",
    "owner",
    "start_date",
    "due_date",
    "end_date",
    "notes",
    "outcome",
    "proposal_id",
    "created_by",
    "created_at",
    "updated_by",
    "updated_at",
)
DUE_FILTERS = ("overdue", "week", "month", "none")


def scoped_student(
    session: Session,
    student_id: str,
    allowed_grades: Sequence[int] | None,
    allowed_schools: Sequence[str] | None = None,
) -> Student:
    """The student, if the caller may see them. Raises NotFound otherwise (no hint either way)."""
    student = session.get(Student, str(student_id).strip())
    outside = (
        allowed_grades is not None
        and student is not None
        and (student.grade_level not in allowed_grades)
    )
    if student is not None and allowed_schools is not None:
        school = session.get(School, student.school_id)
        outside = outside or school is None or school.code not in allowed_schools
    if student is None or outside:
        raise NotFound(f"no student {student_id!r} that you may see")
    return student


def change_event(session: Session, student: Student) -> Event:
    """The realtime event of an intervention change for one student."""
    school = session.get(School, student.school_id)
    return data_changed(
        "intervention", school.code if school else None, [student.grade_level], [student.id]
    )


def audit(
    session: Session, actor: Actor, entity: str, entity_id: object, details: dict[str, Any]
) -> None:
    """Append the audit entry of an intervention-related action (same transaction)."""
    session.add(
        AuditEntry(
            username=actor.username or None,
            action="intervention",
            entity=entity,
            entity_id=str(entity_id),
            details={key: _json(value) for key, value in details.items()},
        )
    )


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _listing() -> Select[Any]:
    columns = [getattr(Intervention, name) for name in LIST_COLUMNS if hasattr(Intervention, name)]
    names = (Student.last_name, Student.first_name, Student.grade_level)
    return select(*columns, *names).join(Student, Student.id == Intervention.student_id)


def list_interventions(
    session: Session,
    *,
    allowed_grades: Sequence[int] | None,
    allowed_schools: Sequence[str] | None = None,
    grade: int | None = None,
    student_id: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    owner: str | None = None,
    due: str | None = None,
    today: dt.date | None = None,
) -> pd.DataFrame:
    """Interventions in scope (LIST_COLUMNS), newest first; filters are exact matches.

    `due`: `overdue` (open, due before today), `week` / `month` (open, due in the next 7 / 30
    days), `none` (no due date). Raises ValueError for another `due` value, Forbidden for a
    grade outside the scope.
    """
    statement = _listing()
    grades = scoped_grades([grade] if grade is not None else None, allowed_grades)
    if grades is not None:
        statement = statement.where(Student.grade_level.in_(grades))
    statement = in_schools(statement, allowed_schools)
    for column, value in (
        (Intervention.student_id, student_id),
        (Intervention.status, status),
        (Intervention.type, kind),
        (Intervention.owner, owner),
    ):
        if value:
            statement = statement.where(column == value)
    if due:
        statement = _due_filter(statement, due, today or dt.date.today())
    statement = statement.order_by(Intervention.id.desc())
    result = session.execute(statement)
    return frame(result)[list(LIST_COLUMNS)]


def _due_filter(statement: Select[Any], due: str, today: dt.date) -> Select[Any]:
    if due == "none":
        return statement.where(Intervention.due_date.is_(None))
    if due not in DUE_FILTERS:
        raise ValueError(f"unknown due filter {due!r}; use one of {', '.join(DUE_FILTERS)}")
    open_ = statement.where(Intervention.status.in_([s.value for s in OPEN_STATUSES]))
    if due == "overdue":
        return open_.where(Intervention.due_date < today)
    days = 7 if due == "week" else 30
    return open_.where(Intervention.due_date.between(today, today + dt.timedelta(days=days)))


def owners(
    session: Session,
    allowed_grades: Sequence[int] | None,
    allowed_schools: Sequence[str] | None = None,
) -> list[str]:
    """Distinct owners of the interventions in scope, sorted (the owner filter's choices)."""
    statement = (
        select(Intervention.owner)
        .join(Student, Student.id == Intervention.student_id)
        .where(Intervention.owner != "")
        .distinct()
    )
    if allowed_grades is not None:
        statement = statement.where(Student.grade_level.in_(allowed_grades))
    return sorted(session.scalars(in_schools(statement, allowed_schools)))


def get_intervention(
    session: Session,
    intervention_id: int,
    allowed_grades: Sequence[int] | None,
    allowed_schools: Sequence[str] | None = None,
) -> dict[str, Any]:
    """One intervention as a LIST_COLUMNS dict. Raises NotFound (also outside the scope)."""
    statement = _listing().where(Intervention.id == intervention_id)
    if allowed_grades is not None:
        statement = statement.where(Student.grade_level.in_(allowed_grades))
    statement = in_schools(statement, allowed_schools)
    row = session.execute(statement).mappings().one_or_none()
    if row is None:
        raise NotFound(f"no intervention {intervention_id} that you may see")
    return {name: row[name] for name in LIST_COLUMNS}


def create_intervention(
    session: Session,
    actor: Actor,
    payload: Mapping[str, Any],
    proposal_id: int | None = None,
) -> tuple[dict[str, Any], Event]:
    """Validate and store a new intervention; returns it and its change event.

    Raises InvalidIntervention, NotFound (student unknown or out of scope), Forbidden.
    """
    values = clean({"owner": actor.username, **payload})
    values["owner"] = values["owner"] or actor.username
    student = scoped_student(
        session, values["student_id"], actor.allowed_grades, actor.allowed_schools
    )
    reason = may_write(actor, values["type"])
    if reason:
        raise Forbidden(reason)
    row = Intervention(
        **values, proposal_id=proposal_id, created_by=actor.username, updated_by=actor.username
    )
    session.add(row)
    session.flush()
    audit(session, actor, "intervention", row.id, {"event": "created", **values})
    return get_intervention(session, row.id, None), change_event(session, student)


def update_intervention(
    session: Session, actor: Actor, intervention_id: int, payload: Mapping[str, Any]
) -> tuple[dict[str, Any], Event]:
    """Change (or close) an intervention; only the fields given change. Returns it and its event.

    The student of an intervention never changes. Raises InvalidIntervention, NotFound,
    Forbidden.
    """
    current = get_intervention(
        session, intervention_id, actor.allowed_grades, actor.allowed_schools
    )
    if "student_id" in payload and str(payload["student_id"]).strip() != current["student_id"]:
        raise Forbidden("an intervention cannot move to another student")
    reason = may_write(actor, current["type"], current["created_by"] or "")
    values = clean(payload, {name: current[name] for name in FIELDS})
    reason = reason or may_write(actor, values["type"], current["created_by"] or "")
    if reason:
        raise Forbidden(reason)
    row = session.get(Intervention, intervention_id)
    assert row is not None  # found just above
    changed = {name: value for name, value in values.items() if current[name] != value}
    for name, value in changed.items():
        setattr(row, name, value)
    row.updated_by = actor.username
    row.updated_at = dt.datetime.now(dt.UTC)
    session.flush()
    audit(session, actor, "intervention", row.id, {"event": "updated", **changed})
    student = scoped_student(session, row.student_id, None)
    return get_intervention(session, row.id, None), change_event(session, student)


def timeline(
    session: Session,
    student_id: str,
    allowed_grades: Sequence[int] | None,
    allowed_schools: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One student's interventions, latest first, for a timeline: LIST_COLUMNS + `step` (the
    truancy-ladder step it carries out, or None) + `letter_ids` (list of generated letters).

    Raises NotFound when the student is unknown or outside the scope.
    """
    scoped_student(session, student_id, allowed_grades, allowed_schools)
    frame = list_interventions(session, allowed_grades=None, student_id=str(student_id).strip())
    steps = dict(
        session.execute(
            select(TruancyProposal.id, TruancyProposal.step).where(
                TruancyProposal.student_id == str(student_id).strip()
            )
        ).all()
    )
    letters: dict[int, list[int]] = {}
    statement = select(Letter.id, Letter.intervention_id)
    for letter_id, intervention_id in session.execute(
        statement.where(Letter.student_id == str(student_id).strip())
    ):
        letters.setdefault(intervention_id, []).append(letter_id)
    frame["step"] = [steps.get(p) if pd.notna(p) else None for p in frame["proposal_id"]]
    frame["letter_ids"] = [sorted(letters.get(int(i), [])) for i in frame["id"]]
    when = frame["start_date"].where(frame["start_date"].notna(), frame["due_date"])
    frame["_when"] = pd.to_datetime(when.where(when.notna(), frame["created_at"].map(_day)))
    ordered = frame.sort_values(["_when", "id"], ascending=False, kind="stable")
    return ordered.drop(columns="_when").reset_index(drop=True)


def _day(moment: Any) -> dt.date | None:
    return moment.date() if isinstance(moment, dt.datetime) else moment


def open_intervention_counts(
    session: Session,
    allowed_grades: Sequence[int] | None,
    student_ids: Sequence[str] | None = None,
    allowed_schools: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Open (planned or in progress) interventions per student in scope.

    Columns: student_id, open_interventions (students with none are absent).
    """
    statement = (
        select(Intervention.student_id, func.count().label("open_interventions"))
        .join(Student, Student.id == Intervention.student_id)
        .where(Intervention.status.in_([s.value for s in OPEN_STATUSES]))
        .group_by(Intervention.student_id)
        .order_by(Intervention.student_id)
    )
    if allowed_grades is not None:
        statement = statement.where(Student.grade_level.in_(allowed_grades))
    if student_ids is not None:
        statement = statement.where(Intervention.student_id.in_(list(student_ids)))
    result = session.execute(in_schools(statement, allowed_schools))
    return frame(result, ["student_id", "open_interventions"])
