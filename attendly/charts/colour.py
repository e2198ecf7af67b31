"""Colour arithmetic for accessible charts and badges: WCAG 2 contrast, the text colour that
reads best on a fill, colour-vision-deficiency simulation and perceptual distance."""

from __future__ import annotations

import math
from typing import Literal

Deficiency = Literal["protanopia", "deuteranopia", "tritanopia"]
RGB = tuple[float, float, float]

BLACK = "#000000"
WHITE = "#ffffff"

# Machado, Oliveira & Fernandes (2009), "A Physiologically-based Model for Simulation of Color
# Vision Deficiency", IEEE TVCG 15(6), Table 1 at severity 1.0: dichromacy, the strongest case.
# Applied to linear RGB.
MACHADO_2009: dict[str, tuple[RGB, RGB, RGB]] = {
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "tritanopia": (
        (1.255528, -0.076749, -0.178779),
        (-0.078411, 0.930809, 0.147602),
        (0.004733, 0.691367, 0.303900),
    ),
}


def parse_hex(colour: str) -> RGB:
    """'#0072B2' -> (0, 114, 178); raises ValueError naming the colour when it is not #rrggbb."""
    text = colour.strip().lstrip("#")
    if len(text) != 6:
        raise ValueError(f"colour {colour!r} is not of the form #rrggbb")
    try:
        red, green, blue = (int(text[i : i + 2], 16) for i in (0, 2, 4))
    except ValueError as exc:
        raise ValueError(f"colour {colour!r} is not of the form #rrggbb") from exc
    return float(red), float(green), float(blue)


def _linear(channel: float) -> float:
    """sRGB channel 0-255 -> linear light 0-1 (the sRGB transfer function)."""
    value = channel / 255
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def linear_rgb(colour: str) -> RGB:
    red, green, blue = parse_hex(colour)
    return _linear(red), _linear(green), _linear(blue)


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance, 0 (black) to 1 (white)."""
    red, green, blue = linear_rgb(colour)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio, 1 to 21 (AA: 4.5 for text, 3 for large text and graphics)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_colour_on(fill: str) -> str:
    """Black or white, whichever contrasts more with `fill`."""
    return BLACK if contrast_ratio(fill, BLACK) >= contrast_ratio(fill, WHITE) else WHITE


def simulate(colour: str, deficiency: Deficiency) -> RGB:
    """The linear RGB a person with `deficiency` perceives for `colour` (clipped to 0-1)."""
    rgb = linear_rgb(colour)

    def channel(row: RGB) -> float:
        return min(1.0, max(0.0, sum(m * c for m, c in zip(row, rgb, strict=True))))

    red, green, blue = MACHADO_2009[deficiency]
    return channel(red), channel(green), channel(blue)


def lab(rgb: RGB) -> RGB:
    """Linear RGB (sRGB primaries, D65) -> CIELAB (L*, a*, b*)."""
    red, green, blue = rgb
    x = (0.4124 * red + 0.3576 * green + 0.1805 * blue) / 0.95047
    y = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    z = (0.0193 * red + 0.1192 * green + 0.9505 * blue) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def distance(first: str, second: str, deficiency: Deficiency | None = None) -> float:
    """CIE76 colour difference (Delta E*ab) as seen with `deficiency` (None: normal vision).

    About 2 is just noticeable; categories on a chart want 20 or more.
    """
    if deficiency is None:
        return math.dist(lab(linear_rgb(first)), lab(linear_rgb(second)))
    return math.dist(lab(simulate(first, deficiency)), lab(simulate(second, deficiency)))
