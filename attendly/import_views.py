"""Import routes for the browser (admins): the streaming upload form and the CSV reports.

The upload form posts here (not through a Dash callback), so a large file streams to disk in
chunks and never travels inside a callback payload.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Response, abort, current_app, redirect, request
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from attendly.errors import NotFound
from attendly.exports import safe_cell
from attendly.extensions import db
from attendly.import_jobs import queue_upload
from attendly.uploads import UploadRejected, store_upload

blueprint = Blueprint("import_views", __name__)


@blueprint.errorhandler(NotFound)
def _not_found(exc: NotFound) -> tuple[str, int]:
    return str(exc), 404


def _admin_only() -> None:
    if getattr(current_user, "role", None) != "admin":
        abort(403)


@blueprint.post("/imports/upload")
def upload() -> BaseResponse:
    """Stream the form's `file` to disk, queue its import, and go back to the Imports page."""
    _admin_only()
    kind = request.form.get("kind") or "auto"
    file = request.files.get("file")
    if file is None or not file.filename:
        return redirect("/imports?error=no-file")
    try:
        stored = store_upload(
            file.stream,
            file.filename,
            current_app.config["ATTENDLY_SETTINGS"].instance_path,
            int(current_app.config["MAX_CONTENT_LENGTH"]),
        )
    except UploadRejected:
        return redirect("/imports?error=rejected")
    import_id = queue_upload(stored, kind, current_user.username)
    return redirect(f"/imports?queued={import_id}")


@blueprint.get("/imports/<int:import_id>/errors.csv")
def errors_csv(import_id: int) -> Response:
    """The import's error report (every problem, file order) as CSV."""
    from db.imports import ERROR_COLUMNS, import_errors

    _admin_only()
    rows = import_errors(db.session(), import_id)
    return csv_download(ERROR_COLUMNS, rows, f"import-{import_id}-errors.csv")


@blueprint.get("/imports/<int:import_id>/unmapped.csv")
def unmapped_csv(import_id: int) -> Response:
    """The import's unmapped-student exception report (i-Ready rows kept aside) as CSV."""
    from db.imports import import_detail
    from db.iready_unmapped import REPORT_COLUMNS, unmapped_report

    _admin_only()
    import_detail(db.session(), import_id)  # NotFound for an unknown import
    rows = unmapped_report(db.session(), import_id)
    return csv_download(REPORT_COLUMNS, rows, f"import-{import_id}-unmapped.csv")


def csv_download(columns: Iterable[str], rows: list[dict[str, Any]], name: str) -> Response:
    """A CSV attachment whose cells cannot run as spreadsheet formulas."""
    columns = list(columns)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(row.get(column)) for column in columns])
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
