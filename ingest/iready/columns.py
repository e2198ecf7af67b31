"""The i-Ready Diagnostic export's columns, with the header names used from 2021-22 to 2026-27.

Headers are matched by `ingest.headers.header_key`, so case, spaces and punctuation never
matter (`High-Frequency Words` = `High Frequency Words`); only wordings are listed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest import fields
from ingest.headers import ColumnSpec

SUBJECTS = ("ELA", "MATH")


@dataclass(frozen=True)
class Domain:
    """One reported domain: its stored name, subject, column-name prefix and older prefixes."""

    name: str
    subject: str
    older: tuple[str, ...] = ()

    @property
    def slug(self) -> str:
        return re.sub(r"[^0-9a-z]+", "_", self.name.lower()).strip("_")

    def column(self, part: str) -> str:
        """Canonical column name of `part` ("scale_score", "placement", "relative_placement")."""
        return f"{self.slug}_{part}"


DOMAINS = (
    Domain("Phonological Awareness", "ELA"),
    Domain("Phonics", "ELA"),
    Domain("High-Frequency Words", "ELA"),
    Domain("Vocabulary", "ELA"),
    Domain("Comprehension: Overall", "ELA", ("Reading Comprehension: Overall",)),
    Domain("Comprehension: Literature", "ELA", ("Reading Comprehension: Literature",)),
    Domain(
        "Comprehension: Informational Text",
        "ELA",
        ("Reading Comprehension: Informational Text",),
    ),
    Domain("Number and Operations", "MATH", ("Number & Operations",)),
    Domain("Algebra and Algebraic Thinking", "MATH", ("Algebra & Algebraic Thinking",)),
    Domain("Measurement and Data", "MATH", ("Measurement & Data",)),
    Domain("Geometry", "MATH"),
)
DOMAIN_PARTS = {
    "scale_score": "Scale Score",
    "placement": "Placement",
    "relative_placement": "Relative Placement",
}


def _domain_specs(domain: Domain) -> list[ColumnSpec]:
    return [
        ColumnSpec(
            domain.column(part),
            tuple(f"{prefix} {label}" for prefix in (domain.name, *domain.older)),
        )
        for part, label in DOMAIN_PARTS.items()
    ]


# Canonical name -> accepted headers. The 2026-27 "i-Ready Inform" export renamed the
# Diagnostic columns to Assessment ones; 2021-22 files used the growth-measure wording.
MAIN_COLUMNS = (
    fields.STUDENT_ID,
    ColumnSpec("state_student_id", ("Student State ID", "State Student ID", "SSID")),
    ColumnSpec("last_name", ("Last Name",)),
    ColumnSpec("first_name", ("First Name",)),
    ColumnSpec("student_grade", ("Student Grade", "Grade")),
    ColumnSpec("academic_year", ("Academic Year", "School Year")),
    ColumnSpec("school", ("School", "School Name")),
    ColumnSpec("subject", ("Subject",)),
    ColumnSpec("start_date", ("Start Date",)),
    ColumnSpec("completion_date", ("Completion Date", "Date Completed")),
    ColumnSpec(
        "baseline",
        (
            "Baseline Diagnostic (Y/N)",
            "Diagnostic used to establish Growth Measures (Y/N)",
            "Baseline Assessment (Y/N)",
        ),
    ),
    ColumnSpec(
        "most_recent",
        (
            "Most Recent Diagnostic YTD (Y/N)",
            "Most Recent Diagnostic (Y/N)",
            "Most Recent Assessment YTD (Y/N)",
            "Most Recent Assessment (Y/N)",
        ),
    ),
    ColumnSpec("duration_min", ("Duration (min)", "Duration")),
    ColumnSpec("rush_flag", ("Rush Flag",)),
    ColumnSpec("overall_scale_score", ("Overall Scale Score",), required=True),
    ColumnSpec("overall_placement", ("Overall Placement",)),
    ColumnSpec("overall_relative_placement", ("Overall Relative Placement",)),
    ColumnSpec("percentile", ("Percentile",)),
    ColumnSpec("grouping", ("Grouping",)),
    ColumnSpec("lexile", ("Lexile Measure",)),
    ColumnSpec("lexile_range", ("Lexile Range",)),
    ColumnSpec("quantile", ("Quantile Measure",)),
    ColumnSpec("quantile_range", ("Quantile Range",)),
    ColumnSpec("diagnostic_gain", ("Diagnostic Gain", "Assessment Gain")),
    ColumnSpec("annual_typical_growth", ("Annual Typical Growth Measure",)),
    ColumnSpec("annual_stretch_growth", ("Annual Stretch Growth Measure",)),
    ColumnSpec("percent_progress_typical", ("Percent Progress to Annual Typical Growth (%)",)),
    ColumnSpec("percent_progress_stretch", ("Percent Progress to Annual Stretch Growth (%)",)),
    ColumnSpec("mid_on_grade_level_scale_score", ("Mid On Grade Level Scale Score",)),
    ColumnSpec("diagnostic_language", ("Diagnostic Language", "Assessment Language")),
    ColumnSpec("sex", ("Sex", "Gender")),
)
COLUMNS = (*MAIN_COLUMNS, *(spec for domain in DOMAINS for spec in _domain_specs(domain)))


def domains_of(subject: str) -> tuple[Domain, ...]:
    return tuple(domain for domain in DOMAINS if domain.subject == subject)
