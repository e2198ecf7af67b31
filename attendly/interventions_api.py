"""The interventions and truancy-ladder JSON API (interfaces.md, HTTP), scoped by role.

Authentication (session cookie or `Authorization: Bearer` token) and CSRF are the request
gate's job (attendly.security). Here every endpoint applies the caller's grade and school
scope through the db layer: another grade's or school's student is 404, a grade or school
outside the scope 403, bad input 422 with one message per field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from attendly.api import json_error, register_json_errors
from attendly.errors import Forbidden
from attendly.extensions import db
from attendly.intervention_service import commit_and_publish, current_actor, json_rows
from attendly.interventions import InvalidIntervention, parse_date
from attendly.letters import AbsenceDate, LetterFacts, compose, render
from db import interventions, letter_templates, letters, truancy
from db.policy import load_policy

blueprint = Blueprint("interventions_api", __name__, url_prefix="/api/v1")
register_json_errors(blueprint)


@blueprint.errorhandler(InvalidIntervention)
def _invalid(exc: InvalidIntervention) -> tuple[Response, int]:
    return json_error(422, str(exc), errors=exc.errors)


@blueprint.errorhandler(ValueError)
def _bad_parameter(exc: ValueError) -> tuple[Response, int]:
    return json_error(400, str(exc))


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidIntervention({"body": "send a JSON object"})
    return body


def _policy() -> Any:
    return load_policy(db.session(), current_app.config["ATTENDLY_SETTINGS"])


def _grade() -> int | None:
    text = request.args.get("grade", "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise ValueError("grade: a grade level such as 6")
    return int(text)


@blueprint.get("/interventions")
def list_interventions() -> Response:
    """Interventions the caller may see; filters student_id, status, type, owner, due."""
    args = request.args
    frame = interventions.list_interventions(
        db.session(),
        allowed_grades=current_actor().allowed_grades,
        allowed_schools=current_actor().allowed_schools,
        student_id=args.get("student_id") or None,
        status=args.get("status") or None,
        kind=args.get("type") or None,
        owner=args.get("owner") or None,
        due=args.get("due") or None,
    )
    return jsonify(json_rows(frame.to_dict("records")))


@blueprint.get("/interventions/<int:intervention_id>")
def get_intervention(intervention_id: int) -> Response:
    actor = current_actor()
    row = interventions.get_intervention(
        db.session(), intervention_id, actor.allowed_grades, actor.allowed_schools
    )
    return jsonify(json_rows([row])[0])


@blueprint.post("/interventions")
def create_intervention() -> tuple[Response, int]:
    """JSON: student_id, type, tier, status, owner, start_date, due_date, end_date, notes,
    outcome. 201 with the stored intervention."""
    row, event = interventions.create_intervention(db.session(), current_actor(), _body())
    commit_and_publish([event])
    return jsonify(json_rows([row])[0]), 201


@blueprint.patch("/interventions/<int:intervention_id>")
def update_intervention(intervention_id: int) -> Response:
    """JSON with the fields to change (closing = status completed/cancelled)."""
    row, event = interventions.update_intervention(
        db.session(), current_actor(), intervention_id, _body()
    )
    commit_and_publish([event])
    return jsonify(json_rows([row])[0])


@blueprint.get("/truancy-queue")
def truancy_queue() -> Response:
    """Students due a ladder step: student_id, truancy_occasions, step, threshold, status,
    defer_until, proposal_id, academic_year, names and grade level."""
    as_of = parse_date(request.args.get("as_of") or None)
    frame = truancy.truancy_queue(
        db.session(),
        _policy(),
        allowed_grades=current_actor().allowed_grades,
        grade=_grade(),
        academic_year=request.args.get("academic_year") or None,
        as_of=as_of,
        allowed_schools=current_actor().allowed_schools,
        school=(request.args.get("school") or "").strip()[:32] or None,
    )
    db.session.commit()  # newly due steps were stored as proposals
    return jsonify(json_rows(frame.to_dict("records")))


@blueprint.post("/truancy-queue/<int:proposal_id>/decision")
def decide(proposal_id: int) -> Response:
    """JSON: decision (accept|defer|dismiss), reason, defer_until (YYYY-MM-DD)."""
    body = _body()
    try:
        defer_until = parse_date(body.get("defer_until"))
    except ValueError:
        raise InvalidIntervention({"defer_until": "enter a date as YYYY-MM-DD"}) from None
    row, events = truancy.decide(
        db.session(),
        current_actor(),
        proposal_id,
        str(body.get("decision", "")),
        str(body.get("reason") or ""),
        defer_until,
    )
    commit_and_publish(events)
    return jsonify(row)


@blueprint.post("/truancy-queue/<int:proposal_id>/letter")
def generate_letter(proposal_id: int) -> tuple[Response, int]:
    """JSON: language (en|es). 201 {letter_id, url}; the step is accepted and logged."""
    language = str(_body().get("language") or "en")
    letter_id, events = letters.generate_letter(
        db.session(), current_actor(), _policy(), proposal_id, language, dt.date.today()
    )
    commit_and_publish(events)
    return jsonify({"letter_id": letter_id, "url": letter_url(letter_id)}), 201


def letter_url(letter_id: int) -> str:
    return f"/api/v1/letters/{letter_id}.pdf"


def batch_url(batch_id: str) -> str:
    return f"/api/v1/letters/batch/{batch_id}.pdf"


def _pdf(content: bytes, name: str) -> Response:
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/letters/<int:letter_id>.pdf")
def letter_pdf(letter_id: int) -> Response:
    """A generated letter, again (404 outside the caller's scope)."""
    actor = current_actor()
    content = letters.letter_pdf(
        db.session(), letter_id, actor.allowed_grades, actor.allowed_schools
    )
    return _pdf(content, f"attendly-letter-{letter_id}.pdf")


@blueprint.get("/letters/batch/<batch_id>.pdf")
def batch_pdf(batch_id: str) -> Response:
    """Every letter of a batch the caller may see, as one PDF."""
    actor = current_actor()
    content = letters.batch_pdf(
        db.session(), batch_id[:36], actor.allowed_grades, actor.allowed_schools
    )
    return _pdf(content, f"attendly-letters-{batch_id[:8]}.pdf")


@blueprint.get("/letters/sample.pdf")
def sample_pdf() -> Response:
    """A template (`key`, `language`) filled for a fictional student, to check an edit."""
    if not current_actor().manages:
        raise Forbidden("your account may not preview letters")
    key, language = request.args.get("key", "letter_1"), request.args.get("language", "en")
    subject, body, _ = letter_templates.template(db.session(), key, language)
    facts = LetterFacts(
        student_id="000000",
        first_name="Alex",
        last_name="Sample",
        grade_level=7,
        academic_year="2025-2026",
        truancy_occasions=3,
        absences=(
            AbsenceDate(dt.date(2025, 9, 9), True),
            AbsenceDate(dt.date(2025, 9, 16), False),
            AbsenceDate(dt.date(2025, 9, 23), True),
        ),
    )
    letterhead = letter_templates.letterhead(db.session())
    pdf = render([compose(facts, (subject, body), letterhead, language, dt.date.today())])
    return _pdf(pdf, f"attendly-sample-{key}-{language}.pdf")
