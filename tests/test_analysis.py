"""Rating a whole store: hand-worked tallies, regional pooling, the overall, and agreement of the
vectorised rules with the engine."""
from __future__ import annotations

import datetime as dt
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, strategies as st
from sqlalchemy import insert
from sqlalchemy.orm import Session

from core.analysis import OVERALL, RuleSet, band_values, decision_checks, key_question_tallies, overall_values, rate_dataset, with_published
from core.engine import Sufficiency, band, overall_rating, rate_standard
from core.framework import load_framework
from core.ratings import Rating
from core.store.models import PDU, Answer, Case, Inspection, Judgement, ProposedRating, Region, Upload
from core.store.queries import load_dataset
from core.store.tallies import count_stored
from core.store.scope import Scope

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
    ids = []
    for i in range(n):
        c = Case(upload_id=up.id, inspection_id=ins.id, case_type=case_type, case_ref=f"{ins.unit_name}-{case_type}-{i}", attributes={})
        s.add(c)
        s.flush()
        ids.append(c.id)
    rows = [{"case_id": ids[i], "code": code, "value": v} for code, vals in answers_per_code.items() for i, v in enumerate(vals) if v]
    s.execute(insert(Answer), rows)


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
        count_stored(s.connection())  # the tallies store_upload would have written
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
    # Alpha: P1.1 G 2, P1.2 RI 1, P1.3 O 3, P2.1 G 2, P2.2 O 3, P2.3 I 0, P2.4 RI 1 = 12 of 21; N=7: RI is 4-10, Good 11-17
    overall = _by(ratings, "Alpha", OVERALL)
    assert (overall["score"], overall["max_score"], overall["rating"]) == (12, 21, "Good")
    assert overall_rating(12, 7, FW.overall_bands) == Rating.GOOD
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


def test_scope_hides_other_regions(small_store):
    ds = load_dataset(small_store, Scope.of_regions("London"))
    assert ds.inspections.empty and ds.counts.empty
    assert rate_dataset(ds).empty


def test_default_rules_reproduce_the_engine_for_each_aggregation(small_store):
    ds = load_dataset(small_store, Scope.national())
    tallies = key_question_tallies(ds, {"hmip-2025": FW})
    for aggregation in ("lowest", "mean", "pooled", "median"):
        rs = RuleSet.from_framework(FW)
        rs = RuleSet(rs.thresholds, aggregation, rs.weights, rs.fractions)
        ratings = rate_dataset(ds, rs)
        for (iid, std), g in tallies.groupby(["inspection_id", "standard"]):
            expected = rate_standard(std, [Sufficiency(k, a, b) for k, a, b in zip(g["key_question"], g["n_sufficient"], g["n_relevant"])],
                                     FW.bands, aggregation)
            got = ratings[(ratings["inspection_id"] == iid) & (ratings["standard"] == std)].iloc[0]["rating"]
            assert got == (expected.rating.label if expected.rating is not None else None), (iid, std, aggregation)


@given(st.lists(st.tuples(st.integers(0, 200), st.integers(0, 200)), min_size=1, max_size=50),
       st.lists(st.integers(0, 100), min_size=3, max_size=3))
def test_vectorised_banding_equals_the_engine(pairs, ths):
    ths = sorted(ths, reverse=True)
    counts = [(min(a, b), max(a, b)) for a, b in pairs]
    pct = np.array([100.0 * y / n if n else np.nan for y, n in counts])
    got = band_values(pct, tuple(ths))
    thresholds = dict(zip((Rating.OUTSTANDING, Rating.GOOD, Rating.REQUIRES_IMPROVEMENT), ths))
    want = [int(band(Fraction(y, n), thresholds).rating) if n else -1 for y, n in counts]
    assert list(got) == want


@given(st.lists(st.integers(0, 3), min_size=1, max_size=20))
def test_vectorised_overall_equals_the_engine(values):
    fr = RuleSet.from_framework(FW).fractions
    got = overall_values(np.array([sum(values)]), np.array([len(values)]), fr)[0]
    assert got == int(overall_rating(sum(values), len(values), FW.overall_bands))


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
    # P 1.3 Outstanding needs P 2.3: with P 2.3 not inspected the rule cannot be checked
    checks = {r["standard"]: r["severity"] for r in decision_checks(ds, ratings).to_dict("records")}
    assert checks["P1.3"] == "pending"


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
