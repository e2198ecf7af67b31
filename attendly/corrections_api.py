"""The attendance-corrections JSON API: the same service and checks as the Corrections page.

`POST /api/v1/attendance-corrections` with `{student_id, date, period, status, reason}`
stores one correction (201); refused input is 422 with one message per field (keys as sent).
`GET /api/v1/attendance-corrections[?student_id=]` lists the newest corrections the caller may
see. Authentication and CSRF are the request gate's (attendly.security); the grade and school
scope comes from the signed-in user, never from the request: another grade's or school's
student is refused as an unknown id is, and left out of the list.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from flask_login import current_user

from attendly.api import json_error, register_json_errors
from attendly.corrections import Corrector, correct
from attendly.extensions import db
from attendly.intervention_service import json_rows, text_or_none
from db.correction_models import AttendanceCorrection
from db.corrections import InvalidCorrection, recent_corrections

blueprint = Blueprint("corrections_api", __name__, url_prefix="/api/v1")
register_json_errors(blueprint)

# JSON keys <-> the service's field names.
KEYS = {"student_id": "student", "date": "date", "period": "period", "status": "status"}
KEYS["reason"] = "reason"
FIELD_KEYS = {field: key for key, field in KEYS.items()}


@blueprint.errorhandler(InvalidCorrection)
def _invalid(exc: InvalidCorrection) -> tuple[Response, int]:
    errors = {FIELD_KEYS.get(name, name): text for name, text in exc.errors.items()}
    return json_error(422, "the correction was not stored", errors=errors)


def _corrector() -> Corrector:
    return Corrector(
        str(current_user.username), current_user.grade_scope, current_user.school_scope
    )


@blueprint.post("/attendance-corrections")
def create_correction() -> tuple[Response, int]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidCorrection({"body": "send a JSON object"})
    values = {field: body.get(key) for key, field in KEYS.items()}
    settings = current_app.config["ATTENDLY_SETTINGS"]
    correction = correct(db.session(), _corrector(), values, settings)
    return jsonify(as_json(correction)), 201


@blueprint.get("/attendance-corrections")
def list_corrections() -> Response:
    student_id = text_or_none(request.args.get("student_id"), 32)
    corrector = _corrector()
    frame = recent_corrections(
        db.session(),
        corrector.allowed_grades,
        student_id,
        limit=200,
        schools=corrector.allowed_schools,
    )
    return jsonify(json_rows(frame.to_dict("records")))


def as_json(correction: AttendanceCorrection) -> dict[str, Any]:
    return {
        "id": correction.id,
        "at": correction.at.isoformat(),
        "username": correction.username,
        "student_id": correction.student_id,
        "date": correction.date.isoformat(),
        "period": correction.period,
        "prior_status": correction.prior_status,
        "new_status": correction.new_status,
        "reason": correction.reason,
    }
