"""One way to write each figure (core.formatting), the rating palette under colour-vision
deficiency (core.colours), and text from people kept as text."""
from __future__ import annotations


import pandas as pd
import pytest

from core import formatting as fmt
from core.colours import RATING_COLOURS, RATING_TEXT, contrast_ratio, distance, smallest_distance
from core.engine import percent_text as engine_percent_text


@pytest.mark.parametrize("value, text", [
    (26.55, "26.6"), (26.549, "26.5"), (26.45, "26.5"), (79.95, "80.0"), (0, "0.0"), (100, "100.0"),
    (100 * 21 / 79, "26.6"), (None, ""), (float("nan"), ""), (pd.NA, ""),
])
def test_percentages_are_written_to_one_place_rounded_half_up(value, text):
    assert fmt.percent_text(value) == text


def test_the_engine_writes_percentages_the_same_way():
    for value in (26.55, 48.372093, 64.651163, 79.95, 100 * 21 / 79):
        assert engine_percent_text(value) == fmt.percent_text(value)


@pytest.mark.parametrize("yes, n, value", [(21, 79, 26.6), (1, 8, 12.5), (1, 40, 2.5), (1, 3, 33.3), (2, 3, 66.7), (0, 0, None)])
def test_a_percentage_from_counts_is_exact(yes, n, value):
    assert fmt.percent_of(yes, n) == value


def test_intervals_read_as_a_range_of_percentages():
    assert fmt.interval(0.54340, 0.71249, fraction=True) == "54.3–71.2%"
    assert fmt.interval(54.34, 71.25) == "54.3–71.3%"
    assert fmt.interval(None, 0.5, fraction=True) == ""


@pytest.mark.parametrize("code, text", [("P2.1", "P 2.1"), ("P 2.1", "P 2.1"), ("p2.1.2.A", "P 2.1.2.a"), ("OVERALL", "Overall"),
                                        ("Overall", "Overall"), (None, ""), ("MO", "MO")])
def test_codes_in_their_published_form(code, text):
    assert fmt.code(code) == text


@pytest.mark.parametrize("value", [None, float("nan"), pd.NA, "None", "nan", ""])
def test_an_empty_cell_is_empty_not_none(value):
    assert fmt.cell(value) == ""


def test_ratings_sort_worst_first_and_unrated_last():
    assert sorted(["Good", None, "Inadequate", "Outstanding", "Requires improvement"], key=fmt.rating_rank) == [
        "Inadequate", "Requires improvement", "Good", "Outstanding", None]


@pytest.mark.parametrize("n, chance, flagged", [(19, 0.0, True), (20, 0.29, False), (80, 0.30, True), (8, 0.53, True), (None, None, False)])
def test_a_rating_on_fewer_than_20_cases_or_a_30_percent_chance_of_another_is_flagged_with_its_reason(n, chance, flagged):
    reason = fmt.small_sample_reason(n, chance)
    assert bool(reason) == flagged
    if n is not None and n < 20:
        assert f"only {n} relevant cases" in reason
    if chance is not None and chance >= 0.3:
        assert f"a {fmt.percent_text(chance * 100)}% chance of another rating" in reason


HOSTILE = ["Essex [North](https://evil.example/x) ![i](https://evil.example/i.png)", "<a href='https://evil.example'>x</a>",
           "see https://evil.example and www.evil.example", ":red[alarm] :smile: $x^2$ **bold** `code` # head"]


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_text_escapes_every_character_that_could_make_markup(text):
    escaped = fmt.markdown_text(text)
    for ch in "[]()!<>:*`#$":
        assert all(escaped[i - 1] == "\\" for i, c in enumerate(escaped) if c == ch)
    assert escaped.replace("\\", "").replace(fmt.WORD_JOINER, "") == text.replace("\\", "")
    assert "https:" not in escaped.replace("\\", "") and "www." not in escaped.replace("\\", "")


def test_plot_text_shows_html_as_written():
    assert fmt.plot_text("<a href='https://evil.example'>x</a>") == "&lt;a href=&#x27;https://evil.example&#x27;&gt;x&lt;/a&gt;"


def test_the_rating_colours_stay_apart_under_deuteranopia_and_protanopia():
    for deficiency, (delta, a, b) in smallest_distance().items():
        assert delta >= 20, f"{a} and {b} are only ΔE {delta:.1f} apart under {deficiency}"


def test_the_old_red_green_palette_would_fail_that_test():
    # the palette the issue found: Outstanding and Inadequate nearly the same under protanopia
    assert distance("#1b7837", "#d73027", "protanopia") < 20


def test_text_on_each_rating_colour_is_readable():
    for rating, colour in RATING_COLOURS.items():
        assert contrast_ratio(RATING_TEXT[rating], colour) >= 4.5, rating
