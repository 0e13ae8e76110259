"""One way to write each figure, and text from people kept as text. Pure Python; used by the pages
and by every export, so that a figure reads the same in a sentence, a table and a download.

- Percentages: one decimal place, rounded half up (26.55 -> "26.6"), computed exactly from counts
  where the counts are known (``percent_of``), so that 21 of 79 reads 26.6 everywhere.
- Intervals: "54.3–71.2%" (an en dash, one % sign), from fractions 0–1 or percentages 0–100.
- Codes in their published form ("P 2.1"); the overall marker as "Overall"; empty cells empty,
  never "None" or "nan".
- ``markdown_text`` and ``plot_text``: a unit, region or file name, a URL parameter, evidence text or
  a finding made safe for an element that renders markdown (Streamlit) or HTML (plotly labels).
"""
from __future__ import annotations

import html
import math
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

OVERALL = "OVERALL"
RATING_ORDER = ("Inadequate", "Requires improvement", "Good", "Outstanding")  # worst first
SMALL_CASES = 20  # fewer relevant cases than this: a small sample (core.robustness.SMALL_SAMPLE_CASES)
CHANCE_FLAG = 0.30  # a chance of another rating at or above this is flagged as well


def is_empty(value: Any) -> bool:
    """None, NaN, NA, NaT and the empty string."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == "" or value in ("None", "nan", "NaN", "<NA>")
    try:
        return bool(value != value)  # NaN, NaT
    except (TypeError, ValueError):  # pd.NA raises on bool()
        return True


def cell(value: Any) -> Any:
    """A table cell as shown and exported: the value, or "" where there is none."""
    return "" if is_empty(value) else value


def _half_up(value: Decimal | float | Fraction, places: int = 1) -> Decimal:
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    elif not isinstance(value, Decimal):
        value = Decimal(repr(float(value)))  # the shortest decimal that is the float: 26.55 is 26.55, not 26.549999…
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def percent_value(percent: Any) -> float | None:
    """A percentage (0–100) rounded half up to one decimal place, as a number (for sortable columns)."""
    if is_empty(percent):
        return None
    return float(_half_up(percent))


def percent_text(percent: Any) -> str:
    """'26.6' for 26.58…; '' where there is no figure. No % sign (see ``percent``)."""
    if is_empty(percent):
        return ""
    return f"{_half_up(percent):.1f}"


def percent(percent: Any) -> str:
    """'26.6%'; '' where there is no figure."""
    text = percent_text(percent)
    return f"{text}%" if text else ""


def percent_of(n_yes: Any, n: Any) -> float | None:
    """100 × yes / n rounded half up from the exact fraction; None where nothing is relevant."""
    if is_empty(n) or is_empty(n_yes) or int(n) == 0:
        return None
    return float(_half_up(Fraction(100 * int(n_yes), int(n))))


def fraction_percent(share: Any) -> str:
    """A share 0–1 as '53.0%' (a chance, a survey share)."""
    return "" if is_empty(share) else percent(float(share) * 100)


def interval(low: Any, high: Any, fraction: bool = False) -> str:
    """'54.3–71.2%'. ``fraction``: the bounds are 0–1 (as core.robustness gives them), else 0–100."""
    if is_empty(low) or is_empty(high):
        return ""
    scale = 100 if fraction else 1
    return f"{percent_text(float(low) * scale)}–{percent_text(float(high) * scale)}%"


def count_text(n_yes: Any, n: Any, noun: str = "cases") -> str:
    """'21 of 79 cases'."""
    if is_empty(n) or is_empty(n_yes):
        return ""
    return f"{int(n_yes)} of {int(n)} {noun}"


def score_text(score: Any, max_score: Any) -> str:
    """'9/21'; '' without a maximum."""
    if is_empty(max_score) or not max_score or is_empty(score):
        return ""
    return f"{int(score)}/{int(max_score)}"


_CODE = re.compile(r"^([A-Za-z])\s*(\d+(?:\.\d+)*)(?:\.([A-Za-z]))?$")


def code(value: Any) -> str:
    """A standard, key question or prompt code in its published form ('P2.1' -> 'P 2.1'); the overall
    marker as 'Overall'; anything else as it is; '' for none."""
    if is_empty(value):
        return ""
    text = str(value).strip()
    if text.upper() == OVERALL:
        return "Overall"
    m = _CODE.match(text)
    if not m:
        return text
    letter, numbers, prompt = m.groups()
    return f"{letter.upper()} {numbers}{'.' + prompt.lower() if prompt else ''}"


def rating_rank(rating: Any) -> int:
    """Sort key for ratings in rating order, worst first; no rating last."""
    return RATING_ORDER.index(rating) if rating in RATING_ORDER else len(RATING_ORDER)


def chance_text(p_different: Any) -> str:
    """'a 53% chance of another rating'; '' where not worked out."""
    if is_empty(p_different):
        return ""
    return f"a {percent_text(float(p_different) * 100)}% chance of another rating"


def small_sample_reason(n_relevant: Any, p_different: Any = None) -> str:
    """The one-line reason a rating is marked as resting on little, or '' where it is not:
    fewer than 20 relevant cases, or a 30% or greater chance of another rating."""
    reasons = []
    if not is_empty(n_relevant) and int(n_relevant) < SMALL_CASES:
        reasons.append(f"only {int(n_relevant)} relevant case{'s' if int(n_relevant) != 1 else ''} (fewer than {SMALL_CASES})")
    if not is_empty(p_different) and float(p_different) >= CHANCE_FLAG:
        reasons.append(f"{chance_text(p_different)} ({CHANCE_FLAG * 100:g}% or more)")
    return "Read with care: " + "; ".join(reasons) if reasons else ""


SMALL_MARK = "⚠"  # the marker beside a rating resting on little; always with its reason in words


def marked_rating(rating: Any, reason: str) -> str:
    """'Good ⚠' where the rating rests on little, else the rating; '' for none."""
    if is_empty(rating):
        return ""
    return f"{rating} {SMALL_MARK}" if reason else str(rating)


# -- text from people ----------------------------------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&=\"'@/])")


_AUTOLINK = re.compile(r"(?i)(?<=https)(?=://)|(?<=http)(?=://)|(?<=ftp)(?=://)|(?<=www)(?=\.)|(?<=@)|(?<=mailto)(?=:)")
WORD_JOINER = "\u2060"  # invisible: breaks the pattern a markdown renderer links by itself ('https://', 'www.', 'a@b.org')


def markdown_text(value: Any) -> str:
    """Text safe in any Streamlit element that renders markdown (headers, captions, alerts, help texts,
    tab and expander labels): every markdown, HTML, emoji (':smile:'), colour (':red[…]') and maths
    ('$') character escaped with a backslash, line breaks kept as spaces, and an invisible word joiner
    put into 'https://', 'www.' and 'a@b' (the renderer turns those into links after escapes are read).
    Shows the text it was given."""
    if is_empty(value):
        return ""
    text = " ".join(str(value).splitlines())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", _AUTOLINK.sub(WORD_JOINER, text))


def plot_text(value: Any) -> str:
    """Text safe in a plotly title, label, legend or hover text: HTML-escaped, so that '<a href>' or
    '<img>' shows as written and never becomes a link or an image."""
    if is_empty(value):
        return ""
    return html.escape(str(value), quote=True)


def finite(value: Any) -> bool:
    return not is_empty(value) and math.isfinite(float(value))
