"""Parent letters: read back from the PDF — names, dates, notices, language — and logged."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from attendly.errors import Forbidden, NotFound
from attendly.interventions import Actor, InvalidIntervention
from attendly.metrics.policy import Policy
from db import letter_templates, letters
from db.intervention_models import Intervention, Letter, TruancyProposal
from db.models import AuditEntry
from db.truancy import decide, truancy_queue
from tests.db import intervention_school as school

PRINCIPAL = Actor("pat", "principal")
TODAY = dt.date(2025, 10, 1)
HEAD = {
    "district_name": "Valle Verde Unified School District",
    "school_name": "Roosevelt Middle School",
    "address": "1200 Olive Ave, Fresno, CA 93728",
    "phone": "(559) 555-0142",
    "signer_name": "María Ortega",
    "signer_title": "Principal",
}
NOTICES_EN = (
    "That your child is truant.",
    "obligated to compel the attendance of your child at school",
    "may be guilty of an infraction and subject to prosecution",
    "Section 48293",
    "alternative educational programs are available in the district",
    "right to meet with appropriate school personnel to discuss solutions",
    "may be subject to prosecution under Education Code Section 48264",
    "suspension, restriction, or delay of driving privileges under Vehicle Code Section 13202.7",
    "accompany your child to school and attend classes with your child for one day",
)
NOTICES_ES = (
    "Que su hijo(a) se encuentra en ausentismo injustificado.",
    "tiene la obligación de hacer que su hijo(a) asista a la escuela",
    "pueden ser culpables de una infracción y estar sujetos a proceso judicial",
    "Sección 48293",
    "el distrito ofrece programas educativos alternativos",
    "derecho a reunirse con el personal escolar correspondiente para hablar de soluciones",
    "proceso judicial según la Sección 48264",
    "suspensión, restricción o aplazamiento de su privilegio de conducir según la Sección 13202.7",
    "acompañe a su hijo(a) a la escuela y asista a clases con él o ella durante un día",
)


def text_of(pdf: bytes) -> str:
    """Every page's text with runs of whitespace (line breaks, justification) made one space."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def pages_of(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def proposal_of(session: Session, student_id: str) -> int:
    truancy_queue(session, Policy(), allowed_grades=None, today=TODAY)
    return session.scalars(
        select(TruancyProposal.id).where(TruancyProposal.student_id == student_id)
    ).one()


@pytest.fixture
def loaded(session: Session) -> Session:
    school.load(session)
    letter_templates.save_letterhead(session, PRINCIPAL, HEAD)
    return session


def test_letter_1_in_english(loaded: Session) -> None:
    letter_id, events = letters.generate_letter(
        loaded, PRINCIPAL, Policy(), proposal_of(loaded, "B"), "en", TODAY
    )
    text = text_of(letters.letter_pdf(loaded, letter_id, None))
    assert "Valle Verde Unified School District" in text
    assert "(559) 555-0142" in text
    assert "Wednesday, October 1, 2025" in text  # the letter's date
    assert "Notification of truancy" in text
    assert "Dear Parent or Guardian of Sofía Núñez-García:" in text
    assert "Sofía has been truant on 3 occasions in the 2025-2026 school year" in text
    # B's occasions by hand: d3 full day, d4 period 7, d8 tardy over 30 minutes (L)
    assert "Wednesday, September 3, 2025: unexcused absence, full day" in text
    assert "Thursday, September 4, 2025: unexcused absence or tardy over 30 minutes" in text
    assert "Wednesday, September 10, 2025: unexcused absence or tardy" in text
    for notice in NOTICES_EN:
        assert notice in text, notice
    assert "María Ortega" in text and "Student B · Grade 6" in text
    assert "Estimado" not in text
    assert events and events[-1]["student_ids"] == ["B"]


def test_letter_1_in_spanish(loaded: Session) -> None:
    letter_id, _ = letters.generate_letter(
        loaded, PRINCIPAL, Policy(), proposal_of(loaded, "B"), "es", TODAY
    )
    text = text_of(letters.letter_pdf(loaded, letter_id, None))
    assert "miércoles, 1 de octubre de 2025" in text
    assert "Notificación de ausentismo injustificado" in text
    assert "Estimado padre, madre o tutor de Sofía Núñez-García:" in text
    assert "Sofía ha tenido 3 ausencias injustificadas en el año escolar 2025-2026" in text
    assert "miércoles, 3 de septiembre de 2025: ausencia injustificada, día completo" in text
    assert "jueves, 4 de septiembre de 2025: ausencia injustificada o tardanza" in text
    for notice in NOTICES_ES:
        assert notice in text, notice
    assert "Atentamente," in text and "Alumno(a) B · Grado 6" in text
    assert "Dear Parent" not in text


def test_a_letter_is_logged_as_an_intervention_and_audited(loaded: Session) -> None:
    pid = proposal_of(loaded, "B")
    first, _ = letters.generate_letter(loaded, PRINCIPAL, Policy(), pid, "en", TODAY)
    second, _ = letters.generate_letter(loaded, PRINCIPAL, Policy(), pid, "es", TODAY)
    loaded.commit()
    proposal = loaded.get(TruancyProposal, pid)
    assert proposal is not None and proposal.status == "accepted"
    (intervention,) = loaded.scalars(select(Intervention)).all()
    assert (intervention.type, intervention.status, intervention.end_date) == (
        "parent_letter",
        "completed",
        TODAY,
    )
    assert intervention.proposal_id == pid
    stored = loaded.scalars(select(Letter).order_by(Letter.id)).all()
    assert [(s.id, s.language, s.intervention_id) for s in stored] == [
        (first, "en", intervention.id),
        (second, "es", intervention.id),
    ]
    audited = loaded.scalars(select(AuditEntry).where(AuditEntry.entity == "letter")).all()
    assert [a.details["language"] for a in audited] == ["en", "es"]
    assert list(letters.list_letters(loaded, None)["id"]) == [second, first]
    with pytest.raises(NotFound):  # B is in grade 6
        letters.letter_pdf(loaded, first, (7,))


