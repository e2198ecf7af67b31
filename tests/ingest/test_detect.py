"""`attendly import auto`: the kind of a file told from its header row."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from ingest.detect import detect_kind
from ingest.result import Rejection
from tests.ingest.conftest import ATTENDANCE_HEADER, ROSTER_HEADER, Runner, Writer, problems

KINDS = {"roster", "attendance", "codes", "calendar", "iready"}


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        (ROSTER_HEADER, "roster"),
        ("ID,SN,LN,FN,GR,SC,ED,LD", "roster"),
        (ATTENDANCE_HEADER, "attendance"),
        ("Student ID,Date,P1,P2", "attendance"),
        ("SC,ID,DT,AL,A1,A2", "attendance"),
        ("SchoolCode,StudentNumber,CalendarDate,AllDayAttendanceCode,Period1", "attendance"),
        ("code,category", "codes"),
        ("AbsenceCode,TypeCode,IsSuspension,CountsForADA", "codes"),
        ("date", "calendar"),
        ("School Code,Calendar Date", "calendar"),
        ("Student ID,Academic Year,Completion Date,Overall Scale Score", "iready"),
    ],
)
def test_each_layout_is_recognised(header: str, kind: str) -> None:
    assert detect_kind(header.split(","), KINDS) == kind


def test_unknown_headers_are_rejected_with_the_kinds_to_choose() -> None:
    with pytest.raises(Rejection) as caught:
        detect_kind(["Teacher", "Room"], KINDS)
    [problem] = caught.value.problems
    assert problem.rule == "unknown_kind" and "Teacher, Room" in problem.message
    assert "roster" in problem.message


def test_auto_import_records_the_detected_kind(
    session: Session, run: Runner, write_csv: Writer
) -> None:
    roster = run("auto", write_csv(f"{ROSTER_HEADER}\n1,A,B,6\n", name="roster.csv"))
    days = run("auto", write_csv(f"{ATTENDANCE_HEADER}\n1,2025-09-02,6,P,P,P,P,P,P,P\n"))
    assert (roster.status, roster.records_inserted) == ("completed", 1)
    assert (days.status, days.records_inserted) == ("completed", 1)
    from db.models import Import

    kinds = [session.get(Import, r.import_id).kind for r in (roster, days)]  # type: ignore[union-attr]
    assert kinds == ["roster", "attendance"]
    unknown = run("auto", write_csv("Teacher,Room\nA,1\n", name="odd.csv"))
    assert unknown.status == "rejected" and problems(unknown)[0]["rule"] == "unknown_kind"
