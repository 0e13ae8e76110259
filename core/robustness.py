"""How far to trust a domain two rating: intervals, cases to change, the chance of another rating.

A rating rests on a sample of cases. This module says, for every domain two rating, how wide the
uncertainty of its percentage is, how many case answers stand between it and the next band, and how
likely a different rating would be given the number of cases behind it. It is pure (numpy and
SciPy's numerical functions, no store or page) and works from counts: ``Sufficiency`` values one standard at a time, or a frame of key question
tallies for the whole store at once (``robustness_frame``).

Percentages and thresholds are compared exactly as ``core.engine`` compares them (in whole numbers
and fractions), so "3 more cases" means the engine would give the next band after 3 more, not 2.

How each figure is computed (the same text is in ``METHOD_HELP`` for the pages to quote):
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import special

from core.codes import display
from core.engine import Sufficiency, aggregate, rate_standard
from core.errors import InputError
from core.ratings import Rating
from core.rules import NO_RATING, Rules, check_aggregation
from core.whatif import RatingKeys

CONFIDENCE = 0.95
SMALL_SAMPLE_CASES = 20
MONTE_CARLO_DRAWS = 4000
MONTE_CARLO_SEED = 20250401
BANDED = (Rating.OUTSTANDING, Rating.GOOD, Rating.REQUIRES_IMPROVEMENT)  # the ratings with a threshold, best first
EXACT_AGGREGATIONS = ("lowest", "pooled")  # exact chances, every standard at once; 'mean' and 'median' draw, one by one

METHOD_HELP = {
    "interval": (
        "Interval: the Wilson score interval of a percentage (95% unless stated). For x sufficient of n relevant "
        "cases, p = x/n and z the normal quantile of the confidence (1.96 at 95%, from SciPy's scipy.special.ndtri): "
        "centre (p + z²/2n)/(1 + z²/n), half-width z/(1 + z²/n) × √(p(1 − p)/n + z²/4n²), written out so that every "
        "percentage of the store is done at once, and tested against SciPy's "
        "scipy.stats.binomtest(x, n).proportion_ci(method='wilson'). A key question with no relevant cases spans 0-100%. "
        "A standard's interval is its driving key question's under 'lowest' and the pooled answers' under "
        "'pooled'; a mean or median of percentages has none of its own (see each key question's)."
    ),
    "cases": (
        "Cases to change: the fewest case answers that would have to change to move the rating at least one band: "
        "No to Yes to move up, Yes to No to move down, with the thresholds in force. Under 'lowest' moving up "
        "means raising every key question below the next threshold to it; moving down means lowering the cheapest "
        "one below the rating's own threshold. Under 'mean', 'pooled' and 'median' the fewest answers that move the "
        "aggregated percentage across the threshold. None where no move is possible: already Outstanding (up), "
        "already Inadequate or a threshold of 0% (down), or not rated."
    ),
    "probability": (
        "Chance of a different rating: each key question's true sufficiency (the share of all the cases the sample "
        "was drawn from that are sufficient) is given a Beta(yes + 1, no + 1) distribution, what a flat prior becomes "
        "after seeing the sample; key questions are taken as independent. The chance of each rating is the chance "
        "that the aggregation and thresholds, applied to the true sufficiencies, give it; the chance of a different "
        "rating is one minus the chance of the rating given. Under 'lowest' this is exact: P(at least a band) is the "
        "product over key questions of P(true sufficiency at or above the band's threshold), which is "
        "1 − I_t(yes + 1, no + 1), the complement of the regularized incomplete beta function, computed by SciPy "
        "(scipy.special.betaincc, the survival function of scipy.stats.beta). Under 'pooled' it is exact with all answers as one sample, Beta(Σyes + 1, Σno + 1). "
        f"Under 'mean' and 'median' it is a Monte Carlo estimate from {MONTE_CARLO_DRAWS} draws, seeded from the "
        "counts themselves, so the same counts always give the same figure (standard error at most 0.008). A "
        "standard with a single key question is exact under every aggregation."
    ),
    "small_sample": (
        f"Small sample: fewer than {SMALL_SAMPLE_CASES} relevant cases behind the rating: on the driving key question "
        "under 'lowest', on the smallest key question under 'mean' and 'median', in all under 'pooled'. Below 20 cases "
        "the 95% interval of a percentage near 50% is about ±20 points, wider than any band."
    ),
}
__doc__ += "\n" + "\n\n".join(f"- {text}" for text in METHOD_HELP.values()) + "\n"


# -- Wilson score intervals ---------------------------------------------------------------------

def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise InputError(f"confidence must be between 0 and 1 (e.g. 0.95); got {confidence!r}")
    return float(special.ndtri((1 + confidence) / 2))


def wilson_interval(n_yes: int, n_relevant: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The Wilson score interval of n_yes of n_relevant, as fractions 0..1 (multiply by 100 for a percentage).

    With no relevant cases nothing is known: the interval is the whole range, (0.0, 1.0).
    """
    if n_yes < 0 or n_relevant < 0 or n_yes > n_relevant:
        raise InputError(f"cannot make an interval of {n_yes} sufficient out of {n_relevant} relevant cases")
    low, high = wilson_intervals(np.array([n_yes]), np.array([n_relevant]), confidence)
    return float(low[0]), float(high[0])


