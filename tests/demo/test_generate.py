"""Tests for the demo-school generator: calendar rules, file formats and attendance realism."""

from __future__ import annotations

import csv
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest

from attendly.demo import (
    DemoFiles,
    academic_year_end,
    academic_year_start,
    demo_date_range,
    generate_school,
    school_days,
)

START, END = academic_year_start(2025), academic_year_end(2025)
ROSTER_HEADER = "ID,SN,LN,FN,GR,SC,ED,LD,BD,GN,CID"
PRESENT_CODES = set("PTLI")
ABSENT_CODES = set("EUVS")


@dataclass
class Demo:
    files: DemoFiles
    roster: list[dict[str, str]]
    rows: list[list[str]]
    header: list[str]
    by_student: dict[str, list[list[str]]]


def _aeries(text: str) -> date:
    return datetime.strptime(text, "%m/%d/%Y").date()


def _full_day_absent(periods: list[str]) -> bool:
    return not any(code in PRESENT_CODES for code in periods)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    files = generate_school(tmp_path_factory.mktemp("demo"), start=START, end=END)
    with files.roster.open(encoding="utf-8", newline="") as handle:
        roster = list(csv.DictReader(handle))
    with files.attendance.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    by_student: dict[str, list[list[str]]] = defaultdict(list)
    for row in rows:
        by_student[row[0]].append(row)
    return Demo(files, roster, rows, header, dict(by_student))


def _full_day_rates(demo: Demo) -> dict[str, float]:
    return {
        sid: sum(_full_day_absent(row[3:]) for row in rows) / len(rows)
        for sid, rows in demo.by_student.items()
    }


# --- calendar -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "holiday",
    ["2025-09-01", "2025-11-11", "2025-11-26", "2025-11-27", "2025-11-28", "2025-12-22",
     "2025-12-25", "2026-01-01", "2026-01-02", "2026-01-19", "2026-02-13", "2026-02-16",
     "2026-03-30", "2026-04-03", "2026-05-25"],
)  # fmt: skip
def test_school_days_exclude_named_holidays(holiday: str) -> None:
    assert date.fromisoformat(holiday) not in school_days(date(2025, 7, 1), date(2026, 6, 30))


def test_school_days_are_weekdays_around_breaks() -> None:
    days = school_days(date(2025, 7, 1), date(2026, 6, 30))
    assert all(day.weekday() < 5 for day in days)
    assert days == sorted(set(days))
    for open_day in ("2025-11-25", "2026-01-05", "2026-04-06", "2026-02-17"):
        assert date.fromisoformat(open_day) in days


def test_observed_holidays_follow_weekend_rules() -> None:
    # Juneteenth 2027 is a Saturday (observed Friday); Veterans Day 2029 is a Sunday (Monday).
    assert date(2027, 6, 18) not in school_days(date(2027, 6, 14), date(2027, 6, 25))
    assert date(2029, 11, 12) not in school_days(date(2029, 11, 5), date(2029, 11, 16))
    assert date(2029, 11, 9) in school_days(date(2029, 11, 5), date(2029, 11, 16))


@pytest.mark.parametrize("year", range(2022, 2032))
def test_full_year_has_realistic_length(year: int) -> None:
    first, last = academic_year_start(year), academic_year_end(year)
    count = len(school_days(first, last))
    assert 170 <= count <= 185
    assert first.weekday() == 2 and first.month == 8 and 8 <= first.day <= 14
    assert last.month in (5, 6)


def test_academic_year_start_is_second_wednesday_of_august() -> None:
    assert academic_year_start(2025) == date(2025, 8, 13)
    assert academic_year_start(2026) == date(2026, 8, 12)


def test_demo_date_range_mid_year_runs_to_yesterday() -> None:
    assert demo_date_range(date(2026, 11, 26)) == (date(2026, 8, 12), date(2026, 11, 25))


@pytest.mark.parametrize("today", [date(2026, 8, 20), date(2026, 7, 15)])
def test_demo_date_range_falls_back_to_previous_full_year(today: date) -> None:
    first, last = demo_date_range(today)
    assert first == date(2025, 8, 13)
    assert last == academic_year_end(2025)
    assert 170 <= len(school_days(first, last)) <= 185


