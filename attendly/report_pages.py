"""What each page's PDF holds: a cover with the filters and key figures, then its charts.

Built from the same queries and chart builders as the pages, so the PDF shows what the page
shows for the same filters and the same user scope.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from sqlalchemy.orm import Session

from attendly import charts
from attendly.charts.theme import TEMPLATE, tier_label
from attendly.components.kpi import format_rate
from attendly.metrics.policy import Policy

PAGE_TITLES = {
    "overview": "Overview",
    "students": "Students",
    "student": "Student",
    "correlation": "Attendance vs i-Ready",
}
TABLE_ROWS = 28  # student rows per PDF page


def table_figure(title: str, frame: pd.DataFrame) -> go.Figure:
    """A titled table as a figure (kaleido renders it like any chart)."""
    figure = go.Figure(layout={"template": TEMPLATE, "title": {"text": title}})
    figure.add_table(
        header={
            "values": list(frame.columns),
            "fill_color": "#dde6ee",
            "align": "left",
            "font": {"size": 12},
        },
        cells={
            "values": [frame[c].astype(str).tolist() for c in frame.columns],
            "align": "left",
            "font": {"size": 11},
            "height": 22,
        },
    )
    return figure


def cover(page: str, facts: list[tuple[str, str]], school: str, filters: str) -> go.Figure:
    """The first page: school, page, filters, date and the page's headline figures."""
    stamp = f"{school} · {filters} · generated {dt.date.today():%B %d, %Y}"
    frame = pd.DataFrame(facts, columns=["Figure", "Value"])
    return table_figure(f"Attendly — {PAGE_TITLES.get(page, page)}<br><sup>{stamp}</sup>", frame)


def _kpi_facts(kpis: dict[str, Any]) -> list[tuple[str, str]]:
    facts = [
        ("Academic year / as of", f"{kpis['academic_year']} / {kpis['as_of']}"),
        ("Students", f"{kpis['students']:,}"),
        ("Attendance rate", format_rate(kpis["attendance_rate"])),
        ("Chronically absent", format_rate(kpis["chronic_absenteeism_rate"])),
        ("Period attendance", format_rate(kpis["period_attendance_rate"])),
        ("Truant students", f"{kpis['truant_students']:,}"),
    ]
    facts += [(f"Tier: {tier_label(t)}", f"{n:,}") for t, n in kpis["tier_counts"].items()]
    for subject, values in kpis.get("iready", {}).items():
        facts.append((f"{subject}: on grade level", format_rate(values.get("pct_on_grade"))))
        facts.append(
            (
                f"{subject}: median progress to typical",
                format_rate(values.get("median_progress_to_typical")),
            )
        )
    return facts


def overview_report(
    session: Session, policy: Policy, scope: Any
) -> tuple[list[tuple[str, str]], list[go.Figure]]:
    from db.dashboard import overview_data

    data = overview_data(session, policy, scope)
    figures = [
        charts.weekly_trend_figure(data.weeks),
        charts.tier_distribution_figure(data.kpis["tier_counts"]),
        charts.grade_comparison_figure(data.grades),
    ]
    return (_kpi_facts(data.kpis) if not scope.empty else []), figures


def students_report(
    session: Session, policy: Policy, scope: Any
) -> tuple[list[tuple[str, str]], list[go.Figure]]:
    from db.students_list import StudentFilter, filter_students, student_rows

    rows = filter_students(student_rows(session, policy, scope), StudentFilter())
    table = pd.DataFrame(
        {
            "Student": rows["last_name"] + ", " + rows["first_name"],
            "ID": rows["student_id"],
            "Grade": rows["grade_level"],
            "Attendance": [format_rate(v) for v in rows["attendance_rate"]],
            "Days absent": rows["days_absent"],
            "Tier": [tier_label(t) for t in rows["tier"]],
        }
    ).head(TABLE_ROWS * 10)
    pages = [
        table_figure(f"Students, lowest attendance first ({start + 1}–{start + len(part)})", part)
        for start in range(0, len(table), TABLE_ROWS)
        for part in [table.iloc[start : start + TABLE_ROWS]]
    ]
    return [("Students listed", f"{len(rows):,}")], pages


def student_report(
    session: Session,
    policy: Policy,
    student_id: str,
    year: str | None,
    grades: Any,
    schools: Any = None,
) -> tuple[list[tuple[str, str]], list[go.Figure]]:
    from db import student_detail as detail

    data = detail.student_year(session, policy, student_id, year, grades, schools)
    student, figures = data.student, data.figures or {}
    facts = [
        ("Student", f"{student['first_name']} {student['last_name']} (ID {student['id']})"),
        ("Grade", str(student["grade_level"])),
        ("Attendance rate", format_rate(figures.get("attendance_rate"))),
        ("Days absent", str(figures.get("days_absent", "—"))),
        ("Tier", tier_label(str(figures.get("tier", "")))),
    ]
    return facts, [
        charts.calendar_figure(detail.day_statuses(data.days)),
        charts.weekday_period_figure(detail.weekday_period_absences(data.days)),
        charts.monthly_figure(detail.monthly_rates(data.days, policy)),
        *[
            charts.iready_history_figure(
                s, data.diagnostics, data.domains, detail.subject_growth(data, s)
            )
            for s in ("ELA", "MATH")
        ],
    ]


def correlation_report(
    session: Session, policy: Policy, scope: Any
) -> tuple[list[tuple[str, str]], list[go.Figure]]:
    from attendly.charts.correlation import fit_text
    from db.correlation import subject_correlation

    facts, figures = [], []
    for subject in ("ELA", "MATH"):
        data = subject_correlation(session, policy, scope, subject)
        facts.append((subject, fit_text(data.fit)))
        figures += [
            charts.scatter_figure(subject, data.points, data.fit),
            charts.score_by_tier_figure(subject, data.points),
            charts.growth_figure(subject, data.points),
            charts.placement_heatmap_figure(subject, data.placements),
        ]
    return facts, figures