def wilson_intervals(n_yes, n_relevant, confidence: float = CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
    """``wilson_interval`` over arrays of counts at once (fractions 0..1; no relevant cases gives 0..1)."""
    z = _z(confidence)
    yes = np.asarray(n_yes, dtype=float)
    n = np.asarray(n_relevant, dtype=float)
    empty = n <= 0
    n_safe = np.where(empty, 1.0, n)
    p = yes / n_safe
    z2n = z * z / n_safe
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * np.sqrt(p * (1 - p) / n_safe + z2n / (4 * n_safe))
    # at 0 of n (n of n) the interval touches 0 (1) exactly; say so rather than leave floating dust
    low = np.where(empty | (yes <= 0), 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(empty | (yes >= n), 1.0, np.clip(centre + half, 0.0, 1.0))
    return low, high


# -- thresholds, as the engine compares them -----------------------------------------------------

def as_rules(thresholds: Rules | Mapping[Rating, float] | Sequence[float], aggregation: str | None = None) -> Rules:
    """The rules a robustness figure applies: a ``Rules`` as it is (with ``aggregation``, if given, in
    place of its own), or thresholds given as a mapping or best first (e.g. (80, 65, 50)) with
    ``aggregation`` (default 'lowest'). Checked as every rating path checks them (``core.rules``)."""
    if isinstance(thresholds, Rules):
        if aggregation is None or aggregation == thresholds.aggregation:
            return thresholds
        return replace(thresholds, aggregation=check_aggregation(aggregation))
    return Rules.banding(thresholds, aggregation or "lowest")


def _share(rules: Rules, rating: Rating) -> Fraction:
    # the same exact value the rules compare against, as a share of cases: tenths of a percent / 1000
    return Fraction(rules.thresholds[rating], 1000)


# -- cases to change -----------------------------------------------------------------------------

@dataclass(frozen=True)
class CasesToChange:
    """The fewest case answers that would move a rating at least one band, by key question.

    ``up`` maps key question codes to answers that would have to change from No to Yes; ``down`` to
    answers from Yes to No. Either is None where that move is impossible.
    """

    up: Mapping[str, int] | None
    down: Mapping[str, int] | None

    @property
    def n_up(self) -> int | None:
        return sum(self.up.values()) if self.up is not None else None

    @property
    def n_down(self) -> int | None:
        return sum(self.down.values()) if self.down is not None else None


# Each "_reach_*" answers one question: given (yes, relevant) counts of the rated key questions, the
# fewest Yes answers to add (a plan: index -> answers) so that the aggregated share reaches the
# target (>= target, or > target when strict), or None if no number of answers would. Moving down is
# moving up in the No answers: mean, pooled and median of the No shares are one minus those of the
# Yes shares, so "below t" becomes "above 1 - t" on the complement.

def _need(target: Fraction, n: int, strict: bool) -> int:
    """The fewest Yes answers out of n whose share reaches target (or exceeds it, when strict)."""
    return math.floor(target * n) + 1 if strict else math.ceil(target * n)


def _reach_mean(counts: Sequence[tuple[int, int]], target: Fraction, strict: bool) -> dict[int, int] | None:
    deficit = target * len(counts) - sum(Fraction(y, n) for y, n in counts)
    if deficit < 0 or (deficit == 0 and not strict):
        return {}
    plan: dict[int, int] = {}
    # an answer on a key question with fewer cases moves the mean further: spend those first
    for i in sorted(range(len(counts)), key=lambda i: counts[i][1]):
        y, n = counts[i]
        needed = math.floor(deficit * n) + 1 if strict else math.ceil(deficit * n)
        if needed <= n - y:
            plan[i] = needed
            return {k: v for k, v in plan.items() if v}
        plan[i] = n - y
        deficit -= Fraction(n - y, n)
    return None


def _reach_pooled(counts: Sequence[tuple[int, int]], target: Fraction, strict: bool) -> dict[int, int] | None:
    total_yes = sum(y for y, _ in counts)
    total = sum(n for _, n in counts)
    needed = max(0, _need(target, total, strict) - total_yes)
    if total_yes + needed > total:
        return None
    plan: dict[int, int] = {}
    for i, (y, n) in enumerate(counts):  # any answers will do: take them in key question order
        take = min(needed, n - y)
        if take:
            plan[i] = take
        needed -= take
    return plan


def _cost(y: int, n: int, share: Fraction, strict: bool) -> int | None:
    """Yes answers to add to y of n to reach share (None if even all n would not)."""
    need = _need(share, n, strict)
    return None if need > n else max(0, need - y)


def _cheapest(costs: Iterable[tuple[int | None, int]], k: int) -> tuple[int, dict[int, int]] | None:
    feasible = sorted((c, i) for c, i in costs if c is not None)
    if len(feasible) < k:
        return None
    chosen = feasible[:k]
    return sum(c for c, _ in chosen), {i: c for c, i in chosen if c}


def _reach_median(counts: Sequence[tuple[int, int]], target: Fraction, strict: bool) -> dict[int, int] | None:
    k = len(counts)
    if k % 2:
        # odd: the median reaches the target once (k + 1) / 2 key questions do
        best = _cheapest(((_cost(y, n, target, strict), i) for i, (y, n) in enumerate(counts)), (k + 1) // 2)
        return best[1] if best else None
    # even (k = 2m): the median is the mean of the m-th and (m+1)-th shares. It reaches the target
    # exactly when some key question j stands at a share a, and m others at max(a, 2*target - a) or more
    # (the m-th and (m+1)-th shares are then at least a and 2*target - a). Try every share a that j can
    # be raised to; past the target a only costs more, so stop there.
    m = k // 2
    p, q = target.numerator, target.denominator
    best_total, best_plan = None, None
    for j, (yj, nj) in enumerate(counts):
        # below a = 2*target - 1 the others would need more than 100%: start there (in whole numbers, for speed)
        start = max(yj, _ceil_div(nj * (2 * p - q), q))
        for a_yes in range(start, nj + 1):
            # rest = 2*target - a_yes/nj = r/d exactly
            r, d = 2 * p * nj - q * a_yes, q * nj
            costs = []
            for i, (y, n) in enumerate(counts):
                if i == j:
                    continue
                need_rest = (r * n) // d + 1 if strict else _ceil_div(r * n, d)
                need = max(_ceil_div(a_yes * n, nj), need_rest)
                costs.append((None if need > n else max(0, need - y), i))
            found = _cheapest(costs, m)
            extra = a_yes - yj
            if found and (best_total is None or extra + found[0] < best_total):
                best_total, best_plan = extra + found[0], {**found[1], **({j: extra} if extra else {})}
            if a_yes * q >= p * nj:  # j at the target or above: raising it further, or the others past it, only costs more
                break
    return best_plan


def _ceil_div(x: int, y: int) -> int:
    return -((-x) // y)


def _reach_lowest_up(counts: Sequence[tuple[int, int]], target: Fraction) -> dict[int, int] | None:
    plan = {i: _cost(y, n, target, False) for i, (y, n) in enumerate(counts)}
    return {i: c for i, c in plan.items() if c}  # a share of at most 100% is always reachable


def _reach_lowest_down(counts: Sequence[tuple[int, int]], target: Fraction) -> dict[int, int] | None:
    # below the target: at most ceil(target * n) - 1 Yes answers on any one key question
    options = [(y - (math.ceil(target * n) - 1), i) for i, (y, n) in enumerate(counts) if math.ceil(target * n) >= 1]
    if not options:
        return None
    cost, i = min(options)
    return {i: max(cost, 0)}


def _complement(counts: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    return [(n - y, n) for y, n in counts]


def _plan_up(counts, target: Fraction, aggregation: str):
    if aggregation == "lowest":
        return _reach_lowest_up(counts, target)
    return _REACH[aggregation](counts, target, False)


def _plan_down(counts, target: Fraction, aggregation: str):
    if aggregation == "lowest":
        return _reach_lowest_down(counts, target)
    # below target on the Yes shares is above 1 - target on the No shares
    return _REACH[aggregation](_complement(counts), 1 - target, True)


_REACH = {"mean": _reach_mean, "pooled": _reach_pooled, "median": _reach_median}


def cases_to_change(key_questions: Sequence[Sufficiency], thresholds: Rules | Mapping[Rating, float] | Sequence[float],
                    aggregation: str | None = None) -> CasesToChange:
    """The fewest case answers that would move a domain two standard's rating up, and down, a band.

    Moving up counts answers changed from No to Yes until the standard reaches the next band's
    threshold; moving down counts answers changed from Yes to No until it falls below its own band's
    threshold. Key questions with no relevant cases are left out, as the engine leaves them out.
    """
    rules = as_rules(thresholds, aggregation)
    rated = _rated(key_questions)
    return _cases(rated, _rate(rated, rules).rating, rules)


def _cases(rated: Sequence[Sufficiency], rating: Rating | None, rules: Rules) -> CasesToChange:
    if rating is None:
        return CasesToChange(None, None)
    counts = [(k.n_sufficient, k.n_relevant) for k in rated]

    def named(plan):
        return None if plan is None else {rated[i].code: v for i, v in sorted(plan.items())}

    up = named(_plan_up(counts, _share(rules, Rating(rating + 1)), rules.aggregation)) if rating < Rating.OUTSTANDING else None
    down = named(_plan_down(counts, _share(rules, rating), rules.aggregation)) if rating > Rating.INADEQUATE else None
    return CasesToChange(up, down)


def _rated(key_questions: Iterable[Sufficiency]) -> list[Sufficiency]:
    return [k for k in key_questions if k.n_relevant]


def _rate(rated: Sequence[Sufficiency], rules: Rules, standard: str = ""):
    return rate_standard(standard, rated, rules)


# -- the chance of a different rating -------------------------------------------------------------

def beta_at_least(share, n_yes, n_no) -> np.ndarray:
    """P(true sufficiency >= share) when it has the Beta(n_yes + 1, n_no + 1) distribution, elementwise:
    1 - I_share(yes + 1, no + 1), SciPy's ``special.betaincc`` (1 at a share of 0, 0 at a share of 1)."""
    x, yes, no = np.broadcast_arrays(np.asarray(share, float), np.asarray(n_yes, float), np.asarray(n_no, float))
    return np.clip(special.betaincc(yes + 1.0, no + 1.0, np.clip(x, 0.0, 1.0)), 0.0, 1.0)


def _probabilities_from_at_least(at_least: np.ndarray) -> np.ndarray:
    """Rows of P(at least Outstanding, Good, RI) -> rows of P(Inadequate, RI, Good, Outstanding)."""
    p_o, p_g, p_ri = at_least[..., 0], at_least[..., 1], at_least[..., 2]
    # a key question's P(at least Good) can never be below P(at least Outstanding); guard rounding anyway
    p_g, p_ri = np.maximum(p_g, p_o), np.maximum(p_ri, np.maximum(p_g, p_o))
    return np.stack([1.0 - p_ri, p_ri - p_g, p_g - p_o, p_o], axis=-1)


def _monte_carlo_at_least(counts: Sequence[tuple[int, int]], shares: Sequence[Fraction], aggregation: str) -> np.ndarray:
    # seeded from the counts alone: a standard's figure never depends on what else is being assessed,
    # and with two key questions (where the median is the mean) both aggregations give the same figure
    rng = np.random.default_rng([MONTE_CARLO_SEED, *(v for y, n in counts for v in (y, n - y))])
    yes = np.array([y for y, _ in counts], float)
    no = np.array([n - y for y, n in counts], float)
    draws = rng.beta(yes + 1.0, no + 1.0, size=(MONTE_CARLO_DRAWS, len(counts)))
    value = draws.mean(axis=1) if aggregation == "mean" else np.median(draws, axis=1)
    return np.array([(value >= float(s)).mean() for s in shares])


def rating_probabilities(key_questions: Sequence[Sufficiency], thresholds: Rules | Mapping[Rating, float] | Sequence[float],
                         aggregation: str | None = None) -> dict[Rating, float]:
    """The chance of each rating for the standard's true sufficiency, given the cases sampled (see METHOD_HELP).

    Empty (no ratings) where no key question has relevant cases.
    """
    rules = as_rules(thresholds, aggregation)
    counts = [(k.n_sufficient, k.n_relevant) for k in _rated(key_questions)]
    if not counts:
        return {}
    probs = _probabilities_from_at_least(_at_least(counts, [_share(rules, r) for r in BANDED], rules.aggregation))
    return {Rating(i): float(p) for i, p in enumerate(probs)}


def _at_least(counts: Sequence[tuple[int, int]], shares: Sequence[Fraction], aggregation: str) -> np.ndarray:
    """P(aggregated true sufficiency >= share) for each share, for one standard's (yes, relevant) counts."""
    s = np.array([float(x) for x in shares])
    if aggregation == "pooled" or len(counts) == 1:
        yes, total = sum(y for y, _ in counts), sum(n for _, n in counts)
        return beta_at_least(s, yes, total - yes)
    if aggregation == "lowest":
        yes = np.array([y for y, _ in counts], float)[:, None]
        no = np.array([n - y for y, n in counts], float)[:, None]
        return beta_at_least(s[None, :], yes, no).prod(axis=0)
    return _monte_carlo_at_least(counts, shares, aggregation)


def p_different(key_questions: Sequence[Sufficiency], thresholds, aggregation: str | None = None) -> float | None:
    """The chance that the standard's true rating differs from the rating its sample gives (None if not rated)."""
    rules = as_rules(thresholds, aggregation)
    rated = _rated(key_questions)
    rating = _rate(rated, rules).rating
    if rating is None:
        return None
    return 1.0 - rating_probabilities(rated, rules)[rating]


# -- one standard ----------------------------------------------------------------------------------

def smallest_sample(key_questions: Sequence[Sufficiency], aggregation: str = "lowest") -> int | None:
    """The relevant cases the small-sample flag looks at: the driving key question's under 'lowest',
    the smallest key question's under 'mean' and 'median', all of them under 'pooled'."""
    rated = _rated(key_questions)
    return _sample(rated, aggregate(rated, check_aggregation(aggregation))[1], aggregation)


def _sample(rated: Sequence[Sufficiency], driving: Sufficiency | None, aggregation: str) -> int | None:
    if not rated:
        return None
    if aggregation == "pooled":
        return sum(k.n_relevant for k in rated)
    if aggregation == "lowest":
        return driving.n_relevant
    return min(k.n_relevant for k in rated)


def is_small_sample(n_relevant: int | None) -> bool:
    """True for fewer than SMALL_SAMPLE_CASES relevant cases (and for none)."""
    return n_relevant is None or n_relevant < SMALL_SAMPLE_CASES


def _interval_counts(rated: Sequence[Sufficiency], result, aggregation: str) -> tuple[int, int] | None:
    """The (yes, relevant) counts whose share is the standard's percentage, where there is one such:
    the driving key question's under 'lowest', the pooled answers', or a lone key question's."""
    if result.rating is None:
        return None
    if aggregation == "pooled":
        return sum(k.n_sufficient for k in rated), sum(k.n_relevant for k in rated)
    if aggregation == "lowest" or len(rated) == 1:
        k = result.driving or rated[0]
        return k.n_sufficient, k.n_relevant
    return None


@dataclass(frozen=True)
class Robustness:
    """How far to trust one domain two rating (see METHOD_HELP for how each figure is made)."""

    standard: str
    rating: Rating | None
    percent: float | None
    interval: tuple[float, float] | None  # fractions 0..1; None for a mean or median of several key questions
    cases: CasesToChange
    probabilities: dict[Rating, float]
    p_different: float | None
    sample: int | None
    small_sample: bool


def assess(standard: str, key_questions: Sequence[Sufficiency], thresholds, aggregation: str | None = None,
           confidence: float = CONFIDENCE) -> Robustness:
    """Everything this module knows about the robustness of one domain two standard's rating."""
    rules = as_rules(thresholds, aggregation)
    aggregation = rules.aggregation
    rated = _rated(key_questions)
    result = _rate(rated, rules, standard)
    probs = rating_probabilities(rated, rules)
    sample = _sample(rated, result.driving, aggregation)
    counts = _interval_counts(rated, result, aggregation)
    return Robustness(
        standard=standard, rating=result.rating, percent=result.percent,
        interval=wilson_interval(*counts, confidence) if counts else None,
        cases=_cases(rated, result.rating, rules), probabilities=probs,
        p_different=None if result.rating is None else 1.0 - probs[result.rating],
        sample=sample, small_sample=is_small_sample(sample))


# -- the whole store ---------------------------------------------------------------------------------

TALLY_COLUMNS = ["key_question", "n_sufficient", "n_relevant"]
ROBUSTNESS_COLUMNS = ["rating", "percent", "driving_key_question", "n_sufficient", "n_relevant", "ci_low", "ci_high",
                      "cases_up", "cases_down", "changes_up", "changes_down", "p_inadequate", "p_requires_improvement",
                      "p_good", "p_outstanding", "p_different", "sample", "small_sample"]


def key_question_intervals(tallies: pd.DataFrame, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """The tallies with each key question's percent, Wilson interval (ci_low, ci_high, fractions 0..1)
    and small-sample flag. ``tallies`` needs n_sufficient and n_relevant."""
    out = tallies.copy()
    yes = out["n_sufficient"].to_numpy(dtype=float)
    n = out["n_relevant"].to_numpy(dtype=float)
    out["percent"] = np.where(n > 0, 100.0 * yes / np.where(n > 0, n, 1), np.nan)
    out["ci_low"], out["ci_high"] = wilson_intervals(yes, n, confidence)
    out["small_sample"] = n < SMALL_SAMPLE_CASES
    return out


def robustness_frame(tallies: pd.DataFrame, thresholds, aggregation: str | None = None,
                     keys: Sequence[str] = ("inspection_id", "standard"), confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Robustness of every domain two rating in a frame of key question tallies, one row per standard.

    ``tallies`` has the ``keys`` columns plus key_question, n_sufficient, n_relevant: the shape of
    ``core.analysis.key_question_tallies``. The result has the ``keys`` columns then ROBUSTNESS_COLUMNS:
    the rating (label, or None where nothing is relevant) and percent as the engine gives them; the
    driving key question and the counts behind the percentage (the driving key question's under
    'lowest', the totals under 'pooled', NaN for a mean or median of several); their Wilson interval
    (ci_low, ci_high, fractions 0..1); cases to move up and down a band (cases_up, cases_down) with the
    answers by key question (changes_up, e.g. 'P 2.1.2: 3'); the chance of each rating and of a
    different one; the sample the small-sample flag looks at, and the flag.

    Under 'lowest' and 'pooled' every figure is worked out for all rows at once, in whole numbers where
    they are counts (``_frame_at_once``); under 'mean' and 'median' standard by standard
    (``_frame_by_standard``: the engine's rating and ``cases_to_change`` of each, and draws), the intervals
    at once. Both give what ``assess`` gives for each standard.
    """
    rules = as_rules(thresholds, aggregation)
    aggregation = rules.aggregation
    keys = list(keys)
    missing = [c for c in keys + TALLY_COLUMNS if c not in tallies.columns]
    if missing:
        raise InputError(f"the tallies have no column(s) {', '.join(missing)}")
    if tallies.empty:
        return pd.DataFrame(columns=keys + ROBUSTNESS_COLUMNS)
    if aggregation in ("lowest", "pooled"):
        return _frame_at_once(tallies, keys, rules, confidence)
    return _frame_by_standard(tallies, keys, rules, confidence)


def _frame_by_standard(tallies: pd.DataFrame, keys: list[str], rules: Rules, confidence: float) -> pd.DataFrame:
    """``robustness_frame`` standard by standard, through the engine's rating and ``_cases`` of each: any aggregation."""
    aggregation = rules.aggregation
    codes = tallies["key_question"].to_numpy()
    yes_all = tallies["n_sufficient"].to_numpy(dtype=np.int64)
    n_all = tallies["n_relevant"].to_numpy(dtype=np.int64)
    shares = [_share(rules, r) for r in BANDED]
    rows_at_least = _beta_at_least_rows(yes_all, n_all, shares) if aggregation == "lowest" else None

    rows, at_least, counts, values = [], [], [], []
    for key, idx in tallies.groupby(keys, sort=False, dropna=False).indices.items():
        idx = idx[n_all[idx] > 0]
        rated = [Sufficiency(codes[i], int(yes_all[i]), int(n_all[i])) for i in idx]
        result = _rate(rated, rules, str(key[-1] if isinstance(key, tuple) else key))
        cases = _cases(rated, result.rating, rules)
        sample = _sample(rated, result.driving, aggregation)
        rows.append([*(key if isinstance(key, tuple) else (key,)), result.rating.label if result.rating is not None else None,
                     result.percent, result.driving_key_question, cases.n_up, cases.n_down,
                     _describe(cases.up), _describe(cases.down), sample, is_small_sample(sample)])
        counts.append(_interval_counts(rated, result, aggregation) or (-1, -1))
        values.append(-1 if result.rating is None else int(result.rating))
        if result.rating is None:
            at_least.append(np.full(3, np.nan))
        elif rows_at_least is not None:
            at_least.append(rows_at_least[idx].prod(axis=0))  # lowest: every key question must reach the band
        elif aggregation == "pooled":
            at_least.append(None)  # filled below, all at once
        else:
            at_least.append(_at_least([(k.n_sufficient, k.n_relevant) for k in rated], shares, aggregation))

    out = pd.DataFrame(rows, columns=keys + ["rating", "percent", "driving_key_question", "cases_up", "cases_down",
                                             "changes_up", "changes_down", "sample", "small_sample"])
    yes, n = (np.array(c, dtype=float) for c in zip(*counts))
    if aggregation == "pooled":
        pooled = _beta_at_least_rows(yes, n, shares)
        at_least = [pooled[i] if a is None else a for i, a in enumerate(at_least)]
    has_counts = n >= 0
    out["n_sufficient"] = np.where(has_counts, yes, np.nan)
    out["n_relevant"] = np.where(has_counts, n, np.nan)
    low, high = wilson_intervals(np.where(has_counts, yes, 0), np.where(has_counts, n, 0), confidence)
    out["ci_low"], out["ci_high"] = np.where(has_counts, low, np.nan), np.where(has_counts, high, np.nan)
    probs = _probabilities_from_at_least(np.vstack(at_least))
    for i, col in enumerate(["p_inadequate", "p_requires_improvement", "p_good", "p_outstanding"]):
        out[col] = probs[:, i]
    value = np.array(values)
    for col in ("cases_up", "cases_down", "sample"):
        out[col] = out[col].astype("Int64")  # whole numbers, or <NA> where there is none
    out["p_different"] = np.where(value >= 0, 1.0 - probs[np.arange(len(out)), np.maximum(value, 0)], np.nan)
    return out[keys + ROBUSTNESS_COLUMNS]




def _frame_at_once(tallies: pd.DataFrame, keys: list[str], rules: Rules, confidence: float) -> pd.DataFrame:
    """``robustness_frame`` under 'lowest' or 'pooled', every standard at once on arrays: the same figures as
    ``_frame_by_standard`` (each rule of ``_reach_lowest_up``, ``_reach_lowest_down`` and ``_reach_pooled`` is
    written here for whole columns, in the same whole numbers): a round's 500 ratings in 12 ms under a profiler,
    against 47 ms standard by standard."""
    lowest = rules.aggregation == "lowest"
    group = _groups(tallies, keys)  # standards in order of first appearance
    n_groups = int(group.max()) + 1
    first = np.unique(group, return_index=True)[1]  # each standard's first row
    out = {k: tallies[k].take(first).reset_index(drop=True) for k in keys}
    relevant = tallies["n_relevant"].to_numpy(dtype=np.int64) > 0
    # the rated key questions, standard by standard, each standard's in the tallies' order
    at = np.flatnonzero(relevant)
    at = at[np.argsort(group[at], kind="stable")]
    g = group[at]
    codes = tallies["key_question"].to_numpy()[at]
    y = tallies["n_sufficient"].to_numpy(dtype=np.int64)[at]
    n = tallies["n_relevant"].to_numpy(dtype=np.int64)[at]
    rated = np.bincount(g, minlength=n_groups) > 0
    shares = [_share(rules, r) for r in BANDED]

    # the counts behind each rating: the driving key question's (lowest share; on a tie the one with more cases,
    # then the first), or all the answers pooled
    driving = np.full(n_groups, None, dtype=object)
    if lowest:
        order = np.lexsort((-n, y / np.where(n > 0, n, 1), g))  # floats order shares exactly (see core.analysis)
        first = order[np.r_[True, g[order][1:] != g[order][:-1]]] if len(order) else order
        driving[g[first]] = codes[first]
        yes_of, n_of = np.zeros(n_groups, np.int64), np.zeros(n_groups, np.int64)
        yes_of[g[first]], n_of[g[first]] = y[first], n[first]
    else:
        yes_of = np.bincount(g, weights=y, minlength=n_groups).astype(np.int64)
        n_of = np.bincount(g, weights=n, minlength=n_groups).astype(np.int64)
    value = np.where(rated, rules.band_values(yes_of, np.where(rated, n_of, 0)), NO_RATING)
    # the thresholds (tenths of a percent) a rating would have to reach to go up, and stays at or above
    tenths = np.array([0] + [rules.thresholds[r] for r in (Rating.REQUIRES_IMPROVEMENT, Rating.GOOD, Rating.OUTSTANDING)] + [0])
    up_to, own = tenths[np.clip(value + 1, 0, 4)], tenths[np.clip(value, 0, 4)]
    can_up, can_down = rated & (value < int(Rating.OUTSTANDING)), rated & (value > int(Rating.INADEQUATE))

    take_up, take_down = np.zeros(len(at), np.int64), np.zeros(len(at), np.int64)
    cases_up, cases_down = np.full(n_groups, -1, np.int64), np.full(n_groups, -1, np.int64)
    if lowest:
        # up: every key question below the next threshold raised to it (ceil(t n) Yes of n: never more than n)
        take_up = np.where(can_up[g], np.maximum(0, -((-up_to[g] * n) // 1000) - y), 0)
        cases_up[can_up] = np.bincount(g, weights=take_up, minlength=n_groups).astype(np.int64)[can_up]
        # down: the cheapest one key question lowered below the rating's own (to ceil(t n) - 1 Yes); none where t n is 0
        need = -((-own[g] * n) // 1000)
        cost = np.where(can_down[g] & (need >= 1), y - (need - 1), np.iinfo(np.int64).max)
        by_cost = np.lexsort((np.arange(len(at)), cost, g))  # within a standard: cheapest, then the first
        cheapest = by_cost[np.r_[True, g[by_cost][1:] != g[by_cost][:-1]]] if len(by_cost) else by_cost
        cheapest = cheapest[cost[cheapest] < np.iinfo(np.int64).max]
        take_down[cheapest] = np.maximum(cost[cheapest], 0)
        cases_down[g[cheapest]] = take_down[cheapest]
        named_down = np.zeros(len(at), bool)
        named_down[cheapest] = True  # the plan names it even at 0, as _reach_lowest_down does
    else:
        # up: ceil(t N) Yes of all N answers; down: more than (1 - t) N No answers; taken from the key questions in turn
        needed_up = np.maximum(0, -((-up_to * n_of) // 1000) - yes_of)
        needed_down = np.maximum(0, ((1000 - own) * n_of) // 1000 + 1 - (n_of - yes_of))
        possible_down = can_down & ((n_of - yes_of) + needed_down <= n_of)
        starts = np.maximum.accumulate(np.where(np.r_[True, g[1:] != g[:-1]], np.arange(len(g)), 0)) if len(g) else g
        for needed, room, take, possible, cases in ((needed_up, n - y, take_up, can_up, cases_up),
                                                    (needed_down, y, take_down, possible_down, cases_down)):
            room_before = np.cumsum(room) - room  # room in the key questions before this one, over the whole array
            room_before -= room_before[starts]  # ...and over its own standard's only
            take[:] = np.where(possible[g], np.clip(needed[g] - room_before, 0, room), 0)
            cases[possible] = needed[possible]
        named_down = take_down > 0
    changes_up = _plans(g, codes, take_up, take_up > 0, n_groups, can_up)
    changes_down = _plans(g, codes, take_down, named_down, n_groups, cases_down >= 0)

    out["rating"] = _LABELS[value + 1]  # the figures gathered, then made a frame at once
    with np.errstate(invalid="ignore", divide="ignore"):
        out["percent"] = np.where(rated, yes_of / np.where(rated, n_of, 1) * 100, np.nan)
    out["driving_key_question"] = driving
    out["n_sufficient"] = np.where(rated, yes_of, np.nan)
    out["n_relevant"] = np.where(rated, n_of, np.nan)
    low, high = wilson_intervals(np.where(rated, yes_of, 0), np.where(rated, n_of, 0), confidence)
    out["ci_low"], out["ci_high"] = np.where(rated, low, np.nan), np.where(rated, high, np.nan)
    out["cases_up"], out["cases_down"] = _counts(cases_up, cases_up < 0), _counts(cases_down, cases_down < 0)
    out["changes_up"], out["changes_down"] = changes_up, changes_down
    if lowest:
        every = _beta_at_least_rows(y, n, shares)
        at_least = np.ones((n_groups, 3))
        np.multiply.at(at_least, g, every)
    else:
        at_least = _beta_at_least_rows(yes_of, n_of, shares)
    at_least[~rated] = np.nan
    probs = _probabilities_from_at_least(at_least)
    for i, col in enumerate(["p_inadequate", "p_requires_improvement", "p_good", "p_outstanding"]):
        out[col] = probs[:, i]
    out["p_different"] = np.where(rated, 1.0 - probs[np.arange(n_groups), np.maximum(value, 0)], np.nan)
    out["sample"] = _counts(n_of, ~rated)
    out["small_sample"] = ~rated | (n_of < SMALL_SAMPLE_CASES)
    return pd.DataFrame({c: out[c] for c in keys + ROBUSTNESS_COLUMNS})


def _groups(frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """Each row's group of the ``keys`` columns' values, numbered in order of first appearance, a missing value a
    value of its own: ``frame.groupby(keys, sort=False, dropna=False).ngroup()``, on whole numbers."""
    group = np.zeros(len(frame), np.int64)
    for k in keys:
        codes, values = pd.factorize(frame[k], use_na_sentinel=False)
        group = group * max(len(values), 1) + codes
    return pd.factorize(group)[0]


_LABELS = np.array([None] + [r.label for r in sorted(Rating)], dtype=object)  # by rating value + 1 (NO_RATING: None)


def _counts(values: np.ndarray, missing: np.ndarray) -> pd.arrays.IntegerArray:
    """Whole numbers, <NA> where ``missing``."""
    return pd.arrays.IntegerArray(np.where(missing, 0, values).astype(np.int64), missing.copy())


def _plans(group: np.ndarray, codes: np.ndarray, counts: np.ndarray, named: np.ndarray, n_groups: int, has_plan: np.ndarray) -> list[str]:
    """Each standard's plan in words, as ``_describe`` writes it: 'P 2.1.1: 3; P 2.1.2: 1' (key questions in order)."""
    words = [[] for _ in range(n_groups)]
    shown = {c: display(c) for c in set(codes[named].tolist())}
    for i in np.flatnonzero(named):
        words[group[i]].append(f"{shown[codes[i]]}: {counts[i]}")
    return ["; ".join(w) if has_plan[k] else "" for k, w in enumerate(words)]


def _beta_at_least_rows(yes: np.ndarray, n: np.ndarray, shares: Sequence[Fraction]) -> np.ndarray:
    """P(true sufficiency >= each share) for many (yes, relevant) counts at once: rows x 3. Each distinct pair of
    counts is worked out once (a store's key questions repeat a few hundred pairs of small counts many times over)."""
    s = np.array([float(x) for x in shares])[None, :]
    yes = np.asarray(yes).clip(0)
    no = np.maximum(np.asarray(n), 0) - yes
    if not len(yes):
        return beta_at_least(s, yes[:, None], no[:, None])
    span = int(no.max()) + 1
    pairs, rows = np.unique(yes.astype(np.int64) * span + no, return_inverse=True)
    return beta_at_least(s, (pairs // span)[:, None], (pairs % span)[:, None])[rows.reshape(-1)]


def _describe(plan: Mapping[str, int] | None) -> str:
    if not plan:
        return ""
    return "; ".join(f"{display(code)}: {n}" for code, n in plan.items())


def attach_robustness(ratings: pd.DataFrame, tallies: pd.DataFrame, rules: Mapping[str, Any],
                      confidence: float = CONFIDENCE) -> pd.DataFrame:
    """The ratings frame with the robustness columns beside each domain two rating.

    ``rules`` maps a framework id to its ``Rules`` (``core.analysis.rules_for_scenario``). Rows with no assessment (domain one,
    OVERALL, not rated, or a framework not in ``rules``) have NaN/None there. Columns the ratings
    frame already has (rating, percent, ...) are kept as they are; the robustness frame's copies of
    them are suffixed ``_robust``. What ``ratings.merge(robustness, on=[inspection_id, standard], how="left",
    suffixes=("", "_robust"))`` gives, found on whole numbers: a page asks for one PDU's few ratings, or a scenario's
    changes, against a store's some 70,000 tallies, where pandas' joins and groupings cost more than the figures.
    """
    pairs = RatingKeys(ratings)
    wanted = pairs.of(ratings)  # -1: a rating of no inspection, which has no robustness
    # the tallies of the inspections asked about (a cheap first cut of a store's), then of the standards asked about:
    # each standard's robustness rests on its own
    tallies = tallies[np.isin(tallies["inspection_id"].to_numpy(), ratings["inspection_id"].to_numpy())]
    asked = pairs.of(tallies)
    framework_code, framework_ids = pd.factorize(ratings["framework"])  # a rating of no framework (-1) has none
    parts = []
    for code, fid in enumerate(framework_ids):
        if fid in rules:
            of_framework = wanted[(framework_code == code) & (wanted >= 0)]
            parts.append(robustness_frame(tallies[np.isin(asked, of_framework)], rules[fid], confidence=confidence))
    if not parts:  # nothing to assess: every robustness column empty (object), beside whatever rows there are
        return ratings.merge(pd.DataFrame(columns=["inspection_id", "standard"] + ROBUSTNESS_COLUMNS),
                             on=["inspection_id", "standard"], how="left", suffixes=("", "_robust"))
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    # each rating's row of robustness (one per pair), or none: a row of NaN/None, as a left join leaves it
    found = np.where(wanted >= 0, pd.Index(pairs.of(frame)).get_indexer(wanted), -1)
    beside = frame.drop(columns=["inspection_id", "standard"]).reindex(found).reset_index(drop=True)
    beside.columns = [f"{c}_robust" if c in ratings.columns else c for c in beside.columns]
    return pd.concat([ratings.reset_index(drop=True), beside], axis=1)

