"""The tier palette: readable on the white card, readable under its badge text, and told apart
by people with red-green (and blue-yellow) colour blindness, per tier preset."""

from __future__ import annotations

import itertools

import pytest

from attendly.charts.colour import (
    BLACK,
    WHITE,
    contrast_ratio,
    distance,
    relative_luminance,
    simulate,
    text_colour_on,
)
from attendly.charts.theme import TIER_COLOURS, tier_colour, tier_text_colour
from attendly.components import tier_badge
from attendly.metrics.tiers import PRESET_TIERS, Tier

CARD = WHITE  # .card and the charts' plot and paper backgrounds
DISTINCT = 20.0  # Delta E*ab: categories on a chart should sit this far apart at least
VISIONS = (None, "protanopia", "deuteranopia", "tritanopia")


# --- the arithmetic, against hand-worked values ------------------------------------------------


def test_luminance_and_contrast_match_hand_worked_values() -> None:
    # #808080: 128/255 = 0.50196 -> ((0.50196 + 0.055) / 1.055) ** 2.4 = 0.21586
    assert relative_luminance("#808080") == pytest.approx(0.21586, abs=1e-5)
    assert contrast_ratio(BLACK, WHITE) == pytest.approx(21.0)
    # #777777: 119/255 -> 0.18448; (1 + 0.05) / (0.18448 + 0.05) = 4.478, just under AA
    assert contrast_ratio("#777777", WHITE) == pytest.approx(4.478, abs=1e-3)
    assert contrast_ratio(WHITE, "#777777") == contrast_ratio("#777777", WHITE)
    assert text_colour_on("#0072B2") == WHITE and text_colour_on("#E69F00") == BLACK


def test_simulation_keeps_white_and_drops_red_for_protanopia() -> None:
    # Machado 2009's rows sum to 1 (white stays white); a protanope sees little of pure red:
    # (1, 0, 0) -> the first column (0.152286, 0.114503, -0.003882 clipped to 0).
    assert simulate(WHITE, "protanopia") == pytest.approx((1.0, 1.0, 1.0), abs=1e-5)
    assert simulate("#ff0000", "protanopia") == pytest.approx((0.152286, 0.114503, 0.0))


def test_the_check_catches_a_pair_that_colour_blind_readers_confuse() -> None:
    # Okabe-Ito reddish purple and grey: plainly different to most readers, nearly one colour
    # under deuteranopia (the pair the previous tier palette used for severe / no data).
    assert distance("#CC79A7", "#999999") > 35
    assert distance("#CC79A7", "#999999", "deuteranopia") < 10


def test_bad_colours_are_refused_with_the_colour_named() -> None:
    with pytest.raises(ValueError, match="'#12345' is not of the form #rrggbb"):
        contrast_ratio("#12345", WHITE)
    with pytest.raises(ValueError, match="'#gg0000'"):
        relative_luminance("#gg0000")


# --- the palette -----------------------------------------------------------------------------


@pytest.mark.parametrize("tier", list(Tier))
def test_each_tier_colour_stands_out_on_the_card(tier: Tier) -> None:
    """Bars, markers and badges are graphics: WCAG 1.4.11 asks 3:1 against what is around."""
    assert contrast_ratio(TIER_COLOURS[tier], CARD) >= 3.0, TIER_COLOURS[tier]


@pytest.mark.parametrize("tier", list(Tier))
def test_each_badge_text_reads_on_its_tier_colour(tier: Tier) -> None:
    fill, text = tier_colour(tier), tier_text_colour(tier)
    assert contrast_ratio(fill, text) >= 4.5, (tier, fill, text)
    style = tier_badge(tier.value).style
    assert (style["backgroundColor"], style["color"]) == (fill, text)


@pytest.mark.parametrize("vision", VISIONS)
@pytest.mark.parametrize("preset", sorted(PRESET_TIERS))
def test_tiers_of_a_preset_stay_apart_for_colour_blind_readers(
    preset: str, vision: str | None
) -> None:
    too_close = [
        (first.value, second.value, round(distance(a, b, vision), 1))  # type: ignore[arg-type]
        for first, second in itertools.combinations(PRESET_TIERS[preset], 2)
        for a, b in [(TIER_COLOURS[first], TIER_COLOURS[second])]
        if distance(a, b, vision) < DISTINCT  # type: ignore[arg-type]
    ]
    assert too_close == [], f"{preset} tiers too alike with {vision or 'normal vision'}"
