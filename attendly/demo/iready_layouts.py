"""i-Ready Diagnostic export layouts by year: their headers, file names and cell formats.

Each layout lists its headers in file order with the key of the simulated value each one
shows (see `attendly.demo.iready`). The 2021-22 layout is the one of public samples; 2024-25
added state ids, demographics, Comprehension: Overall, gain and progress; California
districts switch on extra program flags; 2026-27 ("i-Ready Inform") renamed the Diagnostic
columns to Assessment ones and the files to `i-ready_inform_results_*`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LAYOUTS = ("2021-22", "2024-25", "2024-25-ca", "2026-27")
ELA_DOMAINS_2122 = (
    ("Phonological Awareness", "Phonological Awareness"),
    ("Phonics", "Phonics"),
    ("High-Frequency Words", "High-Frequency Words"),
    ("Vocabulary", "Vocabulary"),
    ("Reading Comprehension: Literature", "Comprehension: Literature"),
    ("Reading Comprehension: Informational Text", "Comprehension: Informational Text"),
)
ELA_DOMAINS = (
    *((name, name) for _, name in ELA_DOMAINS_2122[:4]),
    ("Comprehension: Overall", "Comprehension: Overall"),
    ("Comprehension: Literature", "Comprehension: Literature"),
    ("Comprehension: Informational Text", "Comprehension: Informational Text"),
)
MATH_DOMAINS = tuple(
    (name, name)
    for name in (
        "Number and Operations",
        "Algebra and Algebraic Thinking",
        "Measurement and Data",
        "Geometry",
    )
)
CA_FLAGS = (
    "504 Plan",
    "English Language Acquisition",
    "Foster Youth",
    "Gifted and Talented (GATE)",
    "Homeless Youth",
    "Student with Disabilities",
)
DEMOGRAPHICS = (
    "Enrolled",
    "User Name",
    "Sex",
    "Hispanic or Latino",
    "Race",
    "English Language Learner",
    "Special Education",
    "Economically Disadvantaged",
    "Migrant",
    "Class(es)",
    "Class Teacher(s)",
    "Report Group(s)",
)
STATE_IDS = ("District State ID", "Account State ID", "School State ID", "Student State ID")
Header = tuple[str, str]  # (header as written, simulated value key)


@dataclass(frozen=True)
class Layout:
    """One export layout: file names and the headers of each subject."""

    name: str
    files: dict[str, str]  # subject -> file name
    headers: dict[str, tuple[Header, ...]]  # subject -> headers in file order
    encoding: str = "utf-8"
    line_end: str = "\n"
    padded_grades: bool = False  # `07` instead of `7`


def _same(*names: str) -> tuple[Header, ...]:
    return tuple((name, name) for name in names)


def _domains(domains: Iterable[tuple[str, str]]) -> tuple[Header, ...]:
    return tuple(
        (f"{written} {part}", f"{name} {part}")
        for written, name in domains
        for part in ("Scale Score", "Placement", "Relative Placement")
    )


def _layout_2122(subject: str) -> tuple[Header, ...]:
    ela = subject == "ELA"
    measure = "Lexile" if ela else "Quantile"
    head = _same("Last Name", "First Name", "Student ID", "Student Grade", "Academic Year")
    head += _same("School", "Start Date", "Completion Date")
    head += (
        ("Diagnostic used to establish Growth Measures (Y/N)", "Baseline"),
        ("Most Recent Diagnostic (Y/N)", "Most Recent"),
    )
    head += _same("Duration (min)", "Rush Flag", "Overall Scale Score", "Overall Placement")
    head += _same("Overall Relative Placement", "Percentile", "Grouping")
    head += _same(f"{measure} Measure", f"{measure} Range")
    head += _domains(ELA_DOMAINS_2122 if ela else MATH_DOMAINS)
    head += _same("Diagnostic Language", "Annual Typical Growth Measure")
    head += _same("Annual Stretch Growth Measure", "Mid On Grade Level Scale Score")
    return head + (_same("Reading Difficulty Indicator (Y/N)") if ela else ())


def _layout_2425(subject: str, *, california: bool, inform: bool) -> tuple[Header, ...]:
    ela = subject == "ELA"
    measure = "Lexile" if ela else "Quantile"
    word = "Assessment" if inform else "Diagnostic"
    head = _same("Last Name", "First Name", "Student ID", "Student Grade", "Academic Year")
    head += _same("School", "Enrolled")
    head += _same(*STATE_IDS) if california else ()
    head += _same(*DEMOGRAPHICS[1:], "Start Date", "Completion Date", "Norming Window")
    head += (
        (f"Baseline {word} (Y/N)", "Baseline"),
        (f"Most Recent {word} YTD (Y/N)", "Most Recent"),
    )
    head += _same("Duration (min)", "Rush Flag") + (() if ela else _same("Read Aloud"))
    head += _same("Overall Scale Score", "Overall Placement", "Overall Relative Placement")
    head += _same("Percentile", "Grouping", f"{measure} Measure", f"{measure} Range")
    head += _domains(ELA_DOMAINS if ela else MATH_DOMAINS)
    head += ((f"{word} Gain", "Diagnostic Gain"),)
    head += _same("Annual Typical Growth Measure", "Annual Stretch Growth Measure")
    head += _same("Percent Progress to Annual Typical Growth (%)")
    head += _same("Percent Progress to Annual Stretch Growth (%)")
    head += _same("Mid On Grade Level Scale Score")
    head += (
        _same("Reading Difficulty Indicator (Y/N)")
        if ela
        else ((f"{word} Language", "Diagnostic Language"),)
    )
    head += _same("Tactile Graphics") if inform else ()
    return head + (_same(*CA_FLAGS) if california else ())


def layout(name: str) -> Layout:
    """The layout called `name` (one of LAYOUTS). Raises ValueError for another name."""
    if name == "2021-22":
        files = {"ELA": "diagnostic_results_ela.csv", "MATH": "diagnostic_results_math.csv"}
        return Layout(name, files, {s: _layout_2122(s) for s in files})
    if name in ("2024-25", "2024-25-ca"):
        ca = name.endswith("ca")
        files = {s: f"diagnostic_results_{s.lower()}_CONFIDENTIAL.csv" for s in ("ELA", "MATH")}
        headers = {s: _layout_2425(s, california=ca, inform=False) for s in files}
        return Layout(name, files, headers, line_end="\r\n" if ca else "\n", padded_grades=ca)
    if name == "2026-27":
        files = {
            "ELA": "i-ready_inform_results_reading_english_CONFIDENTIAL.csv",
            "MATH": "i-ready_inform_results_math_CONFIDENTIAL.csv",
        }
        headers = {s: _layout_2425(s, california=False, inform=True) for s in files}
        return Layout(name, files, headers, encoding="utf-8-sig", line_end="\r\n")
    raise ValueError(f"unknown i-Ready layout {name!r}; expected one of {', '.join(LAYOUTS)}")


def write_export(path: Path, rows: Iterable[dict[str, Any]], subject: str, chosen: Layout) -> Path:
    """Write `rows` (simulated values by key) as `chosen`'s export of `subject`."""
    headers = chosen.headers[subject]
    with path.open("w", encoding=chosen.encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator=chosen.line_end)
        writer.writerow([written for written, _ in headers])
        for row in rows:
            cells = [str(row.get(key, "")) for _, key in headers]
            if chosen.padded_grades:
                cells = [
                    c.zfill(2) if k == "Student Grade" and c.isdigit() else c
                    for c, (_, k) in zip(cells, headers, strict=True)
                ]
            writer.writerow(cells)
    return path
