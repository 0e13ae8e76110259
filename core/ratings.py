"""Ratings, their order and their parsing from free text."""
from __future__ import annotations

import enum
import re

from core.errors import InputError


class Rating(enum.IntEnum):
    """The four published ratings, ordered so that a higher value is a better rating."""

    INADEQUATE = 0
    REQUIRES_IMPROVEMENT = 1
    GOOD = 2
    OUTSTANDING = 3

    def __bool__(self) -> bool:
        # Inadequate is 0 but is a rating: never let `if rating:` mistake it for "no rating"
        return True

    @property
    def label(self) -> str:
        return _LABELS[self]

    def __str__(self) -> str:
        return self.label


_LABELS = {
    Rating.OUTSTANDING: "Outstanding",
    Rating.GOOD: "Good",
    Rating.REQUIRES_IMPROVEMENT: "Requires improvement",
    Rating.INADEQUATE: "Inadequate",
}
NOT_INSPECTED = "Not inspected"
OVERALL = "OVERALL"  # the standard column's value for a unit's overall rating
RATING_LABELS = [_LABELS[r] for r in sorted(Rating, reverse=True)]  # best first
_BY_WORD = {re.sub(r"\s+", " ", v.lower()): k for k, v in _LABELS.items()}


def parse_rating(text: str, *, allow_not_inspected: bool = False) -> Rating | None:
    """Read a rating word, case-insensitively. ``Not inspected`` gives None where allowed.

    Raises InputError naming the allowed words otherwise.
    """
    word = re.sub(r"\s+", " ", str(text).strip().strip("'\"`")).lower()
    if word in _BY_WORD:
        return _BY_WORD[word]
    if allow_not_inspected and word == NOT_INSPECTED.lower():
        return None
    allowed = RATING_LABELS + ([NOT_INSPECTED] if allow_not_inspected else [])
    raise InputError(f"{text!r} is not a rating; expected one of {', '.join(allowed)}")
