"""The shell's filters and exports: school, grade and year choices (remembered per user,
re-checked by the server), print header and data download links. (Chart image downloads
need no server: assets/attendly.js handles the Export menu's PNG/SVG items in the browser.)"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

import dash
from dash import ALL, Input, Output, State
from dash.exceptions import PreventUpdate
from flask import current_app
from flask_login import current_user

from attendly.errors import Forbidden
from attendly.extensions import db
from attendly.ids import Export, Filters, Shell
from attendly.metrics.years import current_academic_year
from callbacks.common import (
    grade_choices,
    grade_scope,
    normalise_grade,
    normalise_school,
    school_scope,
)
from db import dashboard
from db.dashboard import Scope

HIDDEN = "d-none"
DISTRICT = "District (all schools)"
ALL_MINE = "All my schools"


def current_scope(grade: object, year: object, school: object = None) -> Scope:
    """The scope of a callback: the browser's choices re-checked against the user's grades
    and schools (no school chosen: every school the user may see).

    Raises Forbidden for a grade or school outside them, an unknown school or a malformed year.
    """
    return dashboard.resolve_scope(
        db.session(),
        grade=normalise_grade(grade),
        academic_year=dashboard.check_year(year),
        allowed_grades=grade_scope(),
        school=normalise_school(school),
        allowed_schools=school_scope(),
    )


def school_choices() -> list[dict[str, str]]:
    """The schools this user may choose among (every school for a district user), by code."""
    allowed = school_scope()
    names = dashboard.school_names(db.session())
    mine = [code for code in sorted(names) if allowed is None or code in allowed]
    return [{"label": names[code], "value": code} for code in mine]


def only_school() -> str | None:
    """The code of the one school a user assigned to a single school sees (else None)."""
    allowed = school_scope()
    return allowed[0] if allowed is not None and len(allowed) == 1 else None


def school_placeholder() -> str:
    """The empty choice's words: the whole district for a user without assignments."""
    return DISTRICT if school_scope() is None else ALL_MINE


def year_choices() -> list[dict[str, str]]:
    """Years with attendance data, newest first, labelled current or historical."""
    settings = current_app.config["ATTENDLY_SETTINGS"]
    current = current_academic_year(dt.date.today(), settings.current_academic_year)
    return [
        {"label": f"{year} ({'current' if year == current else 'historical'})", "value": year}
        for year in dashboard.academic_years(db.session())
    ]


@dash.callback(
    Output(Filters.GRADE, "options"),
    Output(Filters.GRADE, "value"),
    Output(Filters.YEAR, "options"),
    Output(Filters.YEAR, "value"),
    Output(Filters.SCHOOL, "options"),
    Output(Filters.SCHOOL, "value"),
    Output(Filters.SCHOOL, "placeholder"),
    Input(Filters.BAR, "id"),
    State(Filters.STORE, "data"),
)
def init_filters(_: str, remembered: Any) -> tuple[Any, ...]:
    """Once per page load: the choices this user may make and their last ones, if still valid."""
    mine = remembered if isinstance(remembered, dict) else {}
    if mine.get("user") != current_user.username:
        mine = {}
    grades, years, schools = grade_choices(), year_choices(), school_choices()
    grade = normalise_grade(mine.get("grade")) if isinstance(mine.get("grade"), int) else None
    grade = grade if grade in {choice["value"] for choice in grades} else None
    year = mine.get("year")
    values = [choice["value"] for choice in years]
    year = year if year in values else (values[0] if values else None)
    school = normalise_school(mine.get("school"))
    school = school if school in {choice["value"] for choice in schools} else None
    return grades, grade, years, year, schools, school, school_placeholder()


@dash.callback(
    Output(Filters.STORE, "data"),
    Input(Filters.GRADE, "value"),
    Input(Filters.YEAR, "value"),
    Input(Filters.SCHOOL, "value"),
    prevent_initial_call=True,
)
def remember_filters(grade: Any, year: Any, school: Any = None) -> dict[str, Any]:
    """Remember the choices in this browser for this user (re-checked on every use)."""
    return {
        "user": current_user.username,
        "grade": normalise_grade(grade),
        "year": year,
        "school": normalise_school(school),
    }


