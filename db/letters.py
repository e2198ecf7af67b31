"""Parent letters: stored templates and letterhead, generating letters, and reading them back.

Generating a letter accepts its ladder step (if not yet accepted), logs it as a completed
`parent_letter` (or SART `parent_conference`) intervention, stores the PDF and audits it.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from attendly.errors import Forbidden, NotFound
from attendly.interventions import Actor, InvalidIntervention, Status
from attendly.letter_texts import LANGUAGES, TEMPLATE_LABELS
from attendly.letters import (
    AbsenceDate,
    LetterFacts,
    compose,
    render,
)
from attendly.metrics.ladder import LETTER_STEPS, LadderStep, ProposalStatus
from attendly.metrics.policy import Policy
from db.intervention_models import Intervention, Letter, TruancyProposal
from db.interventions import Event, audit, change_event, scoped_student
from db.letter_templates import letterhead, template
from db.models import AttendanceRecord, School, Student
from db.queries import in_schools
from db.truancy import accept, proposal, truancy_queue

LETTER_COLUMNS = (
    "id",
    "intervention_id",
    "student_id",
    "template_key",
    "language",
    "batch_id",
    "created_by",
    "created_at",
)


def letter_facts(
    session: Session, policy: Policy, student_id: str, academic_year: str
) -> LetterFacts:
    """The student's name, grade, school and dated truancy occasions of the year."""
    student = scoped_student(session, student_id, None)
    school = session.get(School, student.school_id)
    truancy = AttendanceRecord.unexcused_periods > 0
    if policy.unverified_counts_as_unexcused:
        truancy = truancy | (AttendanceRecord.unverified_periods > 0)
    rows = session.execute(
        select(AttendanceRecord.date, AttendanceRecord.present)
        .where(
            AttendanceRecord.student_id == student.id,
            AttendanceRecord.academic_year == academic_year,
            truancy,
        )
        .order_by(AttendanceRecord.date)
    ).all()
    return LetterFacts(
        student_id=student.id,
        first_name=student.first_name,
        last_name=student.last_name,
        grade_level=student.grade_level,
        academic_year=academic_year,
        truancy_occasions=len(rows),
        absences=tuple(AbsenceDate(day, present == 0) for day, present in rows),
        school_name=school.name if school else "",
    )


def generate_letter(
    session: Session,
    actor: Actor,
    policy: Policy,
    proposal_id: int,
    language: str,
    today: dt.date | None = None,
    batch_id: str | None = None,
) -> tuple[int, list[Event]]:
    """Generate the parent letter of a letter-type ladder step; returns (letter id, events).

    Raises Forbidden (role), NotFound, InvalidIntervention (not a letter step, bad language).
    """
    if not actor.manages:
        raise Forbidden("only administrators, principals and counselors send ladder letters")
    today = today or dt.date.today()
    row = proposal(session, proposal_id, actor.allowed_grades, actor.allowed_schools)
    if LadderStep(row.step) not in LETTER_STEPS:
        raise InvalidIntervention({"step": "this ladder step has no parent letter"})
    if language not in LANGUAGES:
        raise InvalidIntervention({"language": "choose English (en) or Spanish (es)"})
    events = [] if row.status == ProposalStatus.ACCEPTED else [accept(session, actor, row, today)]
    _mark_decided(row, actor)
    facts = letter_facts(session, policy, row.student_id, row.academic_year)
    subject, body, _ = template(session, row.step, language)
    pdf = render([compose(facts, (subject, body), letterhead(session), language, today)])
    intervention = session.scalar(select(Intervention).where(Intervention.proposal_id == row.id))
    assert intervention is not None  # accept() created it
    _complete(intervention, actor, row.step, language, today)
    letter = Letter(
        intervention_id=intervention.id,
        student_id=row.student_id,
        template_key=row.step,
        language=language,
        pdf=pdf,
        batch_id=batch_id,
        created_by=actor.username,
    )
    session.add(letter)
    session.flush()
    audit(
        session,
        actor,
        "letter",
        letter.id,
        {
            "event": "letter",
            "step": row.step,
            "language": language,
            "student_id": row.student_id,
            "intervention_id": intervention.id,
        },
    )
    events.append(change_event(session, scoped_student(session, row.student_id, None)))
    return letter.id, events