def test_demo_date_range_after_year_end_stops_at_last_day() -> None:
    assert demo_date_range(date(2026, 6, 20)) == (date(2025, 8, 13), academic_year_end(2025))


# --- determinism, speed and arguments ---------------------------------------------------------


def test_same_seed_is_byte_identical_and_other_seed_differs(tmp_path: Path) -> None:
    def make(name: str, seed: int) -> DemoFiles:
        return generate_school(
            tmp_path / name, students=120, start=START, end=date(2025, 12, 19), seed=seed
        )

    first, again, other = make("a", 7), make("b", 7), make("c", 8)
    for name in ("roster", "attendance", "calendar"):
        assert getattr(first, name).read_bytes() == getattr(again, name).read_bytes()
    assert first.roster.read_bytes() != other.roster.read_bytes()
    assert first.attendance.read_bytes() != other.attendance.read_bytes()


def test_full_school_year_generates_quickly(tmp_path: Path) -> None:
    began = time.perf_counter()
    generate_school(tmp_path, students=900, start=START, end=END)
    assert time.perf_counter() - began < 5


def test_period_count_and_empty_range(tmp_path: Path) -> None:
    files = generate_school(tmp_path / "p4", students=30, start=START, end=END, periods=4)
    header = files.attendance.read_text(encoding="utf-8").splitlines()[0]
    assert header.endswith(",period_3_status,period_4_status")
    with pytest.raises(ValueError):
        generate_school(tmp_path / "x", start=date(2025, 12, 27), end=date(2025, 12, 28))


# --- roster ---------------------------------------------------------------------------------


def test_roster_layout_is_aeries_windows_csv(demo: Demo) -> None:
    raw = demo.files.roster.read_bytes()
    assert raw.startswith(ROSTER_HEADER.encode() + b"\r\n")
    assert raw.count(b"\n") == raw.count(b"\r\n") == len(demo.roster) + 1
    raw.decode("utf-8")  # valid UTF-8, and no byte-order mark per the startswith above
    assert len(demo.roster) == 900


def test_roster_identifiers(demo: Demo) -> None:
    ids = [row["ID"] for row in demo.roster]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"\d{6}", value) for value in ids)
    assert 0.05 <= sum(value.startswith("0") for value in ids) / len(ids) <= 0.15
    assert any(value.startswith("00") for value in ids)
    assert sorted(int(row["SN"]) for row in demo.roster) == list(range(1, 901))
    state_ids = [row["CID"] for row in demo.roster]
    assert len(set(state_ids)) == len(state_ids)
    assert all(re.fullmatch(r"[1-9]\d{9}", value) for value in state_ids)


def test_roster_people_are_plausible(demo: Demo) -> None:
    grades = Counter(row["GR"] for row in demo.roster)
    assert set(grades) == {"6", "7", "8"}
    assert all(0.28 <= count / len(demo.roster) <= 0.39 for count in grades.values())
    assert {row["GN"] for row in demo.roster} == {"M", "F", "X"}
    assert {row["SC"] for row in demo.roster} == {"101"}
    last_names = {row["LN"] for row in demo.roster}
    assert any("'" in name for name in last_names) and any("-" in name for name in last_names)
    assert any(" " in name for name in last_names) and any(not n.isascii() for n in last_names)
    assert len({(row["LN"], row["FN"]) for row in demo.roster}) >= 300
    for row in demo.roster:
        age = (date(2025, 9, 1) - _aeries(row["BD"])).days / 365.25
        assert 5 + int(row["GR"]) <= age < 7 + int(row["GR"])


def test_enrollment_dates(demo: Demo) -> None:
    assert all(re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", row["ED"]) for row in demo.roster)
    late = [row for row in demo.roster if _aeries(row["ED"]) > START]
    leavers = [row for row in demo.roster if row["LD"]]
    assert 0.03 <= len(late) / 900 <= 0.07
    assert 0.02 <= len(leavers) / 900 <= 0.05
    assert all(START < _aeries(row["LD"]) < END for row in leavers)


# --- attendance -----------------------------------------------------------------------------


def test_attendance_layout(demo: Demo) -> None:
    raw = demo.files.attendance.read_bytes()
    assert b"\r" not in raw
    periods = [f"period_{n}_status" for n in range(1, 8)]
    assert demo.header == ["student_id", "date", "grade_level", *periods]
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[1]) for row in demo.rows)


