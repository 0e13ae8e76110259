"""Issue 13: the chance of a different rating and the intervals agree with SciPy's reference functions,
at the edges (n = 0, all yes, all no, n = 1, n = 10,000, thresholds 0% and 100%) and everywhere else."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy import stats

from core.engine import Sufficiency
from core.ratings import Rating
from core.robustness import METHOD_HELP, beta_at_least, p_different, rating_probabilities, wilson_interval, wilson_intervals

EDGE_COUNTS = [(0, 0), (1, 1), (0, 1), (7, 7), (0, 7), (1, 2), (8000, 10_000), (10_000, 10_000), (0, 10_000), (6500, 10_000)]
SHARES = [0.0, 0.5, 0.65, 0.8, 1.0]


@pytest.mark.parametrize("yes, n", EDGE_COUNTS)
@pytest.mark.parametrize("share", SHARES)
def test_the_chance_of_reaching_a_share_is_scipys_beta_survival_function(yes, n, share):
    want = stats.beta(yes + 1, n - yes + 1).sf(share)
    assert float(beta_at_least(share, yes, n - yes)) == pytest.approx(want, abs=1e-12)


def test_with_no_cases_the_true_share_is_uniform():
    # n = 0: Beta(1, 1), so P(share >= t) = 1 - t
    assert [float(beta_at_least(t, 0, 0)) for t in SHARES] == pytest.approx([1 - t for t in SHARES], abs=1e-15)


@pytest.mark.parametrize("yes, n", [c for c in EDGE_COUNTS if c[1] > 0])
def test_the_wilson_interval_is_scipys(yes, n):
    ci = stats.binomtest(yes, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert wilson_interval(yes, n) == pytest.approx((ci.low, ci.high), abs=1e-12)


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.99])
def test_the_wilson_interval_follows_the_confidence_as_scipys_does(confidence):
    ci = stats.binomtest(13, 20).proportion_ci(confidence_level=confidence, method="wilson")
    assert wilson_interval(13, 20, confidence) == pytest.approx((ci.low, ci.high), abs=1e-12)


def test_no_relevant_cases_span_the_whole_range():
    assert wilson_interval(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize("thresholds, certain", [((0, 0, 0), Rating.OUTSTANDING), ((100, 100, 100), Rating.INADEQUATE)])
@pytest.mark.parametrize("yes, n", [c for c in EDGE_COUNTS if c[1] > 0])
def test_thresholds_of_0_and_100_percent_leave_no_doubt(thresholds, certain, yes, n):
    # every true share is at least 0%; no continuous true share is exactly 100%
    probs = rating_probabilities([Sufficiency("P2.1.1", yes, n)], thresholds)
    assert probs[certain] == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("counts", [[(8, 10), (5, 7)], [(10_000, 10_000), (1, 1)], [(0, 1), (6500, 10_000)], [(3, 4)]])
def test_under_lowest_the_chance_of_each_rating_is_the_product_of_scipys_survival_functions(counts):
    thresholds = (80, 65, 50)
    kqs = [Sufficiency(f"P2.1.{i + 1}", y, n) for i, (y, n) in enumerate(counts)]
    at_least = [np.prod([stats.beta(y + 1, n - y + 1).sf(t / 100) for y, n in counts]) for t in thresholds]
    want = {Rating.OUTSTANDING: at_least[0], Rating.GOOD: at_least[1] - at_least[0],
            Rating.REQUIRES_IMPROVEMENT: at_least[2] - at_least[1], Rating.INADEQUATE: 1 - at_least[2]}
    got = rating_probabilities(kqs, thresholds, "lowest")
    assert got == pytest.approx(want, abs=1e-12)


def test_the_method_help_names_the_library_and_the_functions():
    assert "SciPy" in METHOD_HELP["probability"] and "betaincc" in METHOD_HELP["probability"]
    assert "binomtest" in METHOD_HELP["interval"] and "wilson" in METHOD_HELP["interval"]


counts = st.integers(0, 10_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))


@settings(max_examples=200)
@given(counts, st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_an_interval_lies_in_0_to_1_and_contains_the_observed_share(c, confidence):
    yes, n = c
    low, high = wilson_interval(yes, n, confidence)
    assert 0.0 <= low <= high <= 1.0
    if n:
        assert low <= yes / n <= high


@settings(max_examples=100)
@given(st.lists(counts, min_size=1, max_size=50))
def test_vectorised_intervals_contain_every_observed_share(cs):
    yes = np.array([y for y, _ in cs])
    n = np.array([m for _, m in cs])
    low, high = wilson_intervals(yes, n)
    share = np.where(n > 0, yes / np.maximum(n, 1), 0.5)
    assert ((0 <= low) & (low <= share) & (share <= high) & (high <= 1)).all()


thresholds = st.lists(st.integers(0, 1000), min_size=3, max_size=3).map(lambda v: tuple(x / 10 for x in sorted(v, reverse=True)))


@settings(max_examples=150, deadline=None)
@given(st.lists(counts, min_size=1, max_size=4), thresholds, st.sampled_from(["lowest", "pooled", "mean", "median"]))
def test_probabilities_lie_in_0_to_1_and_sum_to_1(cs, th, aggregation):
    kqs = [Sufficiency(f"P2.1.{i + 1}", y, n) for i, (y, n) in enumerate(cs)]
    probs = rating_probabilities(kqs, th, aggregation)
    if not any(n for _, n in cs):
        assert probs == {}
        return
    assert all(0.0 <= p <= 1.0 for p in probs.values())
    assert sum(probs.values()) == pytest.approx(1.0, abs=1e-9)
    p = p_different(kqs, th, aggregation)
    assert 0.0 <= p <= 1.0
