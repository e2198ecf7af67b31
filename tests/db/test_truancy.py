"""The truancy-ladder queue and its decisions, on hand-built attendance histories."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from attendly.errors import Forbidden, NotFound
from attendly.interventions import Actor, InvalidIntervention
from attendly.metrics.policy import Policy
from db.intervention_models import Intervention, TruancyProposal
from db.models import AuditEntry, PolicySetting
from db.policy import load_policy
from db.truancy import decide, truancy_queue
from tests.db import intervention_school as school

COUNSELOR = Actor("cole", "counselor")
TEACHER = Actor("tess", "teacher", (6,))
TODAY = dt.date(2025, 10, 1)


def queue(session: Session, policy: Policy | None = None, **kwargs: object) -> dict[str, tuple]:
    frame = truancy_queue(session, policy or Policy(), allowed_grades=None, today=TODAY, **kwargs)
    return {
        row["student_id"]: (row["truancy_occasions"], row["step"], row["status"])
        for row in frame.to_dict("records")
    }


def proposal_id(session: Session, student_id: str, step: str) -> int:
    row = session.scalar(
        select(TruancyProposal).where(
            TruancyProposal.student_id == student_id, TruancyProposal.step == step
        )
    )
    assert row is not None
    return row.id


@pytest.fixture
def loaded(session: Session) -> Session:
    school.load(session)
    return session


def test_queue_from_the_histories(loaded: Session) -> None:
    # A has 2 occasions (not truant); B 3, C 6, D 9: each is due letter 1 first.
    assert queue(loaded) == {
        "D": (9, "letter_1", "new"),
        "C": (6, "letter_1", "new"),
        "B": (3, "letter_1", "new"),
    }
    loaded.commit()
    # The first look stored the proposals; the second shows them as proposed.
    assert {v[2] for v in queue(loaded).values()} == {"proposed"}
    assert len(loaded.scalars(select(TruancyProposal)).all()) == 3
    assert queue(loaded, grade=7) == {"C": (6, "letter_1", "proposed")}
    with pytest.raises(Forbidden):
        truancy_queue(loaded, Policy(), allowed_grades=(6,), grade=7)


def test_climbing_the_ladder(loaded: Session) -> None:
    queue(loaded)
    decide(loaded, COUNSELOR, proposal_id(loaded, "D", "letter_1"), "accepted", today=TODAY)
    assert queue(loaded)["D"] == (9, "letter_2", "new")
    decide(
        loaded,
        COUNSELOR,
        proposal_id(loaded, "D", "letter_2"),
        "dismissed",
        reason="Parent met the principal already",
        today=TODAY,
    )
    assert queue(loaded)["D"] == (9, "sart_conference", "new")
    decide(loaded, COUNSELOR, proposal_id(loaded, "D", "sart_conference"), "accepted", today=TODAY)
    assert queue(loaded)["D"] == (9, "sarb_referral", "new")
    decide(loaded, COUNSELOR, proposal_id(loaded, "D", "sarb_referral"), "accepted", today=TODAY)
    assert "D" not in queue(loaded)
    # C: letter 1 accepted -> letter 2 at exactly 6 occasions
    decide(loaded, COUNSELOR, proposal_id(loaded, "C", "letter_1"), "accepted", today=TODAY)
    assert queue(loaded)["C"] == (6, "letter_2", "new")
    # B: letter 1 accepted -> nothing until 6 occasions
    decide(loaded, COUNSELOR, proposal_id(loaded, "B", "letter_1"), "accepted", today=TODAY)
    assert "B" not in queue(loaded)
    kinds = loaded.execute(
        select(Intervention.student_id, Intervention.type, Intervention.tier).order_by(
            Intervention.id
        )
    ).all()
    assert [tuple(k) for k in kinds] == [
        ("D", "parent_letter", 2),
        ("D", "parent_conference", 3),
        ("D", "sarb_referral", 3),
        ("C", "parent_letter", 2),
        ("B", "parent_letter", 2),
    ]  # the dismissed letter 2 logged no intervention


def test_deferred_step_comes_back_after_its_date(loaded: Session) -> None:
    queue(loaded)
    pid = proposal_id(loaded, "C", "letter_1")
    decide(
        loaded,
        COUNSELOR,
        pid,
        "deferred",
        reason="Family in hospital",
        defer_until=dt.date(2025, 10, 8),
        today=TODAY,
    )
    assert "C" not in queue(loaded)
    frame = truancy_queue(loaded, Policy(), allowed_grades=None, today=dt.date(2025, 10, 8))
    row = frame[frame["student_id"] == "C"].iloc[0]
    assert (row["step"], row["status"], row["defer_until"]) == (
        "letter_1",
        "deferred",
        dt.date(2025, 10, 8),
    )
    assert int(row["proposal_id"]) == pid  # the same proposal comes back


@pytest.mark.parametrize(
    ("decision", "reason", "defer_until", "field"),
    [
        ("maybe", "", None, "decision"),
        ("proposed", "", None, "decision"),
        ("dismissed", " ", None, "reason"),
        ("deferred", "later", None, "defer_until"),
        ("deferred", "later", TODAY, "defer_until"),
    ],
)
def test_decision_input_is_checked(
    loaded: Session, decision: str, reason: str, defer_until: dt.date | None, field: str
) -> None:
    queue(loaded)
    with pytest.raises(InvalidIntervention) as caught:
        decide(
            loaded,
            COUNSELOR,
            proposal_id(loaded, "B", "letter_1"),
            decision,
            reason,
            defer_until,
            TODAY,
        )
    assert field in caught.value.errors


def test_who_may_decide(loaded: Session) -> None:
    queue(loaded)
    with pytest.raises(Forbidden):
        decide(loaded, TEACHER, proposal_id(loaded, "B", "letter_1"), "accepted")
    with pytest.raises(NotFound):  # grade 7 is outside a grade-6 counselor's scope
        decide(
            loaded, Actor("g6", "counselor", (6,)), proposal_id(loaded, "C", "letter_1"), "accepted"
        )
    decide(
        loaded,
        COUNSELOR,
        proposal_id(loaded, "B", "letter_1"),
        "dismissed",
        reason="Occasions being corrected",
        today=TODAY,
    )
    entry = loaded.scalars(select(AuditEntry).where(AuditEntry.entity == "truancy_proposal")).one()
    assert entry.details["decision"] == "dismissed"
    assert entry.details["reason"] == "Occasions being corrected"
    assert entry.username == "cole"


def test_configured_steps_from_the_policy_table(loaded: Session) -> None:
    from attendly.settings import Settings

    loaded.add(PolicySetting(key="truancy_steps", value=[2, 4]))
    loaded.flush()
    policy = load_policy(loaded, Settings(env="test"))
    # Steps (2, 4): letter 1 at 2, letter 2, SART and SARB at 4.
    assert queue(loaded, policy)["A"] == (2, "letter_1", "new")  # truant at 2 now
    decide(loaded, COUNSELOR, proposal_id(loaded, "B", "letter_1"), "accepted", today=TODAY)
    assert "B" not in queue(loaded, policy)  # 3 < 4
    decide(loaded, COUNSELOR, proposal_id(loaded, "C", "letter_1"), "accepted", today=TODAY)
    assert queue(loaded, policy)["C"] == (6, "letter_2", "new")
    decide(loaded, COUNSELOR, proposal_id(loaded, "C", "letter_2"), "accepted", today=TODAY)
    assert queue(loaded, policy)["C"] == (6, "sart_conference", "new")