def test_rows_cover_exactly_the_enrolled_school_days(demo: Demo) -> None:
    days = school_days(START, END)
    assert len({(row[0], row[1]) for row in demo.rows}) == len(demo.rows)
    assert set(demo.by_student) == {row["ID"] for row in demo.roster}
    for student in demo.roster:
        first = max(START, _aeries(student["ED"]))
        last = min(END, _aeries(student["LD"])) if student["LD"] else END
        expected = [day.isoformat() for day in days if first <= day <= last]
        rows = demo.by_student[student["ID"]]
        assert [row[1] for row in rows] == expected
        assert {row[2] for row in rows} == {student["GR"]}


def test_status_codes_and_schedules(demo: Demo) -> None:
    short_schedule = set()
    for row in demo.rows:
        periods = row[3:]
        assert set(periods) <= set("PTLEUVSI") | {""}
        scheduled = [code for code in periods if code]
        assert scheduled and periods[: len(scheduled)] == scheduled  # blanks only at the end
        if _full_day_absent(periods):
            assert len(set(scheduled)) == 1
        if not periods[-1]:
            short_schedule.add(row[0])
    assert 0.01 <= len(short_schedule) / 900 <= 0.05
    for sid in short_schedule:
        assert all(row[-1] == "" for row in demo.by_student[sid])
    used = Counter(code for row in demo.rows for code in row[3:] if code)
    assert set(used) == set("PTLEUVSI")
    assert used["E"] > used["V"] and used["T"] > used["L"]


def test_absence_distribution(demo: Demo) -> None:
    rates = list(_full_day_rates(demo).values())
    assert 0.08 <= sum(rate >= 0.10 for rate in rates) / len(rates) <= 0.25
    assert sum(rate < 0.05 for rate in rates) / len(rates) > 0.5
    assert 0.90 <= 1 - sum(rates) / len(rates) <= 0.97  # average daily attendance


def test_class_skippers_are_detectable(demo: Demo) -> None:
    skippers = 0
    for sid, rate in _full_day_rates(demo).items():
        rows = demo.by_student[sid]
        single: Counter[int] = Counter()
        for row in rows:
            missed = [i for i, code in enumerate(row[3:]) if code in ABSENT_CODES]
            if len(missed) == 1 and not _full_day_absent(row[3:]):
                single[missed[0]] += 1
        if rate < 0.05 and single and single.most_common(1)[0][1] >= 0.15 * len(rows):
            skippers += 1
    assert 0.02 <= skippers / 900 <= 0.06


def test_absences_cluster_by_weekday_season_and_streak(demo: Demo) -> None:
    absent: Counter[int] = Counter()
    total: Counter[int] = Counter()
    months: Counter[int] = Counter()
    month_total: Counter[int] = Counter()
    repeats = follows = 0
    for rows in demo.by_student.values():
        flags = [_full_day_absent(row[3:]) for row in rows]
        for row, flag in zip(rows, flags, strict=True):
            day = date.fromisoformat(row[1])
            total[day.weekday()] += 1
            absent[day.weekday()] += flag
            month_total[day.month] += 1
            months[day.month] += flag
        follows += sum(flags[:-1])
        repeats += sum(a and b for a, b in zip(flags, flags[1:], strict=False))
    rate = {weekday: absent[weekday] / total[weekday] for weekday in total}
    assert rate[0] > rate[2] and rate[4] > rate[2]
    assert months[1] / month_total[1] > months[9] / month_total[9]
    overall = sum(absent.values()) / sum(total.values())
    assert repeats / follows > 3 * overall  # an absence makes the next day's absence likelier


def test_tardies_are_mostly_first_period(demo: Demo) -> None:
    tardy = Counter(
        i for row in demo.rows for i, code in enumerate(row[3:]) if code in "TL" and code
    )
    assert tardy[0] > sum(tardy.values()) / 2


def test_calendar_file_lists_school_days(demo: Demo) -> None:
    lines = demo.files.calendar.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "date" and lines[-1] == ""
    assert lines[1:-1] == [day.isoformat() for day in school_days(START, END)]
