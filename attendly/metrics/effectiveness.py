"""Did an intervention help? Attendance over the student's school days before vs after it.

For one intervention with a start date, the student's **30 school days before** are the 30
latest days with an attendance record strictly before the start date; the **30 after** are
the 30 earliest days with a record on or after the start date (fewer when fewer exist).
A day counts as present unless it is a full-day absence (metric definitions §2), so
attendance rate = 100 × days present / days enrolled, rounded half up to 2 places.

Per intervention type the rates pool every counted intervention's days (like the school
attendance rate of §5): 100 × Σ days present / Σ student-days. An intervention counts when it
is not cancelled and has at least one school day on each side of its start date.
"""

from __future__ import annotations

import pandas as pd

from attendly.metrics.rounding import percent

WINDOW = 30
WINDOW_COLUMNS = (
    "intervention_id",
    "student_id",
    "type",
    "start_date",
    "days_before",
    "present_before",
    "days_after",
    "present_after",
)
SUMMARY_COLUMNS = (
    "type",
    "interventions",
    "student_days_before",
    "rate_before",
    "student_days_after",
    "rate_after",
    "change",
)


def intervention_windows(
    interventions: pd.DataFrame, days: pd.DataFrame, window: int = WINDOW
) -> pd.DataFrame:
    """Per intervention (WINDOW_COLUMNS): school days and days present on each side.

    `interventions`: intervention_id, student_id, type, start_date (no missing start dates).
    `days`: student_id, date, present (periods present; 0 = full-day absence).
    """
    by_student = {
        str(key): group.sort_values("date", kind="stable")
        for key, group in days.groupby("student_id", sort=False)
    }
    empty = pd.DataFrame(columns=["date", "present"])
    rows = []
    for record in interventions.to_dict("records"):
        student_days = by_student.get(str(record["student_id"]), empty)
        before = student_days[student_days["date"] < record["start_date"]].tail(window)
        after = student_days[student_days["date"] >= record["start_date"]].head(window)
        rows.append(
            {
                **{key: record[key] for key in WINDOW_COLUMNS[:4]},
                "days_before": len(before),
                "present_before": int((before["present"].astype("int64") > 0).sum()),
                "days_after": len(after),
                "present_after": int((after["present"].astype("int64") > 0).sum()),
            }
        )
    return pd.DataFrame(rows, columns=list(WINDOW_COLUMNS))


def effectiveness_by_type(windows: pd.DataFrame) -> pd.DataFrame:
    """Per intervention type (SUMMARY_COLUMNS), sorted by type; `change` is after − before.

    Only interventions with days on both sides count (see the module docstring).
    """
    counted = windows[(windows["days_before"] > 0) & (windows["days_after"] > 0)]
    rows = []
    for kind, group in counted.groupby("type", sort=True):
        before_days = int(group["days_before"].sum())
        after_days = int(group["days_after"].sum())
        before = percent(int(group["present_before"].sum()), before_days)
        after = percent(int(group["present_after"].sum()), after_days)
        rows.append(
            {
                "type": str(kind),
                "interventions": int(len(group)),
                "student_days_before": before_days,
                "rate_before": before,
                "student_days_after": after_days,
                "rate_after": after,
                "change": _change(before, after),
            }
        )
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def _change(before: float | None, after: float | None) -> float | None:
    """Percentage points between two 2-place rates, exact (computed in hundredths)."""
    if before is None or after is None:
        return None
    return (round(after * 100) - round(before * 100)) / 100
