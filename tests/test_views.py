"""The tables and sentences the pages show and export (core.views, core.exports): ranked worst first
with numeric scores, the why of a rating in words, small samples marked with their reason, and a
download that is the table shown."""
from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest

from core import views
from core.exports import annex_workbook_bytes, csv_bytes, excel_bytes
from core.ratings import OVERALL


def _unit(ins, unit, rating, score, max_score, d2=(), region="North"):
    rows = [{"inspection_id": ins, "unit": unit, "level": "pdu", "region": region, "round": "2025-26", "framework": "hmip-2025",
             "standard": OVERALL, "standard_name": "", "domain": None, "rating": rating, "score": score, "max_score": max_score,
             "n_sufficient": None, "n_relevant": None, "p_different": None, "source": "overall", "basis": ""}]
    for std, r, y, n, p in d2:
        rows.append({"inspection_id": ins, "unit": unit, "level": "pdu", "region": region, "round": "2025-26",
                     "framework": "hmip-2025", "standard": std, "standard_name": "Assessment", "domain": 2, "rating": r,
                     "score": None, "max_score": None, "n_sufficient": y, "n_relevant": n, "p_different": p,
                     "source": "computed", "basis": "", "driving_key_question": std + ".1"})
    return rows


RATINGS = pd.DataFrame(
    _unit(1, "Alpha", "Good", 14, 21) + _unit(2, "Beta", "Requires improvement", 10, 21, [("P2.1", "Good", 7, 8, 0.53)])
    + _unit(3, "Gamma", "Requires improvement", 4, 21) + _unit(4, "Delta", None, None, None) + _unit(5, "Epsilon", "Inadequate", 2, 24))


def test_units_open_worst_first_by_rating_then_score_share_with_numbers_not_text():
    units = views.overview_units(RATINGS)
    assert list(units["Unit"]) == ["Epsilon", "Gamma", "Beta", "Alpha", "Delta"]
    assert units["Score"].dtype == "Int64" and list(units["Score"].iloc[:4]) == [2, 4, 10, 14]
    assert list(units["Out of"].iloc[:4]) == [24, 21, 21, 21]
    assert list(views.overview_units(RATINGS, "best")["Unit"]) == ["Alpha", "Beta", "Gamma", "Epsilon", "Delta"]
    assert list(views.overview_units(RATINGS, "name")["Unit"]) == ["Alpha", "Beta", "Delta", "Epsilon", "Gamma"]


def test_a_unit_resting_on_a_small_sample_is_marked_with_its_reason_and_linked_to_its_scorecard():
    beta = views.overview_units(RATINGS).set_index("Unit").loc["Beta"]
    assert beta["Overall rating"] == "Requires improvement ⚠"
    assert beta["Read with care"] == ("Read with care: P 2.1 only 8 relevant cases (fewer than 20); "
                                      "a 53.0% chance of another rating (30% or more)")
    assert beta["Scorecard"] == "./scorecard?round=2025-26&region=North&unit=Beta"


def test_pdus_and_regions_are_counted_apart():
    region = pd.DataFrame(_unit(9, "North", "Good", 12, 24)).assign(level="region")
    counts = views.unit_counts(views.overview_units(pd.concat([RATINGS, region])))
    assert counts == {"PDUs": 5, "Regions": 1, "Rated overall": 5, "Inadequate overall": 1}


def test_the_why_of_a_rating_is_said_in_words_with_its_count_percentage_threshold_interval_and_chance():
    rows = pd.DataFrame(_unit(1, "Alpha", "Good", 14, 21, [("P2.1", "Requires improvement", 21, 79, 0.12)])).assign(
        ci_low=[None, 0.179], ci_high=[None, 0.374])
    why = views.why_table(rows, lambda code: "Is it good?", {"Outstanding": 80, "Good": 65, "Requires improvement": 50,
                                                              "Inadequate": 0})
    (head, sentence), = views.why_sentences(why)
    assert head == "P 2.1 Assessment: Requires improvement"
    assert sentence == ("Driven by P 2.1.1 “Is it good?”: 21 of 79 cases sufficient (26.6%), at or above the 50% for Requires "
                        "improvement, below the 65% needed for Good. 95% interval 17.9–37.4%. Chance of another rating: 12.0%.")


def _csv(frame):
    return list(csv.reader(io.StringIO(csv_bytes(frame).decode("utf-8-sig"))))


