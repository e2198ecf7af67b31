"""The truancy-ladder work queue: which students are due a step, and the decisions about it.

The rules live in attendly.metrics.ladder; this module reads the students' truancy occasions
(metric definitions §3, the same figures as the Students page), stores each newly due step as
a `proposed` row, and records accept / defer / dismiss decisions with their reasons.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from attendly.errors import Forbidden, NotFound
from attendly.interventions import Actor, InterventionType, InvalidIntervention, Status
from attendly.metrics.ladder import (
    QUEUE_COLUMNS,
    LadderStep,
    ProposalStatus,
    due_steps,
)
from attendly.metrics.policy import Policy
from db.frames import frame
from db.intervention_models import Intervention, TruancyProposal
from db.interventions import Event, audit, change_event, create_intervention, scoped_student
from db.queries import resolve_period, scoped_grades, scoped_schools, student_figures

QUEUE_OUTPUT = (
    *QUEUE_COLUMNS,
    "proposal_id",
    "academic_year",
    "last_name",
    "first_name",
    "grade_level",
)
STEP_INTERVENTIONS = {
    LadderStep.LETTER_1: (InterventionType.PARENT_LETTER, 2),
    LadderStep.LETTER_2: (InterventionType.PARENT_LETTER, 2),
    LadderStep.SART_CONFERENCE: (InterventionType.PARENT_CONFERENCE, 3),
    LadderStep.SARB_REFERRAL: (InterventionType.SARB_REFERRAL, 3),
}
DECISIONS = (ProposalStatus.ACCEPTED, ProposalStatus.DEFERRED, ProposalStatus.DISMISSED)
VERBS = {"accept": "accepted", "defer": "deferred", "dismiss": "dismissed"}


def _decisions(session: Session, academic_year: str) -> pd.DataFrame:
    result = session.execute(
        select(
            TruancyProposal.id.label("proposal_id"),
            TruancyProposal.student_id,
            TruancyProposal.step,
            TruancyProposal.status,
            TruancyProposal.defer_until,
        ).where(TruancyProposal.academic_year == academic_year)
    )
    return frame(result)


def truancy_queue(
    session: Session,
    policy: Policy,
    *,
    allowed_grades: Sequence[int] | None,
    grade: int | None = None,
    academic_year: str | None = None,
    as_of: dt.date | None = None,
    today: dt.date | None = None,
    allowed_schools: Sequence[str] | None = None,
    school: str | None = None,
) -> pd.DataFrame:
    """Students due a ladder step (QUEUE_OUTPUT), most occasions first.

    The year and as-of date default as in metric definitions §3. A step due for the first
    time is stored as a `proposed` proposal (flushed, not committed), so every row has a
    proposal_id. Raises Forbidden for a grade or `school` (a code) outside the scope; only
    students of `allowed_schools` (codes; None = every school) are queued.
    """
    grades = scoped_grades([grade] if grade is not None else None, allowed_grades)
    schools = scoped_schools(session, school, allowed_schools)
    year, as_of = resolve_period(session, academic_year, as_of)
    if year is None or as_of is None:
        return pd.DataFrame(columns=list(QUEUE_OUTPUT))
    figures = student_figures(
        session, policy, academic_year=year, as_of=as_of, grades=grades, schools=schools
    )
    decisions = _decisions(session, year)
    due = due_steps(figures, decisions, policy, today or dt.date.today())
    due = _with_proposals(session, due, decisions, year)
    names = figures[["student_id", "last_name", "first_name", "grade_level"]]
    out = due.merge(names, on="student_id", how="left").assign(academic_year=year)
    return out[list(QUEUE_OUTPUT)]


def _with_proposals(
    session: Session, due: pd.DataFrame, decisions: pd.DataFrame, year: str
) -> pd.DataFrame:
    """Store a `proposed` row for each newly due step; add every row's proposal_id."""
    known = {
        (str(r["student_id"]), str(r["step"])): int(r["proposal_id"])
        for r in decisions.to_dict("records")
    }
    ids = []
    for record in due.to_dict("records"):
        key = (record["student_id"], record["step"])
        if key not in known:
            row = TruancyProposal(
                student_id=key[0],
                academic_year=year,
                step=key[1],
                status=ProposalStatus.PROPOSED.value,
                truancy_occasions=record["truancy_occasions"],
                reason="",
            )
            session.add(row)
            session.flush()
            known[key] = row.id
        ids.append(known[key])
    return due.assign(proposal_id=pd.Series(ids, dtype="int64", index=due.index))


