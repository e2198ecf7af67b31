"""The score model behind the generated i-Ready exports: mid scores, growth, placements.

Figures are close to the published i-Ready tables (Mid On Grade Level scale scores, annual
typical and stretch growth by grade); placements follow from a score and the grade.
"""

from __future__ import annotations

import random
from typing import Any

# Mid On Grade Level scale scores (K..12) and annual typical/stretch growth by grade, close to
# the published i-Ready tables.
MID = {
    "ELA": (396, 458, 513, 545, 579, 609, 616, 632, 642, 650, 660, 668, 676),
    "MATH": (373, 413, 441, 464, 482, 498, 514, 531, 541, 550, 560, 568, 576),
}
TYPICAL = {
    "ELA": (46, 47, 37, 30, 23, 20, 17, 15, 14),
    "MATH": (30, 29, 26, 26, 23, 19, 15, 13, 12),
}
STRETCH = {
    "ELA": (64, 67, 53, 60, 48, 46, 44, 42, 40),
    "MATH": (39, 42, 40, 42, 40, 35, 32, 30, 28),
}
EARLY_BAND = 18  # "Early On Grade Level" starts this many points below the grade's mid score
LEVEL_NAMES = {
    1: "3 or More Grade Levels Below",
    2: "2 Grade Levels Below",
    3: "1 Grade Level Below",
    4: "Early On Grade Level",
    5: "Mid or Above Grade Level",
}
FOUNDATIONAL = ("Phonological Awareness", "Phonics", "High-Frequency Words")
ELA_DOMAINS = (
    *FOUNDATIONAL,
    "Vocabulary",
    "Comprehension: Literature",
    "Comprehension: Informational Text",
)
MATH_DOMAINS = (
    "Number and Operations",
    "Algebra and Algebraic Thinking",
    "Measurement and Data",
    "Geometry",
)


def grade_text(grade: int) -> str:
    return "K" if grade == 0 else str(grade)


def place(subject: str, score: int, grade: int) -> tuple[str, str, int]:
    """(Overall Placement, Overall Relative Placement, level 1-5) of a score in a grade."""
    mids = MID[subject]
    placed = max((g for g in range(13) if score >= mids[g] - EARLY_BAND), default=0)
    behind = grade - placed
    if behind <= 0:
        at_mid = score >= mids[min(grade, 12)]
        level = 5 if at_mid else 4
        stage = "Early" if not at_mid else ("Late" if score >= mids[grade] + 25 else "Mid")
        return f"{stage} {grade_text(min(placed, grade))}", LEVEL_NAMES[level], level
    level = max(1, 4 - behind)
    return f"Level {grade_text(placed)}", LEVEL_NAMES[level], level


def measure_of(subject: str, score: int) -> tuple[str, str]:
    unit, below, slope, base = ("L", "BR", 3.3, 350) if subject == "ELA" else ("Q", "EM", 3.5, 300)
    value = int(round((score - base) * slope / 5.0)) * 5
    text = f"{value}{unit}" if value >= 0 else f"{below}{-value}{unit}"
    return text, f"{value - 100}{unit}-{value + 50}{unit}" if value >= 100 else ""


def domain_cells(rng: random.Random, subject: str, score: int, grade: int) -> dict[str, Any]:
    cells: dict[str, Any] = {}
    names = ELA_DOMAINS if subject == "ELA" else MATH_DOMAINS
    scores = {}
    for name in names:
        if name in FOUNDATIONAL and (grade >= 4 or score >= MID["ELA"][3]):
            cells.update(
                {
                    f"{name} Scale Score": "",
                    f"{name} Placement": "Tested Out",
                    f"{name} Relative Placement": LEVEL_NAMES[5],
                }
            )
            continue
        scores[name] = max(100, min(800, score + round(rng.gauss(0, 18))))
    if subject == "ELA":
        both = (scores["Comprehension: Literature"], scores["Comprehension: Informational Text"])
        scores["Comprehension: Overall"] = round(sum(both) / 2)
    for name, value in scores.items():
        placement, relative, _level = place(subject, value, grade)
        cells.update(
            {
                f"{name} Scale Score": value,
                f"{name} Placement": placement,
                f"{name} Relative Placement": relative,
            }
        )
    return cells
