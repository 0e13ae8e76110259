"""What-if scenarios: defaults, validation, round trips (dict, JSON, link), what they hand the engine,
properties of the rules under a scenario, and saving them in the store (SQLite and PostgreSQL)."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import given, settings, strategies as st
from sqlalchemy import update
from sqlalchemy.orm import Session

from core.engine import AGGREGATIONS, Sufficiency, rate_standard, score_unit
from core.errors import InputError
from core.framework import load_framework
from core.ratings import Rating
from core.scenario import MAX_FRACTION, MAX_WEIGHT, PAGE_QUERY_KEYS, QUERY_KEYS, Scenario, link_problems
from core.store.models import Scenario as ScenarioRow
from core.store.scenarios import (NotScenarioOwner, ScenarioExists, UnknownScenario, delete_scenario, list_scenarios, load_scenario,
                                  may_change, save_scenario, scenario_name)

FW = load_framework("hmip-2025")
FW21 = load_framework("hmip-pdu-2021")
O, G, RI, I = Rating.OUTSTANDING, Rating.GOOD, Rating.REQUIRES_IMPROVEMENT, Rating.INADEQUATE
EXAMPLE_LINK = "t=85,70,55&agg=mean&w=3,2,1,0&f=0.5,1.5,2.5&x=P2.1"


# -- defaults and overrides ----------------------------------------------------------------------

def test_the_default_scenario_spells_out_the_framework_rules():
    d = Scenario.default(FW)
    assert d.thresholds == (80, 65, 50) and d.aggregation == "lowest"
    assert d.weights == (3, 2, 1, 0) and d.fractions == (0.5, 1.5, 2.5) and d.excluded == frozenset()
    assert d.rules(FW) == FW.rules


def test_an_empty_scenario_changes_nothing_and_hands_back_the_framework_rules():
    s = Scenario()
    assert s.changes_nothing and s.to_query() == "" and s.describe() == "the framework's own rules"
    assert s.rules(FW) is FW.rules
    assert s.resolved(FW) == Scenario.default(FW)


def test_a_scenario_overrides_only_what_it_sets():
    s = Scenario(aggregation="mean")
    assert s.overrides() == {"aggregation": "mean"}
    assert s.rules(FW).aggregation == "mean" and s.rules(FW).thresholds == FW.rules.thresholds
    assert s.resolved(FW21) == replace(Scenario.default(FW21), aggregation="mean")


def test_the_engine_takes_what_a_scenario_hands_it():
    s = Scenario(thresholds=(85, 70, 55), weights=(4, 2, 1, 0), fractions=(0.5, 1.0, 2.0))
    kq = [Sufficiency("P2.1.1", 34, 40)]  # 85%: Outstanding only just, under the stricter thresholds
    assert rate_standard("P2.1", kq, s.rules(FW)).rating == O
    assert rate_standard("P2.1", [Sufficiency("P2.1.1", 33, 40)], s.rules(FW)).rating == G
    result = score_unit({"P2.1": O, "P2.2": G}, s.rules(FW))
    assert result.score == 6 and result.max_score == 8
    assert s.rules(FW).cutoffs(2)[G] == (3, 4)  # RI up to floor(1.0 x 2), Good to floor(2.0 x 2)


def test_excluded_standards_leave_the_score_and_its_maximum():
    s = Scenario(excluded=["P 2.1", "p2.2"])
    assert s.excluded == {"P2.1", "P2.2"} and not s.counts("P2.1") and s.counts("P2.3")
    ratings = {"P1.1": G, "P2.1": I, "P2.2": I}
    result = score_unit(ratings, s.rules(FW))
    assert (result.score, result.max_score, result.rating) == (2, 3, G)


def test_excluded_codes_are_checked_against_the_frameworks():
    s = Scenario(excluded=["P2.1", "2.5"])
    assert s.unknown_standards([FW]) == ["2.5"]
    assert s.unknown_standards([FW, FW21]) == []
    with pytest.raises(InputError, match="2.5"):
        s.check_standards([FW])


# -- validation ------------------------------------------------------------------------------------

@pytest.mark.parametrize("fields, message", [
    ({"thresholds": (50, 65, 80)}, "Outstanding >= Good"),
    ({"thresholds": (120, 65, 50)}, "percentages"),
    ({"thresholds": (80, 65)}, "expected 3 numbers"),
    ({"thresholds": ("eighty", 65, 50)}, "expected a number"),
    ({"thresholds": (float("nan"), 65, 50)}, "finite"),
    ({"aggregation": "maximum"}, "lowest, mean, pooled, median"),
    ({"weights": (3, 2, 1)}, "expected 4 scores"),
    ({"weights": (3, 2, 1, -1)}, "must not be negative"),
    ({"weights": (1, 2, 3, 0)}, "must not rise"),
    ({"weights": (3, 2, 1.5, 0)}, "whole numbers"),
    ({"fractions": (1.5, 0.5, 2.5)}, "must rise"),
    ({"fractions": (-0.5, 1.5, 2.5)}, "not be negative"),
    ({"excluded": ["not a code"]}, "cannot exclude"),
    ({"weights": (MAX_WEIGHT + 1, 2, 1, 0)}, f"whole number from 0 to {MAX_WEIGHT}"),
    ({"weights": (99999999999999999999999, 2, 1, 0)}, f"whole number from 0 to {MAX_WEIGHT}"),
    ({"weights": ("99999999999999999999999", 2, 1, 0)}, f"whole number from 0 to {MAX_WEIGHT}"),
    ({"weights": (10 ** 400, 2, 1, 0)}, f"whole number from 0 to {MAX_WEIGHT}"),
    ({"weights": ("1e400", 2, 1, 0)}, "finite"),
    ({"fractions": (0.5, 1.5, MAX_FRACTION + 0.5)}, f"at most {MAX_FRACTION}"),
    ({"fractions": (0.5, 1.5, 1e300)}, f"at most {MAX_FRACTION}"),
])
def test_a_bad_scenario_is_refused_saying_what_is_expected(fields, message):
    with pytest.raises(InputError, match=message):
        Scenario(**fields)


def test_equal_scenarios_compare_and_hash_alike_whatever_their_spelling():
    a = Scenario(thresholds=[85, 70, 55], weights=["3", 2, 1, 0], excluded="P 2.1, P2.3")
    b = Scenario(thresholds=(85.0, 70.0, 55.0), weights=(3, 2, 1, 0), excluded=frozenset({"P2.3", "P2.1"}))
    assert a == b and hash(a) == hash(b)


# -- round trips -----------------------------------------------------------------------------------

@st.composite
def scenarios(draw):
    def maybe(strategy):
        return draw(st.one_of(st.none(), strategy))

    thresholds = maybe(st.lists(st.integers(0, 100) | st.integers(0, 1000).map(lambda x: x / 10),
                                min_size=3, max_size=3).map(lambda v: tuple(sorted(v, reverse=True))))
    weights = maybe(st.lists(st.integers(0, MAX_WEIGHT), min_size=4, max_size=4).map(lambda v: tuple(sorted(v, reverse=True))))
    fractions = maybe(st.lists(st.integers(0, MAX_FRACTION * 10).map(lambda x: x / 10), min_size=3, max_size=3)
                      .map(lambda v: tuple(sorted(v))))
    codes = [s.code for s in FW.standards] + [s.code for s in FW21.standards]
    excluded = draw(st.frozensets(st.sampled_from(codes), max_size=4))
    return Scenario(thresholds, maybe(st.sampled_from(AGGREGATIONS)), weights, fractions, excluded)


@given(scenarios())
def test_a_scenario_survives_a_round_trip_through_a_dict_and_json(s):
    assert Scenario.from_dict(json.loads(json.dumps(s.to_dict()))) == s


@given(scenarios())
def test_a_scenario_survives_a_round_trip_through_a_link(s):
    assert Scenario.from_query(s.to_query()) == s
    assert Scenario.from_query("?" + s.to_query()) == s
    assert Scenario.from_query(s.query_params()) == s


def test_the_example_link_reads_as_documented_and_is_written_back_the_same():
    s = Scenario.from_query(EXAMPLE_LINK)
    assert s == Scenario(thresholds=(85, 70, 55), aggregation="mean", weights=(3, 2, 1, 0), fractions=(0.5, 1.5, 2.5), excluded={"P2.1"})
    assert s.to_query() == EXAMPLE_LINK


def test_a_link_ignores_the_page_parameters_and_blank_values():
    s = Scenario.from_query({"page": "what-if", "t": ["80,65,50", "85,70,55"], "agg": "", "x": "P2.1,P2.2"})
    assert s == Scenario(thresholds=(85, 70, 55), excluded={"P2.1", "P2.2"})
    assert Scenario.from_query("") == Scenario()


@pytest.mark.parametrize("query, message", [
    ("t=85,seventy,55", "link parameter t"),
    ("w=3,2,1", "expected 4 scores"),
    ("agg=max", "aggregation 'max' is not known"),
    ("x=P2.1,%3D1%2B1", "cannot exclude"),
])
def test_a_bad_link_is_refused_naming_the_parameter(query, message):
    with pytest.raises(InputError, match=message):
        Scenario.from_query(query)


def test_the_bounds_themselves_are_accepted():
    s = Scenario(weights=(MAX_WEIGHT, MAX_WEIGHT, 0, 0), fractions=(0, MAX_FRACTION, MAX_FRACTION))
    assert s.weights == (100, 100, 0, 0) and s.fractions == (0, 100, 100)
    assert Scenario.from_query(s.to_query()) == s
    # a score of Outstanding up to 100 a standard keeps scores exact integers (no float, no overflow)
    result = score_unit({f"P{i}.1": O for i in range(9)}, s.rules(FW))
    assert result.score == 900


def test_a_strict_link_refuses_repeated_and_unknown_parameters_but_takes_the_pages_own():
    assert link_problems("t=85,70,55&round=2025-26&region=Wales&unit=Cardiff&page=whatif") == []
    assert Scenario.from_query("t=85,70,55&round=2025-26&region=Wales&unit=Cardiff", strict=True) == Scenario(thresholds=(85, 70, 55))
    # a whole address, as copied from the browser
    assert Scenario.from_query("https://example.org/whatif?t=85,70,55&agg=mean#top", strict=True) == \
        Scenario(thresholds=(85, 70, 55), aggregation="mean")
    for query, message in [("garbage", "'garbage', not a parameter"), ("t=85,70,55&t=80,65,50", "gives t= 2 times"),
                           ("t=85,70,55&threshold=1", "'threshold'"), ("x=P2.1&x=P2.2", "gives x= 2 times")]:
        assert link_problems(query), query
        with pytest.raises(InputError, match=message):
            Scenario.from_query(query, strict=True)
    # read leniently (the page), the last of a repeated parameter counts and unknown ones are ignored
    assert Scenario.from_query("t=85,70,55&t=80,65,50&garbage") == Scenario(thresholds=(80, 65, 50))
    assert link_problems({"t": ["85,70,55", "80,65,50"], "agg": "mean"}) == ["gives t= 2 times ('85,70,55', '80,65,50')"]


def test_every_query_parameter_the_pages_read_or_write_is_known_as_theirs():
    """A link from any page may be given to ``whatif --link``; so each parameter the pages keep in the
    address must be in PAGE_QUERY_KEYS (add it there when a page gains one)."""
    import re
    from pathlib import Path

    used = set()
    for path in (Path(__file__).resolve().parent.parent / "pages").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'query_choices?\(\s*"(\w+)"', text))
        used |= set(re.findall(r'query_params(?:\.get|\.get_all|\.pop)?[\[(]\s*"(\w+)"', text))
        used |= set(re.findall(r'_pick\([^)]*?"(\w+)",\s*f?"', text))  # compare.py: _pick(label, options, "param", key, ...)
        for args in re.findall(r"set_query\(([^)]*)\)", text):
            used |= set(re.findall(r"(\w+)\s*=", args))
    assert {"round", "region", "unit"} <= used  # the scan finds something
    assert used - set(QUERY_KEYS.values()) - PAGE_QUERY_KEYS == set()
    assert not PAGE_QUERY_KEYS & set(QUERY_KEYS.values())


def test_a_dict_with_unknown_fields_or_ratings_is_refused():
    with pytest.raises(InputError, match="unknown scenario field"):
        Scenario.from_dict({"threshold": [80, 65, 50]})
    with pytest.raises(InputError, match="missing Requires improvement"):
        Scenario.from_dict({"thresholds": {"Outstanding": 80, "Good": 65}})
    with pytest.raises(InputError, match="not expected Outstanding"):
        Scenario.from_dict({"fractions": {"Inadequate": 0.5, "Requires improvement": 1.5, "Good": 2.5, "Outstanding": 3}})


def test_the_dict_names_the_ratings_and_keeps_whole_numbers_whole():
    d = Scenario(thresholds=(85, 70, 55.5), weights=(3, 2, 1, 0)).to_dict()
    assert d["thresholds"] == {"Outstanding": 85, "Good": 70, "Requires improvement": 55.5}
    assert d["weights"] == {"Outstanding": 3, "Good": 2, "Requires improvement": 1, "Inadequate": 0}
    assert d["aggregation"] is None and d["fractions"] is None and d["excluded"] == []


# -- the rules under a scenario --------------------------------------------------------------------

@st.composite
def key_questions(draw):
    out = []
    for i in range(draw(st.integers(1, 4))):
        n = draw(st.integers(0, 160))
        out.append(Sufficiency(f"P2.1.{i + 1}", draw(st.integers(0, n)), n))
    return out


def _value(r):
    return -1 if r is None else int(r)


@settings(deadline=None)  # no timing in tests: a busy machine must not fail a rule
@given(key_questions(), scenarios(), st.data())
def test_stricter_thresholds_in_a_scenario_never_raise_a_rating(kqs, s, data):
    base = s.resolved(FW)
    t_o, t_g, t_ri = base.thresholds
    ri = data.draw(st.integers(round(t_ri * 10), 1000)) / 10
    g = data.draw(st.integers(round(max(t_g, ri) * 10), 1000)) / 10
    o = data.draw(st.integers(round(max(t_o, g) * 10), 1000)) / 10
    stricter = Scenario(thresholds=(o, g, ri), aggregation=base.aggregation)
    before = rate_standard("P2.1", kqs, base.rules(FW)).rating
    after = rate_standard("P2.1", kqs, stricter.rules(FW)).rating
    assert _value(after) <= _value(before)


@given(key_questions(), scenarios())
def test_mean_median_and_pooled_never_rate_lower_than_the_lowest_key_question(kqs, s):
    lowest = rate_standard("P2.1", kqs, replace(s, aggregation="lowest").rules(FW)).rating
    for aggregation in ("mean", "median", "pooled"):
        assert _value(rate_standard("P2.1", kqs, replace(s, aggregation=aggregation).rules(FW)).rating) >= _value(lowest)


@given(st.lists(st.sampled_from(list(Rating)), min_size=1, max_size=9), scenarios())
def test_excluding_a_standard_never_changes_the_others_scores(ratings, s):
    codes = {f"P{i}.1": r for i, r in enumerate(ratings)}
    rules = s.rules(FW)
    counted = {c: r for c, r in codes.items() if s.counts(c)}
    result = score_unit(codes, rules)
    assert result.n_rated == len(counted) <= len(codes)
    assert result.score == sum(rules.weights[r] for r in counted.values())


# -- saving scenarios in the store -----------------------------------------------------------------

def test_scenarios_are_saved_listed_loaded_and_deleted(store):
    strict = Scenario(thresholds=(85, 70, 55))
    saved = save_scenario(store, "  Stricter   bands ", strict, owner="lead inspector")
    assert saved.name == "Stricter bands" and saved.owner == "lead inspector" and saved.scenario == strict
    assert saved.created_at is not None
    save_scenario(store, "a mean", Scenario(aggregation="mean", excluded={"P2.1"}))
    assert [x.name for x in list_scenarios(store)] == ["a mean", "Stricter bands"]
    assert load_scenario(store, "Stricter bands").scenario == strict
    delete_scenario(store, "Stricter bands", as_user="lead inspector")
    assert [x.name for x in list_scenarios(store)] == ["a mean"]


def test_saving_over_a_name_needs_the_overwrite_flag(store):
    first = save_scenario(store, "shared", Scenario(aggregation="mean"))
    with pytest.raises(ScenarioExists, match="already exists"):
        save_scenario(store, "shared", Scenario(aggregation="median"))
    assert load_scenario(store, "shared").scenario == Scenario(aggregation="mean")  # nothing written
    again = save_scenario(store, "shared", Scenario(aggregation="median"), owner="someone else", overwrite=True)
    assert again.scenario == Scenario(aggregation="median") and again.owner == "someone else"
    assert again.created_at == first.created_at
    assert len(list_scenarios(store)) == 1


def test_loading_or_deleting_an_unknown_scenario_says_what_there_is(store):
    save_scenario(store, "kept", Scenario())
    with pytest.raises(UnknownScenario, match="saved: 'kept'"):
        load_scenario(store, "lost")
    with pytest.raises(UnknownScenario):
        delete_scenario(store, "lost")
    assert isinstance(UnknownScenario("x"), InputError)


def test_a_stored_scenario_that_no_longer_validates_is_reported_by_name(store):
    save_scenario(store, "old", Scenario())
    with Session(store) as s, s.begin():
        s.execute(update(ScenarioRow).where(ScenarioRow.name == "old").values(spec={"aggregation": "maximum"}))
    with pytest.raises(InputError, match="'old' is no longer valid"):
        load_scenario(store, "old")


@pytest.mark.parametrize("name", ["", "   ", "x" * 121])
def test_a_scenario_needs_a_name_that_fits(name):
    with pytest.raises(InputError):
        scenario_name(name)


# -- who may overwrite or delete a saved scenario --------------------------------------------------

def test_only_the_owner_may_overwrite_or_delete_a_scenario(store):
    save_scenario(store, "theirs", Scenario(aggregation="mean"), owner="lead@example.org")
    with pytest.raises(NotScenarioOwner, match="belongs to lead@example.org"):
        save_scenario(store, "theirs", Scenario(aggregation="median"), owner="other@example.org", overwrite=True)
    with pytest.raises(NotScenarioOwner, match="belongs to lead@example.org"):
        save_scenario(store, "theirs", Scenario(aggregation="median"), owner="", overwrite=True)
    with pytest.raises(NotScenarioOwner, match="only its owner may delete"):
        delete_scenario(store, "theirs", as_user="other@example.org")
    with pytest.raises(NotScenarioOwner):
        delete_scenario(store, "theirs")  # no user: only a scenario with no owner
    kept = load_scenario(store, "theirs")  # nothing written, nothing deleted
    assert kept.scenario == Scenario(aggregation="mean") and kept.owner == "lead@example.org"
    assert isinstance(NotScenarioOwner("x"), InputError)

    again = save_scenario(store, "theirs", Scenario(aggregation="pooled"), owner="lead@example.org", overwrite=True)
    assert again.scenario == Scenario(aggregation="pooled") and again.owner == "lead@example.org"
    delete_scenario(store, "theirs", as_user="lead@example.org")
    assert list_scenarios(store) == []


def test_as_user_is_who_saves_and_defaults_to_the_owner(store):
    save_scenario(store, "team", Scenario(aggregation="mean"), owner="lead@example.org")
    with pytest.raises(NotScenarioOwner):
        save_scenario(store, "team", Scenario(aggregation="median"), owner="lead@example.org", overwrite=True, as_user="other@example.org")
    assert load_scenario(store, "team").scenario == Scenario(aggregation="mean")
    handed_on = save_scenario(store, "team", Scenario(aggregation="median"), owner="deputy@example.org", overwrite=True,
                              as_user="lead@example.org")
    assert handed_on.owner == "deputy@example.org"


@pytest.mark.parametrize("blank", ["", "   "])
def test_anyone_may_overwrite_or_delete_a_scenario_with_no_owner(store, blank):
    save_scenario(store, "shared", Scenario(aggregation="mean"), owner=blank)
    claimed = save_scenario(store, "shared", Scenario(aggregation="median"), owner="other@example.org", overwrite=True)
    assert claimed.owner == "other@example.org"  # the saver owns it from then on
    save_scenario(store, "open", Scenario(aggregation="mean"), owner=blank)
    delete_scenario(store, "open", as_user="anyone@example.org")
    save_scenario(store, "open", Scenario(aggregation="mean"))
    delete_scenario(store, "open")
    assert [s.name for s in list_scenarios(store)] == ["shared"]


def test_may_change_says_what_the_store_enforces():
    assert may_change("lead@example.org", "lead@example.org")
    assert not may_change("lead@example.org", "other@example.org")
    assert not may_change("lead@example.org", "")
    assert may_change("", "anyone") and may_change(None, None) and may_change("  ", "")