def proposal(
    session: Session,
    proposal_id: int,
    allowed_grades: Sequence[int] | None,
    allowed_schools: Sequence[str] | None = None,
) -> TruancyProposal:
    """A stored proposal whose student the caller may see. Raises NotFound otherwise."""
    row = session.get(TruancyProposal, proposal_id)
    if row is None:
        raise NotFound(f"no truancy proposal {proposal_id}")
    scoped_student(session, row.student_id, allowed_grades, allowed_schools)
    return row


def decide(
    session: Session,
    actor: Actor,
    proposal_id: int,
    decision: str,
    reason: str = "",
    defer_until: dt.date | None = None,
    today: dt.date | None = None,
) -> tuple[dict[str, Any], list[Event]]:
    """Accept, defer or dismiss a proposed step; returns the proposal as a dict and events.

    Accepting logs the step as an intervention (a letter, SART conference or SARB referral,
    planned, owned by the actor). Deferring needs a reason and a future date; dismissing a
    reason. Raises Forbidden (role), NotFound, InvalidIntervention (bad decision input).
    """
    if not actor.manages:
        raise Forbidden("only administrators, principals and counselors decide ladder steps")
    row = proposal(session, proposal_id, actor.allowed_grades, actor.allowed_schools)
    status = _check_decision(decision, reason, defer_until, today or dt.date.today())
    events: list[Event] = []
    if status == ProposalStatus.ACCEPTED:
        events.append(accept(session, actor, row, today or dt.date.today()))
    row.status = status.value
    row.reason = reason.strip()
    row.defer_until = defer_until if status == ProposalStatus.DEFERRED else None
    row.decided_by = actor.username
    row.decided_at = dt.datetime.now(dt.UTC)
    session.flush()
    audit(
        session,
        actor,
        "truancy_proposal",
        row.id,
        {
            "event": "decision",
            "decision": status.value,
            "step": row.step,
            "student_id": row.student_id,
            "reason": row.reason,
            "defer_until": row.defer_until,
        },
    )
    events.append(change_event(session, scoped_student(session, row.student_id, None)))
    return proposal_dict(row), events


def _check_decision(
    decision: str, reason: str, defer_until: dt.date | None, today: dt.date
) -> ProposalStatus:
    try:
        status = ProposalStatus(VERBS.get(decision.strip().lower(), decision.strip().lower()))
    except ValueError:
        status = ProposalStatus.PROPOSED
    if status not in DECISIONS:
        raise InvalidIntervention({"decision": "choose accept, defer or dismiss"})
    errors = {}
    if status != ProposalStatus.ACCEPTED and not reason.strip():
        errors["reason"] = "give a reason for deferring or dismissing this step"
    if status == ProposalStatus.DEFERRED and (defer_until is None or defer_until <= today):
        errors["defer_until"] = "choose a date after today to bring the step back"
    if errors:
        raise InvalidIntervention(errors)
    return status


def accept(session: Session, actor: Actor, row: TruancyProposal, today: dt.date) -> Event:
    """Log an accepted step as its intervention (once; accepting again changes nothing)."""
    existing = session.scalar(select(Intervention.id).where(Intervention.proposal_id == row.id))
    row.status = ProposalStatus.ACCEPTED.value
    if existing is not None:
        return change_event(session, scoped_student(session, row.student_id, None))
    kind, tier = STEP_INTERVENTIONS[LadderStep(row.step)]
    payload = {
        "student_id": row.student_id,
        "type": kind.value,
        "tier": tier,
        "status": Status.PLANNED.value,
        "owner": actor.username,
        "start_date": today,
        "notes": f"Truancy ladder: {row.step} at {row.truancy_occasions} truancy occasions.",
    }
    _, event = create_intervention(session, actor, payload, proposal_id=row.id)
    return event


def proposal_dict(row: TruancyProposal) -> dict[str, Any]:
    """A proposal as JSON-ready values."""
    return {
        "proposal_id": row.id,
        "student_id": row.student_id,
        "academic_year": row.academic_year,
        "step": row.step,
        "status": row.status,
        "truancy_occasions": row.truancy_occasions,
        "reason": row.reason,
        "defer_until": row.defer_until.isoformat() if row.defer_until else None,
        "decided_by": row.decided_by,
        "decided_at": row.decided_at.isoformat() if row.decided_at else None,
    }
