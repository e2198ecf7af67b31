"""Data-quality bookkeeping of an i-Ready file: invalid scores and unrecognised wordings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ingest.checks import RowProblems
from ingest.iready.values import SCORE_MAX, SCORE_MIN
from ingest.result import Category, ImportProblem, Severity


@dataclass
class Quality:
    """Counts behind the import summary's `data_quality` alert, plus file-level notes."""

    index: pd.Index
    invalid_overall_scores: int = 0
    invalid_domain_scores: int = 0
    ignored_domain_scores: int = 0  # sentinels such as 999 beside `Tested Out`
    rush_flags: dict[str, int] = field(default_factory=dict)
    notes: list[ImportProblem] = field(default_factory=list)
    invalid_rows: pd.Series = field(init=False)

    def __post_init__(self) -> None:
        self.invalid_rows = pd.Series(False, index=self.index)

    def scores(
        self,
        problems: RowProblems,
        raw: pd.Series,
        not_integer: pd.Series,
        outside: pd.Series,
        header: str,
        *,
        overall: bool,
    ) -> None:
        """Flag invalid scale scores as row errors and count them for the alert."""
        problems.flag(
            not_integer,
            rule="invalid_scale_score",
            category=Category.TYPE,
            column=header,
            values=raw,
            message=lambda _row, value: f"scale score {value!r} is not a whole number",
        )
        problems.flag(
            outside,
            rule="scale_score_out_of_range",
            category=Category.BUSINESS_RULE,
            column=header,
            values=raw,
            message=lambda _row, value: f"scale score {value} is outside {SCORE_MIN}-{SCORE_MAX}",
        )
        bad = not_integer | outside
        if overall:
            self.invalid_overall_scores += int(bad.sum())
        else:
            self.invalid_domain_scores += int(bad.sum())
        self.invalid_rows |= bad.reindex(self.index, fill_value=False)

    def unrecognised(self, mask: pd.Series, raw: pd.Series, header: str, what: str) -> None:
        """One file-level warning per distinct unrecognised wording (the value is still kept)."""
        if not mask.any():
            return
        for value, rows in raw[mask].groupby(raw[mask], sort=True).groups.items():
            first = int(min(rows))
            self.notes.append(
                ImportProblem(
                    rule="unrecognised_value",
                    message=(
                        f"{what} {value!r} is not a known wording ({len(rows)} row(s), first "
                        f"row {first}); stored as written"
                    ),
                    category=Category.TYPE,
                    severity=Severity.WARNING,
                    column=header,
                    value=str(value),
                )
            )

    def summary(self) -> dict[str, Any]:
        """The `data_quality` block of the import summary; `alert` is true on invalid scores."""
        invalid = self.invalid_overall_scores + self.invalid_domain_scores
        return {
            "alert": invalid > 0,
            "invalid_scores": invalid,
            "invalid_overall_scores": self.invalid_overall_scores,
            "invalid_domain_scores": self.invalid_domain_scores,
            "rows_with_invalid_scores": int(self.invalid_rows.sum()),
            "ignored_domain_scores": self.ignored_domain_scores,
            "rush_flags": dict(sorted(self.rush_flags.items())),
        }

    def alert(self) -> ImportProblem | None:
        """The file-level data-quality alert, when any scale score was invalid."""
        summary = self.summary()
        if not summary["alert"]:
            return None
        return ImportProblem(
            rule="data_quality_alert",
            message=(
                f"data-quality alert: {summary['invalid_scores']} invalid scale score(s) on "
                f"{summary['rows_with_invalid_scores']} row(s); those rows were not loaded"
            ),
            category=Category.BUSINESS_RULE,
            severity=Severity.WARNING,
        )
