"""The California truancy ladder (CA EC 48260-48263): which step a truant student is due next.

The ladder has four rungs, always taken in this order:

1. `letter_1` — first truancy notification to the parent (EC 48260.5 required notices);
2. `letter_2` — second notification: the pupil has been truant again (EC 48261);
3. `sart_conference` — a School Attendance Review Team conference with the parent and pupil
   (the "conscientious effort" of EC 48262 before a pupil is a habitual truant);
4. `sarb_referral` — referral to the School Attendance Review Board (EC 48263).

The policy's `truancy_steps`, sorted, give the truancy occasions at which each rung becomes
due, in rung order; when fewer values than rungs are given, the last value applies to the remaining
rungs (default (3, 6, 9): letter 1 at 3, letter 2 at 6, SART conference at 9, SARB referral at
9 once the SART conference has been decided). Values beyond the fourth are ignored.

A rung is **due** when the student's truancy occasions reach its threshold, every earlier rung
has been decided (accepted or dismissed), and it has not been decided itself; a rung deferred
until a date is not due before that date (and holds back the rungs after it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import pandas as pd

from attendly.metrics.policy import Policy


class LadderStep(StrEnum):
    LETTER_1 = "letter_1"
    LETTER_2 = "letter_2"
    SART_CONFERENCE = "sart_conference"
    SARB_REFERRAL = "sarb_referral"


class ProposalStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DEFERRED = "deferred"
    DISMISSED = "dismissed"


LADDER = tuple(LadderStep)
DECIDED = frozenset({ProposalStatus.ACCEPTED, ProposalStatus.DISMISSED})
LETTER_STEPS = frozenset({LadderStep.LETTER_1, LadderStep.LETTER_2, LadderStep.SART_CONFERENCE})
DEFAULT_STEPS = (3, 6, 9)

STEP_LABELS = {
    LadderStep.LETTER_1: "Letter 1 — truancy notification (EC 48260.5)",
    LadderStep.LETTER_2: "Letter 2 — truant again (EC 48261)",
    LadderStep.SART_CONFERENCE: "SART conference (EC 48262)",
    LadderStep.SARB_REFERRAL: "SARB referral (EC 48263)",
}

QUEUE_COLUMNS = ("student_id", "truancy_occasions", "step", "threshold", "status", "defer_until")


@dataclass(frozen=True)
class StepState:
    """What has been decided about one rung for one student and year."""

    status: ProposalStatus
    defer_until: dt.date | None = None


def thresholds(truancy_steps: Sequence[int]) -> dict[LadderStep, int]:
    """Truancy occasions at which each rung becomes due (see the module docstring)."""
    steps = sorted(int(value) for value in truancy_steps) or list(DEFAULT_STEPS)
    padded = (steps + [steps[-1]] * len(LADDER))[: len(LADDER)]
    return dict(zip(LADDER, padded, strict=True))


def next_step(
    occasions: int,
    states: Mapping[LadderStep, StepState],
    rung_thresholds: Mapping[LadderStep, int],
    today: dt.date,
) -> LadderStep | None:
    """The rung this student is due now, or None (not reached, deferred, or ladder done)."""
    for step in LADDER:
        state = states.get(step)
        if state is not None and state.status in DECIDED:
            continue
        if occasions < rung_thresholds[step]:
            return None
        if state is not None and state.status == ProposalStatus.DEFERRED:
            if state.defer_until is not None and state.defer_until > today:
                return None
        return step
    return None


def due_steps(
    occasions: pd.DataFrame,
    decisions: pd.DataFrame,
    policy: Policy,
    today: dt.date,
) -> pd.DataFrame:
    """One row per student due a rung (QUEUE_COLUMNS), ordered by occasions then student.

    `occasions`: student_id, truancy_occasions. `decisions`: student_id, step, status,
    defer_until (the stored proposals of the same academic year). `status` in the result is
    the rung's stored status (`proposed` or `deferred`), or `new` when nothing is stored yet.
    """
    rung_thresholds = thresholds(policy.truancy_steps)
    states = _states_by_student(decisions)
    rows = []
    for student_id, count in zip(
        occasions["student_id"], occasions["truancy_occasions"], strict=True
    ):
        student_states = states.get(str(student_id), {})
        step = next_step(int(count), student_states, rung_thresholds, today)
        if step is None:
            continue
        state = student_states.get(step)
        rows.append(
            {
                "student_id": str(student_id),
                "truancy_occasions": int(count),
                "step": step.value,
                "threshold": rung_thresholds[step],
                "status": state.status.value if state else "new",
                "defer_until": state.defer_until if state else None,
            }
        )
    frame = pd.DataFrame(rows, columns=list(QUEUE_COLUMNS))
    return frame.sort_values(
        ["truancy_occasions", "student_id"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)


def _states_by_student(decisions: pd.DataFrame) -> dict[str, dict[LadderStep, StepState]]:
    out: dict[str, dict[LadderStep, StepState]] = {}
    for record in decisions.to_dict("records"):
        defer_until = record.get("defer_until")
        state = StepState(
            ProposalStatus(record["status"]),
            None if defer_until is None or pd.isna(defer_until) else defer_until,
        )
        out.setdefault(str(record["student_id"]), {})[LadderStep(record["step"])] = state
    return out


def occasion_dates(days: pd.DataFrame, policy: Policy) -> list[dt.date]:
    """The dates of one student's truancy occasions (metric definitions §2), in order.

    `days` has the metrics DAY_COLUMNS (student_id, date, scheduled, present,
    unexcused_periods, unverified_periods).
    """
    if days.empty:
        return []
    truant = days["unexcused_periods"].astype("int64") > 0
    if policy.unverified_counts_as_unexcused:
        truant |= days["unverified_periods"].astype("int64") > 0
    return sorted(days.loc[truant, "date"].tolist())
