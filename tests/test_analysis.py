"""Rating a whole store: hand-worked tallies, regional pooling, the overall, and agreement of the
vectorised rules with the engine."""
from __future__ import annotations

import datetime as dt
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from sqlalchemy.orm import Session

from core.analysis import OVERALL, Rerater, decision_checks, key_question_tallies, rate_dataset, with_published
from core.dataset import Dataset
from core.engine import Sufficiency, band, check_proposed, rate_standard, score_unit
from core.framework import load_framework
from core.errors import InputError
from core.ratings import Rating
from core.rules import AGGREGATIONS, Rules
from core.scenario import Scenario
from core.store.models import PDU, Inspection, Judgement, ProposedRating, Region, Upload
from core.store.queries import load_dataset
from core.store.scope import Scope
from tests.store_helpers import store_cases

FW = load_framework("hmip-2025")


def add_inspection(s: Session, region: Region, unit: str, level: str, round_="2025-26", pdu=None):
    ins = Inspection(level=level, region=region, pdu=pdu, unit_name=unit, framework="hmip-2025", round=round_,
                     fieldwork_start=dt.date(2025, 6, 1), status="fieldwork", synthetic=True)
    s.add(ins)
    s.flush()
    up = Upload(inspection_id=ins.id, kind="test", version=1, is_current=True, file_name="t", sha256=unit.ljust(64, "0")[:64],
                uploaded_by="test", counts={})
    s.add(up)
    s.flush()
    return ins, up


def add_cases(s: Session, ins, up, case_type: str, answers_per_code: dict[str, list[str]]):
    """answers_per_code: code -> list of answers, one per case (same length for all codes)."""
    n = len(next(iter(answers_per_code.values())))
    store_cases(s, up.id, ins.id, case_type, [(f"{ins.unit_name}-{case_type}-{i}", {},
                                               {code: values[i] for code, values in answers_per_code.items()}) for i in range(n)])


def yes_no(yes: int, no: int, na: int = 0, blank: int = 0) -> list:
    return ["Yes"] * yes + ["No"] * no + ["N/A"] * na + [None] * blank


@pytest.fixture
def small_store(store):
    """Two PDUs of the North East and its regional inspection, with hand-countable answers."""
    with Session(store) as s, s.begin():
        ne = Region(name="North East")
        s.add(ne)
        s.flush()
        a, up_a = add_inspection(s, ne, "Alpha", "pdu", pdu=PDU(region=ne, name="Alpha"))
        b, up_b = add_inspection(s, ne, "Beta", "pdu", pdu=PDU(region=ne, name="Beta"))
        r, up_r = add_inspection(s, ne, "North East", "region")
        # Alpha: 10 cases. P2.1.1 8/10 (80%), P2.1.2 6/9 with one N/A (66.7%) -> P 2.1 Good, driven by P2.1.2
        add_cases(s, a, up_a, "sentence-management", {
            "P2.1.1": yes_no(8, 2), "P2.1.2": yes_no(6, 3, na=1),
            "P2.2.1": yes_no(10, 0), "P2.2.2": yes_no(9, 1),  # P 2.2: 90% -> Outstanding
            "P2.3.1": yes_no(4, 6), "P2.3.2": yes_no(5, 5),  # P 2.3: 40% -> Inadequate
            "P2.4.1": yes_no(5, 5), "P2.4.2": yes_no(7, 2, blank=1),  # P 2.4: 50% -> Requires improvement
        })
        # Beta: 4 cases: P2.1.2 1/4
        add_cases(s, b, up_b, "sentence-management", {"P2.1.1": yes_no(4, 0), "P2.1.2": yes_no(1, 3)})
        # regional fieldwork: unpaid work R2.4.1 3/4
        add_cases(s, r, up_r, "unpaid-work", {"R2.4.1": yes_no(3, 1)})
        for std, rating in (("P1.1", "Good"), ("P1.2", "Requires improvement"), ("P1.3", "Outstanding")):
            s.add(ProposedRating(upload_id=up_a.id, inspection_id=a.id, standard=std, rating=rating, rationale="test"))
        s.add(Judgement(upload_id=up_a.id, inspection_id=a.id, name="diversity", value=True))
    return store


