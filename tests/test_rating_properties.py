"""Properties of the rating rules, over generated inputs (hypothesis)."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from core.rules import THRESHOLD_RATINGS, Rules
from core.scenario import Scenario
from core.engine import AGGREGATIONS, Sufficiency, rate_standard, score_unit
from core.framework import load_framework
from core.ratings import Rating

FW = load_framework("hmip-2025")
ratings = st.sampled_from(list(Rating))
maybe_ratings = st.one_of(st.none(), ratings)


@st.composite
def key_questions(draw, min_size=1, max_size=4):
    n = draw(st.integers(min_size, max_size))
    out = []
    for i in range(n):
        relevant = draw(st.integers(0, 160))
        out.append(Sufficiency(f"P2.1.{i + 1}", draw(st.integers(0, relevant)), relevant))
    return out


@st.composite
def thresholds(draw):
    vals = sorted(draw(st.lists(st.integers(0, 100), min_size=3, max_size=3)), reverse=True)
    return dict(zip((Rating.OUTSTANDING, Rating.GOOD, Rating.REQUIRES_IMPROVEMENT), vals))


def _rules(aggregation, thresholds=None):
    """The framework's rules with another aggregation and, if given, other thresholds (keyed by rating)."""
    return Rules.of(FW, Scenario(thresholds=thresholds and tuple(thresholds[r] for r in THRESHOLD_RATINGS), aggregation=aggregation))


def _value(r):
    return -1 if r is None else int(r)


@given(st.lists(maybe_ratings, min_size=1, max_size=12), st.data())
def test_lowering_any_standard_never_raises_the_overall_rating(standard_ratings, data):
    codes = [f"S{i}" for i in range(len(standard_ratings))]
    before = score_unit(dict(zip(codes, standard_ratings)), FW.rules)
    i = data.draw(st.sampled_from([k for k, r in enumerate(standard_ratings) if r is not None] or [None]))
    if i is None:
        return
    lowered = list(standard_ratings)
    lowered[i] = Rating(data.draw(st.integers(0, int(lowered[i]))))
    after = score_unit(dict(zip(codes, lowered)), FW.rules)
    assert after.rating <= before.rating
    assert after.score <= before.score


@given(key_questions(), st.data(), st.sampled_from(AGGREGATIONS))
def test_more_insufficient_cases_never_raise_a_domain_two_rating(kqs, data, aggregation):
    before = rate_standard("P2.1", kqs, _rules(aggregation))
    i = data.draw(st.integers(0, len(kqs) - 1))
    extra = data.draw(st.integers(1, 40))
    worse = list(kqs)
    worse[i] = Sufficiency(kqs[i].code, kqs[i].n_sufficient, kqs[i].n_relevant + extra)  # more 'No' answers
    after = rate_standard("P2.1", worse, _rules(aggregation))
    if before.rating is not None:
        assert after.rating is not None and after.rating <= before.rating


@given(key_questions(), thresholds(), st.data(), st.sampled_from(AGGREGATIONS))
def test_stricter_thresholds_never_raise_a_rating(kqs, base, data, aggregation):
    stricter = {}
    for rating in (Rating.REQUIRES_IMPROVEMENT, Rating.GOOD, Rating.OUTSTANDING):
        floor = max(base[rating], *(stricter.values()), 0)
        stricter[rating] = data.draw(st.integers(floor, 100))
    before = rate_standard("P2.1", kqs, _rules(aggregation, base))
    after = rate_standard("P2.1", kqs, _rules(aggregation, stricter))
    assert _value(after.rating) <= _value(before.rating)


@given(key_questions(), thresholds())
def test_mean_never_rates_lower_than_lowest(kqs, th):
    lowest = rate_standard("P2.1", kqs, _rules("lowest", th))
    mean = rate_standard("P2.1", kqs, _rules("mean", th))
    assert _value(mean.rating) >= _value(lowest.rating)


@settings(max_examples=200)
@given(st.lists(ratings, min_size=1, max_size=20))
def test_overall_rating_bands_partition_every_score(standard_ratings):
    result = score_unit({f"S{i}": r for i, r in enumerate(standard_ratings)}, FW.rules)
    low, high = result.cutoffs[result.rating]
    assert low <= result.score <= high
    spans = sorted(result.cutoffs.values())
    assert spans[0][0] == 0 and spans[-1][1] == result.max_score
    assert all(a[1] + 1 == b[0] for a, b in zip(spans, spans[1:]))
