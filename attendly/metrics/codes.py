"""Period status categories (metric definitions §1) and the district code table defaults."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    """The canonical one-letter period categories."""

    PRESENT = "P"
    TARDY = "T"
    LATE_UNEXCUSED = "L"  # tardy over 30 minutes, unexcused
    EXCUSED = "E"
    UNEXCUSED = "U"
    UNVERIFIED = "V"
    SUSPENDED = "S"  # out-of-school suspension
    IN_SCHOOL_SUSPENSION = "I"


PRESENT_CATEGORIES = frozenset({"P", "T", "L", "I"})
ABSENT_CATEGORIES = frozenset({"E", "U", "V", "S"})
# Truancy-countable by themselves (CA EC 48260); V joins them only by setting.
UNEXCUSED_CATEGORIES = frozenset({"U", "L"})
ALL_CATEGORIES = PRESENT_CATEGORIES | ABSENT_CATEGORIES

CATEGORY_LABELS = {
    "P": "Present",
    "T": "Tardy (30 minutes or less)",
    "L": "Tardy over 30 minutes, unexcused",
    "E": "Excused absence",
    "U": "Unexcused absence",
    "V": "Unverified absence",
    "S": "Out-of-school suspension",
    "I": "In-school suspension",
}

# A new district's code table: SIS letter -> category. Editable by an admin.
DEFAULT_CODE_TABLE = {
    "A": "V",
    "U": "U",
    "N": "U",
    "E": "E",
    "X": "E",
    "I": "E",
    "D": "E",
    "T": "T",
    "L": "L",
    "B": "L",
    "S": "S",
}


def canonical_status(value: str | None) -> str | None:
    """Normalise one canonical status cell: blank -> None, letters case-insensitive.

    Raises ValueError for anything that is not a canonical category letter.
    """
    if value is None:
        return None
    text = value.strip().upper()
    if not text:
        return None
    if text not in ALL_CATEGORIES:
        raise ValueError(f"unknown status code {value!r}")
    return text
