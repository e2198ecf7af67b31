"""Student detail figures, built from whole traces with grids filled in numpy: the same cells,
texts and traces as the pivot tables and groupbys they replace (kept here as references)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from attendly.charts.student import (
    STATUS_LEVELS,
    WEEKDAY_ORDER,
    calendar_figure,
    iready_history_figure,
    monthly_figure,
    weekday_period_figure,
)
from attendly.metrics.kpis import trend
from attendly.metrics.policy import Policy
from db.student_detail import PERIOD_COLUMNS, day_statuses, weekday_period_absences

MONDAY = dt.date(2025, 9, 1)


def days_frame(periods_by_day: dict[dt.date, list[str | None]]) -> pd.DataFrame:
    """The columns of db.student_detail.student_days for one student (periods 1.. given)."""
    rows = []
    for day, periods in periods_by_day.items():
        cells: list[str | None] = [None, *periods] + [None] * (9 - len(periods))
        scheduled = sum(1 for value in periods if value)
        present = sum(1 for value in periods if value in ("P", "T", "L", "I"))
        unexcused = sum(1 for value in periods if value in ("U", "L"))
        unverified = sum(1 for value in periods if value == "V")
        rows.append(("7", day, *cells, scheduled, present, unexcused, unverified))
    columns = ["student_id", "date", *PERIOD_COLUMNS]
    columns += ["scheduled", "present", "unexcused_periods", "unverified_periods"]
    return pd.DataFrame.from_records(rows, columns=columns)


def school_days(weeks: int, skip: tuple[int, ...] = ()) -> list[dt.date]:
    """Monday to Friday for `weeks` weeks from MONDAY, without the days numbered in `skip`."""
    days = [MONDAY + dt.timedelta(days=7 * week + day) for week in range(weeks) for day in range(5)]
    return [day for index, day in enumerate(days) if index not in skip]


def data(figure: go.Figure) -> list[dict[str, Any]]:
    return list(json.loads(figure.to_json())["data"])


def as_json(value: Any) -> Any:
    """A value as the figure's JSON gives it (numpy arrays typed, as plotly encodes them)."""
    return json.loads(go.Figure(data=[{"type": "heatmap", "z": value}]).to_json())["data"][0]["z"]


def calendar_reference(days: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list[pd.Timestamp]]:
    """z, text and x of the calendar by pivot tables, as the page built them before."""
    weeks = sorted(days["week"].unique())
    cells = days.assign(level=days["status"].map(STATUS_LEVELS))
    grid = cells.pivot_table(index="weekday", columns="week", values="level", aggfunc="first")
    grid = grid.reindex(index=list(WEEKDAY_ORDER), columns=weeks)
    info = cells.assign(
        text=cells["date"].astype(str) + ": " + cells["status"] + " (" + cells["codes"] + ")"
    ).pivot_table(index="weekday", columns="week", values="text", aggfunc="first")
    info = info.reindex(index=list(WEEKDAY_ORDER), columns=weeks)
    x = [pd.Timestamp(week) for week in weeks]
    return grid.to_numpy(), info.fillna("No school").to_numpy(), x


CALENDARS = {
    "holidays and a late start": {
        day: ["P", "E", "U", "P"][: 2 + index % 3] if index % 4 else ["E", "E"]
        for index, day in enumerate(school_days(4, skip=(0, 1, 7, 12)))
    },
    "never absent, no day missing": {day: ["P", "T", "P"] for day in school_days(3)},
    "a Saturday school day": {
        **{day: ["P", "P"] for day in school_days(2)},
        MONDAY + dt.timedelta(days=12): ["E", "P"],
    },
    "many weeks": {day: ["P", None, "V"] for day in school_days(16, skip=(3, 40))},
}


@pytest.mark.parametrize("periods", CALENDARS.values(), ids=CALENDARS.keys())
def test_calendar_cells_equal_the_pivot_tables(periods: dict[dt.date, list[str | None]]) -> None:
    statuses = day_statuses(days_frame(periods))
    z, text, x = calendar_reference(statuses)
    (heatmap,) = data(calendar_figure(statuses))
    assert heatmap["z"] == as_json(z)
    assert heatmap["text"] == text.tolist()
    assert (
        heatmap["x"]
        == json.loads(go.Figure(data=[{"type": "heatmap", "x": x}]).to_json())["data"][0]["x"]
    )
    layout = calendar_figure(statuses).layout
    assert layout.height == 260 and layout.yaxis.autorange == "reversed"
    assert layout.xaxis.dtick == (7 if len(x) <= 14 else 28) * 24 * 3600 * 1000