def _by(ratings, unit, standard):
    row = ratings[(ratings["unit"] == unit) & (ratings["standard"] == standard)]
    assert len(row) == 1, (unit, standard, row)
    return row.iloc[0]


def test_pdu_domain_two_ratings_match_hand_worked_tallies(small_store):
    ratings = rate_dataset(load_dataset(small_store, Scope.national()))
    p21 = _by(ratings, "Alpha", "P2.1")
    assert (p21["rating"], p21["driving_key_question"], p21["n_sufficient"], p21["n_relevant"]) == ("Good", "P2.1.2", 6, 9)
    assert _by(ratings, "Alpha", "P2.2")["rating"] == "Outstanding"
    assert _by(ratings, "Alpha", "P2.3")["rating"] == "Inadequate"
    assert _by(ratings, "Alpha", "P2.4")["rating"] == "Requires improvement"
    assert "6 of 9" in p21["basis"]


def test_overall_once_every_standard_is_rated(small_store):
    ratings = rate_dataset(load_dataset(small_store, Scope.national()))
    # Alpha: P1.1 G 2, P1.2 RI 1, P1.3 proposed O but P 2.3 is Inadequate: counts as G 2, P2.1 G 2, P2.2 O 3, P2.3 I 0,
    # P2.4 RI 1 = 11 of 21; N=7: RI is 4-10, Good 11-17
    overall = _by(ratings, "Alpha", OVERALL)
    assert (overall["score"], overall["max_score"], overall["rating"]) == (11, 21, "Good")
    assert FW.rules.overall(11, 7) == Rating.GOOD
    assert ratings[(ratings["unit"] == "Beta") & (ratings["standard"] == OVERALL)].empty  # Beta has no domain one ratings yet


def test_regional_domain_two_pools_the_pdu_cases(small_store):
    ds = load_dataset(small_store, Scope.national())
    tallies = key_question_tallies(ds, {"hmip-2025": FW}).set_index("key_question")
    # R 2.1.1 is pooled from P 2.1.2: Alpha 6/9 + Beta 1/4 = 7/13
    assert tuple(tallies.loc["R2.1.1", ["n_sufficient", "n_relevant"]]) == (7, 13)
    ratings = rate_dataset(ds)
    # R 2.1: R2.1.1 7/13 (53.8%), R2.1.2 9/10, R2.1.3 5/10 (50%), R2.1.4 7/9: the lowest, R 2.1.3, drives
    r21 = _by(ratings, "North East", "R2.1")
    assert (r21["driving_key_question"], r21["n_sufficient"], r21["n_relevant"], r21["rating"]) == ("R2.1.3", 5, 10, "Requires improvement")
    # R 2.2: R2.2.1 12/14, R2.2.2 10/10, R2.2.3 4/10, R2.2.4 5/10: R 2.2.3 drives
    r22 = _by(ratings, "North East", "R2.2")
    assert r22["driving_key_question"] == "R2.2.3" and r22["rating"] == "Inadequate"  # P2.3.1 4/10
    assert _by(ratings, "North East", "R2.4")["rating"] == "Good"  # 3/4 = 75%
    assert _by(ratings, "North East", "R2.6")["rating"] is None  # no victim cases


def test_decision_checks_flag_a_proposed_rating_outside_the_rules(small_store):
    ds = load_dataset(small_store, Scope.national())
    checks = decision_checks(ds, rate_dataset(ds))
    by_std = {r["standard"]: r for r in checks.to_dict("records")}
    assert by_std["P1.1"]["severity"] == "flag"  # Good with P 2.3 Inadequate: outside guidance
    assert by_std["P1.3"]["severity"] == "breach"  # Outstanding with P 2.3 Inadequate: breaks the rule
    assert by_std["P1.3"]["counts_as"] == "Good"


