"""Comparisons on hand-worked frames: theme pooling, Wilson intervals, funnel limits, breakdowns,
the key question matrix, a PDU beside its region and the nation, trends; and the same read from a
real store."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.orm import Session

from core import compare
from core.errors import InputError
from core.framework import load_framework
from core.store.models import PDU, Inspection, Region, Upload
from core.store.queries import case_answers, load_dataset
from core.store.scope import Scope
from tests.store_helpers import store_cases

FW = load_framework("hmip-2025")
INS_COLUMNS = ["inspection_id", "level", "region", "unit", "framework", "round", "fieldwork_start", "status", "synthetic"]


def inspections(*rows) -> pd.DataFrame:
    """(id, level, region, unit[, round[, framework[, synthetic]]])"""
    full = []
    for r in rows:
        i, level, region, unit, *rest = r
        round_ = rest[0] if len(rest) > 0 else "2025-26"
        framework = rest[1] if len(rest) > 1 else "hmip-2025"
        synthetic = rest[2] if len(rest) > 2 else False
        full.append((i, level, region, unit, framework, round_, dt.date(2025, 6, 1), "fieldwork", synthetic))
    return pd.DataFrame(full, columns=INS_COLUMNS)


def counts(*rows) -> pd.DataFrame:
    """(inspection_id, code, yes, no, na)"""
    return pd.DataFrame([(i, "sentence-management", c, y, n, na) for i, c, y, n, na in rows],
                        columns=["inspection_id", "case_type", "code", "n_yes", "n_no", "n_na"])


# North East: PDUs Alpha (1) and Beta (2) and the regional inspection (4); Wales: PDU Gamma (3)
INSPECTIONS = inspections((1, "pdu", "North East", "Alpha", "2025-26", "hmip-2025", True), (2, "pdu", "North East", "Beta"),
                          (3, "pdu", "Wales", "Gamma"), (4, "region", "North East", "North East"), (5, "pdu", "Wales", "Delta"))
COUNTS = counts(
    (1, "DA", 6, 2, 2), (1, "R2.3.1.a", 3, 1, 0),  # Alpha: domestic abuse theme 9 of 12, 2 N/A
    (2, "DA", 1, 3, 0),                              # Beta: 1 of 4
    (3, "DA", 10, 0, 5),                             # Gamma: 10 of 10, 5 N/A
    (1, "MO", 4, 4, 0), (3, "CS", 2, 2, 0),          # other themes: not counted in domestic abuse
)                                                    # Delta (5) and the region (4) answer nothing


# -- Wilson intervals -----------------------------------------------------------------------------

@pytest.mark.parametrize("yes, n, low, high", [
    (8, 10, 49.016, 94.332),   # p = 0.8, z = 1.96: centre 0.71674, half-width 0.22658
    (0, 5, 0.0, 43.448),       # no sufficient cases: the interval still reaches up
    (5, 5, 56.552, 100.0),
    (45, 100, 35.615, 54.755),  # centre 0.45185, half-width 0.09570
])
def test_wilson_interval_matches_hand_worked_values(yes, n, low, high):
    out = compare.with_intervals(pd.DataFrame({"n_sufficient": [yes], "n_relevant": [n]})).iloc[0]
    assert out["percent"] == pytest.approx(100 * yes / n)
    assert (out["percent_low"], out["percent_high"]) == (pytest.approx(low, abs=1e-3), pytest.approx(high, abs=1e-3))


def test_nothing_relevant_gives_no_percentage_and_no_interval():
    out = compare.with_intervals(pd.DataFrame({"n_sufficient": [0], "n_relevant": [0]})).iloc[0]
    assert math.isnan(out["percent"]) and math.isnan(out["percent_low"]) and math.isnan(out["percent_high"])
    assert out["small_sample"]


def test_more_sufficient_than_relevant_is_refused():
    with pytest.raises(InputError):
        compare.with_intervals(pd.DataFrame({"n_sufficient": [3], "n_relevant": [2]}))


def test_small_sample_is_fewer_than_twenty_relevant_cases():
    out = compare.with_intervals(pd.DataFrame({"n_sufficient": [10, 10], "n_relevant": [19, 20]}))
    assert list(out["small_sample"]) == [True, False]


# -- themes ---------------------------------------------------------------------------------------

def test_theme_pools_its_items_per_pdu():
    out = compare.theme_sufficiency(COUNTS, INSPECTIONS, FW, "domestic-abuse-enquiries", by="unit").set_index("unit")
    # DA and R 2.3.1 a) are the theme's items: Alpha 6 + 3 of 8 + 4; MO and CS are other themes'
    assert list(out.index) == ["Alpha", "Beta", "Gamma"]  # Delta and the region answer none of the items
    assert tuple(out.loc["Alpha", ["n_sufficient", "n_relevant", "n_na"]]) == (9, 12, 2)
    assert out.loc["Alpha", "percent"] == pytest.approx(75.0)
    assert tuple(out.loc["Beta", ["n_sufficient", "n_relevant"]]) == (1, 4)
    assert tuple(out.loc["Gamma", ["n_sufficient", "n_relevant", "n_na"]]) == (10, 10, 5)
    assert (out["theme_name"] == "Domestic abuse enquiries").all()
    assert out.loc["Alpha", "synthetic"] and not out.loc["Beta", "synthetic"]


def test_theme_pools_the_pdus_of_a_region_and_of_the_nation():
    region = compare.theme_sufficiency(COUNTS, INSPECTIONS, FW, "domestic-abuse-enquiries", by="region").set_index("region")
    assert tuple(region.loc["North East", ["n_sufficient", "n_relevant", "n_inspections"]]) == (10, 16, 2)
    assert region.loc["North East", "percent"] == pytest.approx(62.5)
    assert tuple(region.loc["Wales", ["n_sufficient", "n_relevant", "n_inspections"]]) == (10, 10, 1)
    nation = compare.theme_sufficiency(COUNTS, INSPECTIONS, FW, "domestic-abuse-enquiries", by="nation")
    assert len(nation) == 1
    assert tuple(nation.iloc[0][["round", "n_sufficient", "n_relevant", "n_na"]]) == ("2025-26", 20, 26, 7)
    assert nation.iloc[0]["synthetic"]  # Alpha is synthetic


def test_region_with_nothing_relevant_still_appears_without_a_percentage():
    out = compare.theme_sufficiency(COUNTS, INSPECTIONS, FW, "management-oversight", by="region").set_index("region")
    assert tuple(out.loc["North East", ["n_sufficient", "n_relevant"]]) == (4, 8)
    assert out.loc["Wales", "n_relevant"] == 0 and math.isnan(out.loc["Wales", "percent"])


def test_rounds_and_frameworks_are_kept_apart():
    ins = pd.concat([INSPECTIONS, inspections((6, "pdu", "North East", "Alpha", "2024-25"),
                                              (7, "pdu", "North East", "Old", "2024-25", "hmip-pdu-2021"))], ignore_index=True)
    c = pd.concat([COUNTS, counts((6, "DA", 1, 1, 0), (7, "DA", 5, 0, 0))], ignore_index=True)
    nation = compare.theme_sufficiency(c, ins, FW, "domestic-abuse-enquiries", by="nation").set_index("round")
    assert tuple(nation.loc["2024-25", ["n_sufficient", "n_relevant"]]) == (1, 2)  # the 2021 framework's inspection is left out
    assert tuple(nation.loc["2025-26", ["n_sufficient", "n_relevant"]]) == (20, 26)


def test_regional_theme_items_read_the_pdu_answers_they_are_pooled_from():
    assert compare.stored_codes(FW, ["R 2.1.1", "R2.1.3.e", "P 2.3.2.e", "MO"]) == ["P2.1.2", "P2.3.2.e", "MO"]
    c = counts((1, "P2.3.2.e", 3, 1, 0), (2, "P2.3.2.e", 2, 2, 0))
    out = compare.sufficiency(c, INSPECTIONS, compare.stored_codes(FW, ["R2.1.3.e"]), by="region").set_index("region")
    assert tuple(out.loc["North East", ["n_sufficient", "n_relevant"]]) == (5, 8)


def test_every_theme_of_the_framework_can_be_computed():
    for theme in FW.themes:
        out = compare.theme_sufficiency(COUNTS, INSPECTIONS, FW, theme.id, by="nation")
        assert len(out) == 1 and out.iloc[0]["theme"] == theme.id


def test_unknown_grouping_and_theme_are_refused():
    with pytest.raises(InputError, match="grouping"):
        compare.sufficiency(COUNTS, INSPECTIONS, ["DA"], by="county")
    with pytest.raises(KeyError):
        compare.theme_sufficiency(COUNTS, INSPECTIONS, FW, "no-such-theme")


# -- key question matrix and a PDU beside its region and the nation --------------------------------------

def tallies(*rows) -> pd.DataFrame:
    """(inspection_id, key_question, n_sufficient, n_relevant)"""
    return pd.DataFrame([(i, k.rsplit(".", 1)[0], k, y, n) for i, k, y, n in rows],
                        columns=["inspection_id", "standard", "key_question", "n_sufficient", "n_relevant"])


TALLIES = tallies((1, "P2.1.1", 8, 10), (1, "P2.1.2", 6, 9), (2, "P2.1.1", 2, 4), (2, "P2.1.2", 0, 0),
                  (3, "P2.1.1", 30, 40), (3, "P2.1.2", 20, 40), (4, "R2.1.1", 6, 9))


def test_key_question_matrix_has_a_cell_per_pdu_and_key_question():
    m = compare.key_question_matrix(TALLIES, INSPECTIONS)
    assert list(zip(m["unit"], m["key_question_label"])) == [
        ("Alpha", "P 2.1.1"), ("Alpha", "P 2.1.2"), ("Beta", "P 2.1.1"), ("Beta", "P 2.1.2"), ("Gamma", "P 2.1.1"), ("Gamma", "P 2.1.2")]
    alpha = m[(m["unit"] == "Alpha") & (m["key_question"] == "P2.1.2")].iloc[0]
    assert (alpha["n_sufficient"], alpha["n_relevant"]) == (6, 9)
    assert alpha["percent"] == pytest.approx(200 / 3)
    assert alpha["key_question_text"] == FW.question_text("P2.1.2")
    assert math.isnan(m[(m["unit"] == "Beta") & (m["key_question"] == "P2.1.2")].iloc[0]["percent"])
    assert "North East" not in set(m["unit"])  # the regional inspection is not a PDU


def test_key_questions_sort_as_numbers():
    m = compare.key_question_matrix(tallies((1, "P2.1.10", 1, 2), (1, "P2.1.9", 1, 2), (1, "P2.1.1", 1, 2)), INSPECTIONS)
    assert list(m["key_question"]) == ["P2.1.1", "P2.1.9", "P2.1.10"]


def test_pdu_beside_its_region_and_the_nation():
    ins = pd.concat([INSPECTIONS, inspections((6, "pdu", "North East", "Alpha", "2024-25"))], ignore_index=True)
    t = pd.concat([TALLIES, tallies((6, "P2.1.1", 0, 50))], ignore_index=True)
    out = compare.unit_vs_region_vs_nation(t, ins, 1)
    p211 = out[out["key_question"] == "P2.1.1"].set_index("comparison")
    assert list(p211.index) == ["unit", "region", "nation"]
    assert list(p211["name"]) == ["Alpha", "North East", "National"]
    assert tuple(p211.loc["unit", ["n_sufficient", "n_relevant"]]) == (8, 10)
    assert tuple(p211.loc["region", ["n_sufficient", "n_relevant", "n_inspections"]]) == (10, 14, 2)  # Alpha + Beta
    assert tuple(p211.loc["nation", ["n_sufficient", "n_relevant", "n_inspections"]]) == (40, 54, 3)  # not the 2024-25 round
    assert p211.loc["nation", "percent"] == pytest.approx(100 * 40 / 54)
    assert set(out["key_question_label"]) == {"P 2.1.1", "P 2.1.2"}


def test_a_region_is_compared_with_the_nation_only():
    out = compare.unit_vs_region_vs_nation(TALLIES, INSPECTIONS, 4)
    assert list(out["comparison"]) == ["unit", "nation"]
    assert tuple(out.iloc[0][["n_sufficient", "n_relevant"]]) == (6, 9)


def test_unknown_inspection_is_refused():
    with pytest.raises(InputError):
        compare.unit_vs_region_vs_nation(TALLIES, INSPECTIONS, 99)


# -- funnel ---------------------------------------------------------------------------------------

def test_funnel_limits_at_a_given_number_of_cases():
    # p = 0.7, n = 100: sd = sqrt(0.21 / 100) = 0.045826; 95%: 1.95996 sd = 8.982 points; 99.8%: 3.09023 sd = 14.161 points
    row = compare.funnel_limits(70.0, [100]).iloc[0]
    assert row["lower_95"] == pytest.approx(61.018, abs=1e-3)
    assert row["upper_95"] == pytest.approx(78.982, abs=1e-3)
    assert row["lower_998"] == pytest.approx(55.839, abs=1e-3)
    assert row["upper_998"] == pytest.approx(84.161, abs=1e-3)


def test_funnel_limits_narrow_as_cases_grow_and_stay_within_0_to_100():
    lim = compare.funnel_limits(95.0, [5, 50, 500])
    assert (lim["upper_95"] <= 100).all() and lim["upper_998"].iloc[0] == 100.0
    widths = (lim["upper_95"] - lim["lower_95"]).to_numpy()
    assert widths[0] > widths[1] > widths[2]


def test_funnel_places_each_pdu_against_the_national_rate():
    frame = pd.DataFrame({"unit": list("ABCDEF"), "n_sufficient": [50, 60, 70, 80, 90, 0], "n_relevant": [100] * 5 + [0]})
    out = compare.funnel(frame).set_index("unit")
    assert "F" not in out.index  # nothing relevant: cannot be placed
    assert np.allclose(out["national_percent"], 70.0)  # 350 of 500
    assert list(out["position"]) == ["below 99.8% limit", "below 95% limit", "within limits", "above 95% limit", "above 99.8% limit"]
    assert out.loc["A", "lower_95"] == pytest.approx(61.018, abs=1e-3)


def test_funnel_uses_a_given_national_rate():
    out = compare.funnel(pd.DataFrame({"unit": ["A"], "n_sufficient": [70], "n_relevant": [100]}), national_percent=50.0)
    assert out.iloc[0]["national_percent"] == 50.0 and out.iloc[0]["position"] == "above 99.8% limit"


def test_funnel_refuses_several_key_questions_at_once():
    with pytest.raises(InputError):
        compare.funnel(compare.key_question_matrix(TALLIES, INSPECTIONS))


def test_funnel_curve_spans_the_cases():
    curve = compare.funnel_curve(60.0, 150, n_min=10)
    assert curve["n"].iloc[0] == pytest.approx(10) and curve["n"].iloc[-1] == pytest.approx(150)
    assert curve["n"].is_monotonic_increasing


# -- breakdowns -----------------------------------------------------------------------------------------

def answers(*rows) -> pd.DataFrame:
    """(case_id, code, value, practitioner_grade)"""
    return pd.DataFrame([(1, c, f"C{c}", "sentence-management", code, v, g) for c, code, v, g in rows],
                        columns=["inspection_id", "case_id", "case_ref", "case_type", "code", "value", "practitioner_grade"])


ANSWERS = answers(
    (1, "MO", "Yes", "PO"), (2, "MO", "Yes", "PO"), (3, "MO", "Yes", "PO"), (4, "MO", "No", "PO"), (5, "MO", "N/A", "PO"),
    (6, "MO", "Yes", "PSO"), (7, "MO", "No", "PSO"),
    (8, "MO", "No", None),
    (1, "P2.1.1", "No", "PO"),  # another question: not counted
)


def test_breakdown_by_practitioner_grade():
    out = compare.breakdown(ANSWERS, ["MO"], "practitioner_grade", FW.attribute("practitioner_grade").values).set_index("group")
    assert list(out.index) == ["PO", "PSO", compare.NOT_RECORDED]
    assert tuple(out.loc["PO", ["n_cases", "n_sufficient", "n_relevant", "n_na"]]) == (5, 3, 4, 1)
    assert out.loc["PO", "percent"] == pytest.approx(75.0)
    assert tuple(out.loc["PSO", ["n_sufficient", "n_relevant"]]) == (1, 2)
    assert tuple(out.loc[compare.NOT_RECORDED, ["n_sufficient", "n_relevant"]]) == (0, 1)
    assert np.allclose(out["overall_percent"], 100 * 4 / 7)  # 4 of 7 relevant answers in all
    assert out.loc["PO", "difference"] == pytest.approx(75.0 - 100 * 4 / 7)
    assert out["small_sample"].all()
    assert out.loc["PO", "percent_low"] == pytest.approx(30.064, abs=1e-3)  # Wilson 3 of 4


def test_breakdown_of_a_theme_pools_its_questions_answer_by_answer():
    a = pd.concat([ANSWERS, answers((1, "DA", "Yes", "PO"), (2, "DA", "No", "PO"))], ignore_index=True)
    out = compare.breakdown(a, ["MO", "DA"], "practitioner_grade").set_index("group")
    assert tuple(out.loc["PO", ["n_cases", "n_sufficient", "n_relevant"]]) == (5, 4, 6)


def test_breakdown_by_an_attribute_no_case_records():
    out = compare.breakdown(ANSWERS, ["MO"], "ethnicity")
    assert list(out["group"]) == [compare.NOT_RECORDED] and out.iloc[0]["n_relevant"] == 7


def test_breakdown_of_nothing_is_empty():
    assert compare.breakdown(ANSWERS, ["CS"], "practitioner_grade").empty


# -- trend ------------------------------------------------------------------------------------------------

def test_trend_lists_a_units_ratings_round_by_round_with_the_overall_last():
    r = pd.DataFrame([
        ("Alpha", "pdu", "2025-26", "OVERALL", "Overall rating", "Good", 2),
        ("Alpha", "pdu", "2025-26", "P2.1", "Assessment", "Good", 2),
        ("Alpha", "pdu", "2024-25", "P2.1", "Assessment", "Inadequate", 0),
        ("North East", "region", "2025-26", "R2.1", "Public protection", "Good", 2),
        ("Beta", "pdu", "2025-26", "P2.1", "Assessment", "Outstanding", 3),
    ], columns=["unit", "level", "round", "standard", "standard_name", "rating", "rating_value"])
    out = compare.trend(r, "Alpha")
    assert list(zip(out["round"], out["standard_label"], out["rating"])) == [
        ("2024-25", "P 2.1", "Inadequate"), ("2025-26", "P 2.1", "Good"), ("2025-26", "Overall", "Good")]
    assert compare.trend(r, "North East", level="pdu").empty


def test_labelled_tables_read_in_the_inspectorates_words():
    out = compare.labelled(compare.with_intervals(pd.DataFrame({"unit": ["A"], "n_sufficient": [2], "n_relevant": [3]})))
    assert list(out.columns) == ["Unit", "Sufficient", "Relevant", "Sufficient (%)", "95% interval", "Small sample"]
    assert out.iloc[0]["Sufficient (%)"] == 66.7
    assert out.iloc[0]["95% interval"] == "20.8–93.9%"
    assert out.iloc[0]["Small sample"] == "Yes"


def test_the_bars_show_the_best_and_worst_few_or_every_unit_grouped_by_region():
    table = compare.with_intervals(pd.DataFrame({"region": ["R1"] * 6 + ["R2"] * 6, "unit": [f"U{i}" for i in range(12)],
                                                 "n_sufficient": list(range(12)), "n_relevant": [20] * 12}))
    few = compare.bar_rows(table, few=3)
    assert list(few["section"]) == ["Highest 3"] * 3 + ["Lowest 3"] * 3
    assert list(few["unit"]) == ["U11", "U10", "U9", "U2", "U1", "U0"]
    assert list(few["bar_label"]) == ["U11 (R2)", "U10 (R2)", "U9 (R2)", "U2 (R1)", "U1 (R1)", "U0 (R1)"]  # each with its region
    every = compare.bar_rows(table, few=3, show_all=True)
    assert list(every["section"]) == ["R1"] * 6 + ["R2"] * 6
    assert list(every["unit"]) == [f"U{i}" for i in (5, 4, 3, 2, 1, 0, 11, 10, 9, 8, 7, 6)]
    assert list(every["bar_label"]) == list(every["unit"])  # the region is the section above them


def test_a_regional_inspection_among_the_best_and_worst_few_is_named_as_a_region():
    table = compare.with_intervals(pd.DataFrame({"region": ["North"] * 4 + ["South"] * 4,
                                                 "unit": ["North", "A", "B", "C", "South", "D", "E", "F"],
                                                 "level": ["region", "pdu", "pdu", "pdu", "region", "pdu", "pdu", "pdu"],
                                                 "n_sufficient": [19, 1, 2, 3, 0, 5, 6, 7], "n_relevant": [20] * 8}))
    few = compare.bar_rows(table, few=2)
    assert list(few["bar_label"]) == ["North (region)", "F (South)", "A (North)", "South (region)"]


# -- from a real store -------------------------------------------------------------------------------------

@pytest.fixture
def theme_store(store):
    with Session(store) as s, s.begin():
        ne = Region(name="North East")
        s.add(ne)
        s.flush()
        for unit, rows in (("Alpha", [("PO", "Yes", "Yes"), ("PO", "No", "Yes"), ("PSO", "Yes", "N/A")]),
                           ("Beta", [("PSO", "No", "No"), ("PQiP", "Yes", "Yes")])):
            ins = Inspection(level="pdu", region=ne, pdu=PDU(region=ne, name=unit), unit_name=unit, framework="hmip-2025",
                             round="2025-26", fieldwork_start=dt.date(2025, 6, 1), status="fieldwork", synthetic=True)
            s.add(ins)
            s.flush()
            up = Upload(inspection_id=ins.id, kind="test", version=1, is_current=True, file_name="t",
                        sha256=unit.ljust(64, "0")[:64], uploaded_by="test", counts={})
            s.add(up)
            s.flush()
            store_cases(s, up.id, ins.id, "sentence-management",
                        [(f"{unit}-{i}", {"practitioner_grade": grade, "sex": "Female"}, {"MO": mo, "DA": da})
                         for i, (grade, mo, da) in enumerate(rows)])
    return store


def test_themes_and_breakdowns_read_from_the_store(theme_store):
    ds = load_dataset(theme_store, Scope.national())
    units = compare.theme_sufficiency(ds.counts, ds.inspections, FW, "management-oversight").set_index("unit")
    assert tuple(units.loc["Alpha", ["n_sufficient", "n_relevant"]]) == (2, 3)
    assert tuple(units.loc["Beta", ["n_sufficient", "n_relevant"]]) == (1, 2)
    da = compare.theme_sufficiency(ds.counts, ds.inspections, FW, "domestic-abuse-enquiries", by="nation").iloc[0]
    assert (da["n_sufficient"], da["n_relevant"], da["n_na"]) == (3, 4, 1)
    codes = compare.stored_codes(FW, FW.theme("management-oversight").items)
    split = compare.breakdown(case_answers(theme_store, Scope.national(), codes=codes), codes, "practitioner_grade",
                              FW.attribute("practitioner_grade").values).set_index("group")
    assert list(split.index) == ["PO", "PSO", "PQiP"]
    assert tuple(split.loc["PSO", ["n_cases", "n_sufficient", "n_relevant"]]) == (2, 1, 2)
    assert np.isclose(split.loc["PO", "percent"], 50.0)