def test_a_download_is_the_table_shown_same_headings_rounding_and_order_and_no_empty_none():
    units = views.overview_units(RATINGS)
    rows = _csv(units)
    assert rows[0] == list(units.columns)
    assert [r[0] for r in rows[1:]] == list(units["Unit"])
    delta = rows[-1]
    assert delta[1:4] == ["", "", ""]  # no rating, no score: empty, not None or nan
    assert "None" not in str(rows) and "nan" not in str(rows)
    book = openpyxl.load_workbook(io.BytesIO(excel_bytes({"overview": units})))
    sheet = book["overview"]
    assert [c.value for c in sheet[1]] == list(units.columns)
    assert [c.value for c in sheet["A"]][1:] == list(units["Unit"])


def test_a_cell_that_would_run_as_a_formula_is_neutralised_in_downloads():
    rows = _csv(pd.DataFrame({"Unit": ["=HYPERLINK(\"http://x\")", "fine\x07"]}))
    # and a control character is written as an escape, as every command prints it (core.csvio.printable)
    assert rows[1] == ["'=HYPERLINK(\"http://x\")"] and rows[2] == ["fine\\x07"]


def test_the_annex_workbook_reads_as_the_published_annex_ratings_score_overall_then_key_questions():
    ratings = pd.DataFrame(_unit(1, "Alpha", "Good", 14, 21, [("P2.1", "Good", 60, 80, 0.1)]))
    annex = views.annex_table(ratings, 1)
    kq = pd.DataFrame({"Standard": ["P 2.1"], "Key question": ["P 2.1.1"], "Cases sufficient": [60], "Relevant cases": [80],
                       "Sufficient (%)": [75.0], "95% interval": ["64.5–83.2%"]})
    book = openpyxl.load_workbook(io.BytesIO(annex_workbook_bytes(views.annex_layout("Alpha PDU: ratings annex", "North", annex, kq))))
    values = [[c for c in row if c is not None] for row in book.active.iter_rows(values_only=True)]
    values = [v for v in values if v]
    assert values[0] == ["Alpha PDU: ratings annex"]
    assert values[2] == ["Ratings by standard"]
    assert values[3] == ["Standard", "Name", "Rating"]
    assert values[4] == ["P 2.1", "Assessment", "Good"]
    assert values[5] == ["Score", "14/21"] and values[6] == ["Overall", "Good"]
    assert values[7] == ["Domain two key questions"]
    assert values[9] == ["P 2.1", "P 2.1.1", 60, 80, 75, "64.5–83.2%"]


@pytest.mark.parametrize("status, head", [
    ("loaded", "a.xlsx was loaded as version 1 of the sentence management cases for Essex North PDU (East)."),
    ("already loaded", "a.xlsx was already loaded as version 1: nothing changed.")])
def test_an_upload_receipt_reads_in_sentences_with_the_hash_left_to_the_details(status, head):
    from core.store.uploads import Receipt

    receipt = Receipt(status=status, file_name="a.xlsx", kind="cases", inspection_id=1, inspection="x", region="East",
                      unit="Essex North", level="pdu", framework="hmip-2025", round="2025-26", version=1, upload_id=3,
                      sha256="ab" * 32, uploaded_by="me", counts={"cases": 11, "answers": 33})
    said, details = views.receipt_sentences(receipt, lambda f: "the 2025 framework")
    assert said == head
    assert "11 cases and 33 answers" in details and "the 2025 framework" in details
    assert "ab" * 32 not in said + details
    assert "ab" * 32 in views.receipt_details(receipt)["Value"].tolist()


def test_the_reasons_of_every_unit_at_once_are_each_units_own():
    """``unit_reasons`` works out every unit in one pass (the Overview of a national round): each unit's
    reason is the one its own rows give, and a unit with nothing to read with care is left out."""
    ratings = pd.concat([RATINGS, pd.DataFrame(
        _unit(6, "Zeta", "Good", 15, 21, [("P2.1", "Good", 30, 40, 0.45), ("P2.2", "Inadequate", 3, 9, 0.1)], region="South")
        + _unit(7, "Eta", "Good", 15, 21, [("P2.1", "Good", 60, 70, 0.02)], region="South"))])
    reasons = views.unit_reasons(ratings)
    for key, rows in ratings.groupby(views.UNIT_KEYS, sort=False):
        own = views.unit_reason(rows)
        assert reasons.get(key, "") == own, key
    assert set(k[2] for k in reasons) == {"Beta", "Zeta"}
    zeta = reasons[("South", "pdu", "Zeta", "2025-26")]
    assert "P 2.1" in zeta and "P 2.2" in zeta and zeta.startswith("Read with care: ")
    units = views.overview_units(ratings).set_index("Unit")
    assert units.loc["Zeta", "Read with care"] == zeta and units.loc["Eta", "Read with care"] == ""
    assert units.loc["Zeta", "Standards rated"] == "2 of 2" and units.loc["Delta", "Score"] is pd.NA
