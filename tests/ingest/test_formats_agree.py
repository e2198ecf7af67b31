"""The three attendance layouts of one school give the same figures (tests/school.py).

The hand-computed school is written as canonical attendance (formats.md §2), as an Aeries ATT
export by exception with permanent IDs plus an uploaded calendar, and as the same export with
the API column names and student numbers (§3); each is imported into an empty database and
`students_report` and `kpis` compared. Aeries schedules every student for the school's
`periods_per_day`, so student 1234's six-period days (period 7 blank in the canonical file)
become seven present periods: every per-student figure agrees, and of the school figures only
the period-weighted rate moves (227/263 -> 237/273). A by-exception file cannot say which
days it covers (nobody was absent on 9/2 or 9/15), so the import is told: `covers`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from attendly.settings import Settings
from db.policy import load_policy
from db.queries import kpis, students_report
from tests import school
from tests.conftest import clean
from tests.ingest.conftest import Runner, Writer

AERIES_CODE = {"E": "E", "U": "U", "V": "A", "T": "T", "L": "L"}  # the default code table
LEFT = {"0100": "2025-09-12"}  # 0100 has no 9/15 record: in Aeries terms it left on 9/12


def aeries_roster() -> str:
    lines = ["ID,SN,LN,FN,GR,SC,LD"]
    for number, (student_id, last, first, grade) in enumerate(school.ROSTER, start=501):
        lines.append(
            f'{student_id},{number},"{last}",{first},{grade},001,{LEFT.get(student_id, "")}'
        )
    return "\n".join(lines) + "\n"


def exceptions(api_names: bool) -> str:
    numbers = {sid: str(n) for n, (sid, *_rest) in enumerate(school.ROSTER, start=501)}
    periods = [f"Period{n}" if api_names else f"A{n}" for n in range(1, 8)]
    head = (
        "SchoolCode,StudentNumber,CalendarDate,AllDayAttendanceCode"
        if api_names
        else ("SC,ID,DT,AL")
    )
    lines = [",".join([head, *periods])]
    for student_id, day, _grade, letters in school.attendance_rows():
        marked = [letter for letter in letters if letter]
        if all(letter == "P" for letter in marked):
            continue
        who = numbers[student_id] if api_names else student_id
        if len(set(marked)) == 1:
            cells = [AERIES_CODE[marked[0]]] + [""] * 7
        else:
            cells = [""] + [
                "" if letter in ("P", "") else AERIES_CODE[letter] for letter in letters
            ]
        lines.append(",".join(["001", who, day.strftime("%m/%d/%Y"), *cells]))
    return "\n".join(lines) + "\n"


def calendar() -> str:
    return "date\n" + "\n".join(day.isoformat() for day in school.SCHOOL_DAYS) + "\n"


Loader = Callable[[Runner, Writer], None]


def canonical(run: Runner, write_csv: Writer) -> None:
    for kind, text in (("roster", school.roster_csv()), ("attendance", school.attendance_csv())):
        assert run(kind, write_csv(text, name=f"{kind}.csv")).status == "completed"


def aeries(api_names: bool) -> Loader:
    def load(run: Runner, write_csv: Writer) -> None:
        files = (
            ("roster", aeries_roster()),
            ("calendar", calendar()),
            ("attendance", exceptions(api_names)),
        )
        covers = (school.SCHOOL_DAYS[0], school.SCHOOL_DAYS[-1])
        for kind, text in files:
            extra = {"covers": covers} if kind == "attendance" else {}
            result = run(kind, write_csv(text, name=f"{kind}.csv"), **extra)
            assert result.status == "completed" and result.records_failed == 0, result.errors

    return load


def figures(session: Session, settings: Settings) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    policy = load_policy(session, settings)
    report = students_report(session, policy)
    return report, kpis(session, policy)


def test_three_layouts_agree(
    session: Session, run: Runner, write_csv: Writer, settings: Settings
) -> None:
    results = []
    for load in (canonical, aeries(api_names=False), aeries(api_names=True)):
        clean(session.get_bind())  # type: ignore[arg-type]
        load(run, write_csv)
        results.append(figures(session, settings))
    (students_c, kpis_c), (students_id, kpis_id), (students_sn, kpis_sn) = results
    assert students_c == students_id == students_sn
    by_id = {row["student_id"]: row for row in students_c}
    for student_id, expected in school.EXPECTED_STUDENTS.items():
        for key, value in expected.items():
            assert by_id[student_id][key] == value, (student_id, key)
    for key, value in school.EXPECTED_SCHOOL.items():
        assert kpis_c[key] == value, key
    assert kpis_id == kpis_sn
    assert {**kpis_id, "period_attendance_rate": None} == {**kpis_c, "period_attendance_rate": None}
    assert kpis_id["period_attendance_rate"] == pytest.approx(86.81)
