"""Period status categories (metric definitions §1; default code table of formats.md §3)."""

from __future__ import annotations

import pytest

from attendly.metrics.codes import (
    ABSENT_CATEGORIES,
    DEFAULT_CODE_TABLE,
    PRESENT_CATEGORIES,
    UNEXCUSED_CATEGORIES,
    canonical_status,
)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("P", "P"),
        ("T", "T"),
        ("L", "L"),
        ("E", "E"),
        ("U", "U"),
        ("V", "V"),
        ("S", "S"),
        ("I", "I"),
        ("p", "P"),  # letters are case-insensitive
        (" u ", "U"),  # surrounding spaces ignored
    ],
)
def test_canonical_status_accepts_the_eight_codes(cell, expected):
    assert canonical_status(cell) == expected


@pytest.mark.parametrize("cell", [None, "", "   ", "\t"])
def test_canonical_status_blank_means_no_period_scheduled(cell):
    assert canonical_status(cell) is None


@pytest.mark.parametrize("cell", ["X", "A", "PP", "0", "present"])
def test_canonical_status_rejects_unknown_codes(cell):
    with pytest.raises(ValueError):
        canonical_status(cell)


@pytest.mark.parametrize(
    ("code", "present", "absent", "truancy_countable"),
    [
        ("P", True, False, False),
        ("T", True, False, False),  # tardy 30 minutes or less
        ("L", True, False, True),  # tardy over 30 minutes, unexcused
        ("E", False, True, False),
        ("U", False, True, True),
        ("V", False, True, False),  # only by setting
        ("S", False, True, False),  # out-of-school suspension
        ("I", True, False, False),  # in-school suspension
    ],
)
def test_category_table_of_section_1(code, present, absent, truancy_countable):
    assert (code in PRESENT_CATEGORIES) is present
    assert (code in ABSENT_CATEGORIES) is absent
    assert (code in UNEXCUSED_CATEGORIES) is truancy_countable


def test_default_code_table_of_a_new_district():
    assert DEFAULT_CODE_TABLE == {
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
