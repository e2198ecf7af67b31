"""Sparklines quote their SVG as urllib.parse.quote does (a translate table, for speed)."""

from __future__ import annotations

from urllib.parse import quote, unquote

import pytest

from attendly.charts.sparkline import _quoted, sparkline_svg


def test_quoting_is_urllib_quote() -> None:
    every_ascii = "".join(chr(code) for code in range(128))
    assert _quoted(every_ascii) == quote(every_ascii)
    for text in ("", '<svg points="3.0,4.5"/>', "é ü ✓ 😀", "a%20b/c?d=e&f#g", "é<"):
        assert _quoted(text) == quote(text)


@pytest.mark.parametrize(
    "values",
    [[], [90.0], [100.0, 0.0, 49.9, 50.0, 89.99, 90.0], [75.5] * 8, [120.0, -5.0]],
)
@pytest.mark.parametrize("colour", ["#0072B2", "#9E3A00", "rgb(1, 2, 3)"])
def test_the_uri_quotes_the_svg(values: list[float], colour: str) -> None:
    uri = sparkline_svg(values, colour)
    prefix = "data:image/svg+xml;charset=utf-8,"
    assert uri.startswith(prefix)
    svg = unquote(uri[len(prefix) :])
    assert uri == prefix + quote(svg)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert ("<polyline" in svg) == bool(values)
