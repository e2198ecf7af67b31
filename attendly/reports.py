"""One-click PDF of a page's charts, rendered off the web request by a job.

`request_report` records the job (a JSON file in instance/reports/) with the scope taken
from the signed-in user, then hands `render_report(report_id)` to RQ when REDIS_URL is set,
or to a one-thread in-process runner otherwise. `render_report` is the job function the RQ
worker calls: it reloads everything from the database, renders each figure with kaleido
(one warm Chromium per process; Debian's /usr/bin/chromium when present) and joins the pages
with pypdf. `report_status` turns the job file into UI state; the PDF is served only to the
user who asked for it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, has_app_context, send_file
from flask_login import current_user

from attendly.errors import NotFound

logger = logging.getLogger(__name__)
blueprint = Blueprint("reports", __name__)

PAGES = ("overview", "students", "student", "correlation")
PAGE_SIZE = {"width": 1000, "height": 620}  # px at 96 dpi: a landscape Letter/A4 page
CHROMIUM = Path("/usr/bin/chromium")
JOB_TIMEOUT, RESULT_TTL, FAILURE_TTL = 300, 3600, 86400
EXECUTOR = "attendly.reports.executor"
_renderer_lock = threading.Lock()  # one warm kaleido renderer per process


def reports_dir(app: Flask | None = None) -> Path:
    folder = Path((app or current_app).instance_path) / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _job_path(report_id: str, app: Flask | None = None) -> Path:
    if not report_id.isalnum():
        raise NotFound("no such report")
    return reports_dir(app) / f"{report_id}.json"


def _write_job(job: dict[str, Any], app: Flask | None = None) -> None:
    path = _job_path(job["id"], app)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(job, default=str))
    temporary.replace(path)


def read_job(report_id: str, app: Flask | None = None) -> dict[str, Any]:
    """The stored job; NotFound when there is none."""
    path = _job_path(report_id, app)
    if not path.exists():
        raise NotFound("no such report")
    job: dict[str, Any] = json.loads(path.read_text())
    return job


def request_report(page: str, params: dict[str, Any]) -> str:
    """Queue the PDF of `page` for the signed-in user; returns the report id.

    `params` are the page's filters (grade, year, school, student); the grade and school
    scope comes from the user, never from the browser.
    """
    if page not in PAGES:
        raise NotFound("no such page")
    job = {
        "id": uuid.uuid4().hex,
        "page": page,
        "params": {key: params.get(key) for key in ("grade", "year", "school", "student")},
        "username": current_user.username,
        "grades": list(current_user.grade_scope) if current_user.grade_scope else None,
        "schools": list(current_user.school_scope) if current_user.school_scope else None,
        "status": "queued",
        "created": dt.datetime.now(dt.UTC).isoformat(),
    }
    _write_job(job)
    _dispatch(job["id"])
    return str(job["id"])


def _dispatch(report_id: str) -> None:
    settings = current_app.config["ATTENDLY_SETTINGS"]
    if settings.redis_url:
        from redis import Redis
        from rq import Queue

        Queue("reports", connection=Redis.from_url(settings.redis_url)).enqueue(
            render_report,
            report_id,
            job_id=f"report-{report_id}",
            job_timeout=JOB_TIMEOUT,
            result_ttl=RESULT_TTL,
            failure_ttl=FAILURE_TTL,
        )
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    executor = app.extensions.setdefault(EXECUTOR, ThreadPoolExecutor(1, "attendly-reports"))
    executor.submit(_run_in_app, app, report_id)


def _run_in_app(app: Flask, report_id: str) -> None:
    with app.app_context():
        render_report(report_id)


def render_report(report_id: str) -> str:
    """The job: render the report's PDF into instance/reports/<id>.pdf; returns the id.

    Runs inside the caller's app context, or builds the app (an RQ worker process).
    """
    if not has_app_context():
        from attendly import create_app

        with create_app(web=False).app_context():
            return render_report(report_id)
    job = read_job(report_id)
    job["status"] = "running"
    _write_job(job)
    try:
        pdf = build_pdf(job)
        (reports_dir() / f"{report_id}.pdf").write_bytes(pdf)
        job.update(status="done", pages=pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages"))
    except Exception as exc:  # the job boundary: any failure is reported, not raised
        logger.exception("report %s failed", report_id)
        job.update(status="failed", message=f"{type(exc).__name__}: {exc}")
    finally:
        from attendly.extensions import db

        db.session.remove()
    _write_job(job)
    return report_id


def build_pdf(job: dict[str, Any]) -> bytes:
    """Cover plus every chart of the page, one figure per PDF page."""
    from pypdf import PdfWriter

    figures = page_figures(job)
    writer = PdfWriter()
    for figure in figures:
        writer.append(io.BytesIO(render_pdf(figure)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def page_figures(job: dict[str, Any]) -> list[Any]:
    """The figures of the job's page for its stored scope (cover first)."""
    from attendly import report_pages
    from attendly.extensions import db
    from db.dashboard import check_year, resolve_scope, school_name
    from db.policy import load_policy

    session, params, grades = db.session(), job["params"], job["grades"]
    schools = job.get("schools")  # absent from jobs queued before schools were scoped
    policy = load_policy(session, current_app.config["ATTENDLY_SETTINGS"])
    year = check_year(params.get("year"))
    if job["page"] == "student":
        facts, figures = report_pages.student_report(
            session, policy, str(params.get("student") or ""), year, grades, schools
        )
        label = f"academic year {year or 'latest'}"
    else:
        scope = resolve_scope(
            session,
            grade=params.get("grade"),
            academic_year=year,
            allowed_grades=grades,
            school=params.get("school"),
            allowed_schools=schools,
        )
        build = {
            "overview": report_pages.overview_report,
            "students": report_pages.students_report,
            "correlation": report_pages.correlation_report,
        }[job["page"]]
        facts, figures = build(session, policy, scope)
        grade = f"grade {scope.grade}" if scope.grade else "all grades"
        label = f"{grade}, academic year {scope.academic_year}"
    only = schools[0] if schools and len(schools) == 1 else None
    title = school_name(session, params.get("school") or only) or "Attendly"
    cover = report_pages.cover(job["page"], facts, title, label)
    return [cover, *figures]


