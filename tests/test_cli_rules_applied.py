"""Issue 8's command-line contracts: DECISION RULEs applied by ``score``, no overall for an incomplete
unit, names matched as the store matches them, thresholds to one decimal place."""
from __future__ import annotations

import csv
import io

import pytest

from core.cli import main

PDU_STANDARDS = ("P 1.1", "P 1.2", "P 1.3", "P 2.1", "P 2.2", "P 2.3", "P 2.4")
REGION_STANDARDS = ("R 1.1", "R 1.2", "R 2.1", "R 2.2", "R 2.3", "R 2.4", "R 2.5", "R 2.6")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, list(csv.DictReader(io.StringIO(out))), err


def unit_csv(tmp_path, *units: tuple[str, dict[str, str]]) -> str:
    lines = ["unit,standard,rating"] + [f"{unit},{code},{rating}" for unit, ratings in units for code, rating in ratings.items()]
    path = tmp_path / "units.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def pdu(**by_code) -> dict[str, str]:
    return {code: by_code[code.replace(" ", "").replace(".", "_")] for code in PDU_STANDARDS if code.replace(" ", "").replace(".", "_") in by_code}


def test_a_pdu_proposing_outstanding_with_p23_requires_improvement_scores_16_of_21_good(tmp_path, capsys):
    # without the DECISION RULEs applied this is 18/21 Outstanding
    f = unit_csv(tmp_path, ("Essex North", pdu(P1_1="Outstanding", P1_2="Outstanding", P1_3="Outstanding", P2_1="Outstanding",
                                                P2_2="Outstanding", P2_3="Requires improvement", P2_4="Good")))
    code, rows, err = run(capsys, "score", "--framework", "hmip-2025", f)
    assert code == 0, err
    row = rows[0]
    assert (row["score_text"], row["overall_rating"]) == ("16/21", "Good")
    assert row["decision_rules"] == ("proposed Outstanding; DECISION RULE P 1.1 not met (P 2.3 Requires improvement): counts as Good; "
                                     "proposed Outstanding; DECISION RULE P 1.3 not met (P 2.3 Requires improvement): counts as Good")


def test_a_region_proposing_outstanding_leadership_with_r25_requires_improvement_scores_20_of_24_good(tmp_path, capsys):
    ratings = dict(zip(REGION_STANDARDS, ["Outstanding", "Good", "Outstanding", "Outstanding", "Outstanding", "Outstanding",
                                          "Requires improvement", "Outstanding"]))
    code, rows, err = run(capsys, "score", "--framework", "hmip-2025", unit_csv(tmp_path, ("South West", ratings)))
    assert code == 0, err
    assert (rows[0]["score_text"], rows[0]["overall_rating"]) == ("20/24", "Good")
    assert rows[0]["decision_rules"] == "proposed Outstanding; DECISION RULE R 1.1 not met (R 2.5 Requires improvement): counts as Good"


def test_guidance_is_only_flagged_and_a_kept_rule_changes_nothing(tmp_path, capsys):
    # P 1.1 Good with an Inadequate domain two rating is outside DECISION GUIDANCE: it counts as proposed
    f = unit_csv(tmp_path, ("A", pdu(P1_1="Good", P1_2="Good", P1_3="Outstanding", P2_1="Inadequate", P2_2="Good", P2_3="Good",
                                      P2_4="Good")))
    code, rows, _ = run(capsys, "score", "--framework", "hmip-2025", f)
    assert code == 0
    assert (rows[0]["score"], rows[0]["decision_rules"]) == ("13", "")


def test_score_says_a_rule_is_not_checked_where_the_domain_two_ratings_are_not_given(tmp_path, capsys):
    f = unit_csv(tmp_path, ("A", {"P 1.1": "Outstanding", "P 1.3": "Outstanding"}))
    code, rows, _ = run(capsys, "score", "--framework", "hmip-2025", f)
    assert code == 0
    assert "P 1.1 Outstanding: DECISION RULE not checked (domain two not yet rated" in rows[0]["decision_rules"]
    assert "P 1.3 Outstanding: DECISION RULE not checked (P 2.3 not yet rated)" in rows[0]["decision_rules"]


