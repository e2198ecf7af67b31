"""Data downloads: every chart's and table's data as CSV or Excel, streamed from Flask.

`GET /download/<dataset>.<csv|xlsx>?grade=&year=[&student=&tier=&truant=&q=&sort=&near=]` answers
for the signed-in user only: grades outside their scope are 403, another grade's student is
404. Text cells that a spreadsheet would run as a formula are neutralised (safe_cell), Excel
cells are written as typed values (never formulas), and every download is audited.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
from flask import Blueprint, Response, abort, current_app, request, stream_with_context
from flask_login import current_user

from attendly.errors import Forbidden, NotFound
from attendly.exports import safe_cell
from attendly.extensions import db

blueprint = Blueprint("downloads", __name__)
CHUNK_ROWS = 500
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def _query(request_args: Any) -> dict[str, Any]:
    """The request's filters as plain values (the datasets re-check them)."""
    grade = request_args.get("grade")
    return {
        "grade": int(grade) if grade and grade.isdigit() and len(grade) <= 2 else None,
        "year": request_args.get("year") or None,
        "school": (request_args.get("school") or "").strip()[:32] or None,
        "student": (request_args.get("student") or "")[:32],
        "tier": tuple(t for t in (request_args.get("tier") or "").split(",") if t)[:10],
        "truant": request_args.get("truant") == "1",
        "q": (request_args.get("q") or "")[:80],
        "sort": request_args.get("sort") or "name",
        "near": _whole(request_args.get("near")),
    }


def _whole(value: str | None) -> int | None:
    """A small whole number from the query string (None for anything else)."""
    text = (value or "").strip()
    return int(text) if text.isdigit() and len(text) <= 3 else None


@blueprint.route("/download/<dataset>.<fmt>")
def download(dataset: str, fmt: str) -> Response:
    """Stream one dataset; 404 for an unknown dataset or format, 403 outside the scope."""
    from attendly import audit
    from attendly.datasets import DATASETS, Reach

    if fmt not in FORMATS or dataset not in DATASETS:
        abort(404)
    params = _query(request.args)
    try:
        reach = Reach(current_user.grade_scope, current_user.school_scope)
        frame = DATASETS[dataset](db.session(), params, reach)
    except Forbidden:
        abort(403)
    except NotFound:
        abort(404)
    audit.record(
        "export",
        entity="dataset",
        entity_id=dataset,
        details={
            "format": fmt,
            "rows": len(frame),
            "grade": params["grade"],
            "year": params["year"],
            "school": params["school"],
        },
    )
    name = "-".join(
        str(p)
        for p in (
            "attendly",
            dataset,
            params["student"],
            params["school"],
            params["grade"],
            params["year"],
        )
        if p
    )
    body = stream_csv(frame) if fmt == "csv" else stream_xlsx(frame, dataset)
    response = Response(stream_with_context(body), mimetype=FORMATS[fmt])
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{SAFE_NAME.sub("-", name)}.{fmt}"'
    )
    return response


def _plain(value: Any) -> Any:
    """A cell as CSV/Excel should hold it: None for missing, ISO text for dates."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, dt.date | dt.datetime | pd.Timestamp):
        return value.isoformat()[:10] if isinstance(value, dt.date) else value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def _records(frame: pd.DataFrame) -> Iterator[list[Any]]:
    for row in frame.itertuples(index=False, name=None):
        yield [safe_cell(_plain(value)) for value in row]


def stream_csv(frame: pd.DataFrame) -> Iterator[str]:
    """The frame as CSV text, a few hundred rows per chunk (UTF-8 BOM so Excel reads accents)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(str(column)) for column in frame.columns])
    yield "\ufeff" + buffer.getvalue()
    for start in range(0, len(frame), CHUNK_ROWS):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(_records(frame.iloc[start : start + CHUNK_ROWS]))
        yield buffer.getvalue()


def stream_xlsx(frame: pd.DataFrame, sheet: str) -> Iterator[bytes]:
    """The frame as one Excel sheet: written row by row to a temporary file (constant memory),
    then streamed in 64 KiB blocks and removed."""
    import xlsxwriter

    handle, path = tempfile.mkstemp(suffix=".xlsx", dir=_scratch())
    os.close(handle)
    try:
        workbook = xlsxwriter.Workbook(
            path, {"constant_memory": True, "strings_to_formulas": False}
        )
        worksheet = workbook.add_worksheet(sheet[:31])
        bold = workbook.add_format({"bold": True})
        for column, title in enumerate(frame.columns):
            worksheet.write_string(0, column, str(safe_cell(str(title))), bold)
        for number, row in enumerate(_records(frame), start=1):
            for column, value in enumerate(row):
                _write(worksheet, number, column, value)
        workbook.close()
        with open(path, "rb") as stream:
            while block := stream.read(65536):
                yield block
    finally:
        os.unlink(path)


def _write(worksheet: Any, row: int, column: int, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        worksheet.write_boolean(row, column, value)
    elif isinstance(value, int | float):
        worksheet.write_number(row, column, value)
    else:
        worksheet.write_string(row, column, str(value))


def _scratch() -> str:
    folder = os.path.join(current_app.instance_path, "exports")
    os.makedirs(folder, exist_ok=True)
    return folder


Dataset = Callable[[Any, dict[str, Any], tuple[int, ...] | None], pd.DataFrame]
