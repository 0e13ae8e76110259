"""Tables shaped like the published annexes, and evidence search."""
from __future__ import annotations

import pandas as pd

from core.analysis import rate_dataset
from core.evidence import filter_evidence
from core.reports import annex, overview_table, side_by_side
from core.store.queries import load_dataset
from core.store.scope import Scope
from tests.test_analysis import small_store  # noqa: F401  (fixture)


def test_overview_lists_each_unit_with_its_score(small_store):
    table = overview_table(rate_dataset(load_dataset(small_store, Scope.national())))
    alpha = table[table["unit"] == "Alpha"].iloc[0]
    # Alpha proposes P 1.3 Outstanding with P 2.3 Inadequate: the DECISION RULE counts it as Good (12 - 1 = 11)
    assert (alpha["overall_rating"], alpha["score"], alpha["standards_rated"], alpha["standards"]) == ("Good", "11/21", 7, 7)
    assert table.iloc[0]["level"] == "Region"  # the region comes before its PDUs
    beta = table[table["unit"] == "Beta"].iloc[0]
    assert pd.isna(beta["overall_rating"]) and beta["score"] == ""


def test_annex_reads_like_the_published_one(small_store):
    ratings = rate_dataset(load_dataset(small_store, Scope.national()))
    iid = ratings.loc[ratings["unit"] == "Alpha", "inspection_id"].iloc[0]
    a = annex(ratings, iid)
    assert list(a["standard"]) == ["P 1.1", "P 1.2", "P 1.3", "P 2.1", "P 2.2", "P 2.3", "P 2.4", "Overall"]
    assert a.iloc[-1]["score"] == "11/21" and a.iloc[-1]["rating"] == "Good"
    p13 = a.set_index("standard").loc["P 1.3"]  # the proposal, the rule and the rating that counts, side by side
    assert p13["rating"] == "Good"
    assert p13["basis"].startswith("proposed Outstanding; DECISION RULE P 1.3 not met (P 2.3 Inadequate): counts as Good")
    assert a.iloc[3]["source"] == "computed from cases" and "6 of 9" in a.iloc[3]["basis"]


def test_side_by_side_has_a_row_per_pdu(small_store):
    ratings = rate_dataset(load_dataset(small_store, Scope.national()))
    table = side_by_side(ratings, "North East", "2025-26")
    assert sorted(table["unit"]) == ["Alpha", "Beta"]
    assert table.set_index("unit").loc["Alpha", "P 2.3"] == "Inadequate"
    assert table.set_index("unit").loc["Alpha", "Score"] == "11/21"


def test_evidence_search_needs_every_word_and_filter():
    items = pd.DataFrame([
        {"round": "r1", "region": "A", "unit": "u1", "standard": "P 1.1", "kind": "strength", "source": "meetings", "key_question": "P 1.1.1", "text": "Leaders engage staff well"},
        {"round": "r1", "region": "A", "unit": "u1", "standard": "P 1.2", "kind": "area for improvement", "source": "staff survey", "key_question": "P 1.2.1", "text": "Workloads are too high for staff"},
        {"round": "r2", "region": "B", "unit": "u2", "standard": "P 1.2", "kind": "strength", "source": "documents", "key_question": "P 1.2.1", "text": "Staff workloads are managed"},
    ])
    assert list(filter_evidence(items, text="STAFF workloads")["unit"]) == ["u1", "u2"]
    assert list(filter_evidence(items, round_="r1", standards=["P 1.2"])["kind"]) == ["area for improvement"]
    assert filter_evidence(items, kinds=["strength"], sources=["meetings"])["text"].tolist() == ["Leaders engage staff well"]
    assert len(filter_evidence(items)) == 3