def test_batch_for_everyone_due(loaded: Session) -> None:
    batch_id, letter_ids, events = letters.generate_batch(
        loaded, PRINCIPAL, Policy(), "en", today=TODAY
    )
    assert batch_id is not None and len(letter_ids) == 3  # B, C and D are due letter 1
    combined = letters.batch_pdf(loaded, batch_id, None)
    text = text_of(combined)
    for name in ("Dana Smith", "Carlos Ruiz", "Sofía Núñez-García"):
        assert f"Dear Parent or Guardian of {name}:" in text
    assert "truant on 9 occasions" in text and "truant on 6 occasions" in text
    assert pages_of(combined) == sum(
        pages_of(letters.letter_pdf(loaded, i, None)) for i in letter_ids
    )
    assert {e["student_ids"][0] for e in events} == {"B", "C", "D"}
    assert text_of(letters.batch_pdf(loaded, batch_id, (7,))).count("Dear Parent") == 1
    # Letter 1 went to everyone due; now C (6) and D (9) have reached letter 2, B (3) has not.
    again, second_ids, _ = letters.generate_batch(loaded, PRINCIPAL, Policy(), "en", today=TODAY)
    assert again != batch_id and len(second_ids) == 2
    assert text_of(letters.batch_pdf(loaded, str(again), None)).count("Second notification") == 2
    # Next the SART invitation: D has 9 occasions, C only 6.
    _, third_ids, _ = letters.generate_batch(loaded, PRINCIPAL, Policy(), "en", today=TODAY)
    assert [loaded.get(Letter, i).student_id for i in third_ids] == ["D"]  # type: ignore[union-attr]


def test_second_letter_and_sart_invitation(loaded: Session) -> None:
    pid = proposal_of(loaded, "D")
    decide(loaded, PRINCIPAL, pid, "accepted", today=TODAY)
    truancy_queue(loaded, Policy(), allowed_grades=None, today=TODAY)
    letter_2 = loaded.scalars(
        select(TruancyProposal.id).where(TruancyProposal.step == "letter_2")
    ).one()
    letter_id, _ = letters.generate_letter(loaded, PRINCIPAL, Policy(), letter_2, "en", TODAY)
    text = text_of(letters.letter_pdf(loaded, letter_id, None))
    assert "Second notification of truancy" in text and "Section 48261" in text
    assert "Dana now has 9 truancy occasions" in text
    truancy_queue(loaded, Policy(), allowed_grades=None, today=TODAY)
    sart = loaded.scalars(
        select(TruancyProposal.id).where(TruancyProposal.step == "sart_conference")
    ).one()
    letter_id, _ = letters.generate_letter(loaded, PRINCIPAL, Policy(), sart, "es", TODAY)
    text = text_of(letters.letter_pdf(loaded, letter_id, None))
    assert "Invitación a una reunión del SART" in text and "Sección 48262" in text
    conference = loaded.scalars(
        select(Intervention).where(Intervention.type == "parent_conference")
    ).one()
    assert conference.status == "in_progress"  # the conference itself is still to be held


def test_edited_template_and_its_checks(loaded: Session) -> None:
    with pytest.raises(InvalidIntervention) as caught:
        letter_templates.save_template(
            loaded, PRINCIPAL, "letter_1", "en", "Hi", "Dear {parent_name}"
        )
    assert "body" in caught.value.errors
    with pytest.raises(Forbidden):
        letter_templates.save_template(loaded, Actor("c", "counselor"), "letter_1", "en", "S", "B")
    letter_templates.save_template(
        loaded,
        PRINCIPAL,
        "letter_1",
        "en",
        "Attendance notice for {student_name}",
        "Hello {student_first_name}'s family.\n\n{absence_dates}\n\nCall {school_phone}.",
    )
    assert letter_templates.template(loaded, "letter_1", "en")[2] is False
    letter_id, _ = letters.generate_letter(
        loaded, PRINCIPAL, Policy(), proposal_of(loaded, "B"), "en", TODAY
    )
    text = text_of(letters.letter_pdf(loaded, letter_id, None))
    assert "Attendance notice for Sofía Núñez-García" in text
    assert "Hello Sofía's family." in text and "Call (559) 555-0142." in text
    letter_templates.save_template(loaded, PRINCIPAL, "letter_1", "en", "", "")  # the default
    assert letter_templates.template(loaded, "letter_1", "en")[2] is True


def test_only_letter_steps_have_letters(loaded: Session) -> None:
    pid = proposal_of(loaded, "D")
    for step in ("letter_1", "letter_2", "sart_conference"):
        row = loaded.scalars(
            select(TruancyProposal).where(
                TruancyProposal.step == step, TruancyProposal.student_id == "D"
            )
        ).one()
        decide(loaded, PRINCIPAL, row.id, "accepted", today=TODAY)
        truancy_queue(loaded, Policy(), allowed_grades=None, today=TODAY)
    sarb = loaded.scalars(
        select(TruancyProposal.id).where(
            TruancyProposal.step == "sarb_referral", TruancyProposal.student_id == "D"
        )
    ).one()
    assert sarb != pid
    with pytest.raises(InvalidIntervention):
        letters.generate_letter(loaded, PRINCIPAL, Policy(), sarb, "en", TODAY)
    with pytest.raises(InvalidIntervention):
        letters.generate_letter(loaded, PRINCIPAL, Policy(), pid, "fr", TODAY)
