"""pearson and median_rate give, bit for bit, what the plain-Python formulas give.

Both work on numpy arrays for speed (a district's year is 7,000 pairs per subject); these
tests hold them to the formulas of metric definitions §6-§7 written out element by element.
"""

from __future__ import annotations

import math
import random

import pandas as pd

from attendly.metrics.correlation import pearson
from attendly.metrics.iready import median_rate


def plain_pearson(x: list[float], y: list[float]) -> dict[str, object]:
    n = len(x)
    if n < 2:
        return {"n": n, "r": None, "slope": None, "intercept": None}
    mean_x, mean_y = math.fsum(x) / n, math.fsum(y) / n
    sxx = math.fsum((a - mean_x) ** 2 for a in x)
    syy = math.fsum((b - mean_y) ** 2 for b in y)
    sxy = math.fsum((a - mean_x) * (b - mean_y) for a, b in zip(x, y, strict=True))
    if sxx == 0 or syy == 0:
        return {"n": n, "r": None, "slope": None, "intercept": None}
    slope = sxy / sxx
    return {
        "n": n,
        "r": round(sxy / math.sqrt(sxx * syy), 4),
        "slope": round(slope, 4),
        "intercept": round(mean_y - slope * mean_x, 4),
    }


def plain_median(values: list[float | None]) -> float | None:
    hundredths = sorted(round(float(v) * 100) for v in values if v is not None)
    if not hundredths:
        return None
    middle = len(hundredths) // 2
    if len(hundredths) % 2:
        return hundredths[middle] / 100
    return (hundredths[middle - 1] + hundredths[middle] + 1) // 2 / 100


def test_pearson_equals_the_element_by_element_formula() -> None:
    rng = random.Random(2026)
    for n in [0, 1, 2, 3, 7, 50, 999, 7200] * 5:
        x = [round(rng.uniform(40, 100), 2) for _ in range(n)]
        y = [float(rng.randint(350, 700)) for _ in range(n)]
        assert pearson(x, y) == plain_pearson(x, y), n
    assert pearson([90.0, 90.0, 90.0], [500.0, 510.0, 520.0])["r"] is None  # x does not vary


def test_median_rate_equals_the_element_by_element_formula() -> None:
    rng = random.Random(7)
    for n in [0, 1, 2, 3, 10, 501, 4000] * 5:
        values = [round(rng.uniform(-50, 300), 2) if rng.random() > 0.1 else None for _ in range(n)]
        expected = plain_median(values)
        assert median_rate(pd.Series(values, dtype=object)) == expected
        assert median_rate(pd.Series(values, dtype="float64")) == expected
    assert median_rate(pd.Series([0.125, 0.135])) == 0.13  # 12.5 -> 12 and 13.5 -> 14 (even)
