"""The rating rules in force: one object, keyed by rating, built from a framework and a scenario.

``Rules`` is what every rating path takes: the engine (one standard at a time), the whole-store
rating (``core.analysis.rate_dataset``), robustness, what-if and every command. It holds

- ``thresholds``: the lowest share of cases sufficient for Outstanding, Good and Requires
  improvement (rule 2), in **tenths of a percent** (800 = 80.0%),
- ``aggregation``: how a standard's key questions combine (``AGGREGATIONS``),
- ``weights``: the score of each rating (rule 4),
- ``fractions``: the overall upper fractions for Inadequate, Requires improvement and Good
  (rule 5), in **tenths** (25 = 2.5: Good while S <= floor(2.5 N)),
- ``excluded``: standards left out of the score and overall rating.

Thresholds and fractions are limited to one decimal place wherever they enter (a framework file,
the command line, a link, a page, a saved scenario); a finer value is refused naming it. With
whole tenths every comparison is one in whole numbers, exact and vectorised at once:

- a share y/n reaches a threshold of t tenths of a percent exactly when ``1000 * y >= t * n``;
- a score S is within an overall band of f tenths for N standards exactly when ``10 * S <= f * N``
  (S <= floor(f/10 x N) for a whole S).

``band_values`` and ``overall_values`` are *the* implementation of rules 2 and 5; the engine's
``band`` and ``overall_rating`` call them for a single value.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Mapping

import numpy as np

from core.codes import canonical, display
from core.errors import InputError
from core.ratings import Rating

AGGREGATIONS = ("lowest", "mean", "pooled", "median")  # how a domain two standard's key questions may combine
BEST_FIRST = (Rating.OUTSTANDING, Rating.GOOD, Rating.REQUIRES_IMPROVEMENT, Rating.INADEQUATE)
THRESHOLD_RATINGS = BEST_FIRST[:3]  # the ratings with a threshold: Outstanding, Good, Requires improvement
FRACTION_RATINGS = (Rating.INADEQUATE, Rating.REQUIRES_IMPROVEMENT, Rating.GOOD)  # worst first, as rule 5 reads
NO_RATING = -1
MAX_WEIGHT = 100  # the largest score a rating may be given
MAX_FRACTION = 100  # the largest overall upper fraction (a multiple of the number of standards counted)
PRECISION = "one decimal place"


def check_aggregation(name: Any) -> str:
    """The one place an aggregation name is checked. Raises InputError naming the known ones."""
    if name not in AGGREGATIONS:
        raise InputError(f"aggregation {name!r} is not known; expected one of {', '.join(AGGREGATIONS)}")
    return name


def tenths(value: Any, what: str = "") -> int:
    """A number given to at most one decimal place, as whole tenths (66.7 -> 667).

    Text is read as written ('80', '66.7'); a float as its shortest repr (so 66.666666667 is refused,
    and so is 0.1 + 0.2). Raises InputError naming the value when it is not a finite number or
    has more than one decimal place."""
    prefix = f"{what}: " if what else ""
    if isinstance(value, bool):
        raise InputError(f"{prefix}expected a number, got {value!r}")
    text = value.strip() if isinstance(value, str) else repr(value) if isinstance(value, float) else str(value)
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        raise InputError(f"{prefix}expected a number, got {value!r}") from None
    if not number.is_finite():
        raise InputError(f"{prefix}expected a finite number, got {value!r}")
    scaled = number * 10
    if scaled != scaled.to_integral_value():
        raise InputError(f"{prefix}{text} has more than {PRECISION}; values are given to {PRECISION} (e.g. "
                         f"{number.quantize(Decimal('0.1'))})")
    return int(scaled)


def tenths_text(value: int) -> str:
    """Whole tenths as they read: 800 -> '80', 667 -> '66.7'."""
    whole, rest = divmod(int(value), 10)
    return str(whole) if rest == 0 else f"{whole}.{rest}"


@dataclass(frozen=True)
class Rules:
    """The rating rules in force for one framework (under a scenario, if any). See the module doc.

    ``weights`` and ``fractions`` may be None for a banding-only set (robustness of a standard
    given only thresholds and an aggregation); scoring then raises."""

    thresholds: Mapping[Rating, int]
    aggregation: str
    weights: Mapping[Rating, int] | None
    fractions: Mapping[Rating, int] | None
    excluded: frozenset[str] = field(default_factory=frozenset)
    source: str = field(default="", compare=False)  # where these rules come from, for a basis: 'framework hmip-2025', '... under what-if: ...'

    def __post_init__(self):
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731 (frozen: normalise once)
        set_("thresholds", _keyed(self.thresholds, THRESHOLD_RATINGS, "thresholds"))
        t = [self.thresholds[r] for r in THRESHOLD_RATINGS]
        if not 1000 >= t[0] >= t[1] >= t[2] >= 0:
            raise InputError("thresholds must be percentages (0-100) with Outstanding >= Good >= Requires improvement; got "
                             + ",".join(tenths_text(v) for v in t))
        check_aggregation(self.aggregation)
        if self.weights is not None:
            set_("weights", _keyed(self.weights, BEST_FIRST, "weights"))
            w = [self.weights[r] for r in BEST_FIRST]
            if not all(isinstance(v, int) and 0 <= v <= MAX_WEIGHT for v in w) or not w[0] >= w[1] >= w[2] >= w[3]:
                raise InputError(f"weights: scores are whole numbers from 0 to {MAX_WEIGHT} that do not rise as the rating falls "
                                 f"(Outstanding >= Good >= Requires improvement >= Inadequate); got {','.join(map(str, w))}")
        if self.fractions is not None:
            set_("fractions", _keyed(self.fractions, FRACTION_RATINGS, "fractions"))
            f = [self.fractions[r] for r in FRACTION_RATINGS]
            if not 0 <= f[0] <= f[1] <= f[2]:
                raise InputError("fractions must rise from Inadequate to Good (e.g. 0.5,1.5,2.5) and not be negative; got "
                                 + ",".join(tenths_text(v) for v in f))
            if f[2] > MAX_FRACTION * 10:
                raise InputError(f"fractions: each is at most {MAX_FRACTION} (a multiple of the number of standards counted); "
                                 f"got {','.join(tenths_text(v) for v in f)}")
        set_("excluded", frozenset(canonical(c) for c in self.excluded))

    def __hash__(self):
        return hash((tuple(sorted(self.thresholds.items())), self.aggregation,
                     tuple(sorted(self.weights.items())) if self.weights else None,
                     tuple(sorted(self.fractions.items())) if self.fractions else None, self.excluded))

    # -- building ---------------------------------------------------------------------------------

    @classmethod
    def from_values(cls, thresholds: Mapping[Rating, Any] | Iterable[Any], aggregation: str,
                    weights: Mapping[Rating, int] | Iterable[int] | None = None,
                    fractions: Mapping[Rating, Any] | Iterable[Any] | None = None,
                    excluded: Iterable[str] = (), source: str = "") -> "Rules":
        """Rules from values as people write them: thresholds as percentages (best first, or keyed by
        rating), weights best first, fractions worst first; each to one decimal place at most."""
        return cls(thresholds={r: tenths(v, "thresholds") for r, v in _by_rating(thresholds, THRESHOLD_RATINGS, "thresholds").items()},
                   aggregation=aggregation,
                   weights=None if weights is None else {r: _whole(v) for r, v in _by_rating(weights, BEST_FIRST, "weights").items()},
                   fractions=None if fractions is None else
                   {r: tenths(v, "fractions") for r, v in _by_rating(fractions, FRACTION_RATINGS, "fractions").items()},
                   excluded=frozenset(excluded), source=source)

    @classmethod
    def banding(cls, thresholds: Mapping[Rating, Any] | Iterable[Any], aggregation: str = "lowest") -> "Rules":
        """Thresholds and an aggregation only (no scores): enough to band a standard."""
        return cls.from_values(thresholds, aggregation, source="given thresholds")

    @classmethod
    def of(cls, framework, scenario=None) -> "Rules":
        """The rules of a framework, with a scenario's overrides (``core.scenario.Scenario``) on top."""
        base: Rules = framework.rules
        if scenario is None or scenario.changes_nothing:
            return base
        given = lambda values, ratings, name: {r: tenths(v, name) for r, v in zip(ratings, values)}  # noqa: E731
        return cls(thresholds=base.thresholds if scenario.thresholds is None else given(scenario.thresholds, THRESHOLD_RATINGS, "thresholds"),
                   aggregation=scenario.aggregation or base.aggregation,
                   weights=base.weights if scenario.weights is None else dict(zip(BEST_FIRST, scenario.weights)),
                   fractions=base.fractions if scenario.fractions is None else given(scenario.fractions, FRACTION_RATINGS, "fractions"),
                   excluded=scenario.excluded, source=f"framework {framework.id} under what-if: {scenario.describe()}")

    # -- rule 2: banding ---------------------------------------------------------------------------

    def threshold(self, rating: Rating) -> float:
        """The lowest percentage of a banded rating (80.0)."""
        return self.thresholds[rating] / 10

    def threshold_percents(self) -> tuple[float, float, float]:
        """Outstanding, Good, Requires improvement thresholds as percentages, best first."""
        return tuple(self.threshold(r) for r in THRESHOLD_RATINGS)

    def band_values(self, n_sufficient, n_relevant) -> np.ndarray:
        """Rule 2, elementwise: the rating value (0-3) of y sufficient of n relevant, NO_RATING where n = 0.

        Counts may be numpy integer arrays, or object arrays of Python integers (the numerator and
        denominator of an exact mean or median): the comparison ``1000 y >= t n`` is exact either way."""
        y = np.asarray(n_sufficient)
        n = np.asarray(n_relevant)
        return np.where(n > 0, self._bands_reached(y, n), NO_RATING).astype(np.int64)

    def band(self, n_sufficient: int, n_relevant: int) -> Rating | None:
        """Rule 2 for one share (None where nothing is relevant): the same comparison on Python integers."""
        return Rating(int(self._bands_reached(int(n_sufficient), int(n_relevant)))) if n_relevant > 0 else None

    def _bands_reached(self, y, n):
        # thresholds fall with the rating, so the number of thresholds a share reaches is its rating value
        return sum(_reaches(y, n, self.thresholds[rating]) for rating in THRESHOLD_RATINGS)

    # -- rules 4 and 5: scores and the overall rating -----------------------------------------------

    def _scoring(self):
        if self.weights is None or self.fractions is None:
            raise InputError("these rules only band domain two standards: no scores or overall bands are set")

    def counts(self, standard: str) -> bool:
        """Whether a standard counts towards the score and overall rating."""
        return canonical(standard) not in self.excluded

    def fraction(self, rating: Rating) -> float:
        self._scoring()
        return self.fractions[rating] / 10

    def max_score(self, n: int) -> int:
        self._scoring()
        return max(self.weights.values()) * n

    def overall_values(self, score, n) -> np.ndarray:
        """Rule 5, elementwise: the overall rating value (0-3) of score S over N standards: Inadequate
        while 10 S <= f(Inadequate) N, and so on; above the last, Outstanding."""
        self._scoring()
        return np.asarray(self._bands_passed(np.asarray(score, dtype=np.int64), np.asarray(n, dtype=np.int64)), dtype=np.int64)

    def overall(self, score: int, n: int) -> Rating:
        """Rule 5 for one score: the same comparison on Python integers."""
        self._scoring()
        return Rating(int(self._bands_passed(int(score), int(n))))

    def _bands_passed(self, score, n):
        # fractions rise with the rating, so the number of bands a score is above is its rating value
        return sum(_above(score, n, self.fractions[rating]) for rating in FRACTION_RATINGS)

    def cutoffs(self, n: int, max_score: int | None = None) -> dict[Rating, tuple[int, int]]:
        """Score ranges of each rating for N standards (rule 5): Inadequate 0..floor(f N), and so on."""
        self._scoring()
        top = self.max_score(n) if max_score is None else max_score
        out: dict[Rating, tuple[int, int]] = {}
        low = 0
        for rating in FRACTION_RATINGS:
            high = self.fractions[rating] * n // 10
            out[rating] = (low, high)
            low = high + 1
        out[Rating.OUTSTANDING] = (low, top)
        return out

    # -- words ---------------------------------------------------------------------------------------

    def describe(self) -> str:
        parts = ["thresholds " + "/".join(f"{tenths_text(self.thresholds[r])}%" for r in THRESHOLD_RATINGS), self.aggregation]
        if self.weights is not None:
            parts.append("scores " + ",".join(str(self.weights[r]) for r in BEST_FIRST))
            parts.append("fractions " + ",".join(tenths_text(self.fractions[r]) for r in FRACTION_RATINGS))
        if self.excluded:
            parts.append("not counting " + ", ".join(display(c) for c in sorted(self.excluded)))
        return "; ".join(parts)


