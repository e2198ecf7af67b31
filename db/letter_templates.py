"""The district letterhead (policy_settings key `letterhead`) and edited letter templates."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from attendly.errors import Forbidden, NotFound
from attendly.interventions import Actor, InvalidIntervention
from attendly.letter_texts import LANGUAGES, TEMPLATE_LABELS
from attendly.letters import LETTERHEAD_FIELDS, default_template, unknown_placeholders
from db.intervention_models import LetterTemplate
from db.interventions import audit
from db.models import PolicySetting

LETTERHEAD_KEY = "letterhead"
EDITOR_ROLES = ("admin", "principal")


def letterhead(session: Session) -> dict[str, str]:
    """The district letterhead (LETTERHEAD_FIELDS; blank when never set)."""
    row = session.get(PolicySetting, LETTERHEAD_KEY)
    stored = row.value if row is not None and isinstance(row.value, dict) else {}
    return {key: str(stored.get(key) or "") for key in LETTERHEAD_FIELDS}


def save_letterhead(session: Session, actor: Actor, values: dict[str, Any]) -> dict[str, str]:
    """Store the letterhead (admins and principals). Raises Forbidden."""
    if actor.role not in EDITOR_ROLES:
        raise Forbidden("only administrators and principals edit the letterhead")
    clean = {key: str(values.get(key) or "").strip()[:200] for key in LETTERHEAD_FIELDS}
    row = session.get(PolicySetting, LETTERHEAD_KEY)
    if row is None:
        session.add(PolicySetting(key=LETTERHEAD_KEY, value=clean))
    else:
        row.value = clean
    audit(session, actor, "letterhead", LETTERHEAD_KEY, {"event": "letterhead", **clean})
    session.flush()
    return clean


def template(session: Session, key: str, language: str) -> tuple[str, str, bool]:
    """(subject, body, is_default) of a template. Raises NotFound for an unknown one."""
    if key not in TEMPLATE_LABELS or language not in LANGUAGES:
        raise NotFound(f"no letter template {key!r} in {language!r}")
    row = session.scalar(
        select(LetterTemplate).where(LetterTemplate.key == key, LetterTemplate.language == language)
    )
    if row is None:
        return (*default_template(key, language), True)
    return row.subject, row.body, False


def save_template(
    session: Session, actor: Actor, key: str, language: str, subject: str, body: str
) -> None:
    """Store an edited template; a blank subject or body restores the built-in one.

    Raises Forbidden, NotFound, InvalidIntervention (unknown placeholders).
    """
    if actor.role not in EDITOR_ROLES:
        raise Forbidden("only administrators and principals edit letter templates")
    template(session, key, language)  # NotFound for an unknown key or language
    errors = {
        field: "unknown placeholders: " + ", ".join("{" + n + "}" for n in names)
        for field, names in (
            ("subject", unknown_placeholders(subject)),
            ("body", unknown_placeholders(body)),
        )
        if names
    }
    if errors:
        raise InvalidIntervention(errors)
    session.execute(
        delete(LetterTemplate).where(LetterTemplate.key == key, LetterTemplate.language == language)
    )
    if subject.strip() and body.strip():
        session.add(
            LetterTemplate(
                key=key,
                language=language,
                subject=subject.strip(),
                body=body,
                updated_by=actor.username,
            )
        )
    audit(session, actor, "letter_template", f"{key}/{language}", {"event": "template"})
    session.flush()