def render_pdf(figure: Any) -> bytes:
    """One figure as a one-page PDF, through the process's warm renderer."""
    import kaleido

    _start_renderer()
    result: bytes = kaleido.calc_fig_sync(figure, opts={"format": "pdf", **PAGE_SIZE})
    return result


def _start_renderer() -> None:
    import kaleido

    with _renderer_lock:
        if CHROMIUM.exists() and "BROWSER_PATH" not in os.environ:
            os.environ["BROWSER_PATH"] = str(CHROMIUM)
        kaleido.start_sync_server(silence_warnings=True)


def report_status(report_id: str) -> dict[str, Any]:
    """{status: queued|running|done|failed, message, url} of the user's own report."""
    job = read_job(report_id)
    if job.get("username") != current_user.username:
        raise NotFound("no such report")
    out = {"status": job["status"], "message": job.get("message", "")}
    if job["status"] == "done":
        out["url"] = f"/reports/{report_id}.pdf"
    return out


@blueprint.route("/reports/<report_id>.pdf")
def download_report(report_id: str) -> Response:
    """The finished PDF, to the user who asked for it (404 for anyone else)."""
    try:
        status = report_status(report_id)
    except NotFound:
        abort(404)
    if status["status"] != "done":
        abort(404)
    job = read_job(report_id)
    name = f"attendly-{job['page']}-{dt.date.today():%Y-%m-%d}.pdf"
    return send_file(
        reports_dir() / f"{report_id}.pdf",
        mimetype="application/pdf",
        as_attachment=True,
        download_name=name,
    )