def test_a_proposal_that_breaks_a_decision_rule_counts_as_the_best_rating_the_rule_allows(small_store):
    ratings = rate_dataset(load_dataset(small_store, Scope.national()))
    p13 = _by(ratings, "Alpha", "P1.3")
    assert (p13["proposed_rating"], p13["rating"], p13["decision_rule"]) == ("Outstanding", "Good", "P1.3-outstanding")
    assert p13["rule_note"] == "proposed Outstanding; DECISION RULE P 1.3 not met (P 2.3 Inadequate): counts as Good"
    assert p13["rule_reference"].startswith("seed 003") and p13["rule_note"] in p13["basis"]
    p11 = _by(ratings, "Alpha", "P1.1")  # Good outside DECISION GUIDANCE: only flagged, counted as proposed
    assert (p11["proposed_rating"], p11["rating"]) == ("Good", "Good") and pd.isna(p11["rule_note"])


def test_scope_hides_other_regions(small_store):
    ds = load_dataset(small_store, Scope.of_regions("London"))
    assert ds.inspections.empty and ds.counts.empty
    assert rate_dataset(ds).empty


def test_default_rules_reproduce_the_engine_for_each_aggregation(small_store):
    ds = load_dataset(small_store, Scope.national())
    tallies = key_question_tallies(ds, {"hmip-2025": FW})
    for aggregation in AGGREGATIONS:
        rules = Rules.of(FW, Scenario(aggregation=aggregation))
        ratings = rate_dataset(ds, rules)
        for (iid, std), g in tallies.groupby(["inspection_id", "standard"]):
            expected = rate_standard(std, [Sufficiency(k, a, b) for k, a, b in zip(g["key_question"], g["n_sufficient"], g["n_relevant"])],
                                     rules)
            got = ratings[(ratings["inspection_id"] == iid) & (ratings["standard"] == std)].iloc[0]["rating"]
            assert got == (expected.rating.label if expected.rating is not None else None), (iid, std, aggregation)


def test_two_of_three_is_below_a_good_threshold_of_66_7_on_every_path():
    rules = Rules.of(FW, Scenario(thresholds=(80, 66.7, 50)))
    assert band(Fraction(2, 3), rules).rating == Rating.REQUIRES_IMPROVEMENT
    out = rate_dataset(_pdu_dataset([{"P2.1.1": (2, 3), "P2.1.2": (3, 3)}]), rules)
    assert out[out["standard"] == "P2.1"].iloc[0]["rating"] == "Requires improvement"
    assert Rules.of(FW, Scenario(thresholds=(80, 66.6, 50))).band(2, 3) == Rating.GOOD


def test_a_threshold_finer_than_a_tenth_is_refused_naming_it():
    with pytest.raises(InputError, match="66.666666667 has more than one decimal place"):
        Scenario(thresholds=(80, 66.666666667, 50))
    with pytest.raises(InputError, match="0.33 has more than one decimal place"):
        Scenario.from_query("f=0.33,1.5,2.5")


# -- the dashboard's path (rate_dataset) against the engine, on generated stores ---------------------------------

PDU_D2 = [s for s in FW.standards_at("pdu", 2)]
PROPOSALS = st.sampled_from([None, *Rating])


def _pdu_dataset(units: list[dict], proposed: list[dict] | None = None) -> Dataset:
    """PDU inspections of hmip-2025 held as frames: ``units`` gives each its key question counts
    (code -> (yes, relevant)); ``proposed`` its domain one proposals (code -> Rating, or None for none)."""
    inspections = pd.DataFrame([{"inspection_id": i, "level": "pdu", "region": "North East", "unit": f"PDU {i}", "framework": "hmip-2025",
                                 "round": "2025-26", "fieldwork_start": None, "status": "fieldwork", "synthetic": True}
                                for i in range(len(units))])
    counts = pd.DataFrame([{"inspection_id": i, "case_type": "sentence-management", "code": code, "n_yes": y, "n_no": n - y, "n_na": 0}
                           for i, u in enumerate(units) for code, (y, n) in u.items()],
                          columns=["inspection_id", "case_type", "code", "n_yes", "n_no", "n_na"])
    props = pd.DataFrame([{"inspection_id": i, "standard": code, "rating": r.label, "rationale": ""}
                          for i, p in enumerate(proposed or []) for code, r in p.items() if r is not None],
                         columns=["inspection_id", "standard", "rating", "rationale"])
    empty = lambda cols: pd.DataFrame(columns=cols)  # noqa: E731
    return Dataset(inspections, counts, props, empty(["inspection_id", "name", "value"]),
                   empty(["seed", "region", "unit", "framework", "fieldwork", "standard", "rating", "published_score",
                          "published_max", "published_overall"]))