def page_of_path(pathname: str | None) -> dict[str, Any] | None:
    """The registered page a path opens (path templates like /students/<id> included)."""
    path = pathname if isinstance(pathname, str) else "/"
    parts = [part for part in path.split("/") if part]
    for page in dash.page_registry.values():
        template = page.get("path_template") or page["path"]
        pattern = [part for part in template.split("/") if part]
        if len(pattern) == len(parts) and all(
            p.startswith("<") or p == q for p, q in zip(pattern, parts, strict=True)
        ):
            return dict(page)
    return None


@dash.callback(
    Output(Filters.BAR, "className"),
    Output(Filters.GRADE_BOX, "className"),
    Output(Filters.SCHOOL_BOX, "className"),
    Input(Shell.URL, "pathname"),
)
def show_filters(pathname: str | None) -> tuple[str, str, str]:
    """The bar shows on pages that declare `filters`; the grade box where they list it; the
    school box with the grade box, for a user who may see more than one school (of more
    than one in the district)."""
    page = page_of_path(pathname) or {}
    wanted = page.get("filters", ())
    bar = "filter-bar container-fluid" + ("" if wanted else f" {HIDDEN}")
    grade = "filter-item" + ("" if "grade" in wanted else f" {HIDDEN}")
    choosing = "grade" in wanted and len(school_choices()) > 1
    return bar, grade, "filter-item" + ("" if choosing else f" {HIDDEN}")


@dash.callback(
    Output(Filters.PRINT_HEADER, "children"),
    Input(Filters.GRADE, "value"),
    Input(Filters.YEAR, "value"),
    Input(Shell.URL, "pathname"),
    Input(Filters.SCHOOL, "value"),
)
def print_header(grade: Any, year: Any, pathname: str | None, school: Any = None) -> str:
    """School · page · grade · year · date — what a printed page says about itself."""
    page = page_of_path(pathname) or {}
    grade_text = f"Grade {normalise_grade(grade)}" if grade is not None else "All grades"
    parts = [
        dashboard.school_name(db.session(), normalise_school(school) or only_school())
        or "Attendly",
        str(page.get("name", "")),
        grade_text,
        f"Academic year {year}" if year else "",
        f"Printed {dt.date.today():%B %d, %Y}",
    ]
    return " · ".join(part for part in parts if part)


def download_href(dataset: str, fmt: str, grade: Any, year: Any, school: Any = None) -> str:
    """`/download/<name>.<fmt>?<query>` with the page filters added to the dataset's own."""
    name, _, own = dataset.partition("?")
    query = {
        "grade": normalise_grade(grade),
        "year": year if isinstance(year, str) else None,
        "school": normalise_school(school),
    }
    extra = urlencode({key: value for key, value in query.items() if value not in (None, "")})
    joined = "&".join(part for part in (own, extra) if part)
    return f"/download/{name}.{fmt}" + (f"?{joined}" if joined else "")


@dash.callback(
    Output({"type": Export.DATA, "dataset": ALL, "format": ALL}, "href"),
    Input(Filters.GRADE, "value"),
    Input(Filters.YEAR, "value"),
    Input({"type": Export.DATA, "dataset": ALL, "format": ALL}, "id"),
    Input(Filters.SCHOOL, "value"),
)
def data_hrefs(grade: Any, year: Any, links: list[dict[str, str]], school: Any = None) -> list[str]:
    """Every CSV/Excel link on the page points at the data shown under the current filters."""
    if not links:
        raise PreventUpdate
    try:
        current_scope(grade, year, school)
    except Forbidden:
        raise PreventUpdate from None
    return [
        download_href(str(link.get("dataset")), str(link.get("format")), grade, year, school)
        if isinstance(link, dict)
        else "#"
        for link in links
    ]
