"""Robustness of domain two ratings: Wilson intervals, cases to change, the chance of another rating,
the small-sample flag, and the whole-store frame, each checked by hand or against the engine."""
from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from core.rules import Rules
from core.engine import AGGREGATIONS, Sufficiency, rate_standard
from core.errors import InputError
from core.framework import load_framework
from core.ratings import Rating
import core.robustness
from core.robustness import (METHOD_HELP, ROBUSTNESS_COLUMNS, SMALL_SAMPLE_CASES, assess, attach_robustness, beta_at_least,
                             cases_to_change, is_small_sample, key_question_intervals, p_different, rating_probabilities,
                             robustness_frame, smallest_sample, wilson_interval, wilson_intervals)

FW = load_framework("hmip-2025")
O, G, RI, I = Rating.OUTSTANDING, Rating.GOOD, Rating.REQUIRES_IMPROVEMENT, Rating.INADEQUATE
DEFAULT = (80, 65, 50)


def kqs(*counts):
    """Key questions P2.1.1, P2.1.2, ... from (sufficient, relevant) pairs."""
    return [Sufficiency(f"P2.1.{i + 1}", y, n) for i, (y, n) in enumerate(counts)]


def rating_of(key_questions, aggregation="lowest", thresholds=DEFAULT):
    return rate_standard("P2.1", key_questions, Rules.banding(thresholds, aggregation)).rating


# -- Wilson score intervals ------------------------------------------------------------------------

def test_wilson_interval_of_27_of_40_at_95_percent_matches_the_hand_worked_figures():
    # p = 27/40 = 0.675, z = 1.959964, z^2 = 3.841459, z^2/n = 0.0960365
    # centre     = (p + z^2/2n) / (1 + z^2/n) = (0.675 + 0.0480182) / 1.0960365 = 0.659666
    # half-width = z / (1 + z^2/n) * sqrt(p(1-p)/n + z^2/4n^2)
    #            = 1.959964 / 1.0960365 * sqrt(0.00548437 + 0.00060023) = 1.788229 * 0.0780039 = 0.139489
    # interval   = 0.659666 -/+ 0.139489 = (0.520177, 0.799155)
    low, high = wilson_interval(27, 40)
    assert low == pytest.approx(0.520177, abs=1e-6)
    assert high == pytest.approx(0.799155, abs=1e-6)


def test_wilson_interval_of_8_of_10_matches_the_hand_worked_figures():
    # p = 0.8, z^2/n = 0.3841459; centre = (0.8 + 0.1920729) / 1.3841459 = 0.716740
    # half = 1.959964 / 1.3841459 * sqrt(0.016 + 0.00960365) = 1.416010 * 0.1600114 = 0.226578
    # interval = 0.716740 -/+ 0.226578 = (0.490162, 0.943318): wider than two whole bands on 10 cases
    low, high = wilson_interval(8, 10)
    assert (low, high) == (pytest.approx(0.490162, abs=1e-6), pytest.approx(0.943318, abs=1e-6))