@st.composite
def pdu_units(draw):
    counts = {}
    for s in PDU_D2:
        for kq in s.key_questions:
            n = draw(st.integers(0, 60))
            counts[kq.code] = (draw(st.integers(0, n)), n)
    proposed = {code: draw(PROPOSALS) for code in ("P1.1", "P1.2", "P1.3")}
    return counts, proposed


@st.composite
def scenarios_in_tenths(draw):
    """Scenarios whose thresholds and fractions are any values to one decimal place (not whole numbers only)."""
    t = sorted(draw(st.lists(st.integers(0, 1000), min_size=3, max_size=3)), reverse=True)
    f = sorted(draw(st.lists(st.integers(0, 40), min_size=3, max_size=3)))
    w = sorted(draw(st.lists(st.integers(0, 5), min_size=4, max_size=4)), reverse=True)
    return Scenario(thresholds=tuple(v / 10 for v in t), aggregation=draw(st.sampled_from(AGGREGATIONS)),
                    weights=tuple(w), fractions=tuple(v / 10 for v in f))


@settings(max_examples=60, deadline=None)
@given(st.lists(pdu_units(), min_size=1, max_size=4), scenarios_in_tenths())
def test_rate_dataset_equals_the_engine_under_any_scenario_to_a_tenth(units, scenario):
    rules = Rules.of(FW, scenario)
    out = rate_dataset(_pdu_dataset([u for u, _ in units], [p for _, p in units]), rules, {"hmip-2025": FW})
    for i, (counts, proposed) in enumerate(units):
        rows = out[out["inspection_id"] == i].set_index("standard")
        ratings = {}
        for s in PDU_D2:
            result = rate_standard(s.code, [Sufficiency(k.code, *counts[k.code]) for k in s.key_questions], rules)
            assert rows.loc[s.code, "rating"] == (result.rating.label if result.rating is not None else None), (s.code, counts)
            ratings[s.code] = result.rating
        for code, r in proposed.items():  # the proposals, with the DECISION RULEs applied as the engine applies them
            ratings[code] = None if r is None else check_proposed(FW, code, r, ratings).counted
            assert rows.loc[code, "rating"] == (ratings[code].label if ratings[code] is not None else None)
        if any(r is None for r in ratings.values()):
            assert OVERALL not in rows.index
        else:
            expected = score_unit(ratings, rules)
            assert (rows.loc[OVERALL, "rating"], rows.loc[OVERALL, "score"], rows.loc[OVERALL, "max_score"]) == \
                (expected.rating.label, expected.score, expected.max_score)


@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 10_000)), min_size=1, max_size=50),
       st.lists(st.integers(0, 1000), min_size=3, max_size=3))
def test_vectorised_banding_equals_the_exact_share(pairs, ths):
    rules = Rules.banding([v / 10 for v in sorted(ths, reverse=True)])
    counts = [(min(a, b), max(a, b)) for a, b in pairs]
    got = rules.band_values(np.array([y for y, _ in counts]), np.array([n for _, n in counts]))
    thresholds = [Fraction(t, 1000) for t in sorted(ths, reverse=True)]
    want = [sum(Fraction(y, n) >= t for t in thresholds) if n else -1 for y, n in counts]
    assert list(got) == want