def weekday_reference(cells: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    grid = cells.pivot_table(index="weekday", columns="period", values="absences", aggfunc="sum")
    grid = grid.reindex(index=list(WEEKDAY_ORDER))
    return grid.to_numpy(), [str(period) for period in grid.columns]


WEEKDAY_CELLS = {
    "every weekday and period": None,
    "cells missing, a weekend day": pd.DataFrame(
        {
            "weekday": ["Monday", "Tuesday", "Saturday", "Monday"],
            "period": [1, 2, 4, 1],
            "absences": [1, 2, 3, 4],
            "scheduled": [5, 5, 5, 5],
        }
    ),
}


@pytest.mark.parametrize("cells", WEEKDAY_CELLS.values(), ids=WEEKDAY_CELLS.keys())
def test_weekday_period_cells_equal_the_pivot_table(cells: pd.DataFrame | None) -> None:
    if cells is None:
        cells = weekday_period_absences(days_frame(CALENDARS["holidays and a late start"]))
    z, x = weekday_reference(cells)
    (heatmap,) = data(weekday_period_figure(cells))
    assert heatmap["z"] == as_json(z)
    assert heatmap["x"] == x
    assert heatmap["y"] == list(WEEKDAY_ORDER)


def test_monthly_bars_and_line_are_the_month_rates() -> None:
    days = days_frame({day: ["P", "E", "P"] for day in school_days(6, skip=(2, 9))})
    months = trend(days, Policy(), "month")
    bars, line = data(monthly_figure(months))
    reference = go.Figure(
        data=[
            {"type": "bar", "y": months["attendance_rate"]},
            {"type": "scatter", "y": months["period_attendance_rate"]},
        ]
    )
    assert [bars["y"], line["y"]] == [trace["y"] for trace in data(reference)]
    assert bars["text"] == [f"{value:.0f}%" for value in months["attendance_rate"]]
    assert bars["x"] == line["x"] == ["Sep 2025", "Oct 2025"]


DIAGNOSTICS = pd.DataFrame(
    {
        "subject": ["ELA", "ELA", "MATH"],
        "completion_date": [dt.date(2025, 9, 10), dt.date(2026, 1, 20), dt.date(2025, 9, 12)],
        "overall_scale_score": [480, 512, 455],
    }
)
DOMAINS = pd.DataFrame(  # not in date order: each line keeps the rows' order
    {
        "domain": ["Vocabulary", "Phonics", "Vocabulary", "Phonics", "Algebra"],
        "scale_score": [520, 470, 490, 501, 460],
        "subject": ["ELA", "ELA", "ELA", "ELA", "MATH"],
        "completion_date": pd.Series(
            [dt.date(2026, 1, 20), dt.date(2025, 9, 10), dt.date(2025, 9, 10)]
            + [dt.date(2026, 1, 20), dt.date(2025, 9, 12)],
            dtype=object,
        ),
    }
)


def iready_reference(subject: str) -> list[dict[str, Any]]:
    """The traces by groupby over the subject's rows, as the page built them before."""
    rows = DIAGNOSTICS[DIAGNOSTICS["subject"] == subject]
    mine = DOMAINS[DOMAINS["subject"] == subject]
    traces: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "x": group["completion_date"],
            "y": group["scale_score"],
            "name": domain,
        }
        for domain, group in mine.groupby("domain", sort=True)
    ]
    traces.append(
        {"type": "scatter", "x": rows["completion_date"], "y": rows["overall_scale_score"]}
    )
    return data(go.Figure(data=traces))


@pytest.mark.parametrize("subject", ["ELA", "MATH"])
def test_iready_lines_equal_the_groupby(subject: str) -> None:
    growth = {"progress_to_typical": 55.0, "progress_to_stretch": float("nan")}
    figure = iready_history_figure(subject, DIAGNOSTICS, DOMAINS, growth)
    traces = data(figure)
    reference = iready_reference(subject)
    assert [(t["x"], t["y"]) for t in traces] == [(t["x"], t["y"]) for t in reference]
    assert [t["name"] for t in traces[:-1]] == [t["name"] for t in reference[:-1]]
    assert [t["line"].get("dash") for t in traces[:-1]] == ["dot", "dash"][: len(traces) - 1]
    assert traces[-1]["text"] == [
        str(s) for s in DIAGNOSTICS.query("subject == @subject")["overall_scale_score"]
    ]
    assert figure.layout.title.subtitle.text == "55 % of typical growth"


def test_a_student_without_i_ready_gets_the_empty_figure() -> None:
    for diagnostics, domains in ((pd.DataFrame(), pd.DataFrame()), (DIAGNOSTICS, DOMAINS)):
        figure = iready_history_figure("SCIENCE", diagnostics, domains, {})
        assert figure.layout.annotations[0].text == "No diagnostic this year"
        assert not figure.data


def student_figures() -> dict[str, go.Figure]:
    days = days_frame(CALENDARS["holidays and a late start"])
    growth = {"progress_to_typical": 55.0, "progress_to_stretch": 20.0}
    return {
        "calendar": calendar_figure(day_statuses(days)),
        "calendar, whole numbers": calendar_figure(
            day_statuses(days_frame(CALENDARS["never absent, no day missing"]))
        ),
        "weekday and period": weekday_period_figure(weekday_period_absences(days)),
        "monthly": monthly_figure(trend(days, Policy(), "month")),
        "i-Ready": iready_history_figure("ELA", DIAGNOSTICS, DOMAINS, growth),
        "i-Ready, no domains": iready_history_figure("ELA", DIAGNOSTICS, DOMAINS.iloc[:0], {}),
        "i-Ready, empty": iready_history_figure("MATH", pd.DataFrame(), pd.DataFrame(), {}),
    }


@pytest.mark.parametrize("name", list(student_figures()))
def test_student_figures_pass_validation_unchanged(name: str) -> None:
    figure = student_figures()[name]
    sent = json.loads(figure.to_json())
    validated = go.Figure(figure.to_plotly_json())  # raises on anything Plotly refuses
    assert json.loads(validated.to_json()) == sent