def test_an_incomplete_unit_gets_no_overall_and_its_missing_standards_are_named(tmp_path, capsys):
    code, rows, _ = run(capsys, "score", "--framework", "hmip-2025", unit_csv(tmp_path, ("A", {"P 1.1": "Outstanding"})))
    assert code == 0
    row = rows[0]
    assert (row["overall_rating"], row["score_text"]) == ("", "")
    assert row["missing_standards"] == "P 1.2|P 1.3|P 2.1|P 2.2|P 2.3|P 2.4"
    assert row["basis"] == "no overall rating: P 1.2, P 1.3, P 2.1, P 2.2, P 2.3, P 2.4 not given"


def test_not_inspected_is_not_missing(tmp_path, capsys):
    f = unit_csv(tmp_path, ("A", pdu(P1_1="Good", P1_2="Good", P1_3="Outstanding", P2_1="Good", P2_2="Good",
                                      P2_3="Not inspected", P2_4="Good")))
    code, rows, _ = run(capsys, "score", "--framework", "hmip-2025", f)
    assert code == 0
    # P 1.3's rule leaves a Not inspected P 2.3 out, as P 1.1's leaves out domain two standards not inspected
    assert (rows[0]["score_text"], rows[0]["overall_rating"], rows[0]["decision_rules"]) == ("13/18", "Good", "")


def test_score_matches_units_by_canonical_name(tmp_path, capsys):
    path = tmp_path / "units.csv"
    path.write_text("unit,standard,rating\nEssex North,P 1.1,Good\nessex  north,P 1.2,Good\n", encoding="utf-8")
    code, rows, _ = run(capsys, "score", "--framework", "hmip-2025", str(path))
    assert code == 0
    assert [(r["unit"], r["standards_rated"]) for r in rows] == [("Essex North", "2")]
    path.write_text("unit,standard,rating\nEssex North,P 1.1,Good\nessex  north,P 1.1,Good\n", encoding="utf-8")
    code, _, err = run(capsys, "score", "--framework", "hmip-2025", str(path))
    assert code == 2 and "row 3" in err and "P 1.1 is given twice for 'Essex North'" in err


def test_staffing_refuses_a_pdu_given_twice_under_two_spellings(tmp_path, capsys):
    path = tmp_path / "pdus.csv"
    path.write_text("pdu,rating\nCardiff North,Good\ncardiff  north,Good\n", encoding="utf-8")
    code, _, err = run(capsys, "staffing", "--framework", "hmip-2025", "--region", "Wales", "--regional-question", "yes", str(path))
    assert code == 2
    assert "row 3" in err and "'cardiff  north' is 'Cardiff North' again" in err and "Traceback" not in err


@pytest.mark.parametrize("thresholds, value", [("80,66.666666667,50", "66.666666667"), ("80.05,65,50", "80.05")])
def test_band_refuses_thresholds_finer_than_a_tenth_naming_the_value(tmp_path, capsys, thresholds, value):
    path = tmp_path / "kq.csv"
    path.write_text("unit,standard,key_question,n_sufficient,n_relevant\nA,P 2.1,P 2.1.1,2,3\n", encoding="utf-8")
    code, _, err = run(capsys, "band", "--framework", "hmip-2025", "--thresholds", thresholds, str(path))
    assert code == 2
    assert f"{value} has more than one decimal place" in err


def test_band_takes_thresholds_to_a_tenth_and_compares_exactly(tmp_path, capsys):
    path = tmp_path / "kq.csv"
    path.write_text("unit,standard,key_question,n_sufficient,n_relevant\nA,P 2.1,P 2.1.1,2,3\n", encoding="utf-8")
    _, rows, _ = run(capsys, "band", "--framework", "hmip-2025", "--thresholds", "80,66.7,50", str(path))
    assert rows[0]["rating"] == "Requires improvement"  # 2 of 3 is 66.666...%, below 66.7%
    _, rows, _ = run(capsys, "band", "--framework", "hmip-2025", "--thresholds", "80,66.6,50", str(path))
    assert rows[0]["rating"] == "Good"
