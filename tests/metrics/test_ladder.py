"""The truancy ladder against hand-worked occasion counts and decisions."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from attendly.metrics.ladder import (
    LadderStep,
    ProposalStatus,
    StepState,
    due_steps,
    next_step,
    occasion_dates,
    thresholds,
)
from attendly.metrics.policy import Policy

TODAY = dt.date(2025, 10, 1)
DEFAULT = thresholds((3, 6, 9))
L1, L2, SART, SARB = LadderStep
ACCEPTED = StepState(ProposalStatus.ACCEPTED)
DISMISSED = StepState(ProposalStatus.DISMISSED)


def test_default_steps_map_to_the_four_rungs() -> None:
    assert DEFAULT == {L1: 3, L2: 6, SART: 9, SARB: 9}


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        ((3, 6, 9, 12), {L1: 3, L2: 6, SART: 9, SARB: 12}),
        ((4,), {L1: 4, L2: 4, SART: 4, SARB: 4}),
        ((9, 3, 6), {L1: 3, L2: 6, SART: 9, SARB: 9}),  # stored unsorted: rung order wins
        ((), {L1: 3, L2: 6, SART: 9, SARB: 9}),
        ((2, 4, 6, 8, 10), {L1: 2, L2: 4, SART: 6, SARB: 8}),
    ],
)
def test_configured_steps(steps: tuple[int, ...], expected: dict[LadderStep, int]) -> None:
    assert thresholds(steps) == expected


@pytest.mark.parametrize(
    ("occasions", "states", "expected"),
    [
        (0, {}, None),
        (2, {}, None),  # not truant yet
        (3, {}, L1),  # exactly the first step counts
        (7, {}, L1),  # nothing sent yet: the ladder starts at letter 1 whatever the count
        (5, {L1: ACCEPTED}, None),  # letter 1 done, letter 2 waits for 6
        (6, {L1: ACCEPTED}, L2),
        (6, {L1: DISMISSED}, L2),  # a dismissed step is decided too
        (8, {L1: ACCEPTED, L2: ACCEPTED}, None),
        (9, {L1: ACCEPTED, L2: ACCEPTED}, SART),
        (9, {L1: ACCEPTED, L2: ACCEPTED, SART: ACCEPTED}, SARB),  # then the SARB referral
        (12, {L1: ACCEPTED, L2: ACCEPTED, SART: ACCEPTED, SARB: ACCEPTED}, None),  # done
        (3, {L1: StepState(ProposalStatus.PROPOSED)}, L1),  # proposed, undecided: still due
    ],
)
def test_next_step(
    occasions: int, states: dict[LadderStep, StepState], expected: LadderStep | None
) -> None:
    assert next_step(occasions, states, DEFAULT, TODAY) == expected


def test_deferred_step_returns_on_its_date_and_holds_back_later_rungs() -> None:
    deferred = {L1: StepState(ProposalStatus.DEFERRED, dt.date(2025, 10, 8))}
    assert next_step(7, deferred, DEFAULT, TODAY) is None  # not letter 2 either
    assert next_step(7, deferred, DEFAULT, dt.date(2025, 10, 7)) is None
    assert next_step(7, deferred, DEFAULT, dt.date(2025, 10, 8)) == L1
    assert next_step(7, {L1: StepState(ProposalStatus.DEFERRED)}, DEFAULT, TODAY) == L1


def test_a_district_that_wants_more_occasions_before_sarb() -> None:
    rungs = thresholds((3, 6, 9, 12))
    done = {L1: ACCEPTED, L2: ACCEPTED, SART: ACCEPTED}
    assert next_step(11, done, rungs, TODAY) is None
    assert next_step(12, done, rungs, TODAY) == SARB


def test_due_steps_over_hand_built_histories() -> None:
    # A: 2 occasions; B: 3 (new); C: 6 with letter 1 accepted; D: 9 with letter 1 deferred to
    # the future; E: 10 with letters accepted, SART proposed already; F: 4, letter 1 dismissed.
    occasions = pd.DataFrame(
        {"student_id": list("ABCDEF"), "truancy_occasions": [2, 3, 6, 9, 10, 4]}
    )
    decisions = pd.DataFrame(
        [
            ("C", "letter_1", "accepted", None),
            ("D", "letter_1", "deferred", dt.date(2025, 10, 15)),
            ("E", "letter_1", "accepted", None),
            ("E", "letter_2", "accepted", None),
            ("E", "sart_conference", "proposed", None),
            ("F", "letter_1", "dismissed", None),
        ],
        columns=["student_id", "step", "status", "defer_until"],
    )
    due = due_steps(occasions, decisions, Policy(), TODAY)
    assert due[["student_id", "truancy_occasions", "step", "threshold", "status"]].to_dict(
        "records"
    ) == [
        {
            "student_id": "E",
            "truancy_occasions": 10,
            "step": "sart_conference",
            "threshold": 9,
            "status": "proposed",
        },
        {
            "student_id": "C",
            "truancy_occasions": 6,
            "step": "letter_2",
            "threshold": 6,
            "status": "new",
        },
        {
            "student_id": "B",
            "truancy_occasions": 3,
            "step": "letter_1",
            "threshold": 3,
            "status": "new",
        },
    ]


def test_due_steps_with_no_students() -> None:
    empty = pd.DataFrame(columns=["student_id", "truancy_occasions"])
    decisions = pd.DataFrame(columns=["student_id", "step", "status", "defer_until"])
    assert due_steps(empty, decisions, Policy(), TODAY).empty


def test_occasion_dates_follow_the_unverified_setting() -> None:
    days = pd.DataFrame(
        {
            "student_id": ["S"] * 4,
            "date": [dt.date(2025, 9, d) for d in (4, 2, 3, 5)],
            "scheduled": [7, 7, 7, 7],
            "present": [6, 0, 0, 7],
            "unexcused_periods": [1, 7, 0, 0],
            "unverified_periods": [0, 0, 7, 0],
        }
    )
    assert occasion_dates(days, Policy()) == [dt.date(2025, 9, 2), dt.date(2025, 9, 4)]
    strict = Policy(unverified_counts_as_unexcused=True)
    assert occasion_dates(days, strict) == [dt.date(2025, 9, d) for d in (2, 3, 4)]
