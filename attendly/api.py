"""The JSON API (interfaces.md, HTTP): the same JSON as the command line, scoped by role.

Authentication (session cookie or bearer token) and CSRF are the request gate's job; here
each endpoint validates its parameters (400 naming the parameter), applies the caller's data
scope through the query layer (403 outside it) and checks roles for admin-only endpoints.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, jsonify, request
from flask_login import current_user

from attendly import audit
from attendly.errors import AttendlyError, Forbidden, NotFound
from attendly.exports import safe_cell
from attendly.extensions import db
from attendly.import_jobs import queue_upload
from attendly.metrics.tiers import Tier
from attendly.settings import ACADEMIC_YEAR_PATTERN
from attendly.uploads import UploadRejected, store_upload

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
_F = TypeVar("_F", bound=Callable[..., Any])


class BadParameter(AttendlyError):
    """A query parameter or form field has a value the endpoint cannot use."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name


def json_error(status: int, message: str, **extra: Any) -> tuple[Response, int]:
    """The body every API error has: `{"error": message, ...}`."""
    return jsonify({"error": message, **extra}), status


def register_json_errors(api: Blueprint) -> None:
    """Forbidden -> 403 and NotFound -> 404 as JSON, for every API blueprint."""
    api.register_error_handler(Forbidden, lambda exc: json_error(403, str(exc)))
    api.register_error_handler(NotFound, lambda exc: json_error(404, str(exc)))


register_json_errors(blueprint)


@blueprint.errorhandler(BadParameter)
def _bad_parameter(exc: BadParameter) -> tuple[Response, int]:
    return json_error(400, str(exc), parameter=exc.name)


def roles_required(*roles: str) -> Callable[[_F], _F]:
    """Refuse (403) callers whose role is not one of `roles`."""

    def decorate(view: _F) -> _F:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                raise Forbidden("your account may not use this endpoint")
            return view(*args, **kwargs)

        return checked  # type: ignore[return-value]

    return decorate


def _policy() -> Any:
    from db.policy import load_policy

    return load_policy(db.session(), current_app.config["ATTENDLY_SETTINGS"])


def _grade(policy: Any) -> int | None:
    text = request.args.get("grade")
    if text in (None, ""):
        return None
    if not text.isdigit() or int(text) not in policy.grade_levels:
        choices = ", ".join(str(grade) for grade in policy.grade_levels)
        raise BadParameter("grade", f"must be one of {choices}")
    return int(text)


def _as_of() -> dt.date | None:
    text = request.args.get("as_of")
    if text in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadParameter("as_of", "must be a date like 2025-09-26") from None


def _academic_year() -> str | None:
    text = request.args.get("academic_year")
    if text in (None, ""):
        return None
    match = ACADEMIC_YEAR_PATTERN.match(text)
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise BadParameter("academic_year", "must look like 2025-2026")
    return text


def _school() -> str | None:
    """The `school` code asked for (None = every school the caller may see); whether the
    caller may see it is the query layer's check (403 outside their schools or unknown)."""
    text = (request.args.get("school") or "").strip()
    if not text:
        return None
    if len(text) > 32:
        raise BadParameter("school", "must be a school code")
    return text


def _tier() -> str | None:
    text = request.args.get("tier")
    if text in (None, ""):
        return None
    if text not in {tier.value for tier in Tier}:
        raise BadParameter("tier", "must be one of " + ", ".join(tier.value for tier in Tier))
    return text


@blueprint.get("/session")
def session_state() -> Response:
    """Who is signed in (the request gate answers 401 without a session): what an open page
    asks when its live socket closes, without touching the database or the event service."""
    return jsonify(
        {"username": current_user.username, "role": current_user.role, "signed_in": True}
    )


@blueprint.get("/kpis")
def kpis() -> Response:
    """`attendly kpis --json` for the caller's scope."""
    from db.queries import kpis as kpi_query

    policy = _policy()
    result = kpi_query(
        db.session(),
        policy,
        grade=_grade(policy),
        academic_year=_academic_year(),
        as_of=_as_of(),
        allowed_grades=current_user.grade_scope,
        school=_school(),
        allowed_schools=current_user.school_scope,
    )
    return jsonify(result)


@blueprint.get("/students")
def students() -> Response:
    """`attendly students --json` (or `format=csv`) for the caller's scope; audited as export."""
    from db.queries import REPORT_COLUMNS, students_report

    policy = _policy()
    grade, tier, school = _grade(policy), _tier(), _school()
    export_format = request.args.get("format", "json")
    if export_format not in ("json", "csv"):
        raise BadParameter("format", "must be json or csv")
    rows = students_report(
        db.session(),
        policy,
        grade=grade,
        tier=tier,
        academic_year=_academic_year(),
        as_of=_as_of(),
        allowed_grades=current_user.grade_scope,
        school=school,
        allowed_schools=current_user.school_scope,
    )
    details = {
        "format": export_format,
        "grade": grade,
        "school": school,
        "tier": tier,
        "rows": len(rows),
    }
    audit.record("export", entity="students", details=details)
    if export_format == "json":
        return jsonify(rows)
    return _csv_response(REPORT_COLUMNS, rows, "attendly-students.csv")


def _csv_response(columns: tuple[str, ...], rows: list[dict[str, Any]], name: str) -> Response:
    """A CSV download whose cells cannot run as spreadsheet formulas."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(row.get(column)) for column in columns])
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@blueprint.post("/imports")
@roles_required("admin")
def create_import() -> tuple[Response, int]:
    """Upload one file (multipart `file`, optional form `kind`); 202 with its id at once.

    The file streams to disk in chunks; the import runs as a job (RQ, or in process).
    Without `kind` the kind is detected from the file's headers ("auto").
    """
    from ingest.pipeline import AUTO, KINDS

    kind = request.form.get("kind") or AUTO
    if kind != AUTO and kind not in KINDS:
        raise BadParameter("kind", "must be one of " + ", ".join([AUTO, *KINDS]))
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadParameter("file", "attach the file as multipart field `file`")
    try:
        stored = store_upload(
            upload.stream,
            upload.filename,
            current_app.config["ATTENDLY_SETTINGS"].instance_path,
            int(current_app.config["MAX_CONTENT_LENGTH"]),
        )
    except UploadRejected as exc:
        return json_error(exc.status, str(exc), parameter="file")
    import_id = queue_upload(stored, kind, current_user.username)
    return jsonify({"import_id": import_id, "status": "queued"}), 202


@blueprint.get("/imports/<int:import_id>")
@roles_required("admin")
def show_import(import_id: int) -> Response:
    """Status, progress (`rows_done`, `rows_total`, `phase`) and, when finished, the result."""
    from attendly.jobs import import_progress
    from db.imports import import_detail, import_errors

    detail = import_detail(db.session(), import_id)
    settings = current_app.config["ATTENDLY_SETTINGS"]
    progress = import_progress(db.session(), import_id, settings)
    detail["progress"] = {key: progress[key] for key in ("rows_done", "rows_total", "phase")}
    if progress["finished"]:
        detail["errors"] = import_errors(db.session(), import_id)
    return jsonify(detail)


@blueprint.route("/<path:_rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(_rest: str) -> tuple[Response, int]:
    """Unknown API paths are 404 JSON (not the Dash page the catch-all route would serve)."""
    return json_error(404, "no such API endpoint")