@given(st.lists(st.integers(0, 3), min_size=1, max_size=20), st.lists(st.integers(0, 40), min_size=3, max_size=3))
def test_vectorised_overall_equals_floor_of_fraction_times_n(values, fr):
    fr = sorted(fr)
    rules = Rules.of(FW, Scenario(fractions=tuple(v / 10 for v in fr)))
    score, n = sum(values), len(values)
    got = rules.overall_values(np.array([score]), np.array([n]))[0]
    want = next((i for i, f in enumerate(fr) if score <= (Fraction(f, 10) * n).__floor__()), 3)
    assert got == want == int(rules.overall(score, n))


def test_published_annexes_are_rated_and_agree(store):
    from core.store.models import PublishedRating
    import csv
    from pathlib import Path

    with Session(store) as s, s.begin():
        for r in csv.DictReader(open(Path(__file__).resolve().parents[1] / "data" / "published_ratings.csv", encoding="utf-8")):
            s.add(PublishedRating(seed=r["seed"], region_name=r["region"], unit_name=r["unit"], framework=r["framework"],
                                  fieldwork=r["fieldwork"], standard=r["standard"], rating=r["rating"],
                                  published_score=int(r["published_score"]), published_max=int(r["published_max"]),
                                  published_overall=r["published_overall"]))
    ds = load_dataset(store, Scope.national())
    out = with_published(rate_dataset(ds), ds)
    overall = out[out["standard"] == OVERALL].set_index("unit")
    assert len(overall) == 6 and overall["agrees"].all()
    assert overall.loc["Northamptonshire", "rating"] == "Requires improvement" and overall.loc["Northamptonshire", "score"] == 9
    assert overall.loc["Redcar, Cleveland and Middlesbrough", "max_score"] == 24


def _frames(inspections, published):
    from core.store.queries import Dataset

    empty = lambda cols: pd.DataFrame(columns=cols)  # noqa: E731
    return Dataset(pd.DataFrame(inspections), empty(["inspection_id", "case_type", "code", "n_yes", "n_no", "n_na"]),
                   pd.DataFrame([{"inspection_id": i["inspection_id"], "standard": s, "rating": "Good", "rationale": ""}
                                 for i in inspections for s in ("1.1", "1.2", "1.3", "1.4")]),
                   empty(["inspection_id", "name", "value"]), pd.DataFrame(published))