def test_no_relevant_cases_spans_the_whole_range():
    assert wilson_interval(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize("yes, n", [(0, 10), (10, 10), (0, 1), (1, 1), (3, 7), (160, 160)])
def test_wilson_interval_stays_within_0_and_1_and_touches_them_only_at_the_ends(yes, n):
    low, high = wilson_interval(yes, n)
    assert 0.0 <= low <= yes / n <= high <= 1.0
    assert (low == 0.0) == (yes == 0)
    assert (high == 1.0) == (yes == n)


@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_is_symmetric_in_yes_and_no(counts):
    yes, n = counts
    low, high = wilson_interval(yes, n)
    low_no, high_no = wilson_interval(n - yes, n)
    assert low == pytest.approx(1 - high_no, abs=1e-12)
    assert high == pytest.approx(1 - low_no, abs=1e-12)


def test_a_higher_confidence_gives_a_wider_interval():
    low95, high95 = wilson_interval(27, 40, 0.95)
    low99, high99 = wilson_interval(27, 40, 0.99)
    assert low99 < low95 and high99 > high95


def test_the_array_form_agrees_with_the_single_form():
    yes, n = np.array([0, 27, 5, 0]), np.array([10, 40, 5, 0])
    low, high = wilson_intervals(yes, n)
    assert list(zip(low, high)) == [wilson_interval(int(y), int(m)) for y, m in zip(yes, n)]


@pytest.mark.parametrize("yes, n, confidence", [(5, 4, 0.95), (-1, 4, 0.95), (1, 4, 1.0), (1, 4, 0)])
def test_impossible_interval_requests_are_refused(yes, n, confidence):
    with pytest.raises(InputError):
        wilson_interval(yes, n, confidence)


# -- cases to change: hand-worked -------------------------------------------------------------------

CASES = [
    # name, key questions, aggregation, thresholds, (up, down)
    # lowest: 30/40 (75%) and 27/40 (67.5%) -> Good. Up to 80%: each needs ceil(0.8 x 40) = 32 Yes:
    # 2 + 5 = 7. Down below 65%: at most ceil(0.65 x 40) - 1 = 25 Yes on one key question: 27 - 25 = 2.
    ("good, two key questions below the next band", kqs((30, 40), (27, 40)), "lowest", DEFAULT, ({"P2.1.1": 2, "P2.1.2": 5}, {"P2.1.2": 2})),
    # 9/10 (90%), 17/20 (85%) -> Outstanding: no band above. Below 80%: 9 -> 7 of 10 (2), or 17 -> 15 of 20 (2): 2.
    ("outstanding cannot move up", kqs((9, 10), (17, 20)), "lowest", DEFAULT, (None, {"P2.1.1": 2})),
    # 4/10 (40%) -> Inadequate: nothing below. Up to 50%: 5 of 10, one answer.
    ("inadequate cannot move down", kqs((4, 10)), "lowest", DEFAULT, ({"P2.1.1": 1}, None)),
    # 13/20 = 65% exactly -> Good. One Yes fewer is 60%; up to 80% needs 16 Yes: 3.
    ("on the threshold itself, one answer moves it down", kqs((13, 20)), "lowest", DEFAULT, ({"P2.1.1": 3}, {"P2.1.1": 1})),
    # with a 0% threshold for Requires improvement, 0/10 is Requires improvement and cannot fall below 0%
    ("a zero threshold cannot be fallen below", kqs((0, 10)), "lowest", (80, 65, 0), ({"P2.1.1": 7}, None)),
    ("no relevant cases: not rated, no moves", kqs((0, 0)), "lowest", DEFAULT, (None, None)),
    # the key question without relevant cases is left out, as the engine leaves it out
    ("a key question without relevant cases is left out", kqs((0, 0), (13, 20)), "lowest", DEFAULT, ({"P2.1.2": 3}, {"P2.1.2": 1})),
    # mean of 75% and 67.5% = 71.25% -> Good. Up: mean >= 80% needs 0.175 x 2 x 40 = 7 more Yes.
    # Down: below 65% needs the sum of shares to drop by more than 0.125, more than 5 answers: 6.
    ("mean, equal key questions", kqs((30, 40), (27, 40)), "mean", DEFAULT, ({"P2.1.1": 7}, {"P2.1.1": 6})),
    # mean of 90% (9/10) and 50% (50/100) = 70% -> Good. Up to 80%: sum of shares short by 0.2. A Yes on
    # the 10-case key question is worth 0.1 (room for 1), then 10 more on the 100-case one: 11.
    # Down below 65%: drop by more than 0.1: two answers on the 10-case key question (0.7 + 0.5 = 1.2).
    ("mean spends answers on the smaller key question first", kqs((9, 10), (50, 100)), "mean", DEFAULT,
     ({"P2.1.1": 1, "P2.1.2": 10}, {"P2.1.1": 2})),
    # pooled 59/110 = 53.6% -> Requires improvement. Up to 65%: ceil(71.5) = 72 Yes, 13 more.
    # Down below 50%: at most ceil(55) - 1 = 54 Yes, 5 fewer.
    ("pooled counts answers across key questions", kqs((9, 10), (50, 100)), "pooled", DEFAULT,
     ({"P2.1.1": 1, "P2.1.2": 12}, {"P2.1.1": 5})),
    # median of 80%, 50%, 70% = 70% -> Good. Up: two key questions at 80% or more: 7/10 -> 8/10 (1).
    # Down: two below 65%: 7/10 -> 6/10 (1).
    ("median of three", kqs((8, 10), (5, 10), (7, 10)), "median", DEFAULT, ({"P2.1.3": 1}, {"P2.1.3": 1})),
    # median of 40%, 40%, 60%, 60% = 50% -> Requires improvement. Up to 65%: the two middle shares must
    # sum to 130%: keep one 60% and raise two others to 70% (the other 60%: 1, a 40%: 3) = 4.
    # Down below 50%: one 60% -> 50% gives (40 + 50)/2 = 45%: 1.
    ("median of four", kqs((4, 10), (4, 10), (6, 10), (6, 10)), "median", DEFAULT, (4, {"P2.1.3": 1})),
    # median of 100%, 100%, 60%, 60% = 80% -> Outstanding; one 100% -> 90% gives 75%: 1 down.
    ("median of four, outstanding", kqs((10, 10), (10, 10), (6, 10), (6, 10)), "median", DEFAULT, (None, {"P2.1.1": 1})),
]


@pytest.mark.parametrize("name, key_questions, aggregation, thresholds, expected", CASES, ids=[c[0] for c in CASES])
def test_cases_to_change_match_the_hand_worked_examples(name, key_questions, aggregation, thresholds, expected):
    got = cases_to_change(key_questions, thresholds, aggregation)
    up, down = expected
    if isinstance(up, int):  # several plans tie: check the count only
        assert got.n_up == up
    else:
        assert got.up == up
    assert got.down == down
    _moves_as_promised(key_questions, aggregation, thresholds, got)


def _apply(key_questions, plan, sign):
    plan = plan or {}
    return [Sufficiency(k.code, k.n_sufficient + sign * plan.get(k.code, 0), k.n_relevant) for k in key_questions]


def _moves_as_promised(key_questions, aggregation, thresholds, got):
    before = rating_of(key_questions, aggregation, thresholds)
    if got.up is not None:
        assert rating_of(_apply(key_questions, got.up, +1), aggregation, thresholds) > before
    if got.down is not None:
        assert rating_of(_apply(key_questions, got.down, -1), aggregation, thresholds) < before


# -- cases to change: properties against the engine ------------------------------------------------

@st.composite
def small_standards(draw, max_kq=3, max_n=5):
    """Standards small enough to try every possible change by brute force."""
    out = []
    for i in range(draw(st.integers(1, max_kq))):
        n = draw(st.integers(1, max_n))
        out.append(Sufficiency(f"P2.1.{i + 1}", draw(st.integers(0, n)), n))
    return out


@st.composite
def thresholds(draw):
    return tuple(sorted(draw(st.lists(st.integers(0, 100), min_size=3, max_size=3)), reverse=True))


def _fewest_by_brute_force(key_questions, aggregation, th, direction):
    """Try every reachable set of answers: the fewest changes that move the rating that way."""
    before = rating_of(key_questions, aggregation, th)
    ranges = [range(k.n_sufficient, k.n_relevant + 1) if direction > 0 else range(0, k.n_sufficient + 1) for k in key_questions]
    best = None
    for ys in itertools.product(*ranges):
        changed = [Sufficiency(k.code, y, k.n_relevant) for k, y in zip(key_questions, ys)]
        after = rating_of(changed, aggregation, th)
        if (after > before) if direction > 0 else (after < before):
            cost = sum(abs(y - k.n_sufficient) for k, y in zip(key_questions, ys))
            best = cost if best is None else min(best, cost)
    return best


@settings(max_examples=150, deadline=None)
@given(small_standards(), thresholds(), st.sampled_from(AGGREGATIONS))
def test_cases_to_change_are_the_fewest_that_move_the_rating(key_questions, th, aggregation):
    got = cases_to_change(key_questions, th, aggregation)
    _moves_as_promised(key_questions, aggregation, th, got)
    assert got.n_up == _fewest_by_brute_force(key_questions, aggregation, th, +1)
    assert got.n_down == _fewest_by_brute_force(key_questions, aggregation, th, -1)


@settings(max_examples=60, deadline=None)
@given(small_standards(max_kq=4, max_n=4), thresholds(), st.sampled_from(["median", "mean"]))
def test_cases_to_change_are_the_fewest_with_four_key_questions(key_questions, th, aggregation):
    got = cases_to_change(key_questions, th, aggregation)
    assert got.n_up == _fewest_by_brute_force(key_questions, aggregation, th, +1)
    assert got.n_down == _fewest_by_brute_force(key_questions, aggregation, th, -1)


@settings(max_examples=150, deadline=None)
@given(small_standards(max_kq=4, max_n=160), thresholds(), st.sampled_from(AGGREGATIONS))
def test_applying_the_changes_moves_the_rating_on_inspection_sized_samples(key_questions, th, aggregation):
    got = cases_to_change(key_questions, th, aggregation)
    rating = rating_of(key_questions, aggregation, th)
    _moves_as_promised(key_questions, aggregation, th, got)
    assert (got.up is None) == (rating is None or rating == O)
    if rating is not None and rating > I and th[3 - int(rating)] > 0:
        assert got.down is not None
    if aggregation == "lowest" and got.up:  # every key question below the next threshold is raised just to it
        assert all(v >= 1 for v in got.up.values())


# -- the chance of a different rating ----------------------------------------------------------------

def _exact_survival(t: Fraction, yes: int, no: int) -> float:
    # Beta(yes+1, no+1) has P(p >= t) = P(Binomial(yes + no + 1, t) <= yes), summed exactly in fractions
    m = yes + no + 1
    return float(sum(Fraction(math.comb(m, j)) * t**j * (1 - t) ** (m - j) for j in range(yes + 1)))


@pytest.mark.parametrize("t", [Fraction(1, 100), Fraction(1, 2), Fraction(13, 20), Fraction(4, 5), Fraction(99, 100)])
def test_beta_tail_matches_the_exact_binomial_sum(t):
    for yes, no in itertools.product(range(0, 30, 3), range(0, 30, 4)):
        assert float(beta_at_least(float(t), yes, no)) == pytest.approx(_exact_survival(t, yes, no), abs=1e-12)


def test_beta_tail_at_the_ends_of_the_range():
    assert float(beta_at_least(0.0, 3, 4)) == 1.0
    assert float(beta_at_least(1.0, 3, 4)) == 0.0


def test_a_huge_sample_far_from_any_threshold_is_almost_certainly_rated_right():
    # 90% of 10,000 cases: ten points above Outstanding's 80%
    for aggregation in AGGREGATIONS:
        assert p_different(kqs((9000, 10000), (9100, 10000)), DEFAULT, aggregation) < 1e-6


def test_a_sample_exactly_on_a_threshold_is_a_coin_toss():
    # 8,000 of 10,000 is 80% exactly: Outstanding, but the true share is as likely below 80% as above
    assert p_different(kqs((8000, 10000)), DEFAULT) == pytest.approx(0.5, abs=0.02)
    for aggregation in ("mean", "median", "pooled"):  # two key questions on the edge together
        assert p_different(kqs((8000, 10000), (8000, 10000)), DEFAULT, aggregation) == pytest.approx(0.5, abs=0.03)


def test_more_cases_at_the_same_share_make_a_different_rating_less_likely():
    # 75%: five points from either edge of Good
    chances = [p_different(kqs((15 * k, 20 * k)), DEFAULT) for k in (1, 10, 100)]
    assert chances[0] > chances[1] > chances[2]
    assert chances[2] < 0.001


@given(small_standards(max_kq=4, max_n=160), thresholds(), st.sampled_from(AGGREGATIONS))
@settings(max_examples=60, deadline=None)
def test_rating_probabilities_are_a_distribution(key_questions, th, aggregation):
    probs = rating_probabilities(key_questions, th, aggregation)
    assert set(probs) == set(Rating)
    assert all(-1e-12 <= p <= 1 + 1e-12 for p in probs.values())
    assert sum(probs.values()) == pytest.approx(1.0)


def test_lowest_is_the_product_of_the_key_questions_chances():
    # checked against plain simulation of the two Beta distributions
    key_questions = kqs((30, 40), (27, 40))
    exact = rating_probabilities(key_questions, DEFAULT, "lowest")
    rng = np.random.default_rng(7)
    draws = np.minimum(rng.beta(31, 11, 400_000), rng.beta(28, 14, 400_000))
    simulated = {O: (draws >= 0.8).mean(), G: ((draws >= 0.65) & (draws < 0.8)).mean(),
                 RI: ((draws >= 0.5) & (draws < 0.65)).mean(), I: (draws < 0.5).mean()}
    for rating in Rating:
        assert exact[rating] == pytest.approx(simulated[rating], abs=0.005)


def test_monte_carlo_figures_are_the_same_every_time_and_whatever_else_is_assessed():
    key_questions = kqs((30, 40), (27, 40), (20, 30))
    first = rating_probabilities(key_questions, DEFAULT, "mean")
    assert rating_probabilities(key_questions, DEFAULT, "mean") == first
    frame = pd.DataFrame([(i, "P2.1", k.code, k.n_sufficient, k.n_relevant) for i in (1, 2) for k in key_questions]
                         + [(3, "P2.1", "P2.1.1", 3, 9)],
                         columns=["inspection_id", "standard", "key_question", "n_sufficient", "n_relevant"])
    out = robustness_frame(frame, DEFAULT, "mean")
    assert out.loc[0, "p_good"] == out.loc[1, "p_good"] == first[G]


def test_with_two_key_questions_mean_and_median_give_the_same_chances():
    key_questions = kqs((30, 40), (27, 40))
    assert rating_probabilities(key_questions, DEFAULT, "mean") == rating_probabilities(key_questions, DEFAULT, "median")


def test_the_method_is_written_down_for_the_pages():
    assert set(METHOD_HELP) == {"interval", "cases", "probability", "small_sample"}
    import core.robustness

    assert all(text in core.robustness.__doc__ for text in METHOD_HELP.values())


# -- the small-sample flag ---------------------------------------------------------------------------

def test_fewer_than_twenty_cases_is_a_small_sample():
    assert SMALL_SAMPLE_CASES == 20
    assert is_small_sample(19) and not is_small_sample(20) and is_small_sample(None)


def test_the_small_sample_flag_looks_at_the_driving_key_question_under_lowest():
    # 10/12 (83%) is the small one, but 30/50 (60%) drives the rating
    key_questions = kqs((10, 12), (30, 50))
    assert smallest_sample(key_questions, "lowest") == 50
    assert not assess("P2.1", key_questions, DEFAULT).small_sample
    assert smallest_sample(key_questions, "mean") == 12
    assert assess("P2.1", key_questions, DEFAULT, "mean").small_sample
    assert smallest_sample(key_questions, "pooled") == 62


# -- one standard, and the whole store -----------------------------------------------------------------

def test_assess_brings_the_figures_together():
    r = assess("P2.1", kqs((30, 40), (27, 40)), DEFAULT)
    assert r.rating == G and r.percent == 67.5
    assert r.interval == wilson_interval(27, 40)
    assert (r.cases.n_up, r.cases.n_down) == (7, 2)
    assert r.p_different == pytest.approx(1 - r.probabilities[G])
    assert r.sample == 40 and not r.small_sample


def test_an_unrated_standard_has_no_figures():
    r = assess("P2.1", kqs((0, 0)), DEFAULT)
    assert r.rating is None and r.interval is None and r.p_different is None and r.probabilities == {}
    assert r.small_sample


def _tallies(rows):
    return pd.DataFrame(rows, columns=["inspection_id", "standard", "key_question", "n_sufficient", "n_relevant"])


@settings(max_examples=25, deadline=None)
@given(st.lists(small_standards(max_kq=4, max_n=160), min_size=1, max_size=6), thresholds(), st.sampled_from(AGGREGATIONS))
def test_the_store_frame_agrees_with_assessing_each_standard(standards, th, aggregation):
    rows = [(i, "P2.1", k.code, k.n_sufficient, k.n_relevant) for i, s in enumerate(standards) for k in s]
    out = robustness_frame(_tallies(rows), th, aggregation)
    assert list(out.columns) == ["inspection_id", "standard"] + ROBUSTNESS_COLUMNS
    assert len(out) == len(standards)
    for i, s in enumerate(standards):
        row, r = out.iloc[i], assess("P2.1", s, th, aggregation)
        assert (row["rating"] if isinstance(row["rating"], str) else None) == (r.rating.label if r.rating is not None else None)
        assert (None if pd.isna(row["cases_up"]) else int(row["cases_up"])) == r.cases.n_up
        assert (None if pd.isna(row["cases_down"]) else int(row["cases_down"])) == r.cases.n_down
        if r.rating is not None:
            assert row["p_different"] == pytest.approx(r.p_different, abs=1e-9)
            assert row["p_good"] == pytest.approx(r.probabilities[G], abs=1e-9)
        if r.interval is not None:
            assert (row["ci_low"], row["ci_high"]) == pytest.approx(r.interval)
        assert bool(row["small_sample"]) == r.small_sample


def test_the_store_frame_reads_as_the_page_will_show_it():
    out = robustness_frame(_tallies([(1, "P2.1", "P2.1.1", 30, 40), (1, "P2.1", "P2.1.2", 27, 40),
                                     (1, "P2.2", "P2.2.1", 0, 0), (1, "P2.2", "P2.2.2", 0, 0)]), DEFAULT)
    good, unrated = out.iloc[0], out.iloc[1]
    assert good["rating"] == "Good" and good["driving_key_question"] == "P2.1.2"
    assert (good["n_sufficient"], good["n_relevant"]) == (27, 40)
    assert good["changes_up"] == "P 2.1.1: 2; P 2.1.2: 5" and good["changes_down"] == "P 2.1.2: 2"
    assert pd.isna(unrated["rating"]) and pd.isna(unrated["cases_up"]) and unrated["small_sample"]


def test_the_store_frame_refuses_tallies_without_counts():
    with pytest.raises(InputError, match="n_relevant"):
        robustness_frame(pd.DataFrame({"inspection_id": [1], "standard": ["P2.1"], "key_question": ["P2.1.1"], "n_sufficient": [1]}), DEFAULT)


def test_an_empty_store_has_an_empty_frame():
    assert list(robustness_frame(_tallies([]), DEFAULT).columns) == ["inspection_id", "standard"] + ROBUSTNESS_COLUMNS


def test_key_question_intervals_give_every_percentage_its_interval():
    out = key_question_intervals(_tallies([(1, "P2.1", "P2.1.1", 27, 40), (1, "P2.1", "P2.1.2", 0, 0)]))
    assert (out.loc[0, "ci_low"], out.loc[0, "ci_high"]) == pytest.approx(wilson_interval(27, 40))
    assert out.loc[0, "percent"] == 67.5 and not out.loc[0, "small_sample"]
    assert pd.isna(out.loc[1, "percent"]) and (out.loc[1, "ci_low"], out.loc[1, "ci_high"]) == (0.0, 1.0)


def test_robustness_attaches_beside_the_domain_two_ratings():
    ratings = pd.DataFrame({"inspection_id": [1, 1, 1], "framework": ["hmip-2025"] * 3, "standard": ["P1.1", "P2.1", "OVERALL"],
                            "rating": ["Good", "Good", "Good"]})
    tallies = _tallies([(1, "P2.1", "P2.1.1", 30, 40), (1, "P2.1", "P2.1.2", 27, 40)])
    out = attach_robustness(ratings, tallies, {"hmip-2025": FW.rules})
    assert list(out["rating"]) == ["Good"] * 3  # the ratings frame's own columns are kept
    assert out.loc[1, "rating_robust"] == "Good" and out.loc[1, "cases_up"] == 7
    assert pd.isna(out.loc[0, "cases_up"]) and pd.isna(out.loc[2, "p_different"])


def test_the_robustness_of_some_ratings_is_theirs_as_among_all_and_only_theirs_is_worked_out(monkeypatch):
    import core.robustness

    ratings = pd.DataFrame({"inspection_id": [1, 1, 2, 2], "framework": ["hmip-2025"] * 4, "standard": ["P2.1", "P2.2", "P2.1", "P2.2"],
                            "rating": ["Good"] * 4})
    tallies = _tallies([(1, "P2.1", "P2.1.1", 30, 40), (1, "P2.2", "P2.2.1", 9, 40), (2, "P2.1", "P2.1.1", 39, 40),
                        (2, "P2.2", "P2.2.1", 20, 25)])
    rules = {"hmip-2025": FW.rules}
    every = attach_robustness(ratings, tallies, rules)
    assessed = []
    whole = core.robustness.robustness_frame
    monkeypatch.setattr(core.robustness, "robustness_frame", lambda t, *a, **k: assessed.append(len(t)) or whole(t, *a, **k))
    some = attach_robustness(ratings.iloc[[1, 2]], tallies, rules)
    pd.testing.assert_frame_equal(some, every.iloc[[1, 2]].reset_index(drop=True))
    assert assessed == [2]  # the two standards' tallies, not their inspections' four


def test_unknown_aggregations_and_bad_thresholds_are_refused():
    with pytest.raises(InputError, match="aggregation"):
        cases_to_change(kqs((1, 2)), DEFAULT, "maximum")
    with pytest.raises(InputError, match="thresholds"):
        cases_to_change(kqs((1, 2)), (50, 65, 80))
    with pytest.raises(InputError, match="expected 3 values"):
        rating_probabilities(kqs((1, 2)), (80, 65))
    with pytest.raises(InputError, match="66.666666667 has more than one decimal place"):
        p_different(kqs((2, 3)), (80, 66.666666667, 50))


@st.composite
def store_tallies(draw):
    """Tallies of many standards in any order: key questions with no relevant cases among them, standards with none
    at all, samples of one case to inspection size."""
    rows = []
    for i in range(draw(st.integers(1, 12))):
        for k in range(draw(st.integers(1, 4))):
            n = draw(st.sampled_from([0, 1, 2, 3, 5, 19, 20, 40, 160]))
            rows.append((i // 3, f"P2.{i % 3 + 1}", f"P2.{i % 3 + 1}.{k + 1}", draw(st.integers(0, n)), n))
    return _tallies(draw(st.permutations(rows)))


@st.composite
def thresholds_in_tenths(draw):
    return tuple(v / 10 for v in sorted(draw(st.lists(st.sampled_from([0, 1000, *range(0, 1001, 7)]), min_size=3, max_size=3)),
                                        reverse=True))


@settings(max_examples=200, deadline=None)
@given(store_tallies(), thresholds_in_tenths(), st.sampled_from(["lowest", "pooled"]))
def test_every_standard_at_once_gives_what_each_standard_on_its_own_gives(tallies, th, aggregation):
    """Under 'lowest' and 'pooled' the store's frame is worked out on whole columns; standard by standard (through the
    engine and ``cases_to_change``, as 'mean' and 'median' still are) gives the same: the same counts and plans in
    words exactly, the same chances to the last few bits."""
    rules = Rules.banding(th, aggregation)
    keys = ["inspection_id", "standard"]
    at_once = core.robustness._frame_at_once(tallies, keys, rules, 0.95)
    one_by_one = core.robustness._frame_by_standard(tallies, keys, rules, 0.95)
    # where no standard is rated, every percentage is missing: NaN at once, None (an object column) one by one
    one_by_one["percent"] = one_by_one["percent"].astype(float)
    pd.testing.assert_frame_equal(at_once, one_by_one, check_exact=False, rtol=1e-12, atol=1e-12)
    assert robustness_frame(tallies, rules).equals(at_once)


def test_attached_robustness_is_each_ratings_row_of_its_frameworks_robustness():
    # what a left join of the ratings with each framework's robustness gives, whatever the ratings hold: a framework
    # without rules, the overall rating, a rating of no inspection, an index of its own
    ratings = pd.DataFrame({"inspection_id": [2, 1, 1, None, 3, 1], "framework": ["hmip-2025", "hmip-2025", "hmip-2025", "hmip-2025",
                                                                                  "other", "hmip-2025"],
                            "standard": ["P2.1", "P2.2", "OVERALL", "P2.1", "P2.1", "P2.1"], "rating": ["Good"] * 6,
                            "percent": [1.0] * 6}, index=[10, 4, 7, 1, 0, 3])
    tallies = _tallies([(1, "P2.1", "P2.1.1", 30, 40), (1, "P2.1", "P2.1.2", 12, 40), (1, "P2.2", "P2.2.1", 9, 10),
                        (1, "P2.9", "P2.9.1", 1, 2), (2, "P2.1", "P2.1.1", 39, 40), (3, "P2.1", "P2.1.1", 5, 40)])
    asked = tallies[tallies["inspection_id"].isin([1, 2]) & tallies["standard"].isin(["P2.1", "P2.2"])]
    expected = ratings.merge(robustness_frame(asked, FW.rules), on=["inspection_id", "standard"], how="left", suffixes=("", "_robust"))
    out = attach_robustness(ratings, tallies, {"hmip-2025": FW.rules})
    pd.testing.assert_frame_equal(out, expected)
    assert out["p_different"].notna().tolist() == [True, True, False, False, False, True]


def test_a_rating_of_no_inspection_never_takes_another_standards_robustness():
    # the second rating has no inspection; the second tally is of a standard not asked about: neither matches anything
    ratings = pd.DataFrame({"inspection_id": [1, None], "framework": ["hmip-2025"] * 2, "standard": ["P2.1", "P2.1"],
                            "rating": ["Good", "Good"]})
    tallies = _tallies([(1, "P2.1", "P2.1.1", 30, 40), (1, "P2.9", "P2.9.1", 1, 2)])
    expected = ratings.merge(robustness_frame(tallies.iloc[[0]], FW.rules), on=["inspection_id", "standard"], how="left",
                             suffixes=("", "_robust"))
    out = attach_robustness(ratings, tallies, {"hmip-2025": FW.rules})
    pd.testing.assert_frame_equal(out, expected)
    assert out["p_different"].notna().tolist() == [True, False]