def _reaches(y, n, threshold_tenths: int):
    """Rule 2's one comparison: y of n sufficient reach a threshold of t tenths of a percent (y/n >= t/1000).
    Works alike on Python integers and on numpy arrays (0 or 1 each)."""
    return (1000 * y >= threshold_tenths * n) * 1


def _above(score, n, fraction_tenths: int):
    """Rule 5's one comparison: a score S of N standards is above a band of f tenths (S > floor(f/10 x N))."""
    return (10 * score > fraction_tenths * n) * 1


def _keyed(values: Mapping[Rating, int], ratings: tuple[Rating, ...], name: str) -> dict[Rating, int]:
    if not isinstance(values, Mapping) or set(values) != set(ratings):
        raise InputError(f"{name}: expected a value for each of {', '.join(r.label for r in ratings)}")
    out = {}
    for r in ratings:
        v = values[r]
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise InputError(f"{name}: {v!r} is not a whole number of {'tenths' if name != 'weights' else 'points'}")
        out[r] = int(v)
    return out


def _by_rating(values, ratings: tuple[Rating, ...], name: str) -> dict[Rating, Any]:
    if isinstance(values, Mapping):
        return {Rating(r): v for r, v in values.items()}
    values = list(values.split(",") if isinstance(values, str) else values)
    if len(values) != len(ratings):
        raise InputError(f"{name}: expected {len(ratings)} values ({', '.join(r.label for r in ratings)}); got {len(values)}")
    return dict(zip(ratings, values))


def _whole(value: Any) -> int:
    if isinstance(value, bool):
        raise InputError(f"weights: expected a whole number, got {value!r}")
    if isinstance(value, (int, np.integer)):
        return int(value)
    t = tenths(value, "weights")
    if t % 10:
        raise InputError(f"weights: scores are whole numbers; got {value!r}")
    return t // 10
