"""Sparklines as tiny inline SVG images: hundreds of cards cost no plotting library."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

WIDTH, HEIGHT, PAD = 120, 32, 3
LOW = 50.0  # the bottom of the scale: weeks below half attendance sit on the floor
# urllib.parse.quote of each ASCII character, as one str.translate table: a page of cards
# quotes its SVGs several times faster than quote's character-by-character loop.
_QUOTED = str.maketrans({chr(code): quote(chr(code)) for code in range(128)})


def sparkline_svg(values: Sequence[float], colour: str = "#0072B2") -> str:
    """A data: URI of an SVG polyline of weekly rates (0-100), with the 90 % line dashed."""

    def y(value: float) -> float:
        clipped = min(100.0, max(LOW, value))
        return PAD + (100.0 - clipped) / (100.0 - LOW) * (HEIGHT - 2 * PAD)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}">',
        f'<line x1="0" x2="{WIDTH}" y1="{y(90):.1f}" y2="{y(90):.1f}" stroke="#D55E00" '
        'stroke-dasharray="3 2" stroke-width="1"/>',
    ]
    if values:
        step = (WIDTH - 2 * PAD) / max(1, len(values) - 1)
        points = " ".join(f"{PAD + i * step:.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>'
        )
        last_x, last_y = PAD + (len(values) - 1) * step, y(values[-1])
        parts.append(f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2.5" fill="{colour}"/>')
    parts.append("</svg>")
    return "data:image/svg+xml;charset=utf-8," + _quoted("".join(parts))


def _quoted(text: str) -> str:
    """urllib.parse.quote(text)."""
    return text.translate(_QUOTED) if text.isascii() else quote(text)


def sparkline_text(values: Sequence[float]) -> str:
    """The same series in words, for screen readers and the image's alt text."""
    if not values:
        return "No attendance in the last weeks"
    shown = ", ".join(f"{value:.0f}" for value in values)
    return f"Weekly attendance, oldest to newest: {shown} percent"