PUBLISHED_SOMERSET = [{"seed": "004", "region": "South West", "unit": "Somerset", "framework": "hmip-pdu-2021", "fieldwork": "June 2023",
                       "standard": s, "rating": r, "published_score": 8, "published_max": 27, "published_overall": "Requires improvement"}
                      for s, r in zip(["1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "2.4", "2.5"],
                                      ["Requires improvement", "Requires improvement", "Good", "Good", "Inadequate", "Inadequate",
                                       "Inadequate", "Requires improvement", "Requires improvement"])]


@pytest.mark.parametrize("round_, matched", [("2023-24", True), ("2025-26", False)])
def test_published_ratings_stand_beside_computed_ones_of_the_same_round_only(round_, matched):
    inspection = {"inspection_id": 1, "level": "pdu", "region": "South West", "unit": "SOMERSET", "framework": "hmip-pdu-2021",
                  "round": round_, "fieldwork_start": None, "status": "draft", "synthetic": False}
    ds = _frames([inspection], PUBLISHED_SOMERSET)
    out = with_published(rate_dataset(ds), ds)
    computed = out[(out["inspection_id"] == 1) & (out["standard"] == "1.1")].iloc[0]
    assert (computed["published_rating"] == "Requires improvement") is matched
    assert computed["agrees"] is (False if matched else None)  # computed Good against published Requires improvement
    # the published unit keeps rows of its own, whatever else is stored
    own = out[(out["source"].isin(["published", "overall"])) & (out["round"] == "June 2023")]
    overall = own[own["standard"] == OVERALL].iloc[0]
    assert (overall["rating"], overall["published_score"], overall["agrees"]) == ("Requires improvement", "8/27", True)


def test_a_standard_recorded_not_inspected_is_left_out_of_score_and_maximum(small_store):
    with Session(small_store) as s, s.begin():
        alpha = s.execute(select_inspection("Alpha")).scalar_one()
        up = s.execute(select_upload(alpha.id)).scalar_one()
        s.add(ProposedRating(upload_id=up.id, inspection_id=alpha.id, standard="P2.3", rating="Not inspected", rationale="no court"))
    ds = load_dataset(small_store, Scope.national())
    ratings = rate_dataset(ds)
    p23 = _by(ratings, "Alpha", "P2.3")
    assert p23["rating"] is None and p23["source"] == "not inspected" and not p23["counted"]
    # without P 2.3 (Inadequate, 0): 12 of 18 over 6 standards; Good is 10-15
    overall = _by(ratings, "Alpha", OVERALL)
    assert (overall["score"], overall["max_score"], overall["rating"]) == (12, 18, "Good")
    # P 1.3 Outstanding needs P 2.3 Good or better: P 2.3 not inspected is left out, as P 1.1's rule leaves out
    # domain two standards not inspected, so the rule is met and P 1.3 counts as proposed
    checks = {r["standard"]: r for r in decision_checks(ds, ratings).to_dict("records")}
    assert checks["P1.3"]["severity"] == "ok" and "P 2.3 not inspected" in checks["P1.3"]["explanation"]
    assert _by(ratings, "Alpha", "P1.3")["rating"] == "Outstanding"


def test_checks_that_cannot_be_made_are_pending_not_ok(small_store):
    from core.analysis import StaffingUnavailable, staffing_for_region
    from core.engine import check_limiting_judgement

    assert check_limiting_judgement(FW, "pdu", Rating.OUTSTANDING, None).severity == "pending"
    ds = load_dataset(small_store, Scope.national())
    ratings = rate_dataset(ds)
    region = ds.inspections[ds.inspections["level"] == "region"].iloc[0].to_dict()
    with pytest.raises(StaffingUnavailable, match="R 1.2.1 yes/no judgement is not recorded"):
        staffing_for_region(ds, FW, region, ratings)


def select_inspection(unit):
    from sqlalchemy import select

    return select(Inspection).where(Inspection.unit_name == unit)


def select_upload(inspection_id):
    from sqlalchemy import select

    return select(Upload).where(Upload.inspection_id == inspection_id)


@settings(max_examples=25, deadline=None)
@given(st.lists(pdu_units(), min_size=1, max_size=4), st.lists(scenarios_in_tenths(), min_size=2, max_size=5))
def test_one_rerater_rates_like_a_fresh_rating_under_every_scenario_in_turn(units, scenarios):
    """The What-if page rates one prepared store (``Rerater``) under scenario after scenario, switching how key
    questions combine and back: each time exactly what rating the dataset afresh gives, and the store unchanged."""
    dataset = _pdu_dataset([u for u, _ in units], [p for _, p in units])
    rerater = Rerater(dataset, {"hmip-2025": FW})
    rows_before = rerater.rows.copy()
    for scenario in scenarios + scenarios[:1]:
        rules = Rules.of(FW, scenario)
        for with_basis in (False, True):
            pd.testing.assert_frame_equal(rerater.rate(rules, with_basis=with_basis),
                                          rate_dataset(dataset, rules, {"hmip-2025": FW}, with_basis=with_basis))
    pd.testing.assert_frame_equal(rerater.rows, rows_before)


def test_a_rerater_of_the_stored_inspections_rates_as_rate_dataset(small_store):
    ds = load_dataset(small_store, Scope.national())
    rerater = Rerater(ds)
    pd.testing.assert_frame_equal(rerater.rate(), rate_dataset(ds))
    stricter = {"hmip-2025": Rules.of(FW, Scenario(thresholds=(90, 85, 80), aggregation="pooled"))}
    pd.testing.assert_frame_equal(rerater.rate(stricter, with_basis=False), rate_dataset(ds, stricter, with_basis=False))