def _mark_decided(row: TruancyProposal, actor: Actor) -> None:
    row.status = ProposalStatus.ACCEPTED.value
    row.defer_until = None
    row.decided_by = row.decided_by or actor.username
    row.decided_at = row.decided_at or dt.datetime.now(dt.UTC)


def _complete(
    intervention: Intervention, actor: Actor, step: str, language: str, today: dt.date
) -> None:
    """A letter step is done once its letter exists (a SART conference is still to be held)."""
    note = f"{TEMPLATE_LABELS[step]}: letter generated in {LANGUAGES[language]} on {today}."
    intervention.notes = (intervention.notes + "\n" + note).strip()
    intervention.updated_by = actor.username
    if step == LadderStep.SART_CONFERENCE:
        intervention.status = Status.IN_PROGRESS.value
        return
    intervention.status = Status.COMPLETED.value
    intervention.end_date = intervention.end_date or today
    intervention.outcome = intervention.outcome or "Letter generated for mailing to the family."


def generate_batch(
    session: Session,
    actor: Actor,
    policy: Policy,
    language: str,
    *,
    grade: int | None = None,
    today: dt.date | None = None,
) -> tuple[str | None, list[int], list[Event]]:
    """A letter for every student due a letter step now; returns (batch id, letter ids, events).

    The batch id is None when nobody is due a letter. Raises Forbidden (role).
    """
    if not actor.manages:
        raise Forbidden("only administrators, principals and counselors send ladder letters")
    queue = truancy_queue(
        session,
        policy,
        allowed_grades=actor.allowed_grades,
        grade=grade,
        today=today,
        allowed_schools=actor.allowed_schools,
    )
    due = queue[queue["step"].isin([step.value for step in LETTER_STEPS])]
    if due.empty:
        return None, [], []
    batch_id = str(uuid.uuid4())
    letter_ids: list[int] = []
    events: list[Event] = []
    for proposal_id in due["proposal_id"]:
        letter_id, letter_events = generate_letter(
            session, actor, policy, int(proposal_id), language, today, batch_id
        )
        letter_ids.append(letter_id)
        events.extend(letter_events)
    return batch_id, letter_ids, events


def _scoped_letters(
    allowed_grades: Sequence[int] | None, allowed_schools: Sequence[str] | None, *columns: Any
) -> Select[Any]:
    statement = select(*(columns or (Letter,))).join(Student, Student.id == Letter.student_id)
    if allowed_grades is not None:
        statement = statement.where(Student.grade_level.in_(allowed_grades))
    return in_schools(statement, allowed_schools)


def letter_pdf(
    session: Session,
    letter_id: int,
    allowed_grades: Sequence[int] | None,
    allowed_schools: Sequence[str] | None = None,
) -> bytes:
    """The stored PDF of one letter. Raises NotFound (also outside the scope)."""
    scoped = _scoped_letters(allowed_grades, allowed_schools)
    row = session.scalar(scoped.where(Letter.id == letter_id))
    if row is None:
        raise NotFound(f"no letter {letter_id} that you may see")
    return bytes(row.pdf)


def batch_pdf(
    session: Session,
    batch_id: str,
    allowed_grades: Sequence[int] | None,
    allowed_schools: Sequence[str] | None = None,
) -> bytes:
    """Every letter of a batch that the caller may see, as one PDF. Raises NotFound if none."""
    from pypdf import PdfWriter

    scoped = _scoped_letters(allowed_grades, allowed_schools)
    rows = session.scalars(scoped.where(Letter.batch_id == batch_id).order_by(Letter.id)).all()
    if not rows:
        raise NotFound(f"no letters in batch {batch_id!r} that you may see")
    writer = PdfWriter()
    for row in rows:
        writer.append(io.BytesIO(bytes(row.pdf)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def list_letters(
    session: Session,
    allowed_grades: Sequence[int] | None,
    student_id: str | None = None,
    limit: int = 200,
    allowed_schools: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Generated letters in scope, newest first (LETTER_COLUMNS)."""
    columns = [getattr(Letter, name) for name in LETTER_COLUMNS]
    scoped = _scoped_letters(allowed_grades, allowed_schools, *columns)
    statement = scoped.order_by(Letter.id.desc()).limit(limit)
    if student_id:
        statement = statement.where(Letter.student_id == student_id)
    return pd.DataFrame(session.execute(statement).all(), columns=list(LETTER_COLUMNS))
